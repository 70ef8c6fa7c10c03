// The cost of the run-queue locks (src/kernel/sched/rq_lock.ts) on cross-core wake-ups:
// test/machine/linux/rq_pingpong.c, two threads pinned to cores 1 and 2 of 4 handing a turn back
// and forth with futexes (every hand-off a wake-up onto the other core). Deterministic
// (threads: 1), 100 MHz; and both threads on the one core of a 1-core machine. One JSON line per
// tree, core count and memory model: simulated cycles per hand-off (of core 1, or core 0), and
// (this tree) what the locks took: cycles per hand-off, per wake-up onto the other core, and
// HITMs on the runqueues[N].__lock lines. Against caa03fd (before the lock) the 4-core caches
// figure fell from 10,452 to 2,134 cycles per hand-off, not by the lock: that run loop let a core
// that went idle jump up to a quantum ahead while the task it had just woken still waited on the
// other (idle) core (fixed since: cores/core_group.ts idleJumpEnd); 1 core has no such race, its
// difference is the lock's. With --base DIR the same run on another checkout (e.g. main, whose
// kernel takes no lock word) gives the before figure; all figures are simulated, so exact.
//   npx tsx bench/rq_lock.ts [--base DIR] [HANDOFFS]
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { R_HITM } from '../cores/c2c_recorder.ts';
import { crossCompilePthread } from '../test/helpers/cross.ts';
import type { RunResult } from '../src/machine/machine.ts';

const args = process.argv.slice(2);
const at = args.indexOf('--base');
const base = at >= 0 ? resolve(args.splice(at, 2)[1]!) : undefined;
const n = Number(args[0] ?? 1000);
const elf = crossCompilePthread(new URL('../test/machine/linux/rq_pingpong.c', import.meta.url));

async function one(tree: string, memory: 'flat' | 'caches', cores: number) {
  const { makeConfig } = await import(pathToFileURL(`${tree}/src/machine/config.ts`).href);
  const { runMachine } = await import(pathToFileURL(`${tree}/src/machine/machine.ts`).href);
  const config = makeConfig({ boot: 'linux', memory, cores, threads: 1, clockHz: 100_000_000 });
  const [a, b] = cores === 1 ? [0, 0] : [1, 2];
  const r = (await runMachine(config, elf, { stdout: () => {}, stderr: () => {}, linux: { execfn: '/rq_pingpong', args: [String(a), String(b), String(n)] } })) as RunResult;
  if (r.exitCode !== 0) throw new Error(`${tree}: exit ${r.exitCode}: ${r.error ?? ''}`);
  const handoffs = 2 * n;
  const rq = r.process?.sched?.rqLock;
  const busy = cores === 1 ? [0] : [1, 2];
  const cyc = busy.reduce((t, c) => t + r.cores[c]!.cycles, 0);
  const line: Record<string, unknown> = { tree: tree === here ? 'this' : tree, memory, cores, handoffs, cyclesPerHandoff: +(r.cores[busy[0]!]!.cycles / handoffs).toFixed(1) };
  if (rq) {
    line.lockCyclesPerHandoff = +(busy.reduce((t, c) => t + rq.cycles[c]!, 0) / handoffs).toFixed(1);
    line.lockShareOfCycles = +(busy.reduce((t, c) => t + rq.cycles[c]!, 0) / cyc).toFixed(4);
    // 4 cores: core 1 takes queue 2's lock once per wake-up of core 2's thread.
    if (cores > 1) line.lockCyclesPerRemoteAcquire = +(rq.cycles[1]! / Math.max(1, rq.remoteAcquires[2]!)).toFixed(1);
    line.acquires = rq.acquires;
    line.remoteAcquires = rq.remoteAcquires;
    let hitm = 0;
    for (const e of r.c2cEntries ?? []) if (rq.pa.includes(e.line + e.offset)) hitm += e.counts[R_HITM]!;
    line.lockHitm = hitm;
  }
  console.log(JSON.stringify(line));
}

const here = resolve(new URL('..', import.meta.url).pathname);
for (const cores of [1, 4]) {
  for (const memory of ['caches', 'flat'] as const) {
    if (base) await one(base, memory, cores);
    await one(here, memory, cores);
  }
}

// RT tasks across cores under `--boot linux --cores 4 --threads 1` (deterministic): the rt push/pull
// of sched/rt_push.ts and the cpupri placement of select_task_rq_rt, seen by a glibc pthreads
// program (test/machine/linux/rt_smp.c, Debian's riscv64-linux-gnu-gcc -static -pthread).
// Times are the guest's CLOCK_MONOTONIC in µs (simulated; 50 MHz cores).

import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired } from '../helpers/qemu.ts';
import { simulatedSched } from '../helpers/guest_tree.ts';

const have = crossInstalled || qemuRequired;
let bin: Uint8Array;

async function run(mode: string) {
  const out = sink();
  const err = sink();
  const config = makeConfig({ boot: 'linux', memory: 'flat', cores: 4, threads: 1, clockHz: 50_000_000 });
  const r = await runMachine(config, bin, { stdout: out.out, stderr: err.out, linux: { execfn: '/rt_smp', args: [mode] } });
  expect(r.error).toBeUndefined();
  expect(r.exitCode).toBe(0);
  return { r, out: out.text(), err: err.text() };
}

/** qemu-riscv64's stdout for the same mode (the host's own cores and scheduler: only the line that
 *  does not depend on them is compared). */
function qemuOut(mode: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'smpemu-qemu-')), 'rt_smp');
  writeFileSync(file, bin);
  chmodSync(file, 0o755);
  return spawnSync('qemu-riscv64', [file, mode], { encoding: 'utf8', timeout: 30_000 }).stdout;
}

function nums(line: string | undefined): number[] {
  if (!line) throw new Error('missing line');
  return [...line.matchAll(/(?<!\d)-?\d+/g)].map((m) => Number(m[0])); // '-' after a digit separates
}

describe.skipIf(!have)('--boot linux on 4 cores: rt tasks move between cores (push, pull, select_task_rq_rt)', () => {
  beforeAll(() => {
    bin = crossCompilePthread(new URL('./linux/rt_smp.c', import.meta.url));
  }, 120_000);

  it('4 SCHED_FIFO threads created by a FIFO 90 thread, with CFS spinners on the other cores, all run at once, each on its own core', async () => {
    const { r, out, err } = await run('spread');
    expect(out).toBe('spread: 4 FIFO threads done\n');
    const [t0, created] = nums(err.split('\n').find((l) => l.startsWith('created ')));
    const fifo = err.split('\n').filter((l) => l.startsWith('fifo ')).map((l) => {
      const [i, cpu, start, saw, end, endCpu] = nums(l);
      return { i: i!, cpu: cpu!, start: start!, saw: saw!, end: end!, endCpu: endCpu! };
    });
    console.log(`spread: creates ${t0}-${created}us; ${fifo.map((f) => `#${f.i} cpu ${f.cpu}→${f.endCpu} start ${f.start}us saw ${f.saw}`).join(', ')}; RES ${r.process?.sched?.reschedIpis}`);
    expect(fifo).toHaveLength(4);
    expect(fifo.every((f) => f.saw === 4)).toBe(true); // each saw all four in at once
    expect(new Set(fifo.map((f) => f.endCpu)).size).toBe(4); // once all are in, each on its own core
    // all started within 0.5 simulated ms of the last pthread_create's return; none waited the 50 ms
    for (const f of fifo) expect(f.start - created!).toBeLessThan(500);
    for (const f of fifo) expect(f.end - f.start).toBeLessThan(1000);
    if (qemuInstalled || qemuRequired) expect(qemuOut('spread')).toBe(out);
  }, 120_000);

  it('an rt thread preempted by a higher one on its core goes on running at once on a core running CFS (pushed, with a reschedule IPI)', async () => {
    const { r, out, err } = await run('push');
    expect(out).toBe('push: H and L done\n');
    const [, hWoke, hEnd] = nums(err.split('\n').find((l) => l.startsWith('post ')));
    const [first, , , , samples, movedTo, movedAt, gap] = nums(err.split('\n').find((l) => l.startsWith('l first ')));
    console.log(`push: H ran ${hWoke}-${hEnd}us; L on ${first}, moved to ${movedTo} ${movedAt! - hWoke!}us after H woke; longest gap ${gap}us; ${samples} samples; RES ${r.process?.sched?.reschedIpis}`);
    expect(first).toBe(1);
    expect(movedTo).not.toBe(1);
    expect(movedTo).toBeGreaterThanOrEqual(0);
    expect(movedAt! - hWoke!).toBeLessThan(500); // at once, well inside a tick (4 ms)
    expect(gap).toBeLessThan(500); // L never stopped for long while H ran
    expect(hEnd! - hWoke!).toBeGreaterThanOrEqual(20_000);
    expect(r.process!.sched!.reschedIpis![movedTo!]).toBeGreaterThanOrEqual(1); // the push's IPI, in RES
    if (qemuInstalled || qemuRequired) expect(qemuOut('push')).toBe(out);
  }, 120_000);

  it('the same simulated numbers on two runs (push and pull are deterministic)', async () => {
    const a = await run('push');
    const b = await run('push');
    expect(b.err).toBe(a.err);
    const strip = (x: typeof a) => ({ cores: x.r.cores.map((c) => [c.instructions, c.cycles]), sched: simulatedSched(x.r) }); // host time aside
    expect(strip(b)).toEqual(strip(a));
  }, 120_000);

  it('pinned to its core, the preempted rt thread waits while the higher one runs', async () => {
    const { out, err } = await run('pinned');
    expect(out).toBe('pinned: H and L done\n');
    const [, hWoke, hEnd] = nums(err.split('\n').find((l) => l.startsWith('post ')));
    const [first, , last, , , movedTo, , gap, gapAt] = nums(err.split('\n').find((l) => l.startsWith('l first ')));
    console.log(`pinned: H ran ${hWoke}-${hEnd}us; L stopped ${gap}us from ${gapAt! - hWoke!}us after H woke`);
    expect([first, last, movedTo]).toEqual([1, 1, -1]);
    expect(gap).toBeGreaterThanOrEqual(hEnd! - hWoke! - 500);
    if (qemuInstalled || qemuRequired) expect(qemuOut('pinned')).toBe(out);
  }, 120_000);
});

// Parallel --boot linux's remote traps (src/kernel/remote/), host time:
//   1. the mailbox round trip alone: this thread posts a call for core 1 and parks on its
//      doorbell; a worker (workers/remote_echo.ts) serves it by returning the context. Both
//      park (Atomics.wait) as the machine's workers do.
//   2. syscalls per host second from a program of N getppid ecalls: on core 0 of one worker,
//      on core 0 of worker 0 with 2 workers (the home: its slices are capped to poll the
//      mailboxes), and on core 1 of worker 1 (every syscall a remote call). The per-syscall
//      cost is the slope between two N (best of two runs each), so startup cancels out.
//   npx tsx bench/remote.ts [ROUND_TRIPS] [N1] [N2]
// Prints one JSON line per measurement. Not asserted anywhere (timing is noise here).
import { assembleProgram } from '../src/asm/program.ts';
import { makeConfig } from '../src/machine/config.ts';
import { runMachine } from '../src/machine/machine.ts';
import { spawnTsWorker } from '../src/machine/spawn.ts';
import { allocRemoteBuffer, K_TRAP, Mailboxes, MB_REPLY } from '../src/kernel/remote/mailbox.ts';

const trips = Number(process.argv[2] ?? 20000);
const n1 = Number(process.argv[3] ?? 20000);
const n2 = Number(process.argv[4] ?? 200000);

async function roundTrip(): Promise<void> {
  const buffer = allocRemoteBuffer(2, 2, 0);
  const mb = new Mailboxes(buffer, 2, 2, 0);
  const w = spawnTsWorker(new URL('./workers/remote_echo.ts', import.meta.url), { buffer, calls: trips + 1000 });
  const cpu = { pc: 0x10000, cycle: 0, instret: 0, xl: new Int32Array(33), xh: new Int32Array(33) };
  const call = () => {
    mb.post(1, K_TRAP, 1, 0, cpu, 8, 0, 0);
    mb.ring(0);
    for (;;) {
      const seen = mb.doorbell(1);
      if (mb.state(1) === MB_REPLY) break;
      mb.park(1, seen, 1000);
    }
    mb.getContext(1, cpu);
    mb.release(1);
  };
  for (let i = 0; i < 1000; i++) call(); // warm-up (and the worker's start)
  const t0 = performance.now();
  for (let i = 0; i < trips; i++) call();
  const ns = ((performance.now() - t0) * 1e6) / trips;
  await w.terminate();
  console.log(JSON.stringify({ bench: 'remote.roundTrip', trips, nsPerCall: Math.round(ns) }));
}

function program(n: number): Uint8Array {
  return assembleProgram(`
    li s0, ${n}
  loop:
    li a7, 173
    ecall
    addi s0, s0, -1
    bnez s0, loop
    li a7, 94
    li a0, 0
    ecall
  `, { codeBase: 0x10000, dataBase: 0x20000 });
}

async function hostMs(n: number, threads: number, startCore: number): Promise<number> {
  const t0 = performance.now();
  const r = await runMachine(makeConfig({ boot: 'linux', memory: 'flat', cores: 2, threads }), program(n), { stdout: () => {}, stderr: () => {}, linux: startCore !== 0 ? { affinity: [startCore] } : {} });
  if (r.exitCode !== 0) throw new Error(`syscall loop: exit ${r.exitCode} ${r.error ?? ''}`);
  return performance.now() - t0;
}

await roundTrip();
for (const [where, threads, startCore] of [['core 0, 1 worker', 1, 0], ['core 0 (home), 2 workers', 2, 0], ['core 1 (remote), 2 workers', 2, 1]] as const) {
  await hostMs(n1, threads, startCore); // warm the bundle cache
  // The best of two runs of each length: this host is shared, the noise only ever adds.
  const a = Math.min(await hostMs(n1, threads, startCore), await hostMs(n1, threads, startCore));
  const b = Math.min(await hostMs(n2, threads, startCore), await hostMs(n2, threads, startCore));
  const nsPerSyscall = ((b - a) * 1e6) / (n2 - n1);
  // wholeRunPerSec: N2 over the whole run, startup included (a floor the noise cannot push up).
  console.log(JSON.stringify({ bench: 'remote.syscalls', where, n1, n2, msN1: Math.round(a), msN2: Math.round(b), nsPerSyscall: Math.round(nsPerSyscall), syscallsPerSec: Math.round(1e9 / nsPerSyscall), wholeRunPerSec: Math.round((n2 * 1000) / b) }));
}

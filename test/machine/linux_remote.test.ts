// Parallel --boot linux: cores hosted by workers other than core 0's enter the kernel by
// remote calls served in core 0's worker (src/kernel/remote/). The first process is pinned
// to core 1 (--affinity 1: exec'd on core 0, it moves before it runs) so that every syscall,
// page fault, tick and idle entry of it is a remote call; the recorded programs must still print what qemu-riscv64 prints. Then
// glibc pthreads programs with threads on every core: the same output and status on 1 worker
// and on 2 or 4.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BARRIER_BASE, EXIT_CODE, REASON, STOP_CRASH } from '../../shared/control.ts';
import { barrierIsAborted } from '../../shared/sync/barrier.ts';
import { QUANTUM_GROWTH_LINUX } from '../../cores/quantum.ts';
import { bootLinux } from '../../src/machine/boot.ts';
import { makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { spawnPool } from '../../src/machine/pool.ts';
import { watchRun } from '../../src/machine/watch.ts';
import { linuxBin, linuxCases, linuxDataDir, type LinuxCase } from '../helpers/linux_cases.ts';
import { sink } from '../helpers/program.ts';
import { crossCompile, crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { qemuRequired } from '../helpers/qemu.ts';
import { analyzeC2c } from '../../src/report/c2c.ts';
import { SymbolTable } from '../../src/loader/symbols.ts';
import { parseElf } from '../../src/loader/elf.ts';
import { withEnv } from '../helpers/env.ts';

const cases = linuxCases();
const byId = (id: string) => cases.find((c) => c.id === id)!;
const spec = (c: LinuxCase) => ({ execfn: `/${c.program}`, args: c.args, envp: Object.entries(c.env).map(([k, v]) => `${k}=${v}`), root: linuxDataDir });

async function runCase(c: LinuxCase, o: { memory: MemoryModel; threads: number; pin: number; cores?: number }) {
  const out = sink();
  const r = await runMachine(makeConfig({ boot: 'linux', memory: o.memory, cores: o.cores ?? 2, threads: o.threads }), readFileSync(linuxBin(c.program)), {
    stdout: out.out,
    stderr: () => {},
    linux: { ...spec(c), ...(o.pin !== 0 ? { affinity: [o.pin] } : {}) },
  });
  return { r, stdout: out.text() };
}

describe('--boot linux, the process on a core of another worker (remote traps)', () => {
  for (const c of cases) {
    it(`${c.id} on core 1 of worker 1 (--memory flat): qemu's stdout and status`, async () => {
      const { r, stdout } = await runCase(c, { memory: 'flat', threads: 2, pin: 1 });
      expect(stdout).toBe(c.expectedStdout.toString('utf8'));
      expect(r.exitCode).toBe(c.expectedStatus);
      // Without fork every instruction is core 1's (a forked child may be placed on core 0).
      if (c.program !== 'forkwait') expect(r.cores[0]!.instructions, 'core 0 ran nothing').toBe(0);
      expect(r.cores[1]!.instructions).toBeGreaterThan(0);
    }, 120_000);
  }

  it.each(['hello', 'forkwait', 'readfile_arg', 'tlb_stride_1024x2'])('%s with caches: qemu\'s output; the kernel\'s copies for core 1 are counted on core 1, as many lines as in one worker', async (id) => {
    const c = byId(id);
    const par = await runCase(c, { memory: 'caches', threads: 2, pin: 1 });
    const det = await runCase(c, { memory: 'caches', threads: 1, pin: 1 });
    expect(par.stdout).toBe(c.expectedStdout.toString('utf8'));
    expect(par.r.exitCode).toBe(c.expectedStatus);
    expect(det.stdout).toBe(par.stdout);
    const k = (x: typeof par) => x.r.cores.map((core) => [core.kernelReads, core.kernelWrites]);
    expect(k(par)).toEqual(k(det));
    expect(par.r.cores[1]!.kernelWrites).toBeGreaterThan(0);
    // Same instructions retired; cycles differ a little (the home's view has its own L1 tags and TLB).
    expect(par.r.cores.map((x) => x.instructions)).toEqual(det.r.cores.map((x) => x.instructions));
  }, 120_000);

  it('a SIGSEGV on the remote core names that core and exits 139', async () => {
    const { r } = await runCase(byId('segv'), { memory: 'flat', threads: 2, pin: 1 });
    expect(r.exitCode).toBe(139);
    expect(r.error).toMatch(/^core 1: pid 1 \(segv\) SIGSEGV at pc 0x[0-9a-f]+ \(main\+0x[0-9a-f]+\): store to 0x10 outside any mapping/);
  }, 60_000);

  it('3 workers, the process on core 2: the same output as on core 0 of one worker', async () => {
    const c = byId('forkwait');
    const { r, stdout } = await runCase(c, { memory: 'flat', threads: 3, pin: 2, cores: 3 });
    expect(stdout).toBe(c.expectedStdout.toString('utf8'));
    expect(r.exitCode).toBe(c.expectedStatus);
  }, 60_000);

  it('a one-task run on core 0 counts the same on 1 worker and 2: the idle remote core changes nothing but its own clock', async () => {
    for (const id of ['hello', 'malloc_story']) {
      const c = byId(id);
      const one = await runCase(c, { memory: 'caches', threads: 1, pin: 0 });
      const two = await runCase(c, { memory: 'caches', threads: 2, pin: 0 });
      expect(two.stdout).toBe(one.stdout);
      expect(two.r.exitCode).toBe(one.r.exitCode);
      const core0 = (x: typeof one) => [x.r.cores[0]!.instructions, x.r.cores[0]!.cycles, x.r.cores[0]!.counters, x.r.cores[1]!.instructions];
      expect(core0(two)).toEqual(core0(one));
    }
  }, 300_000);
});

describe('--boot linux remote traps: a dying worker ends the run with an error, never a hang', () => {
  const DYING = new URL('./workers/dying_remote.ts', import.meta.url);

  async function dying(die: string) {
    const c = byId('hello');
    const config = makeConfig({ boot: 'linux', memory: 'flat', cores: 2, threads: 2 });
    const booted = bootLinux(config, readFileSync(linuxBin(c.program)), { ...spec(c), affinity: [1] });
    return withEnv('SMPEMU_TEST_DIE', die, async () => {
      const pool = spawnPool(config, booted, { stdout: () => {}, stderr: () => {} }, DYING);
      await watchRun(pool, booted.control, config.cores, { watchdogMs: 30_000 });
      return { pool, i32: booted.control.i32 };
    });
  }

  it('the caller dies right after posting a call: the home serves it, nobody waits forever', async () => {
    const { pool, i32 } = await dying('caller:5');
    expect(pool.outcome.crash).toBe('worker 1 (cores 1) crashed: exited with code 9 before finishing');
    expect([Atomics.load(i32, REASON), Atomics.load(i32, EXIT_CODE)]).toEqual([STOP_CRASH, 70]);
    expect(barrierIsAborted(i32, BARRIER_BASE)).toBe(true);
  }, 60_000);

  it('the home dies while serving: the caller stops waiting and the run ends with the first crash', async () => {
    const { pool, i32 } = await dying('home:5');
    expect(pool.outcome.crash).toBe('worker 0 (cores 0) crashed: exited with code 9 before finishing');
    expect(Atomics.load(i32, REASON)).toBe(STOP_CRASH);
    expect(pool.outcome.reports).toEqual([]);
  }, 60_000);
});

describe.skipIf(!crossInstalled && !qemuRequired)('--boot linux pthreads on the cores of every worker', () => {
  const prog = (name: string) => crossCompile(new URL(`./linux/${name}.c`, import.meta.url));

  async function run(program: Uint8Array, o: { memory: MemoryModel; cores: number; threads: number }, args: string[] = []) {
    const out = sink();
    const err = sink();
    const r = await runMachine(makeConfig({ boot: 'linux', ...o }), program, { stdout: out.out, stderr: err.out, linux: { execfn: '/threads', args } });
    return { r, out: out.text(), err: err.text() };
  }

  it.each([
    { memory: 'flat' as const, threads: 4 },
    { memory: 'flat' as const, threads: 2 },
    { memory: 'caches' as const, threads: 4 },
  ])('16 threads on one pthread mutex, 4 cores, %o: the exact total; every core ran threads', async (o) => {
    const { r, out } = await run(prog('threads2'), { ...o, cores: 4 }, ['mutex']);
    expect(r.error).toBeUndefined();
    expect(out).toBe('counter 320000\n');
    expect(r.process!.sched!.threads).toBe(16);
    for (const c of r.cores) expect(c.instructions, `core ${c.id}`).toBeGreaterThan(100_000);
  }, 180_000);

  it('threads.c (mutex, condition variable, joins) on 4 cores of 4 workers: what qemu prints', async () => {
    const { r, out, err } = await run(prog('threads'), { memory: 'caches', cores: 4, threads: 4 });
    expect(r.exitCode).toBe(0);
    expect(out).toBe('affinity: 1\ncounters 80000 shared 80000 returns 60 waiter 7 tids differ 1111\n');
    expect(err).toBe('Threads:\t6\n');
  }, 120_000);

  it('output, stderr and exit status are the same on 1 and 4 workers, for every pthreads mode and every recorded case', async () => {
    const runs: [string, Uint8Array, string[]][] = [
      ['threads', prog('threads'), []],
      ['threads2 mutex', prog('threads2'), ['mutex']],
      ['threads2 exit', prog('threads2'), ['exit']],
      ['threads2 segv', prog('threads2'), ['segv']],
      ['remote_fault', prog('remote_fault'), []],
      // sched_setaffinity of threads running on cores 1-3: the kernel takes each one's registers from its worker first.
      ['sched_smp move', crossCompilePthread(new URL('./linux/sched_smp.c', import.meta.url)), ['move']],
    ];
    for (const [name, bin, args] of runs) {
      const one = await run(bin, { memory: 'flat', cores: 4, threads: 1 }, args);
      const four = await run(bin, { memory: 'flat', cores: 4, threads: 4 }, args);
      expect([four.out, four.err, four.r.exitCode], name).toEqual([one.out, one.err, one.r.exitCode]);
    }
    for (const c of cases) {
      const one = await runCase(c, { memory: 'flat', threads: 1, pin: 0, cores: 4 });
      const four = await runCase(c, { memory: 'flat', threads: 4, pin: 0, cores: 4 });
      expect([four.stdout, four.r.exitCode], c.id).toEqual([one.stdout, one.r.exitCode]);
      expect(four.stdout, c.id).toBe(c.expectedStdout.toString('utf8'));
    }
  }, 600_000);

  it('--affinity naming only cores of other workers: pid 1 runs there (sched_smp where: 1 and 4 workers agree)', async () => {
    const bin = crossCompilePthread(new URL('./linux/sched_smp.c', import.meta.url));
    for (const cpus of [[1], [3], [2, 3]]) {
      const at = async (threads: number) => {
        const out = sink();
        const r = await runMachine(makeConfig({ boot: 'linux', memory: 'flat', cores: 4, threads }), bin, { stdout: out.out, stderr: () => {}, linux: { execfn: '/sched_smp', args: ['where'], affinity: cpus } });
        return { r, out: out.text() };
      };
      const one = await at(1);
      const four = await at(4);
      expect(four.r.exitCode).toBe(0);
      expect(four.out).toBe(one.out);
      expect(four.out.split('\n')[0]).toBe(`cpu ${cpus[0]} count ${cpus.length}`);
      expect(four.r.cores[0]!.instructions).toBe(0);
    }
  }, 120_000);

  it('a SIGSEGV in a thread on core 3 (another worker) names core 3 and exits 139', async () => {
    const { r, out } = await run(prog('remote_fault'), { memory: 'flat', cores: 4, threads: 4 });
    expect(out).toBe('thread on cpu 3\n');
    expect(r.exitCode).toBe(139);
    expect(r.error).toMatch(/^core 3: pid 1 \(threads\) SIGSEGV at pc 0x[0-9a-f]+ \(crash\+0x[0-9a-f]+\): store to 0x10 outside any mapping/);
  }, 60_000);
});

describe.skipIf(!crossInstalled && !qemuRequired)('--boot linux TLB shootdowns to cores of other workers (flush logs, acked)', () => {
  // test/machine/linux/shootdown.c (linux_shootdown.test.ts on 1 worker): main pinned to core 0
  // munmaps pages two threads pinned to cores 1 and 2 read; with 4 workers both are remote.
  async function run(threads: number, memory: MemoryModel, args: string[]) {
    const out = sink();
    const bin = crossCompilePthread(new URL('./linux/shootdown.c', import.meta.url));
    const r = await runMachine(makeConfig({ boot: 'linux', memory, cores: 4, threads, clockHz: 100_000_000 }), bin, { stdout: out.out, stderr: () => {}, linux: { execfn: '/shootdown', args } });
    return { r, out: out.text(), sent: r.cores.map((c) => c.tlb!.shootdownsSent), received: r.cores.map((c) => c.tlb!.shootdownsReceived) };
  }

  it.each([
    { threads: 4, memory: 'flat' as const },
    { threads: 2, memory: 'flat' as const },
    { threads: 4, memory: 'caches' as const },
  ])('each munmap: 2 sent from core 0, 1 received on each of cores 1 and 2, as on 1 worker (%o)', async ({ threads, memory }) => {
    const a = await run(threads, memory, ['2']);
    const b = await run(threads, memory, ['6']);
    expect(a.out).toBe('rounds 2 bad 0\n');
    expect(b.out).toBe('rounds 6 bad 0\n');
    expect(b.sent.map((x, i) => x - a.sent[i]!)).toEqual([8, 0, 0, 0]);
    expect(b.received.map((x, i) => x - a.received[i]!)).toEqual([0, 4, 4, 0]);
    expect(b.r.cores[3]!.instructions).toBe(0);
  }, 180_000);

  it('a read on core 1 (another worker) after munmap returned faults: SIGSEGV (139)', async () => {
    const { r, out } = await run(4, 'flat', ['6', 'after']);
    expect(out).toBe('');
    expect(r.exitCode).toBe(139);
    expect(r.error).toMatch(/^core 1: pid 1 \(shootdown\) SIGSEGV at pc 0x[0-9a-f]+ \(reader\+0x[0-9a-f]+\): load from 0x[0-9a-f]+ outside any mapping/);
  }, 60_000);
});

describe('--boot linux c2c in parallel mode', () => {
  it('fs_packed on 4 cores of 4 workers: qemu\'s output; `counters` is false sharing, named by virtual address, symbol and pid/comm', async () => {
    const c = byId('fs_packed');
    const elf = readFileSync(linuxBin(c.program));
    const out = sink();
    const r = await runMachine(makeConfig({ boot: 'linux', memory: 'caches', cores: 4, threads: 4 }), elf, { stdout: out.out, stderr: () => {}, linux: spec(c) });
    expect(r.error).toBeUndefined();
    expect(out.text()).toBe(c.expectedStdout.toString('utf8'));
    const symbols = new SymbolTable(parseElf(elf).symbols);
    const lines = analyzeC2c(r.c2cEntries ?? [], symbols, r.config.caches.lineBytes, { physical: true });
    const l = lines.find((x) => x.symbol === 'counters')!;
    expect(l).toBeDefined();
    expect(l.vaddr).toBe(symbols.find('counters')!.value);
    expect([l.pid, l.comm, l.verdict]).toEqual([1, 'fs_packed', 'false sharing']);
    expect(l.hitm).toBeGreaterThan(0);
    // Writers on cores of different workers (the threads ran remotely).
    const writers = new Set(l.offsets.flatMap((o) => o.writers));
    expect([...writers].some((w) => w !== 0)).toBe(true);
  }, 300_000);
});

describe('--boot linux: the adaptive quantum in parallel mode (cores/quantum.ts)', () => {
  const padded = () => readFileSync(linuxBin('fs_padded'));
  async function run(elf: Uint8Array, args: string[], threads: number, affinity?: number[]) {
    const out = sink();
    const r = await runMachine(makeConfig({ boot: 'linux', memory: 'flat', cores: 4, threads }), elf, {
      stdout: out.out, stderr: () => {}, linux: { execfn: '/prog', args, ...(affinity ? { affinity } : {}) },
    });
    return { r, out: out.text() };
  }

  it('compute-bound threads (fs_padded, 4 cores on 2 workers): quanta between kernel entries lengthen, up to 16 times (SPMD: 64); the output is exact', async () => {
    const { r, out } = await run(padded(), ['3000000'], 2);
    expect(r.error).toBeUndefined();
    expect(out).toContain('total = 12000000 expected 12000000 OK');
    const host = r.host!;
    expect(host).toHaveLength(2);
    for (const h of host) {
      expect(h.maxQuantum).toBe(20_000 * QUANTUM_GROWTH_LINUX);
      expect(h.longQuanta).toBeGreaterThan(0);
      // Both workers ran the same quanta: they agree on every quantum's end.
      expect(h.quanta).toBe(host[0]!.quanta);
    }
  }, 120_000);

  it('an idle core enters the kernel (its idle loop) every quantum: hello on core 0 with 3 idle cores keeps the configured quantum', async () => {
    const { r, out } = await run(readFileSync(linuxBin('hello')), [], 2);
    expect(r.exitCode).toBe(0);
    expect(out).toContain('hello');
    for (const h of r.host!) expect(h.longQuanta).toBe(0);
  }, 120_000);
});

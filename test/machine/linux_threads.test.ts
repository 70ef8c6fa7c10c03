// glibc pthreads under `--boot linux` (test/machine/linux/threads.c, built with Debian's
// riscv64-linux-gnu-gcc -static -pthread): clone with CLONE_THREAD, futex waits and wakes
// through the scheduler (mutex, condition variable, pthread_join on CLONE_CHILD_CLEARTID),
// thread exit vs exit_group, gettid, sched_getaffinity, futex's errno for bad arguments. Output as qemu-riscv64's.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired, runQemu } from '../helpers/qemu.ts';
import { PERCPU_PAGES } from '../../src/kernel/sched/rq_lock.ts';
import { simulatedSched } from '../helpers/guest_tree.ts';

const have = crossInstalled || qemuRequired;

let bin: Uint8Array;
let bin2: Uint8Array;
let prodcons: Uint8Array;
let badstack: Uint8Array;

async function run(o: { memory: MemoryModel; cores: number; threads: number }, program = bin, args: string[] = [], proc?: string[]) {
  const out = sink();
  const err = sink();
  const r = await runMachine(makeConfig({ boot: 'linux', ...o }), program, { stdout: out.out, stderr: err.out, linux: { execfn: '/threads', args, ...(proc ? { proc } : {}) } });
  return { r, out: out.text(), err: err.text() };
}

describe.skipIf(!have)('--boot linux: glibc pthreads', () => {
  beforeAll(() => {
    bin = crossCompilePthread(new URL('./linux/threads.c', import.meta.url));
    bin2 = crossCompilePthread(new URL('./linux/threads2.c', import.meta.url));
    prodcons = crossCompilePthread(new URL('./linux/prodcons.c', import.meta.url));
    badstack = crossCompilePthread(new URL('./linux/clone_badstack.c', import.meta.url));
  }, 120_000);

  it.each([
    { memory: 'flat' as const, cores: 1, threads: 1 },
    { memory: 'caches' as const, cores: 2, threads: 2 },
  ])('4 workers and a condition-variable waiter: exact totals, joins, as qemu (%o)', async (o) => {
    const { r, out, err } = await run(o);
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    // /proc/self/status while they run: the main thread, the waiter and 4 workers.
    expect(err).toBe('Threads:\t6\n');
    const expected = 'affinity: 1\ncounters 80000 shared 80000 returns 60 waiter 7 tids differ 1111\n';
    expect(out).toBe(expected);
    if (qemuInstalled || qemuRequired) expect((await runQemu(bin)).stdout.toString('utf8')).toBe(expected);
    const s = r.process!.sched!;
    expect(s.threads).toBe(5);
    expect(s.forks).toBe(0);
    expect(s.tasks).toBe(1);
    expect(r.process!.pgalloc - r.process!.pgfree).toBe(1 + PERCPU_PAGES);
    expect(r.unimplementedSyscalls.filter((x) => x.name !== 'rseq' && x.name !== 'clone3')).toEqual([]);
  }, 60_000);

  it.each(['flat', 'caches'] as const)('16 threads on one pthread mutex: the exact total; preempted holders make the others sleep in futex waits (--memory %s)', async (memory) => {
    const { r, out } = await run({ memory, cores: 1, threads: 1 }, bin2, ['mutex']);
    expect(r.error).toBeUndefined();
    expect(out).toBe('counter 320000\n');
    const s = r.process!.sched!;
    expect(s.threads).toBe(16);
    // More switches than ticks: some came from futex sleeps, not only from the tick.
    expect(s.switches).toBeGreaterThan(s.ticks);
  }, 120_000);

  it.each([
    { memory: 'flat' as const, cores: 4, threads: 1 },
    { memory: 'caches' as const, cores: 4, threads: 1 },
    { memory: 'flat' as const, cores: 4, threads: 2 },
  ])('a condition-variable producer/consumer with 8 threads (4 producers, 4 consumers, 8 slots): every item taken once, as qemu (%o)', async (o) => {
    const { r, out } = await run(o, prodcons);
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    const expected = 'items 20000 sum 5050010000 expected 5050010000 OK\n';
    expect(out).toBe(expected);
    if (qemuInstalled || qemuRequired) expect((await runQemu(prodcons)).stdout.toString('utf8')).toBe(expected);
    expect(r.process!.sched!.threads).toBe(8);
    // The buffer is small: producers and consumers slept in futex waits on the condition variables.
    expect(r.process!.sched!.switches).toBeGreaterThan(100);
    expect(r.cores.filter((c) => c.instructions > 10_000).length).toBeGreaterThan(1);
  }, 120_000);

  it.each([
    { memory: 'flat' as const, cores: 1, threads: 1 },
    { memory: 'caches' as const, cores: 2, threads: 1 },
    { memory: 'flat' as const, cores: 2, threads: 2 },
  ])('clone of a thread with an unmapped stack: accepted; the child\'s first store faults and SIGSEGV ends the group (139), as qemu (%o)', async (o) => {
    const { r, out } = await run(o, badstack);
    expect(out).toBe('cloning\n');
    expect(r.exitCode).toBe(139);
    expect(r.error).toMatch(/^core \d: pid 1 \(threads\) SIGSEGV at pc 0x[0-9a-f]+ \(main\+0x[0-9a-f]+\): store to 0x[0-9a-f]+ outside any mapping$/);
    if (qemuInstalled || qemuRequired) {
      const q = await runQemu(badstack);
      expect(q.stdout.toString('utf8')).toBe('cloning\n');
      expect(q.signal ?? q.status).toBe(q.signal ? 'SIGSEGV' : 139);
    }
  }, 60_000);

  it('16 threads on one pthread mutex on 4 cores (--threads 1): the exact total, every core ran threads', async () => {
    const { r, out } = await run({ memory: 'flat', cores: 4, threads: 1 }, bin2, ['mutex'], ['/proc/interrupts']);
    expect(r.error).toBeUndefined();
    expect(out).toBe('counter 320000\n');
    expect(r.process!.sched!.threads).toBe(16);
    for (const c of r.cores) expect(c.instructions).toBeGreaterThan(100_000);
    // Wakeups onto other cores' queues were reschedule IPIs (an idle core taking a woken waiter).
    const res = r.process!.sched!.reschedIpis!;
    expect(res.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    // Counted once, by the irq path as each core takes them: /proc/interrupts' RES row at exit
    // is the stats' count (the IPI was never counted at the send as well).
    const row = r.process!.proc!.find((p) => p.path === '/proc/interrupts')!.text.split('\n').find((l) => l.trim().startsWith('RES:'))!;
    expect(row.trim().split(/\s+/).slice(1, 5).map(Number)).toEqual(res);
    expect(r.process!.irq!.res).toEqual(res);
  }, 120_000);

  it.each([['exit', 3], ['segv', 139]] as const)('%s in a thread placed on another core than main: the whole group goes (4 cores)', async (mode, code) => {
    const { r } = await run({ memory: 'flat', cores: 4, threads: 1 }, bin2, [mode]);
    expect(r.exitCode).toBe(code);
  }, 60_000);

  it('exit() in a thread ends the process with its status (exit_group from a non-leader), as qemu', async () => {
    const { r, out } = await run({ memory: 'flat', cores: 1, threads: 1 }, bin2, ['exit']);
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(3);
    expect(out).toBe('exit from a thread\n');
    if (qemuInstalled || qemuRequired) {
      const file = join(mkdtempSync(join(tmpdir(), 'smpemu-qemu-')), 'threads2');
      writeFileSync(file, bin2);
      chmodSync(file, 0o755);
      const q = spawnSync('qemu-riscv64', [file, 'exit'], { encoding: 'utf8', timeout: 30_000 });
      expect(q.status).toBe(3);
      expect(q.stdout).toBe(out);
    }
    expect(r.process!.pgalloc - r.process!.pgfree).toBe(1 + PERCPU_PAGES);
  }, 60_000);

  it.each([
    { memory: 'flat' as const, cores: 1, threads: 1 },
    { memory: 'caches' as const, cores: 2, threads: 2 },
  ])('clone with musl\'s flags (0x7d0f00: CLONE_DETACHED, ignored): the child runs on its stack with tp = tls; PARENT_SETTID, CHILD_CLEARTID and its wake, as qemu (%o)', async (o) => {
    const cf = crossCompilePthread(new URL('./linux/clone_flags.c', import.meta.url));
    const { r, out } = await run(o, cf);
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    const expected = 'flags 0x7d0f00\nclone returned a tid: 1, parent_tid stored: 1\nchild ran: 1, tp = tls: 1, sp on the given stack: 1\n';
    expect(out).toBe(expected);
    if (qemuInstalled || qemuRequired) expect((await runQemu(cf)).stdout.toString('utf8')).toBe(expected);
    expect(r.process!.sched!.threads).toBe(1);
  }, 60_000);

  it('futex with bad arguments: Linux\'s errno (unaligned EINVAL, unmapped EFAULT, a differing word EAGAIN, a bad timespec EINVAL, a short wait ETIMEDOUT, op 99 ENOSYS), and the process runs on, as qemu', async () => {
    const fb = crossCompilePthread(new URL('./linux/futex_bad.c', import.meta.url));
    const { r, out } = await run({ memory: 'flat', cores: 1, threads: 1 }, fb);
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    const line = (what: string) => out.split('\n').find((l) => l.startsWith(what.padEnd(40)))?.replace(/\s+/g, ' ').trim();
    expect(line('wait unaligned')).toBe('wait unaligned -1 EINVAL');
    expect(line('wait unmapped')).toBe('wait unmapped -1 EFAULT');
    expect(line('wait unmapped, shared')).toBe('wait unmapped, shared -1 EFAULT');
    expect(line('wait, word differs')).toBe('wait, word differs -1 EAGAIN');
    expect(line('wait, tv_nsec 1e9')).toBe('wait, tv_nsec 1e9 -1 EINVAL');
    expect(line('wait, 1 us')).toBe('wait, 1 us -1 ETIMEDOUT');
    expect(line('op 99')).toBe('op 99 -1 ENOSYS');
    expect(out.endsWith('done\n')).toBe(true);
    if (qemuInstalled || qemuRequired) expect((await runQemu(fb)).stdout.toString('utf8')).toBe(out);
  }, 60_000);

  it('a thread\'s SIGSEGV kills the process: 139 and the report line', async () => {
    const { r } = await run({ memory: 'flat', cores: 1, threads: 1 }, bin2, ['segv']);
    expect(r.exitCode).toBe(139);
    expect(r.error).toMatch(/SIGSEGV at pc 0x[0-9a-f]+ \(crash\+0x[0-9a-f]+\): store to 0x10 outside any mapping/);
  }, 60_000);

  it('--threads 1 on 2 cores: the threads run on both cores, and two runs give the same simulated numbers', async () => {
    const a = await run({ memory: 'caches', cores: 2, threads: 1 });
    const b = await run({ memory: 'caches', cores: 2, threads: 1 });
    expect(a.out).toBe('affinity: 1\ncounters 80000 shared 80000 returns 60 waiter 7 tids differ 1111\n');
    // Core 1 ran user code: clone placed a thread there (it was idle).
    expect(a.r.cores[1].instructions).toBeGreaterThan(100_000);
    const strip = (x: typeof a) => ({ cores: x.r.cores.map((c) => [c.instructions, c.cycles, c.tlb]), sched: simulatedSched(x.r) });
    expect(strip(b)).toEqual(strip(a));
  }, 60_000);
  it.each([
    { memory: 'flat' as const, cores: 1, threads: 1 },
    { memory: 'caches' as const, cores: 4, threads: 1 },
  ])('fork from a non-main thread: that thread waits for its child while main joins it (the tid word after fork\'s COW still wakes the join); main reaps the exited thread\'s child, as qemu (%o)', async (o) => {
    const tf = crossCompilePthread(new URL('./linux/thread_fork.c', import.meta.url));
    const { r, out } = await run(o, tf);
    expect(r.error).toBeUndefined();
    expect(r.exitCode).toBe(0);
    const expected =
      'thread: wait4 got the child: 1, WIFEXITED 1 WEXITSTATUS 3\n' +
      'main: waitpid got the thread\'s second child: 1, WEXITSTATUS 4\n' +
      'main: no children left: -1\n';
    expect(out).toBe(expected);
    if (qemuInstalled || qemuRequired) expect((await runQemu(tf)).stdout.toString('utf8')).toBe(expected);
    expect(r.process!.sched!.forks).toBe(2);
  }, 60_000);
});

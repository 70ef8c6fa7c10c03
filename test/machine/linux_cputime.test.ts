// User and system time from the cycles each task spent in user mode and in the kernel
// (sched/cputime.ts's vtime, as Linux with VIRT_CPU_ACCOUNTING_GEN): test/machine/linux/cputime.c
// runs a syscall loop and a compute loop as two threads on two cores, then as two child
// processes. getrusage(RUSAGE_THREAD): the syscall thread has stime > utime, the compute
// thread stime under 1% of utime, and utime + stime is the thread's sum_exec_runtime (its
// CLOCK_THREAD_CPUTIME_ID, read between two getrusage calls: it lies between their sums).
// times(), /proc/self/stat and wait4's rusage say the same of the children. Before, all of it
// was user time (stime 0).

import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuRequired } from '../helpers/qemu.ts';

const have = crossInstalled || qemuRequired;
let bin: Uint8Array;

async function run(o: { memory: MemoryModel; threads: number }) {
  const out = sink();
  const err = sink();
  const r = await runMachine(makeConfig({ boot: 'linux', cores: 2, ...o }), bin, { stdout: out.out, stderr: err.out, linux: { execfn: '/cputime', args: [] } });
  const text = err.text();
  const thread = (name: string) => {
    const m = new RegExp(`^thread ${name}: utime_ns (\\d+) stime_ns (\\d+) cpu_ns (\\d+) utime2_ns (\\d+) stime2_ns (\\d+)$`, 'm').exec(text);
    expect(m, `thread ${name} in ${text}`).not.toBeNull();
    const [u1, s1, cpu, u2, s2] = m!.slice(1).map(Number);
    return { u1, s1, cpu, u2, s2 };
  };
  const child = (name: string) => {
    const m = new RegExp(`^child ${name}: times (\\d+) (\\d+) stat (\\d+) (\\d+) wait4_us (\\d+) (\\d+)$`, 'm').exec(text);
    expect(m, `child ${name} in ${text}`).not.toBeNull();
    const [tu, ts, su, ss, wu, ws] = m!.slice(1).map(Number);
    return { tu, ts, su, ss, wu, ws };
  };
  return { r, out: out.text(), sys: thread('sys'), user: thread('user'), csys: child('sys'), cuser: child('user'), text };
}

describe.skipIf(!have)('--boot linux: utime and stime from the cycles spent in user mode and in the kernel', () => {
  beforeAll(() => {
    bin = crossCompilePthread(new URL('./linux/cputime.c', import.meta.url));
  }, 120_000);

  it.each([
    { memory: 'flat' as const, threads: 1 },
    { memory: 'caches' as const, threads: 2 },
  ])('%o', async (o) => {
    const { r, out, sys, user, csys, cuser, text } = await run(o);
    expect(r.error).toBeUndefined();
    expect(out).toBe('done\n');
    // utime + stime = sum_exec_runtime: the clock read between the two getrusage calls lies
    // between their sums (each timeval truncated to µs: up to 2 µs lost).
    for (const t of [sys, user]) {
      expect(t.u1 + t.s1, text).toBeLessThanOrEqual(t.cpu);
      expect(t.cpu, text).toBeLessThanOrEqual(t.u2 + t.s2 + 2_000);
      expect(t.u2 + t.s2 - (t.u1 + t.s1), text).toBeLessThan(20_000); // two syscalls apart
    }
    expect(sys.s1, text).toBeGreaterThan(sys.u1);
    expect(sys.s1, text).toBeGreaterThan(1_000_000); // 20000 syscalls of 100 cycles at least
    expect(user.u1, text).toBeGreaterThan(5_000_000);
    expect(user.s1, text).toBeLessThan(user.u1 / 100);
    // The children, in clock ticks (times, /proc/self/stat) and µs (wait4).
    expect(csys.ts, text).toBeGreaterThan(csys.tu);
    expect(csys.ss, text).toBeGreaterThan(csys.su);
    expect(csys.ws, text).toBeGreaterThan(csys.wu);
    expect(cuser.ts, text).toBe(0);
    expect(cuser.ss, text).toBe(0);
    expect(cuser.tu, text).toBeGreaterThan(0);
    expect(cuser.ws, text).toBeLessThan(cuser.wu / 100);
  }, 180_000);
});

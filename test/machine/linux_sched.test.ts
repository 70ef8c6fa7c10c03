// The scheduling classes from the guest, end to end (syscalls/sched.ts over sched/): glibc pthreads
// programs (test/machine/linux/sched_calls.c, sched_classes.c, Debian's riscv64-linux-gnu-gcc
// -static -pthread) under `--boot linux --cores 1` at a 10 MHz core clock (a simulated second is
// 10M cycles, so runs of seconds stay short on the host). The programs measure in simulated time
// (CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID) and print those numbers to stderr; the tests assert on
// them. Everything here is deterministic: one core, one worker, no host timing.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired } from '../helpers/qemu.ts';

const have = crossInstalled || qemuRequired;
const MS = 1e6;
const CLOCK_HZ = 10_000_000;

let calls: Uint8Array;
let classes: Uint8Array;

async function run(program: Uint8Array, args: string[] = [], memory: 'flat' | 'caches' = 'flat', cores = 1) {
  const out = sink();
  const err = sink();
  const r = await runMachine(makeConfig({ boot: 'linux', cores, threads: 1, memory, clockHz: CLOCK_HZ }), program, {
    stdout: out.out, stderr: err.out, linux: { execfn: '/sched', args },
  });
  expect(r.error).toBeUndefined();
  expect(r.exitCode).toBe(0);
  return { r, out: out.text(), err: err.text() };
}

/** "name a b c" lines of stderr as numbers, by name. */
function nums(err: string, name: string): number[] {
  const line = err.split('\n').find((l) => l.startsWith(name + ' '));
  if (!line) throw new Error(`no "${name}" line in:\n${err}`);
  return line.slice(name.length).trim().split(/\s+/).filter((w) => /^-?\d+$/.test(w)).map(Number);
}

/** "name a-b c-d ..." intervals. */
function intervals(err: string, name: string): [number, number][] {
  const line = err.split('\n').find((l) => l.startsWith(name + ' ') || l === name);
  if (!line) throw new Error(`no "${name}" line in:\n${err}`);
  return [...line.matchAll(/(\d+)-(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

describe.skipIf(!have)('--boot linux --cores 1: scheduling policies from the guest', () => {
  beforeAll(() => {
    calls = crossCompilePthread(new URL('./linux/sched_calls.c', import.meta.url));
    classes = crossCompilePthread(new URL('./linux/sched_classes.c', import.meta.url));
  }, 120_000);

  it('the sched syscalls answer as qemu-riscv64: read-backs, nice, RR interval; bad policy/priority EINVAL, bad pointer EFAULT, unknown pid ESRCH, short sched_attr E2BIG with the size written back', async () => {
    const { r, out } = await run(calls);
    const line = (what: string) => out.split('\n').find((l) => l.startsWith(what.padEnd(44)) || l.trim().startsWith(what))?.replace(/\s+/g, ' ').trim();
    expect(line('setscheduler policy 7')).toBe('setscheduler policy 7 -1 EINVAL');
    expect(line('setscheduler RR prio 100')).toBe('setscheduler RR prio 100 -1 EINVAL');
    expect(line('setscheduler bad param')).toBe('setscheduler bad param -1 EFAULT');
    expect(line('setscheduler no such pid')).toBe('setscheduler no such pid -1 ESRCH');
    expect(line('setattr size 40')).toBe('setattr size 40 -1 E2BIG');
    expect(line('size written back')).toBe('size written back 56');
    expect(line('getattr bad pointer')).toBe('getattr bad pointer -1 EFAULT');
    expect(line('interval')).toBe('interval 0.100000000');
    expect(line('nice(2)')).toBe('nice(2) 5');
    expect(line('getrusage bad pointer')).toBe('getrusage bad pointer -1 EFAULT');
    expect(out.split('\n').length).toBeGreaterThan(90); // the machine kept running to the end
    expect(r.unimplementedSyscalls).toEqual([]);
    if (qemuInstalled || qemuRequired) {
      const file = join(mkdtempSync(join(tmpdir(), 'smpemu-qemu-')), 'sched_calls');
      writeFileSync(file, calls);
      chmodSync(file, 0o755);
      const q = spawnSync('qemu-riscv64', [file], { encoding: 'utf8', timeout: 30_000 });
      expect(q.status).toBe(0);
      expect(out).toBe(q.stdout);
    }
  }, 60_000);

  it.each(['flat', 'caches'] as const)('CFS shares: nice 0 and nice 5 CPU-bound threads on one core split it 1024:335 within 2%% (--memory %s)', async (memory) => {
    const { out, err } = await run(classes, ['nice'], memory);
    expect(out).toBe('nice: both ran\n');
    const [n0, n5] = nums(err, 'nice0');
    process.stderr.write(`nice (${memory}): nice0 ${n0 / MS} ms, nice5 ${n5 / MS} ms, ratio ${(n0 / n5).toFixed(4)} (1024/335 = ${(1024 / 335).toFixed(4)})\n`);
    expect(Math.abs(n0 / n5 / (1024 / 335) - 1)).toBeLessThan(0.02);
    expect(Math.abs(n0 + n5 - 2000 * MS)).toBeLessThan(20 * MS); // the two had the core for the 2 s
  }, 120_000);

  it('SCHED_BATCH weighs as nice 0 (an even split with SCHED_NORMAL); SCHED_IDLE (weight 3) gets under 1%', async () => {
    const { out, err } = await run(classes, ['batch']);
    expect(out).toBe('batch: done\n');
    const lines = err.split('\n');
    const [normal, batch] = lines[0]!.match(/\d+/g)!.map(Number);
    const [normal2, idle] = lines[1]!.match(/\d+/g)!.map(Number);
    process.stderr.write(`batch: normal ${normal! / MS} batch ${batch! / MS} ms; normal ${normal2! / MS} idle ${idle! / MS} ms\n`);
    expect(Math.abs(normal! / batch! - 1)).toBeLessThan(0.02);
    expect(idle! / (normal2! + idle!)).toBeLessThan(0.01);
    expect(idle!).toBeGreaterThan(0); // it ran at all
  }, 120_000);

  it('SCHED_FIFO preempts a CFS thread at once: at its wake-up and at the setscheduler call, well inside a tick', async () => {
    const { out, err } = await run(classes, ['fifo']);
    expect(out).toBe('fifo waiter ran before the poster went on: 1\nfifo thread ran before setscheduler returned: 1\n');
    const [post, woken, afterPost] = nums(err, 'wakeup:');
    const [call, ran, returned] = nums(err, 'setscheduler:');
    process.stderr.write(`fifo: woken ${(woken! - post!) / 1e3} us after the post; ran ${(ran! - call!) / 1e3} us after the setscheduler call\n`);
    const tick = 4 * MS; // HZ 250
    expect(woken! - post!).toBeLessThan(tick / 10);
    expect(woken!).toBeLessThan(afterPost!);
    expect(ran! - call!).toBeLessThan(tick / 10);
    expect(ran!).toBeLessThan(returned!);
  }, 60_000);

  it('two SCHED_RR threads at one priority alternate every 100 ms', async () => {
    const { err } = await run(classes, ['rr']);
    const a = intervals(err, 'rr0').map((x) => ({ who: 0, in: x[0], out: x[1] }));
    const b = intervals(err, 'rr1').map((x) => ({ who: 1, in: x[0], out: x[1] }));
    const all = [...a, ...b].filter((x) => x.out > x.in).sort((x, y) => x.in - y.in);
    process.stderr.write(`rr: ${all.map((x) => `${x.who}:${((x.out - x.in) / MS).toFixed(1)}ms`).join(' ')}\n`);
    expect(all.length).toBeGreaterThanOrEqual(7); // 800 ms
    for (let i = 1; i < all.length; i++) expect(all[i]!.who).toBe(1 - all[i - 1]!.who);
    // Every slice but the first and the last (cut by the end) is RR_TIMESLICE, to a tick.
    for (const x of all.slice(1, -1)) expect(Math.abs(x.out - x.in - 100 * MS)).toBeLessThanOrEqual(4 * MS);
  }, 60_000);

  it('RT throttling: a spinning SCHED_FIFO thread leaves CFS 50 ms (5%) of each 1 s period', async () => {
    const { err } = await run(classes, ['throttle']);
    const [fifoStart, fifoCpu, end] = nums(err, 'throttle: fifo from');
    const w = intervals(err, 'cfs').filter((x) => x[0] < end! && x[1] > x[0]);
    process.stderr.write(`throttle: fifo ${(fifoCpu! / (end! - fifoStart!) * 100).toFixed(2)}% of its window; cfs windows ${w.map((x) => `${(x[0] / MS).toFixed(1)}+${((x[1] - x[0]) / MS).toFixed(1)}ms`).join(' ')}\n`);
    expect(w.length).toBe(3); // one per period of the 3.5 s
    for (let i = 1; i < w.length; i++) {
      expect(Math.abs(w[i]![1] - w[i]![0] - 50 * MS)).toBeLessThanOrEqual(4 * MS); // to a tick
      expect(Math.abs(w[i]![1] - w[i - 1]![1] - 1000 * MS)).toBeLessThanOrEqual(1 * MS); // the period
    }
    expect(w[0]![1] - w[0]![0]).toBeLessThanOrEqual(54 * MS); // the first period began before the spinner
    expect(fifoCpu! / (end! - fifoStart!)).toBeGreaterThan(0.93);
  }, 120_000);

  it('SCHED_DEADLINE: 3 tasks at utilization 0.83 meet every deadline in EDF order; a 4th past 0.95 is EBUSY until they leave', async () => {
    const { out, err } = await run(classes, ['deadline']);
    expect(out).toBe('deadline: errors 0 0 0\ndeadline: a 0.3 task while they run: -1 EBUSY\ndeadline: after they left, a 0.3 task is admitted: 0\n');
    type Job = { task: number; release: number; deadline: number; start: number; done: number };
    const jobs: Job[] = [];
    for (let i = 0; i < 3; i++) {
      const [r0, , period] = nums(err, `dl${i} r0`);
      const iv = intervals(err, `dl${i} r0`);
      expect(iv.length).toBeGreaterThanOrEqual(Math.floor(380 * MS / period!)); // every period of the 400 ms had its job
      iv.forEach(([start, done], k) => jobs.push({ task: i, release: r0! + k * period!, deadline: r0! + (k + 1) * period!, start, done }));
    }
    let slack = Infinity;
    for (const j of jobs) {
      expect(j.start).toBeGreaterThanOrEqual(j.release - 0.1 * MS); // not before its period (r0 is read just after setattr)
      expect(j.done).toBeLessThanOrEqual(j.deadline);
      slack = Math.min(slack, j.deadline - j.done);
    }
    // EDF: a job that starts while another one is pending has the earlier (or equal) deadline.
    let checked = 0;
    for (const a of jobs) {
      for (const b of jobs) {
        if (a.task === b.task || !(b.release + 0.1 * MS <= a.start && b.done > a.start)) continue;
        checked++;
        expect(a.deadline).toBeLessThanOrEqual(b.deadline);
      }
    }
    process.stderr.write(`deadline: ${jobs.length} jobs, least slack ${(slack / MS).toFixed(2)} ms, ${checked} pending pairs in EDF order\n`);
    expect(checked).toBeGreaterThan(10);
  }, 120_000);

  it('SCHED_DEADLINE on 4 cores: 12 tasks at utilization 3.33 (admitted within 4 x 0.95) meet every deadline, spread over every core; a 0.5 task past 3.8 is EBUSY', async () => {
    const { out, err } = await run(classes, ['deadline4'], 'flat', 4);
    expect(out).toBe('deadline4: errors 0\ndeadline4: a 0.5 task while they run: -1 EBUSY\n');
    let jobs = 0;
    let slack = Infinity;
    const cpus = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const [r0, , period] = nums(err, `dl${i} r0`);
      const line = err.split('\n').find((l) => l.startsWith(`dl${i} r0 `))!;
      const iv = [...line.matchAll(/(\d+)-(\d+)@(\d+)/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])]);
      expect(iv.length).toBeGreaterThanOrEqual(Math.floor(380 * MS / period!)); // every period of the 400 ms had its job
      iv.forEach(([start, done, cpu], k) => {
        expect(start).toBeGreaterThanOrEqual(r0! + k * period! - 0.1 * MS);
        expect(done).toBeLessThanOrEqual(r0! + (k + 1) * period!); // its deadline
        slack = Math.min(slack, r0! + (k + 1) * period! - done!);
        cpus.add(cpu!);
        jobs++;
      });
    }
    process.stderr.write(`deadline4: ${jobs} jobs on cores ${[...cpus].sort().join(',')}, least slack ${(slack / MS).toFixed(2)} ms\n`);
    expect([...cpus].sort()).toEqual([0, 1, 2, 3]);
  }, 120_000);

  it('SCHED_DEADLINE bandwidth: a task of 10 ms per 100 ms that never yields is throttled to 10% (an overrun is paid back in the next period); CFS gets the rest', async () => {
    const { out, err } = await run(classes, ['dlhog']);
    expect(out).toBe('dlhog: done\n');
    const [window, dl, cfs] = nums(err, 'dlhog window');
    process.stderr.write(`dlhog: dl ${(dl! / window! * 100).toFixed(2)}%, cfs ${(cfs! / window! * 100).toFixed(2)}% of ${window! / MS} ms\n`);
    expect(dl! / window!).toBeGreaterThan(0.09);
    expect(dl! / window!).toBeLessThan(0.11);
    expect(cfs! / window!).toBeGreaterThan(0.87);
  }, 60_000);

  it('getrusage (self, thread, children), the CPU-time clocks (own, another thread\'s, a process\'s by pid) and times() count the simulated CPU each one burnt', async () => {
    const { out, err } = await run(classes, ['rusage']);
    expect(out).toBe('rusage: child status 0\n');
    const [other, byPid, process_, nobody] = nums(err, 'clocks');
    expect(other!).toBeGreaterThanOrEqual(50 * MS); // pthread_getcpuclockid of a thread that burnt 50 ms and sleeps
    expect(other!).toBeLessThan(51 * MS);
    expect(process_! - byPid!).toBeGreaterThanOrEqual(0); // clock_getcpuclockid(getpid()) is the process clock,
    expect(process_! - byPid!).toBeLessThan(0.1 * MS); // read just before it
    expect(nobody).toBe(-22); // EINVAL: no such thread
    const [self, thread, procClock, threadClock, children] = nums(err, 'self');
    const [utime, cutime, hz, stime, cstime] = nums(err, 'times utime');
    process.stderr.write(`rusage: self ${self! / 1e3} ms thread ${thread! / 1e3} ms children ${children! / 1e3} ms; times ${utime}+${stime}/${cutime}+${cstime} ticks of 1/${hz} s\n`);
    // Threads burnt 50 + 300 + 200 ms, main 100 ms after its start-up; the child 250 ms.
    expect(self! - thread!).toBeGreaterThanOrEqual(550_000);
    expect(self! - thread!).toBeLessThan(555_000);
    expect(thread!).toBeGreaterThanOrEqual(100_000);
    expect(Math.abs(procClock! / 1e3 - self!)).toBeLessThan(100); // the same sum, microseconds apart
    expect(Math.abs(threadClock! / 1e3 - thread!)).toBeLessThan(100);
    expect(children!).toBeGreaterThanOrEqual(250_000);
    expect(children!).toBeLessThan(260_000);
    // burn() loops on clock_gettime: much of it is system time. Each of utime and stime is
    // truncated to ticks on its own: their sum is at most a tick short of the total's.
    expect(cutime! + cstime!).toBeLessThanOrEqual(Math.floor(children! / 10_000));
    expect(cutime! + cstime!).toBeGreaterThanOrEqual(Math.floor(children! / 10_000) - 1);
    expect(cstime).toBeGreaterThan(0);
    expect(nums(err, 'wait4')[0]).toBe(children); // wait4's rusage of the one child reaped
    expect((utime! + stime!) * 10_000).toBeGreaterThanOrEqual(self! - 20_000);
    const [maxSelf, maxThread, maxChildren, hwm] = nums(err, 'maxrss self');
    // get_mm_hiwater_rss in KiB from the mm's rss_stat counters; /proc's VmHWM counts the page
    // tables instead (proc/base.ts), which here differs by a few pages: the same size, in KiB.
    process.stderr.write(`rusage: maxrss ${maxSelf} KiB, VmHWM ${hwm} kB\n`);
    expect(maxThread).toBe(maxSelf);
    expect(Math.abs(maxSelf! / hwm! - 1)).toBeLessThan(0.25);
    expect(maxChildren).toBe(0); // signal->cmaxrss is not kept (the architecture page says so)
  }, 60_000);
});

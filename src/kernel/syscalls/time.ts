// Time (kernel/time/posix-timers.c, posix-cpu-timers.c, time.c, hrtimer.c):
// clock_gettime, clock_getres, gettimeofday, times, nanosleep, clock_nanosleep.
//
// Every clock comes from the calling core's simulated cycles at clockHz:
// MONOTONIC = MONOTONIC_RAW = BOOTTIME = cycles / clockHz (nothing suspends
// and nothing slews); REALTIME = TAI = a fixed boot epoch + MONOTONIC; the
// COARSE clocks stop at the last tick (CONFIG_HZ); the CPU-time clocks read
// the caller's CPU time (by default its core's cycles: one thread per core
// from boot, kernel time included). Cores keep their own cycle counters, so
// a thread that moves between cores may see MONOTONIC step back: the
// scheduler issue must carry a task's clock across a migration.
//
// Sleeping: with a `sleep` option (--boot linux's scheduler) the task sleeps
// until its deadline while the core runs others or idles; without one,
// nanosleep and clock_nanosleep advance the calling core's cycle counter by
// the requested time and return 0 at once.

import {
  EFAULT, EINVAL, EOPNOTSUPP,
  SYS_clock_getres, SYS_clock_gettime, SYS_clock_nanosleep, SYS_gettimeofday, SYS_nanosleep, SYS_times,
} from './numbers.ts';
import { DEFAULT_HZ, USER_HZ } from '../time/tick.ts';
import { NOT_MINE, type SyscallGroup, type SyscallTask } from './task_context.ts';
import { argInt, argULong, putStruct, readStruct, struct } from './uaccess.ts';

export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
export const CLOCK_PROCESS_CPUTIME_ID = 2;
export const CLOCK_THREAD_CPUTIME_ID = 3;
export const CLOCK_MONOTONIC_RAW = 4;
export const CLOCK_REALTIME_COARSE = 5;
export const CLOCK_MONOTONIC_COARSE = 6;
export const CLOCK_BOOTTIME = 7;
export const CLOCK_REALTIME_ALARM = 8;
export const CLOCK_BOOTTIME_ALARM = 9;
export const CLOCK_TAI = 11;
export const TIMER_ABSTIME = 1;

const NSEC_PER_SEC = 1_000_000_000n;

export interface TimeOptions {
  clockHz: number;
  /** CLOCK_REALTIME at boot, in ns since the epoch (fixed, so deterministic runs repeat). */
  bootEpochNs: bigint;
  /** CONFIG_HZ (default 250). */
  hz?: number;
  /** CPU time of the caller's thread or process, in cycles (default: its core's cycle counter). */
  cpuCycles?: (t: SyscallTask, thread: boolean) => number;
  /**
   * CPU time in ns (a scheduler's sum_exec_runtime) of the caller's thread or process (pid 0), or
   * of thread `pid` of the caller's group / process `pid` (-1: no such task, EINVAL); wins over
   * cpuCycles. Without it only the caller's own clocks exist.
   */
  cpuNs?: (t: SyscallTask, thread: boolean, pid: number) => number;
  /** times()'s tms in ns, [utime, stime, cutime, cstime]; default: the process's CPU time as utime. */
  tms?: (t: SyscallTask) => [number, number, number, number];
  /**
   * The sleep itself, given the validated interval in cycles (a scheduler puts the task to sleep
   * and returns 0). Default: the core's clock jumps over the interval.
   */
  sleep?: (t: SyscallTask, cycles: number) => number;
}

/** Simulated nanoseconds for a cycle count, exactly (floor). */
export function cyclesToNs(cycles: number, clockHz: number): bigint {
  return (BigInt(Math.floor(cycles)) * NSEC_PER_SEC) / BigInt(clockHz);
}

/** Cycles to spend for ns nanoseconds (rounded up: a sleep never ends early). */
export function nsToCycles(ns: bigint, clockHz: number): number {
  return Number((ns * BigInt(clockHz) + NSEC_PER_SEC - 1n) / NSEC_PER_SEC);
}

/** What a clock id names: a wall/monotonic kind, or a CPU-time clock of the caller. */
type ClockKind =
  | { kind: 'real' | 'mono' | 'real_coarse' | 'mono_coarse' | 'raw' | 'boot' | 'tai' }
  | { kind: 'cpu'; thread: boolean; sched: boolean; pid: number };

/**
 * clockid_to_kclock plus, for CPU clocks, lookup_task: null for EINVAL. Negative ids are
 * CPU clocks of a pid (~pid << 3 | per-thread bit 4 | PROF 0, VIRT 1, SCHED 2; 3 is a clock fd,
 * and no posix clock devices exist). A pid naming the caller is pid 0; another thread of its
 * group (thread clocks) or another process by its pid (process clocks) is found through
 * `cpuNs` (the scheduler's per-task accounting), else EINVAL.
 */
function decodeClock(id: number, t: SyscallTask, cpuNs?: TimeOptions['cpuNs']): ClockKind | null {
  if (id < 0) {
    const which = id & 3;
    if (which === 3) return null;
    const thread = (id & 4) !== 0;
    let pid = ~(id >> 3);
    if (pid === (thread ? t.tid : t.pid) || pid === t.tid) pid = 0;
    // lookup_task: another task's clock is there only when the scheduler can read it.
    if (pid !== 0 && (!cpuNs || cpuNs(t, thread, pid) < 0)) return null;
    return { kind: 'cpu', thread, sched: which === 2, pid };
  }
  switch (id) {
    case CLOCK_REALTIME: return { kind: 'real' };
    case CLOCK_MONOTONIC: return { kind: 'mono' };
    case CLOCK_PROCESS_CPUTIME_ID: return { kind: 'cpu', thread: false, sched: true, pid: 0 };
    case CLOCK_THREAD_CPUTIME_ID: return { kind: 'cpu', thread: true, sched: true, pid: 0 };
    case CLOCK_MONOTONIC_RAW: return { kind: 'raw' };
    case CLOCK_REALTIME_COARSE: return { kind: 'real_coarse' };
    case CLOCK_MONOTONIC_COARSE: return { kind: 'mono_coarse' };
    case CLOCK_BOOTTIME: return { kind: 'boot' };
    case CLOCK_TAI: return { kind: 'tai' };
    // The alarm clocks need an RTC device, which the machine lacks: EINVAL, as Linux says then.
    default: return null;
  }
}

/** struct timespec / __kernel_timespec (16 bytes: s64 tv_sec, s64 tv_nsec). */
export function encodeTimespec(ns: bigint): Uint8Array {
  const { bytes, dv } = struct(16);
  dv.setBigInt64(0, ns / NSEC_PER_SEC, true);
  dv.setBigInt64(8, ns % NSEC_PER_SEC, true);
  return bytes;
}

export function timeCalls(o: TimeOptions): SyscallGroup {
  const hz = o.hz ?? DEFAULT_HZ;
  const tickNs = (NSEC_PER_SEC + BigInt(hz) / 2n) / BigInt(hz); // TICK_NSEC
  const cpuCycles = o.cpuCycles ?? ((t: SyscallTask) => t.cpu.cycle);
  const mono = (t: SyscallTask) => cyclesToNs(t.cpu.cycle, o.clockHz);

  const read = (c: ClockKind, t: SyscallTask): bigint => {
    switch (c.kind) {
      case 'real': case 'tai': return o.bootEpochNs + mono(t);
      case 'mono': case 'raw': case 'boot': return mono(t);
      case 'mono_coarse': return mono(t) - (mono(t) % tickNs);
      case 'real_coarse': return o.bootEpochNs + mono(t) - (mono(t) % tickNs);
      case 'cpu': return o.cpuNs ? BigInt(Math.floor(Math.max(0, o.cpuNs(t, c.thread, c.pid)))) : cyclesToNs(cpuCycles(t, c.thread), o.clockHz);
    }
  };

  const resolution = (c: ClockKind): bigint => {
    if (c.kind === 'mono_coarse' || c.kind === 'real_coarse') return tickNs;
    if (c.kind === 'cpu' && !c.sched) return (NSEC_PER_SEC + BigInt(hz) - 1n) / BigInt(hz);
    return 1n; // hrtimer_resolution with high-resolution timers; CPUCLOCK_SCHED reports 1 ns too
  };

  /** Reads and validates a user timespec (get_timespec64 + timespec64_valid): ns, or -errno. */
  const getTimespec = (t: SyscallTask, addr: number): bigint | number => {
    const dv = readStruct(t.user, addr, 16);
    if (!dv) return -EFAULT;
    const sec = dv.getBigInt64(0, true);
    const nsec = dv.getBigUint64(8, true);
    if (sec < 0n || nsec >= NSEC_PER_SEC) return -EINVAL;
    return sec * NSEC_PER_SEC + nsec;
  };

  const sleep = (t: SyscallTask, ns: bigint): number => {
    const cycles = nsToCycles(ns, o.clockHz);
    if (o.sleep) return o.sleep(t, cycles);
    // Without a scheduler (see the header): the core's clock jumps over the interval.
    t.cpu.cycle = Math.min(Number.MAX_SAFE_INTEGER, t.cpu.cycle + cycles);
    return 0;
  };

  return (t: SyscallTask, nr: number): number => {
    switch (nr) {
      case SYS_clock_gettime: {
        const c = decodeClock(argInt(t.cpu, 0), t, o.cpuNs);
        if (!c) return -EINVAL;
        return putStruct(t.user, argULong(t.cpu, 1), encodeTimespec(read(c, t)));
      }
      case SYS_clock_getres: {
        const c = decodeClock(argInt(t.cpu, 0), t, o.cpuNs);
        if (!c) return -EINVAL;
        const tp = argULong(t.cpu, 1);
        return tp === 0 ? 0 : putStruct(t.user, tp, encodeTimespec(resolution(c)));
      }
      case SYS_gettimeofday: return gettimeofday(t, o.bootEpochNs + mono(t));
      case SYS_times: {
        const tms = o.tms ? o.tms(t).map((x) => BigInt(Math.floor(x))) : [read({ kind: 'cpu', thread: false, sched: true, pid: 0 }, t), 0n, 0n, 0n];
        return times(t, tms, mono(t), hz, tickNs);
      }
      case SYS_nanosleep: {
        const ns = getTimespec(t, argULong(t.cpu, 0));
        if (typeof ns === 'number') return ns;
        return sleep(t, ns);
      }
      case SYS_clock_nanosleep: {
        const c = decodeClock(argInt(t.cpu, 0), t, o.cpuNs);
        if (!c) return -EINVAL;
        // Clocks without an nsleep method (thread CPU time, RAW, COARSE); a per-thread CPU clock id is EINVAL.
        if (c.kind === 'raw' || c.kind === 'mono_coarse' || c.kind === 'real_coarse') return -EOPNOTSUPP;
        if (c.kind === 'cpu' && c.thread) return argInt(t.cpu, 0) === CLOCK_THREAD_CPUTIME_ID ? -EOPNOTSUPP : -EINVAL;
        const ns = getTimespec(t, argULong(t.cpu, 2));
        if (typeof ns === 'number') return ns;
        if (argInt(t.cpu, 1) & TIMER_ABSTIME) {
          const now = read(c, t);
          return sleep(t, ns > now ? ns - now : 0n);
        }
        return sleep(t, ns);
      }
      default: return NOT_MINE;
    }
  };
}

/** gettimeofday(tv, tz): either may be NULL; tz is sys_tz, zero (UTC, no DST). */
function gettimeofday(t: SyscallTask, realNs: bigint): number {
  const tv = argULong(t.cpu, 0);
  const tz = argULong(t.cpu, 1);
  if (tv !== 0) {
    const { bytes, dv } = struct(16);
    dv.setBigInt64(0, realNs / NSEC_PER_SEC, true);
    dv.setBigInt64(8, (realNs % NSEC_PER_SEC) / 1000n, true);
    if (putStruct(t.user, tv, bytes) < 0) return -EFAULT;
  }
  if (tz !== 0) return putStruct(t.user, tz, new Uint8Array(8));
  return 0;
}

/**
 * times(buf): struct tms in clock_t (USER_HZ) — tms_utime, tms_stime, tms_cutime, tms_cstime
 * from `tms` (ns) — and the return value Linux gives:
 * jiffies_64 in clock_t, counted from INITIAL_JIFFIES (2^32 - 300 * HZ on 64-bit, so the
 * 32-bit jiffies wrap five minutes after boot).
 */
function times(t: SyscallTask, tms: bigint[], monoNs: bigint, hz: number, tickNs: bigint): number {
  const buf = argULong(t.cpu, 0);
  if (buf !== 0) {
    const { bytes, dv } = struct(32);
    for (let i = 0; i < 4; i++) dv.setBigInt64(8 * i, tms[i]! / (NSEC_PER_SEC / BigInt(USER_HZ)), true);
    if (putStruct(t.user, buf, bytes) < 0) return -EFAULT;
  }
  const jiffies = (1n << 32n) - BigInt(300 * hz) + monoNs / tickNs;
  return Number(jiffiesToClockT(jiffies, hz, tickNs));
}

/** jiffies_64_to_clock_t for this HZ. */
function jiffiesToClockT(j: bigint, hz: number, tickNs: bigint): bigint {
  const perUserTick = NSEC_PER_SEC / BigInt(USER_HZ);
  if (tickNs % perUserTick === 0n) {
    if (hz < USER_HZ) return (j * BigInt(USER_HZ)) / BigInt(hz);
    return j / BigInt(hz / USER_HZ);
  }
  return (j * tickNs) / perUserTick;
}

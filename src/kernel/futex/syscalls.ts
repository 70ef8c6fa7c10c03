// The futex system call (kernel/futex/syscalls.c, Linux 6.1: sys_futex, futex_init_timeout,
// do_futex) for riscv64: a0 uaddr, a1 op, a2 val, a3 utime (a struct __kernel_timespec pointer
// for the waits; val2, a plain number, for REQUEUE, CMP_REQUEUE and WAKE_OP), a4 uaddr2, a5 val3.

import { regU, type Cpu } from '../cpu.ts';
import type { UserAccess } from '../syscalls/task_context.ts';
import { EFAULT, EINVAL, ENOSYS } from '../syscalls/numbers.ts';
import {
  CLOCK_MONOTONIC, CLOCK_REALTIME, FLAGS_CLOCKRT, FLAGS_SHARED, FUTEX_BITSET_MATCH_ANY, FUTEX_CLOCK_REALTIME,
  FUTEX_CMD_MASK, FUTEX_CMP_REQUEUE, FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_PRIVATE_FLAG, FUTEX_REQUEUE, FUTEX_WAIT,
  FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_WAKE, FUTEX_WAKE_BITSET, FUTEX_WAKE_OP, KTIME_MAX, type FutexUser,
} from './futex.ts';
import type { FutexHash } from './hash.ts';
import { futex_requeue } from './requeue.ts';
import { futex_wait, futex_wake, futex_wake_op } from './waitwake.ts';

/** What sys_futex needs of the calling task. */
export interface FutexCaller {
  /** The task's index in the task table; also its futex waiter's index. */
  readonly task: number;
  /** plist priority of its waits: min(normal_prio, MAX_RT_PRIO) (100 for every fair task). */
  readonly prio: number;
  /** Its address space, word by word (futex.ts). */
  readonly user: FutexUser;
  /** copy_from_user, for the timespec. */
  readonly uaccess: UserAccess;
  /** The clock's current simulated time in ns (CLOCK_MONOTONIC or CLOCK_REALTIME). */
  clockNow(clock: number): number;
}

const NSEC_PER_SEC = 1_000_000_000;
/** KTIME_SEC_MAX: timespec64_to_ktime saturates at and beyond it. */
const KTIME_SEC_MAX = Math.floor(KTIME_MAX / NSEC_PER_SEC);
const TWO32 = 4294967296;

/** The low 32 bits of a register value, as a signed int. */
function lo32(x: number): number {
  return x % TWO32 | 0;
}

/** futex_cmd_has_timeout: the ops whose 4th argument is a timespec pointer. */
export function futex_cmd_has_timeout(cmd: number): boolean {
  return cmd === FUTEX_WAIT || cmd === FUTEX_LOCK_PI || cmd === FUTEX_LOCK_PI2 || cmd === FUTEX_WAIT_BITSET || cmd === FUTEX_WAIT_REQUEUE_PI;
}

/** Reads an s64 little-endian from 8 bytes (exact below 2^53; the sign is always right). */
function s64(b: Uint8Array, o: number): number {
  const lo = (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
  const hi = b[o + 4]! | (b[o + 5]! << 8) | (b[o + 6]! << 16) | (b[o + 7]! << 24);
  return hi * TWO32 + lo;
}

/**
 * get_timespec64 + futex_init_timeout: the absolute deadline in ns, or -EFAULT / -EINVAL
 * (tv_sec < 0, tv_nsec outside 0..999999999). FUTEX_WAIT's timeout is relative to
 * CLOCK_MONOTONIC's now (saturating, ktime_add_safe); the others are absolute on the clock the
 * op names. Returns the deadline (>= 0) or the negative errno.
 */
export function futex_init_timeout(c: FutexCaller, cmd: number, utime: number): number {
  const b = c.uaccess.copyFromUser(utime, 16);
  if (b === null) return -EFAULT;
  const sec = s64(b, 0);
  const nsec = s64(b, 8);
  if (sec < 0 || nsec < 0 || nsec >= NSEC_PER_SEC) return -EINVAL;
  let t = sec >= KTIME_SEC_MAX ? KTIME_MAX : sec * NSEC_PER_SEC + nsec;
  if (cmd === FUTEX_WAIT) t = Math.min(KTIME_MAX, c.clockNow(CLOCK_MONOTONIC) + t); // ktime_add_safe
  return t;
}

/**
 * sys_futex: the syscall as the trap handler calls it. uaddr, utime and uaddr2 are the unsigned
 * register values (regU; an address too large for a float to hold exactly is far beyond
 * TASK_SIZE anyway and gets -EFAULT); op, val and val3 count by their low 32 bits, so pass the
 * registers' low words (cpu.xl[]) or any value whose low 32 bits are exact. val2 is utime's low
 * 32 bits: pass `val2` (cpu.xl[13]) when utime may be a large (negative) number. Returns
 * the result (>= 0 or -errno) or FUTEX_SLEEP: the task is queued and must sleep (waitwake.ts
 * says how; its a0 is then futex_wait_result at switch-in). The PI ops are not modelled
 * (-ENOSYS, as a kernel without CONFIG_FUTEX_PI); FUTEX_FD is gone from Linux too.
 */
export function sys_futex(
  f: FutexHash, c: FutexCaller, uaddr: number, op: number, val: number, utime: number, uaddr2: number, val3: number,
  val2 = lo32(utime),
): number {
  op = lo32(op);
  const cmd = op & FUTEX_CMD_MASK;
  let deadline = Infinity;
  if (utime !== 0 && futex_cmd_has_timeout(cmd)) {
    const t = futex_init_timeout(c, cmd, utime);
    if (t < 0) return t;
    deadline = t;
  }
  return do_futex(f, c, uaddr, op, lo32(val), deadline, uaddr2, val2 | 0, lo32(val3));
}

/**
 * do_futex: dispatch on the command. `deadline` is absolute ns (Infinity: no timeout); val2 is
 * the 4th argument's low 32 bits (the requeue count or WAKE_OP's second wake count).
 */
export function do_futex(
  f: FutexHash, c: FutexCaller, uaddr: number, op: number, val: number, deadline: number, uaddr2: number, val2: number, val3: number,
): number {
  const cmd = op & FUTEX_CMD_MASK;
  let flags = 0;
  if ((op & FUTEX_PRIVATE_FLAG) === 0) flags |= FLAGS_SHARED;
  if ((op & FUTEX_CLOCK_REALTIME) !== 0) {
    flags |= FLAGS_CLOCKRT;
    // FUTEX_WAIT with it was allowed in 4.5 (337f13046ff0) and refused again in 5.13 (its relative
    // timeout was counted on CLOCK_MONOTONIC but armed on CLOCK_REALTIME).
    if (cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_WAIT_REQUEUE_PI && cmd !== FUTEX_LOCK_PI2) return -ENOSYS;
  }
  switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      const bitset = cmd === FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3;
      const clock = (flags & FLAGS_CLOCKRT) !== 0 ? CLOCK_REALTIME : CLOCK_MONOTONIC;
      const now = deadline === Infinity ? 0 : c.clockNow(clock);
      return futex_wait(f, c.user, c.task, c.prio, uaddr, flags, val, bitset, deadline, clock, now);
    }
    case FUTEX_WAKE:
      return futex_wake(f, c.user, uaddr, flags, val, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAKE_BITSET:
      return futex_wake(f, c.user, uaddr, flags, val, val3);
    case FUTEX_REQUEUE:
      return futex_requeue(f, c.user, uaddr, flags, uaddr2, val, val2, false, 0);
    case FUTEX_CMP_REQUEUE:
      return futex_requeue(f, c.user, uaddr, flags, uaddr2, val, val2, true, val3);
    case FUTEX_WAKE_OP:
      return futex_wake_op(f, c.user, uaddr, flags, uaddr2, val, val2, val3);
    default:
      return -ENOSYS;
  }
}

/** sys_futex with its arguments read from the calling core's a0..a5 (exact for every value). */
export function sys_futex_cpu(f: FutexHash, c: FutexCaller, cpu: Cpu): number {
  const xl = cpu.xl;
  return sys_futex(f, c, regU(cpu, 10), xl[11]!, xl[12]!, regU(cpu, 13), regU(cpu, 14), xl[15]!, xl[13]!);
}

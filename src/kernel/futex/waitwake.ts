// FUTEX_WAIT and FUTEX_WAKE (kernel/futex/waitwake.c, Linux 6.1): futex_wait_setup, futex_wait,
// futex_wake, futex_wake_op with futex_atomic_op_inuser; and the half of futex_wait that runs
// after schedule(), split into entries the scheduler, the timer and the signal code call.
//
// Ordering (waitwake.c's "Basic futex operation and ordering guarantees"): the waiter reads the
// user word under the bucket lock and queues itself before dropping it; the waker changed the
// word before taking the same lock. So either the waker's lock comes first, and the waiter then
// reads the new value (-EAGAIN), or the waiter is on the chain when the waker looks. Linux also
// lets futex_wake skip the lock when hb->waiters reads 0; that needs an smp_mb() between the
// user store and the read, which plain JavaScript memory has no way to express, so futex_wake
// here always takes the lock.
//
// Sleeping. futex_wait returns FUTEX_SLEEP with task w queued. The caller (the thread code):
//   1. reads futex_wait_deadline/futex_wait_clock/futex_wait_seq and arms a timer if finite;
//   2. takes its run-queue lock and, only if futex_wait_pending(w), marks the task
//      TASK_INTERRUPTIBLE and schedules away (dequeue, __schedule(SM_SLEEP)); otherwise a wake
//      came first and the task goes on (Linux: set_current_state before queueing, and
//      try_to_wake_up setting TASK_RUNNING, close the same window);
//   3. on the wake_up callback, try_to_wake_up(w) under the task's run-queue lock;
//   4. when the task runs again, futex_wait_result(w) is the syscall's a0 — or FUTEX_SLEEP
//      after a spurious wakeup, and the task goes back to step 2. It then cancels the timer (a
//      timer left armed is harmless: futex_timeout ignores a seq that is not the current wait's).
// Timer expiry calls futex_timeout(w, seq), a signal futex_interrupt(w); each returns true when
// it took the waiter off, and the caller then wakes the task as in step 3. A task that exits
// (or is killed asleep) calls futex_task_exit(w) before its slot is reused.
//
// Lock order. Bucket locks: two at once (requeue, wake-op) lowest index first. A bucket lock may
// be held while FutexUser's accesses run (they may take page-table or mm locks), never the other
// way round. wake_up is called with no bucket lock held (the wake_q is flushed after unlocking),
// so the scheduler's run-queue locks nest outside bucket locks: futex_timeout, futex_interrupt,
// futex_task_exit, futex_wait_pending and futex_wait_result may be called under a run-queue lock;
// sys_futex, futex_wake, futex_wake_op, futex_requeue and futex_clear_child_tid call wake_up and
// must be called with no run-queue lock held (wake_up takes the woken task's).

import { EAGAIN, EFAULT, EINTR, EINVAL, ENOSYS, ETIMEDOUT } from '../syscalls/numbers.ts';
import {
  FLAGS_SHARED, FUTEX_OP_ADD, FUTEX_OP_ANDN, FUTEX_OP_CMP_EQ, FUTEX_OP_CMP_GE, FUTEX_OP_CMP_GT, FUTEX_OP_CMP_LE,
  FUTEX_OP_CMP_LT, FUTEX_OP_CMP_NE, FUTEX_OP_OPARG_SHIFT, FUTEX_OP_OR, FUTEX_OP_SET, FUTEX_OP_XOR, FUTEX_SLEEP,
  UACCESS_FAULT, type FutexUser,
} from './futex.ts';
import {
  B_HEAD, double_lock_hb, double_unlock_hb, hb_lock, hb_unlock, W_BITSET, W_CLOCK, W_NEXT, W_PRIO, W_QUEUED,
  W_RESULT, W_SEQ, W_STATE, W_IDLE, W_DONE, type FutexHash,
} from './hash.ts';
import { futex_match, get_futex_key, key_bucket, set_waiter_key } from './key.ts';
import { __futex_queue, futex_unqueue_with, futex_wake_mark, wake_up_q } from './queue.ts';

/**
 * futex_wait (with futex_wait_setup and futex_wait_queue): queue task w on the futex at uaddr
 * if the u32 there still equals val. Returns FUTEX_SLEEP (queued: the caller sleeps the task),
 * -EINVAL (bitset 0, unaligned), -EFAULT (bad address), -EAGAIN (the word differs: Linux's
 * EWOULDBLOCK), or -ETIMEDOUT when `deadline` (absolute ns on `clock`; Infinity for none) is
 * not after `now` (on the same clock). `prio` orders the chain: min(normal_prio, MAX_RT_PRIO).
 * Never call it for a task already queued.
 */
export function futex_wait(
  f: FutexHash, user: FutexUser, w: number, prio: number, uaddr: number, flags: number, val: number, bitset: number,
  deadline = Infinity, clock = -1, now = 0,
): number {
  if (bitset === 0) return -EINVAL;
  const i = f.i32;
  const q = f.q(w);
  if (Atomics.load(i, q + W_STATE) === W_QUEUED) throw new Error(`futex_wait: task ${w} is already waiting`);
  const ret = get_futex_key(f, user, uaddr, (flags & FLAGS_SHARED) !== 0, 0);
  if (ret !== 0) return ret;
  const b = key_bucket(f, 0);
  // futex_q_lock, then futex_get_value_locked under the lock
  hb_lock(f, b);
  const uval = user.getU32(uaddr);
  if (uval === UACCESS_FAULT) {
    hb_unlock(f, b);
    return -EFAULT;
  }
  if (uval !== val >>> 0) {
    hb_unlock(f, b);
    return -EAGAIN;
  }
  if (deadline <= now) {
    // The hrtimer has already expired: Linux queues, the timer fires at once and futex_unqueue
    // answers -ETIMEDOUT. The same outcome without the round trip.
    hb_unlock(f, b);
    return -ETIMEDOUT;
  }
  set_waiter_key(f, w, 0);
  i[q + W_BITSET] = bitset;
  i[q + W_PRIO] = prio;
  i[q + W_SEQ] = (i[q + W_SEQ]! + 1) | 0;
  i[q + W_CLOCK] = deadline === Infinity ? -1 : clock;
  f.setDeadline(w, deadline);
  Atomics.store(i, q + W_RESULT, 0);
  Atomics.store(i, q + W_STATE, W_QUEUED);
  __futex_queue(f, b, w);
  hb_unlock(f, b);
  return FUTEX_SLEEP;
}

/** Task w is still on a futex chain (nobody has woken it, timed it out or interrupted it yet).
 *  Lock-free; the caller's sleep path reads it under its run-queue lock. */
export function futex_wait_pending(f: FutexHash, w: number): boolean {
  return Atomics.load(f.i32, f.q(w) + W_STATE) === W_QUEUED;
}

/**
 * The end of futex_wait, when task w runs again: its result (0 woken, -ETIMEDOUT, -EINTR or the
 * signal code's value), and w's waiter is free for its next wait. FUTEX_SLEEP when w is still
 * queued (a spurious wakeup: Linux's "goto retry"; the caller sleeps it again).
 */
export function futex_wait_result(f: FutexHash, w: number): number {
  const i = f.i32;
  const q = f.q(w);
  const state = Atomics.load(i, q + W_STATE);
  if (state === W_QUEUED) return FUTEX_SLEEP;
  if (state !== W_DONE) throw new Error(`futex_wait_result: task ${w} is not in a futex wait`);
  const r = Atomics.load(i, q + W_RESULT);
  i[q + W_CLOCK] = -1;
  f.setDeadline(w, Infinity);
  Atomics.store(i, q + W_STATE, W_IDLE);
  return r;
}

/** The queued wait's timeout: absolute ns on futex_wait_clock(w), Infinity when none. */
export function futex_wait_deadline(f: FutexHash, w: number): number {
  return f.deadline(w);
}
/** CLOCK_MONOTONIC or CLOCK_REALTIME for a timed wait, -1 for none. */
export function futex_wait_clock(f: FutexHash, w: number): number {
  return f.i32[f.q(w) + W_CLOCK]!;
}
/** Which wait of task w this is: give it back to futex_timeout. */
export function futex_wait_seq(f: FutexHash, w: number): number {
  return f.i32[f.q(w) + W_SEQ]!;
}

/**
 * The timeout of wait `seq` of task w expired (hrtimer_wakeup, then futex_wait's futex_unqueue):
 * if that wait is still queued it is taken off with -ETIMEDOUT and this returns true (the caller
 * wakes the task); false if it was woken first or the wait is over. Takes a bucket lock: callers
 * may hold a run-queue lock.
 */
export function futex_timeout(f: FutexHash, w: number, seq: number): boolean {
  return futex_unqueue_with(f, w, -ETIMEDOUT, seq);
}

/**
 * A signal for task w (signal_wake_up on a TASK_INTERRUPTIBLE sleeper): a queued wait is taken
 * off with `result` (-EINTR; the signal code may pass -ERESTARTSYS once it restarts syscalls)
 * and this returns true (the caller wakes the task). False when w is in no futex wait or was
 * woken first (then the wait returns 0, as on Linux).
 */
export function futex_interrupt(f: FutexHash, w: number, result = -EINTR): boolean {
  return futex_unqueue_with(f, w, result, -1);
}

/**
 * A task leaves for good (exit, or killed while asleep in a wait): take its waiter off any chain
 * and free the record, so the task slot can be reused. No wake_up is made. Returns true if it was
 * still queued.
 */
export function futex_task_exit(f: FutexHash, w: number): boolean {
  const was = futex_unqueue_with(f, w, -EINTR, -1);
  const i = f.i32;
  const q = f.q(w);
  i[q + W_CLOCK] = -1;
  f.setDeadline(w, Infinity);
  Atomics.store(i, q + W_STATE, W_IDLE);
  return was;
}

/**
 * futex_wake: wake up to nr_wake waiters on uaddr whose bitset shares a bit with `bitset`
 * (FUTEX_WAKE passes every bit). Returns how many, or -EINVAL (bitset 0, unaligned), -EFAULT.
 * nr_wake <= 0 still wakes one (the loop tests after waking), as on Linux.
 */
export function futex_wake(f: FutexHash, user: FutexUser, uaddr: number, flags: number, nr_wake: number, bitset: number): number {
  if (bitset === 0) return -EINVAL;
  const ret0 = get_futex_key(f, user, uaddr, (flags & FLAGS_SHARED) !== 0, 0);
  if (ret0 !== 0) return ret0;
  const b = key_bucket(f, 0);
  const i = f.i32;
  const from = f.wakeLen;
  let ret = 0;
  hb_lock(f, b);
  for (let w = i[f.hb(b) + B_HEAD]!, next = 0; w >= 0; w = next) {
    next = i[f.q(w) + W_NEXT]!;
    if (!futex_match(f, w, 0)) continue;
    if ((i[f.q(w) + W_BITSET]! & bitset) === 0) continue;
    futex_wake_mark(f, w);
    if (++ret >= nr_wake) break;
  }
  hb_unlock(f, b);
  wake_up_q(f, from);
  return ret;
}

/** sign_extend32(v, 11): a 12-bit field as a signed number. */
function sext12(v: number): number {
  return (v << 20) >> 20;
}

/**
 * futex_atomic_op_inuser: decode FUTEX_WAKE_OP's op, do the atomic op on uaddr through the
 * caller's atomicOp, then compare the OLD value (signed) with cmparg. Returns 1 (true), 0,
 * -EFAULT, or -ENOSYS for an unknown op (nothing written) or an unknown cmp (written: Linux
 * checks cmp after the op). A shift count outside 0..31 is masked, as Linux does (with a
 * warning it rate-limits).
 */
export function futex_atomic_op_inuser(user: FutexUser, encoded: number, uaddr: number): number {
  const op = (encoded & 0x70000000) >>> 28;
  const cmp = (encoded & 0x0f000000) >>> 24;
  let oparg = sext12((encoded >>> 12) & 0xfff);
  const cmparg = sext12(encoded & 0xfff);
  if ((encoded & (FUTEX_OP_OPARG_SHIFT << 28)) !== 0) {
    if (oparg < 0 || oparg > 31) oparg &= 31;
    oparg = 1 << oparg;
  }
  if (op !== FUTEX_OP_SET && op !== FUTEX_OP_ADD && op !== FUTEX_OP_OR && op !== FUTEX_OP_ANDN && op !== FUTEX_OP_XOR) return -ENOSYS;
  const old = user.atomicOp(uaddr, op, oparg);
  if (old === UACCESS_FAULT) return -EFAULT;
  const oldval = old | 0;
  switch (cmp) {
    case FUTEX_OP_CMP_EQ: return oldval === cmparg ? 1 : 0;
    case FUTEX_OP_CMP_NE: return oldval !== cmparg ? 1 : 0;
    case FUTEX_OP_CMP_LT: return oldval < cmparg ? 1 : 0;
    case FUTEX_OP_CMP_GE: return oldval >= cmparg ? 1 : 0;
    case FUTEX_OP_CMP_LE: return oldval <= cmparg ? 1 : 0;
    case FUTEX_OP_CMP_GT: return oldval > cmparg ? 1 : 0;
    default: return -ENOSYS;
  }
}

/**
 * futex_wake_op: with both buckets locked, do `op` on uaddr2 atomically, wake up to nr_wake
 * waiters on uaddr1 and, if op's comparison of uaddr2's old value held, up to nr_wake2 on uaddr2.
 * Returns the number woken, or -EINVAL/-EFAULT (either address), -ENOSYS (op), nothing woken.
 */
export function futex_wake_op(
  f: FutexHash, user: FutexUser, uaddr1: number, flags: number, uaddr2: number, nr_wake: number, nr_wake2: number, op: number,
): number {
  const shared = (flags & FLAGS_SHARED) !== 0;
  let ret = get_futex_key(f, user, uaddr1, shared, 0);
  if (ret !== 0) return ret;
  ret = get_futex_key(f, user, uaddr2, shared, 1);
  if (ret !== 0) return ret;
  const b1 = key_bucket(f, 0);
  const b2 = key_bucket(f, 1);
  const i = f.i32;
  const from = f.wakeLen;
  double_lock_hb(f, b1, b2);
  let opRet = futex_atomic_op_inuser(user, op, uaddr2);
  if (opRet < 0) {
    double_unlock_hb(f, b1, b2);
    return opRet;
  }
  for (let w = i[f.hb(b1) + B_HEAD]!, next = 0; w >= 0; w = next) {
    next = i[f.q(w) + W_NEXT]!;
    if (!futex_match(f, w, 0)) continue;
    futex_wake_mark(f, w);
    if (++ret >= nr_wake) break;
  }
  if (opRet > 0) {
    opRet = 0;
    for (let w = i[f.hb(b2) + B_HEAD]!, next = 0; w >= 0; w = next) {
      next = i[f.q(w) + W_NEXT]!;
      if (!futex_match(f, w, 1)) continue;
      futex_wake_mark(f, w);
      if (++opRet >= nr_wake2) break;
    }
    ret += opRet;
  }
  double_unlock_hb(f, b1, b2);
  wake_up_q(f, from);
  return ret;
}

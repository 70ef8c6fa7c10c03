// The hash chains (kernel/futex/core.c: __futex_queue, __futex_unqueue, futex_unqueue, and
// waitwake.c's futex_wake_mark with the wake_q it fills). A chain is a plist: ordered by
// priority (an RT waiter ahead of normal ones), first in first out within one priority.

import { B_HEAD, B_TAIL, B_WAITERS, hb_lock, hb_unlock, W_BUCKET, W_DONE, W_NEXT, W_PREV, W_PRIO, W_QUEUED, W_RESULT, W_SEQ, W_STATE, type FutexHash } from './hash.ts';

/**
 * __futex_queue + plist_add: put waiter w on bucket b's chain behind every waiter of the same or
 * higher priority (a lower prio number). Caller holds b's lock and has set w's key and bitset.
 */
export function __futex_queue(f: FutexHash, b: number, w: number): void {
  const i = f.i32;
  const hb = f.hb(b);
  const q = f.q(w);
  const prio = i[q + W_PRIO]!;
  // Walk back from the tail past waiters of a strictly lower priority (higher number).
  let after = i[hb + B_TAIL]!;
  while (after >= 0 && i[f.q(after) + W_PRIO]! > prio) after = i[f.q(after) + W_PREV]!;
  const before = after >= 0 ? i[f.q(after) + W_NEXT]! : i[hb + B_HEAD]!;
  i[q + W_PREV] = after;
  i[q + W_NEXT] = before;
  if (after >= 0) i[f.q(after) + W_NEXT] = w;
  else i[hb + B_HEAD] = w;
  if (before >= 0) i[f.q(before) + W_PREV] = w;
  else i[hb + B_TAIL] = w;
  i[hb + B_WAITERS]!++;
  Atomics.store(i, q + W_BUCKET, b);
  f.touchWaiter(w, true);
}

/** __futex_unqueue: take w off its bucket's chain (its lock held). W_BUCKET is left to the caller. */
export function __futex_unqueue(f: FutexHash, w: number): void {
  const i = f.i32;
  const q = f.q(w);
  const hb = f.hb(i[q + W_BUCKET]!);
  const prev = i[q + W_PREV]!;
  const next = i[q + W_NEXT]!;
  if (prev >= 0) i[f.q(prev) + W_NEXT] = next;
  else i[hb + B_HEAD] = next;
  if (next >= 0) i[f.q(next) + W_PREV] = prev;
  else i[hb + B_TAIL] = prev;
  i[q + W_PREV] = -1;
  i[q + W_NEXT] = -1;
  i[hb + B_WAITERS]!--;
}

/**
 * Finish a wait: w is off its chain (the bucket lock still held); store its result, then clear
 * lock_ptr and mark it done (smp_store_release(&q->lock_ptr, NULL) in futex_wake_mark: after
 * this the task may return from its wait at any moment, on any core).
 */
export function futex_q_done(f: FutexHash, w: number, result: number): void {
  const i = f.i32;
  const q = f.q(w);
  Atomics.store(i, q + W_RESULT, result);
  Atomics.store(i, q + W_BUCKET, -1);
  Atomics.store(i, q + W_STATE, W_DONE);
}

/** futex_wake_mark: unqueue w, result 0, and add its task to the wake_q (bucket lock held). */
export function futex_wake_mark(f: FutexHash, w: number): void {
  __futex_unqueue(f, w);
  futex_q_done(f, w, 0);
  if (f.wakeLen >= f.wakeQ.length) throw new Error('futex: wake_q overflow (wake_up re-entered the futex code?)');
  f.wakeQ[f.wakeLen++] = w;
}

/** wake_up_q: call wake_up for each task marked since wake_q length `from`. No bucket lock held. */
export function wake_up_q(f: FutexHash, from: number): void {
  const end = f.wakeLen;
  for (let k = from; k < end; k++) f.waker.wake_up(f.wakeQ[k]!);
  f.wakeLen = from;
}

/**
 * futex_unqueue for a waiter someone else takes off (timeout, signal): lock the bucket its
 * lock_ptr names, retrying if a requeue moved it meanwhile. Returns true and stores `result`
 * when w was still queued; false when a wake (or another unqueue) got there first.
 * If `seq` >= 0 it must match the waiter's W_SEQ (a late timer of an earlier wait does nothing).
 */
export function futex_unqueue_with(f: FutexHash, w: number, result: number, seq: number): boolean {
  const i = f.i32;
  const q = f.q(w);
  for (;;) {
    const b = Atomics.load(i, q + W_BUCKET);
    if (b < 0) return false;
    hb_lock(f, b);
    if (Atomics.load(i, q + W_BUCKET) !== b) {
      hb_unlock(f, b);
      continue;
    }
    if (seq >= 0 && i[q + W_SEQ] !== seq) {
      hb_unlock(f, b);
      return false;
    }
    if (Atomics.load(i, q + W_STATE) !== W_QUEUED) throw new Error(`futex: waiter ${w} on a chain but not queued`);
    __futex_unqueue(f, w);
    futex_q_done(f, w, result);
    hb_unlock(f, b);
    return true;
  }
}

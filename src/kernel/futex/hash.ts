// The futex hash (kernel/futex/core.c: futex_queues, futex_hash, double_lock_hb), as one fixed
// layout over a SharedArrayBuffer so every worker can run any futex op on it (DESIGN §5).
//
// Layout (i32 words; every record on its own 128-byte line, 32 words):
//   line 0          header: [H_NBUCKETS] bucket count (a power of two), [H_NWAITERS] waiter count
//   bucket b        at word (1 + b) * 32:
//     [B_LOCK]      hb->lock (shared/sync/spinlock.ts), alone with the chain it guards
//     [B_HEAD], [B_TAIL]   hb->chain: the waiter list, in plist order (prio, then FIFO); -1 ends
//     [B_WAITERS]   waiters on the chain (hb->waiters, kept under the lock; for tests and views)
//   waiter w        at word (1 + nbuckets + w) * 32: struct futex_q of task w (a task waits on one
//                   futex at a time, so waiter w belongs to task w and needs no allocation)
//     [W_STATE]     Atomics: W_IDLE, W_QUEUED (on a chain), W_DONE (taken off; result stored)
//     [W_RESULT]    Atomics: what the wait returns (0, -ETIMEDOUT, -EINTR), valid in W_DONE
//     [W_BUCKET]    Atomics: q->lock_ptr, the bucket whose chain holds it, -1 when on none
//     [W_NEXT], [W_PREV]   chain links, under the bucket's lock
//     [W_PRIO]      plist priority: min(normal_prio, MAX_RT_PRIO)
//     [W_BITSET]    q->bitset
//     [W_KEY_TYPE], [W_KEY_MM], [W_KEY_LO], [W_KEY_HI]   q->key (key.ts); under the bucket lock
//     [W_SEQ]       which wait this is: bumped at each queueing; a timer names the wait it is for
//     [W_CLOCK]     the timeout's clock (CLOCK_MONOTONIC or CLOCK_REALTIME), -1 when none
//     [W_TASK]      the task index (= w)
//     f64 [WF_DEADLINE] (byte 64 of the record): absolute timeout in ns of W_CLOCK, Infinity none
//   Fields other than W_STATE/W_RESULT/W_BUCKET change only under the lock of the bucket whose
//   chain holds the waiter, or by the owning task while its waiter is on no chain.

import { spinLock, spinUnlock } from '../../../shared/sync/spinlock.ts';
import type { FutexWaker } from './futex.ts';

export const LINE_WORDS = 32;
export const H_NBUCKETS = 0;
export const H_NWAITERS = 1;

export const B_LOCK = 0;
export const B_HEAD = 1;
export const B_TAIL = 2;
export const B_WAITERS = 3;

export const W_STATE = 0;
export const W_RESULT = 1;
export const W_BUCKET = 2;
export const W_NEXT = 3;
export const W_PREV = 4;
export const W_PRIO = 5;
export const W_BITSET = 6;
export const W_KEY_TYPE = 7;
export const W_KEY_MM = 8;
export const W_KEY_LO = 9;
export const W_KEY_HI = 10;
export const W_SEQ = 11;
export const W_CLOCK = 12;
export const W_TASK = 13;
/** f64 index within the record's 16 f64 slots. */
export const WF_DEADLINE = 8;

export const W_IDLE = 0;
export const W_QUEUED = 1;
export const W_DONE = 2;

/** plist priority of every non-RT task (MAX_RT_PRIO). */
export const FUTEX_PRIO_NORMAL = 100;

/** futex_init: roundup_pow_of_two(256 * num_possible_cpus()) buckets. */
export function futex_hashsize(cpus: number): number {
  let n = 1;
  while (n < 256 * Math.max(1, cpus)) n <<= 1;
  return n;
}

/** Allocate the hash for `nrTasks` tasks and `nbuckets` buckets (a power of two). */
export function allocFutexBuffer(o: { nrTasks: number; nbuckets: number }): SharedArrayBuffer {
  const { nrTasks, nbuckets } = o;
  if (!Number.isInteger(nbuckets) || nbuckets < 1 || (nbuckets & (nbuckets - 1)) !== 0) {
    throw new RangeError(`futex: bucket count must be a power of two, not ${nbuckets}`);
  }
  if (!Number.isInteger(nrTasks) || nrTasks < 1) throw new RangeError(`futex: task count must be positive, not ${nrTasks}`);
  const buf = new SharedArrayBuffer((1 + nbuckets + nrTasks) * LINE_WORDS * 4);
  const i32 = new Int32Array(buf);
  i32[H_NBUCKETS] = nbuckets;
  i32[H_NWAITERS] = nrTasks;
  for (let b = 0; b < nbuckets; b++) {
    const hb = (1 + b) * LINE_WORDS;
    i32[hb + B_HEAD] = -1;
    i32[hb + B_TAIL] = -1;
  }
  const f64 = new Float64Array(buf);
  for (let w = 0; w < nrTasks; w++) {
    const q = (1 + nbuckets + w) * LINE_WORDS;
    i32[q + W_BUCKET] = -1;
    i32[q + W_NEXT] = -1;
    i32[q + W_PREV] = -1;
    i32[q + W_CLOCK] = -1;
    i32[q + W_TASK] = w;
    f64[q / 2 + WF_DEADLINE] = Infinity;
  }
  return buf;
}

/** Optional cost hook: the kernel touched the line at this byte offset of the futex buffer. */
export interface FutexCharge {
  touch(byteOffset: number, write: boolean): void;
}

/**
 * One worker's view of the hash: typed arrays over the shared buffer, the scheduler's wake_up,
 * and scratch space of its own (two keys being looked up, the wake_q). No shared JS objects.
 */
export class FutexHash {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly nbuckets: number;
  readonly nrWaiters: number;
  readonly mask: number;
  /** Word index of waiter 0. */
  readonly qbase: number;
  /** Scratch keys (key.ts): [0..3] key1, [4..7] key2 as type, mm, lo, hi. */
  readonly keys = new Int32Array(8);
  /** wake_q: tasks taken off chains, woken once the bucket locks are dropped. */
  readonly wakeQ: Int32Array;
  wakeLen = 0;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly waker: FutexWaker,
    readonly charge: FutexCharge | null = null,
  ) {
    this.i32 = new Int32Array(buffer);
    this.f64 = new Float64Array(buffer);
    this.nbuckets = this.i32[H_NBUCKETS]!;
    this.nrWaiters = this.i32[H_NWAITERS]!;
    this.mask = this.nbuckets - 1;
    this.qbase = (1 + this.nbuckets) * LINE_WORDS;
    this.wakeQ = new Int32Array(this.nrWaiters);
  }

  /** Word index of bucket b's line. */
  hb(b: number): number {
    return (1 + b) * LINE_WORDS;
  }
  /** Word index of waiter (task) w's record. */
  q(w: number): number {
    return this.qbase + w * LINE_WORDS;
  }
  deadline(w: number): number {
    return this.f64[(this.qbase + w * LINE_WORDS) / 2 + WF_DEADLINE]!;
  }
  setDeadline(w: number, ns: number): void {
    this.f64[(this.qbase + w * LINE_WORDS) / 2 + WF_DEADLINE] = ns;
  }
  touchBucket(b: number, write: boolean): void {
    if (this.charge !== null) this.charge.touch((1 + b) * LINE_WORDS * 4, write);
  }
  touchWaiter(w: number, write: boolean): void {
    if (this.charge !== null) this.charge.touch((this.qbase + w * LINE_WORDS) * 4, write);
  }
}

/** Byte offset of bucket b's line in the futex buffer (where the kernel charges its lock). */
export function futex_bucket_offset(b: number): number {
  return (1 + b) * LINE_WORDS * 4;
}

/**
 * futex_hash: the bucket of a key (type, mm, lo, hi). Linux uses jhash2 over the key's words;
 * any well-mixed hash serves: this is murmur3's 32-bit mixing over the four words.
 */
export function futex_hash(f: FutexHash, type: number, mm: number, lo: number, hi: number): number {
  let h = 0x9747b28c ^ type;
  h = mix(h, mm);
  h = mix(h, lo);
  h = mix(h, hi);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & f.mask;
}

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** spin_lock(&hb->lock) */
export function hb_lock(f: FutexHash, b: number): void {
  spinLock(f.i32, f.hb(b) + B_LOCK);
  f.touchBucket(b, true);
}
export function hb_unlock(f: FutexHash, b: number): void {
  spinUnlock(f.i32, f.hb(b) + B_LOCK);
}

/** double_lock_hb: the lower-numbered bucket first (Linux: the lower address), once if equal. */
export function double_lock_hb(f: FutexHash, b1: number, b2: number): void {
  if (b1 > b2) {
    const t = b1;
    b1 = b2;
    b2 = t;
  }
  hb_lock(f, b1);
  if (b1 !== b2) hb_lock(f, b2);
}
export function double_unlock_hb(f: FutexHash, b1: number, b2: number): void {
  hb_unlock(f, b1);
  if (b1 !== b2) hb_unlock(f, b2);
}

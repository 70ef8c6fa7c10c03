// Timer queues in shared memory (Linux's lib/timerqueue.c keeps an rb-tree; this is a binary
// min-heap, which is what a queue with only "earliest" lookups needs): one queue per core per
// use (hard hrtimers, soft hrtimers, timer_list), entries (expiry, kind, arg, arg2) ordered by expiry,
// equal expiries in insertion order (as the rb-tree puts equal keys to the right).
//
// Layout of queue q (QUEUE stride = 128 + 8*ceil(cap/2) + 40*cap bytes, a multiple of 128):
//   i32 header, its own 128-byte line:
//     [0] lock (shared/sync/spinlock.ts; hrtimer_cpu_base->lock)   [1] nr queued
//     [2] free slot list head (-1 none)                              [3] next insertion sequence
//   i32 heap[cap]: slot numbers, heap-ordered by (expiry, seq)
//   per slot s, 40 bytes: f64 expiry, f64 seq; i32 kind, arg, heap position (-1: not queued),
//     next free slot (while free), generation (bumped at every add), arg2
// Every field is read and written under the queue's lock. A handle names slot and generation
// (gen * cap + slot, below 2^30), so cancelling a timer that already fired and whose slot was reused fails
// instead of cancelling the new one.

import { spinLock, spinUnlock } from '../../../shared/sync/spinlock.ts';

const HDR_WORDS = 32;
const H_LOCK = 0;
const H_NR = 1;
const H_FREE = 2;
const H_SEQ = 3;
const SLOT_BYTES = 40;

export interface TimerQueueLayout {
  queues: number;
  cap: number;
}

function strideBytes(cap: number): number {
  const heapBytes = Math.ceil(cap / 2) * 8;
  const raw = HDR_WORDS * 4 + heapBytes + cap * SLOT_BYTES;
  return Math.ceil(raw / 128) * 128;
}

export function allocTimerQueues(queues: number, cap: number): SharedArrayBuffer {
  if (!Number.isInteger(cap) || cap < 1 || cap > 65536) throw new RangeError(`timerqueue: capacity ${cap} out of range 1..65536`);
  const buf = new SharedArrayBuffer(queues * strideBytes(cap));
  const tq = new TimerQueues(buf, cap);
  for (let q = 0; q < queues; q++) tq.reset(q);
  return buf;
}

/** Per-worker view of a set of queues. Methods named `*_locked` want the caller to hold lock(q). */
export class TimerQueues {
  readonly i: Int32Array;
  readonly f: Float64Array;
  readonly queues: number;
  private readonly stride: number; // bytes
  private readonly heapBase: number; // i32 offset within a queue
  private readonly slotBase: number; // byte offset within a queue
  /** Generations wrap here so that handles stay below 2^30 (they fit an i32 field). */
  private readonly genLimit: number;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly cap: number,
  ) {
    this.i = new Int32Array(buffer);
    this.f = new Float64Array(buffer);
    this.stride = strideBytes(cap);
    this.queues = buffer.byteLength / this.stride;
    this.heapBase = HDR_WORDS;
    this.slotBase = HDR_WORDS * 4 + Math.ceil(cap / 2) * 8;
    this.genLimit = Math.floor(0x3fffffff / cap);
  }

  private hdr(q: number): number {
    return (q * this.stride) >> 2;
  }
  private heapAt(q: number, k: number): number {
    return this.i[this.hdr(q) + this.heapBase + k]!;
  }
  private heapSet(q: number, k: number, s: number): void {
    this.i[this.hdr(q) + this.heapBase + k] = s;
    this.i[this.slotI(q, s) + 2] = k;
  }
  /** f64 index of slot s's expiry (seq follows). */
  private slotF(q: number, s: number): number {
    return (q * this.stride + this.slotBase + s * SLOT_BYTES) >> 3;
  }
  /** i32 index of slot s's kind (+1 arg, +2 heap position, +3 next free, +4 generation, +5 arg2). */
  private slotI(q: number, s: number): number {
    return ((q * this.stride + this.slotBase + s * SLOT_BYTES) >> 2) + 4;
  }

  /** Empty queue q (boot only: no lock). */
  reset(q: number): void {
    const h = this.hdr(q);
    this.i[h + H_NR] = 0;
    this.i[h + H_SEQ] = 0;
    this.i[h + H_FREE] = 0;
    for (let s = 0; s < this.cap; s++) {
      const si = this.slotI(q, s);
      this.i[si + 2] = -1;
      this.i[si + 3] = s + 1 < this.cap ? s + 1 : -1;
    }
    for (let s = 0; s < this.cap; s++) this.i[this.slotI(q, s) + 4] = 0;
  }

  lock(q: number): void {
    spinLock(this.i, this.hdr(q) + H_LOCK);
  }
  unlock(q: number): void {
    spinUnlock(this.i, this.hdr(q) + H_LOCK);
  }

  nr_locked(q: number): number {
    return this.i[this.hdr(q) + H_NR]!;
  }

  private less(q: number, a: number, b: number): boolean {
    const fa = this.slotF(q, a);
    const fb = this.slotF(q, b);
    const ea = this.f[fa]!;
    const eb = this.f[fb]!;
    return ea < eb || (ea === eb && this.f[fa + 1]! < this.f[fb + 1]!);
  }

  private siftUp(q: number, k: number): void {
    const s = this.heapAt(q, k);
    while (k > 0) {
      const parent = (k - 1) >> 1;
      const p = this.heapAt(q, parent);
      if (!this.less(q, s, p)) break;
      this.heapSet(q, k, p);
      k = parent;
    }
    this.heapSet(q, k, s);
  }

  private siftDown(q: number, k: number): void {
    const n = this.nr_locked(q);
    const s = this.heapAt(q, k);
    for (;;) {
      let c = 2 * k + 1;
      if (c >= n) break;
      if (c + 1 < n && this.less(q, this.heapAt(q, c + 1), this.heapAt(q, c))) c++;
      const cs = this.heapAt(q, c);
      if (!this.less(q, cs, s)) break;
      this.heapSet(q, k, cs);
      k = c;
    }
    this.heapSet(q, k, s);
  }


  /** timerqueue_add: queue (expiry, kind, arg, arg2); returns a handle, or -1 when full. */
  add_locked(q: number, expiry: number, kind: number, arg: number, arg2 = 0): number {
    const h = this.hdr(q);
    const s = this.i[h + H_FREE]!;
    if (s < 0) return -1;
    const si = this.slotI(q, s);
    this.i[h + H_FREE] = this.i[si + 3]!;
    const fi = this.slotF(q, s);
    this.f[fi] = expiry;
    this.f[fi + 1] = this.i[h + H_SEQ]!;
    this.i[h + H_SEQ] = (this.i[h + H_SEQ]! + 1) | 0;
    this.i[si] = kind;
    this.i[si + 1] = arg;
    this.i[si + 5] = arg2;
    this.i[si + 4] = (this.i[si + 4]! + 1) % this.genLimit;
    const n = this.i[h + H_NR]!;
    this.i[h + H_NR] = n + 1;
    this.heapSet(q, n, s);
    this.siftUp(q, n);
    return this.i[si + 4]! * this.cap + s;
  }

  /** The slot a live handle names, or -1 (stale, fired, cancelled, out of range). */
  private slotOf(q: number, handle: number): number {
    if (!(handle >= 0)) return -1;
    const s = handle % this.cap;
    const si = this.slotI(q, s);
    if (this.i[si + 2]! < 0) return -1;
    return Math.floor(handle / this.cap) === this.i[si + 4]! ? s : -1;
  }

  private removeSlot(q: number, s: number): void {
    const h = this.hdr(q);
    const si = this.slotI(q, s);
    const k = this.i[si + 2]!;
    const n = this.i[h + H_NR]! - 1;
    this.i[h + H_NR] = n;
    if (k !== n) {
      // the last entry fills the hole, then moves down or up to its place
      const m = this.heapAt(q, n);
      this.heapSet(q, k, m);
      this.siftDown(q, k);
      this.siftUp(q, this.i[this.slotI(q, m) + 2]!);
    }
    this.i[si + 2] = -1;
    this.i[si + 3] = this.i[h + H_FREE]!;
    this.i[h + H_FREE] = s;
  }

  /** timerqueue_del by handle: true when it was queued (and now is not). */
  del_locked(q: number, handle: number): boolean {
    const s = this.slotOf(q, handle);
    if (s < 0) return false;
    this.removeSlot(q, s);
    return true;
  }

  /** Expiry of the earliest entry, Infinity when empty. */
  first_expiry_locked(q: number): number {
    return this.nr_locked(q) === 0 ? Infinity : this.f[this.slotF(q, this.heapAt(q, 0))]!;
  }

  /**
   * Take the earliest entry if it expires at or before `now`: writes its expiry, kind, arg and
   * arg2 to out[0..3] and returns true; false when nothing is due.
   */
  pop_due_locked(q: number, now: number, out: Float64Array): boolean {
    if (this.nr_locked(q) === 0) return false;
    const s = this.heapAt(q, 0);
    const fi = this.slotF(q, s);
    if (this.f[fi]! > now) return false;
    const si = this.slotI(q, s);
    out[0] = this.f[fi]!;
    out[1] = this.i[si]!;
    out[2] = this.i[si + 1]!;
    out[3] = this.i[si + 5]!;
    this.removeSlot(q, s);
    return true;
  }

  /** Expiry of a live handle's entry, or NaN. */
  expiry_locked(q: number, handle: number): number {
    const s = this.slotOf(q, handle);
    return s < 0 ? NaN : this.f[this.slotF(q, s)]!;
  }
}

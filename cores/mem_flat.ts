// `--memory flat`: the fast functional memory (like gem5's atomic mode). Every
// access goes straight to RAM in the SharedArrayBuffer and costs a flat latency.
// Atomicity between harts comes from host Atomics on the same words; LR/SC is a
// compare-exchange against the value LR saw (as qemu does): a remote store breaks the
// reservation only if it changes the value. There is no bus, so the LR/SC hold
// (cores/memory.ts) only keeps the interleaver from switching the hart out inside it.
//
// Two classes, chosen once when the core's memory is wired (cores/core_memory.ts):
// FlatMemory translates every access through the TLB (cores/tlb.ts); BareFlatMemory is the
// identity map that `spmd` boot runs under, where an access needs only a bounds check
// against RAM (the same faults, with no TLB lookup on the hot path; atomics and kernel
// copies still go through the TLB, which maps every page of RAM to itself).

import { amoPair, res } from './alu64.ts';
import { DecodeCache } from './decode_cache.ts';
import { checkAligned, loadFault, storeFault } from './mem_fault.ts';
import { CAUSE_FETCH_ACCESS, GuestFault } from '../src/kernel/fault.ts';
import { TLB_MASK, type IdentityMap, type Tlb } from './tlb.ts';
import {
  AMO_ADD,
  AMO_AND,
  AMO_MAX,
  AMO_MAXU,
  AMO_MIN,
  AMO_MINU,
  AMO_OR,
  AMO_SWAP,
  AMO_XOR,
  byLines,
  type HartMemory,
} from './memory.ts';

/** Bytes per kernel-copy chunk in flat mode: the default cache line. */
const KERNEL_CHUNK = 64;

export class FlatMemory implements HartMemory {
  hi = 0;
  lastLatency: number;
  pc = 0;
  /** Flat memory has no fetch path to model: one block of 1 GiB (a small integer for V8). */
  readonly fetchSpan = 0x40000000;
  protected readonly u8: Uint8Array;
  protected readonly u16: Uint16Array;
  protected readonly i32: Int32Array;
  private readonly i64: BigInt64Array;
  protected readonly dv: DataView;
  private readonly fenceWord: Int32Array;
  private resAddr = -1;
  private resLo = 0;
  private resHi = 0;
  holdUntil = 0;
  kernelReads = 0;
  kernelWrites = 0;
  scSucceeded = 0;
  scFailed = 0;

  constructor(
    ram: SharedArrayBuffer,
    /** Address translation: virtual to physical, and the faults (cores/tlb.ts). */
    private readonly tlb: Tlb,
    latency: number,
    protected readonly decode: DecodeCache,
    /** LR/SC hold window in cycles (0: none). */
    readonly lrscHold = 0,
  ) {
    this.u8 = new Uint8Array(ram);
    this.u16 = new Uint16Array(ram);
    this.i32 = new Int32Array(ram);
    this.i64 = new BigInt64Array(ram);
    this.dv = new DataView(ram);
    this.fenceWord = new Int32Array(new SharedArrayBuffer(4));
    this.lastLatency = latency;
    this.rEnt = tlb.readEnt;
    this.wEnt = tlb.writeEnt;
  }
  /** The TLB's read and write entries (cores/tlb.ts), for the inline fast path. */
  private readonly rEnt: Float64Array;
  private readonly wEnt: Float64Array;

  fetchAccess(): number {
    return 0;
  }

  fetch32(pc: number): number {
    const p = this.tlb.fetch(pc, 4);
    this.decode.pages[p >>> 12] = 1;
    return this.i32[p >>> 2];
  }

  fetch16(pc: number): number {
    const p = this.tlb.fetch(pc, 2);
    this.decode.pages[p >>> 12] = 1;
    return this.u16[p >>> 1];
  }

  load8(a: number): number {
    return (this.u8[this.tlb.read(a, 1)] << 24) >> 24;
  }
  load8u(a: number): number {
    return this.u8[this.tlb.read(a, 1)];
  }
  load16(a: number): number {
    return this.dv.getInt16(this.tlb.read(a, 2), true);
  }
  load16u(a: number): number {
    return this.dv.getUint16(this.tlb.read(a, 2), true);
  }
  load32(a: number): number {
    const e = this.rEnt, j = ((a >>> 12) & TLB_MASK) << 1;
    const p = e[j] === a - (a & 0xffc) ? a + e[j + 1] : this.tlb.read(a, 4); // the TLB's fast path, inline
    return (p & 3) === 0 ? this.i32[p >>> 2] : this.dv.getInt32(p, true);
  }
  load64(a: number): number {
    const e = this.rEnt, j = ((a >>> 12) & TLB_MASK) << 1;
    const p = e[j] === a - (a & 0xff8) ? a + e[j + 1] : this.tlb.read(a, 8); // the TLB's fast path, inline
    if ((p & 7) === 0) {
      const i = p >>> 2;
      this.hi = this.i32[i + 1];
      return this.i32[i];
    }
    this.hi = this.dv.getInt32(p + 4, true);
    return this.dv.getInt32(p, true);
  }

  // Stores drop decoded instructions by physical address: the decode cache's pages are physical.
  store8(a: number, v: number): void {
    const p = this.tlb.write(a, 1);
    this.u8[p] = v;
    if (this.decode.pages[p >>> 12] !== 0) this.decode.invalidate(p, 1);
  }
  store16(a: number, v: number): void {
    const p = this.tlb.write(a, 2);
    this.dv.setInt16(p, v, true);
    if (this.decode.pages[p >>> 12] !== 0 || this.decode.pages[(p + 1) >>> 12] !== 0) this.decode.invalidate(p, 2);
  }
  store32(a: number, v: number): void {
    const e = this.wEnt, j = ((a >>> 12) & TLB_MASK) << 1;
    const p = e[j] === a - (a & 0xffc) ? a + e[j + 1] : this.tlb.write(a, 4); // the TLB's fast path, inline
    if ((p & 3) === 0) this.i32[p >>> 2] = v;
    else this.dv.setInt32(p, v, true);
    if (this.decode.pages[p >>> 12] !== 0 || this.decode.pages[(p + 3) >>> 12] !== 0) this.decode.invalidate(p, 4);
  }
  store64(a: number, lo: number, hi: number): void {
    const e = this.wEnt, j = ((a >>> 12) & TLB_MASK) << 1;
    const p = e[j] === a - (a & 0xff8) ? a + e[j + 1] : this.tlb.write(a, 8); // the TLB's fast path, inline
    if ((p & 7) === 0) {
      const i = p >>> 2;
      this.i32[i] = lo;
      this.i32[i + 1] = hi;
    } else {
      this.dv.setInt32(p, lo, true);
      this.dv.setInt32(p + 4, hi, true);
    }
    if (this.decode.pages[p >>> 12] !== 0 || this.decode.pages[(p + 7) >>> 12] !== 0) this.decode.invalidate(p, 8);
  }

  /** LR is a load: its faults are load faults. Returns the physical address. */
  private lrCheck(a: number, size: number): number {
    this.atomics++;
    const p = this.tlb.read(a, size);
    checkAligned(a, size, true);
    return p;
  }

  /** AMOs, LRs and SCs run since the worker last took the count (the adaptive quantum, cores/quantum.ts). Host-side: not a stat. */
  atomics = 0;

  /** AMOs and SCs: store faults; they may write decoded code. Returns the physical address. */
  private amoCheck(a: number, size: number): number {
    this.atomics++;
    const p = this.tlb.write(a, size);
    checkAligned(a, size, false);
    if (this.decode.pages[p >>> 12] !== 0) this.decode.invalidate(p, size);
    return p;
  }

  amo32(op: number, a: number, v: number): number {
    const i32 = this.i32;
    const i = this.amoCheck(a, 4) >>> 2;
    switch (op) {
      case AMO_ADD: return Atomics.add(i32, i, v);
      case AMO_SWAP: return Atomics.exchange(i32, i, v);
      case AMO_XOR: return Atomics.xor(i32, i, v);
      case AMO_OR: return Atomics.or(i32, i, v);
      case AMO_AND: return Atomics.and(i32, i, v);
    }
    for (;;) {
      const old = Atomics.load(i32, i);
      let nv: number;
      switch (op) {
        case AMO_MIN: nv = old < v ? old : v; break;
        case AMO_MAX: nv = old > v ? old : v; break;
        case AMO_MINU: nv = old >>> 0 < v >>> 0 ? old : v; break;
        default: nv = old >>> 0 > v >>> 0 ? old : v; break; // AMO_MAXU
      }
      if (Atomics.compareExchange(i32, i, old, nv) === old) return old;
    }
  }

  amo64(op: number, a: number, lo: number, hi: number): number {
    const i = this.amoCheck(a, 8) >>> 3;
    // The new value comes from the same pair arithmetic the cache hierarchy uses; only the
    // 64-bit compare-exchange itself needs BigInt (flat mode, AMO.D: rare enough).
    for (;;) {
      const old = Atomics.load(this.i64, i);
      const olo = Number(BigInt.asIntN(32, old)), ohi = Number(old >> 32n);
      amoPair(op, olo, ohi, lo, hi);
      const nv = (BigInt(res[1]) << 32n) | BigInt(res[0] >>> 0);
      if (Atomics.compareExchange(this.i64, i, old, nv) === old) {
        this.hi = ohi;
        return olo;
      }
    }
  }

  lr32(a: number): number {
    const v = Atomics.load(this.i32, this.lrCheck(a, 4) >>> 2);
    this.resAddr = a;
    this.resLo = v;
    if (this.lrscHold > 0) this.holdUntil = -1;
    return v;
  }
  lr64(a: number): number {
    const p = this.lrCheck(a, 8);
    const lo = this.i32[p >>> 2];
    this.hi = this.i32[(p >>> 2) + 1];
    this.resAddr = a;
    this.resLo = lo;
    this.resHi = this.hi;
    if (this.lrscHold > 0) this.holdUntil = -1;
    return lo;
  }
  endHold(): void {
    this.holdUntil = 0;
  }
  private scEnd(ok: boolean): number {
    this.resAddr = -1;
    this.holdUntil = 0;
    if (ok) this.scSucceeded++;
    else this.scFailed++;
    return ok ? 0 : 1;
  }
  sc32(a: number, v: number): number {
    const p = this.amoCheck(a, 4);
    return this.scEnd(this.resAddr === a && Atomics.compareExchange(this.i32, p >>> 2, this.resLo, v) === this.resLo);
  }
  sc64(a: number, lo: number, hi: number): number {
    const p = this.amoCheck(a, 8);
    let ok = false;
    if (this.resAddr === a) {
      const expect = (BigInt(this.resHi) << 32n) | BigInt(this.resLo >>> 0);
      const nv = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
      ok = Atomics.compareExchange(this.i64, p >>> 3, BigInt.asIntN(64, expect), BigInt.asIntN(64, nv)) === BigInt.asIntN(64, expect);
    }
    return this.scEnd(ok);
  }

  /** Kernel copies go in chunks of a cache line's size (there are no lines here), each a flat access. */
  copyFromGuest(a: number, out: Uint8Array): number {
    return byLines(a, out.length, KERNEL_CHUNK, (va, i, n) => {
      const p = this.tlb.read(va, n);
      out.set(this.u8.subarray(p, p + n), i);
      this.kernelReads++;
      return this.lastLatency;
    });
  }

  copyToGuest(a: number, data: Uint8Array): number {
    return byLines(a, data.length, KERNEL_CHUNK, (va, i, n) => {
      const p = this.tlb.write(va, n);
      this.u8.set(data.subarray(i, i + n), p);
      if (this.decode.pages[p >>> 12] !== 0) this.decode.invalidate(p, n);
      this.kernelWrites++;
      return this.lastLatency;
    });
  }

  fence(): void {
    // A locked host instruction: orders this thread's plain accesses against other workers'.
    Atomics.add(this.fenceWord, 0, 0);
  }
}

/**
 * Bare mode: physical = virtual over the pages IdentityMap maps, so an access is a bounds
 * check, as before the TLB existed. Every fault is the TLB path's: the access fault of its
 * kind naming the first byte, for any access not wholly inside [lo, hi).
 */
export class BareFlatMemory extends FlatMemory {
  /** The mapped bytes: IdentityMap's first page to its end page. */
  private readonly lowest: number;
  private readonly limit: number;

  constructor(ram: SharedArrayBuffer, tlb: Tlb, identity: IdentityMap, latency: number, decode: DecodeCache, lrscHold = 0) {
    super(ram, tlb, latency, decode, lrscHold);
    this.lowest = identity.lowest;
    this.limit = identity.limit;
  }

  override fetch32(pc: number): number {
    if (pc < this.lowest || pc + 4 > this.limit) throw new GuestFault(CAUSE_FETCH_ACCESS, pc);
    this.decode.pages[pc >>> 12] = 1;
    return this.i32[pc >>> 2];
  }
  override fetch16(pc: number): number {
    if (pc < this.lowest || pc + 2 > this.limit) throw new GuestFault(CAUSE_FETCH_ACCESS, pc);
    this.decode.pages[pc >>> 12] = 1;
    return this.u16[pc >>> 1];
  }

  override load8(a: number): number {
    if (a < this.lowest || a >= this.limit) loadFault(a);
    return (this.u8[a] << 24) >> 24;
  }
  override load8u(a: number): number {
    if (a < this.lowest || a >= this.limit) loadFault(a);
    return this.u8[a];
  }
  override load16(a: number): number {
    if (a < this.lowest || a + 2 > this.limit) loadFault(a);
    return this.dv.getInt16(a, true);
  }
  override load16u(a: number): number {
    if (a < this.lowest || a + 2 > this.limit) loadFault(a);
    return this.dv.getUint16(a, true);
  }
  override load32(a: number): number {
    if (a < this.lowest || a + 4 > this.limit) loadFault(a);
    return (a & 3) === 0 ? this.i32[a >>> 2] : this.dv.getInt32(a, true);
  }
  override load64(a: number): number {
    if (a < this.lowest || a + 8 > this.limit) loadFault(a);
    if ((a & 7) === 0) {
      const i = a >>> 2;
      this.hi = this.i32[i + 1];
      return this.i32[i];
    }
    this.hi = this.dv.getInt32(a + 4, true);
    return this.dv.getInt32(a, true);
  }

  override store8(a: number, v: number): void {
    if (a < this.lowest || a >= this.limit) storeFault(a);
    this.u8[a] = v;
    if (this.decode.pages[a >>> 12] !== 0) this.decode.invalidate(a, 1);
  }
  override store16(a: number, v: number): void {
    if (a < this.lowest || a + 2 > this.limit) storeFault(a);
    this.dv.setInt16(a, v, true);
    if (this.decode.pages[a >>> 12] !== 0 || this.decode.pages[(a + 1) >>> 12] !== 0) this.decode.invalidate(a, 2);
  }
  override store32(a: number, v: number): void {
    if (a < this.lowest || a + 4 > this.limit) storeFault(a);
    if ((a & 3) === 0) this.i32[a >>> 2] = v;
    else this.dv.setInt32(a, v, true);
    if (this.decode.pages[a >>> 12] !== 0 || this.decode.pages[(a + 3) >>> 12] !== 0) this.decode.invalidate(a, 4);
  }
  override store64(a: number, lo: number, hi: number): void {
    if (a < this.lowest || a + 8 > this.limit) storeFault(a);
    if ((a & 7) === 0) {
      const i = a >>> 2;
      this.i32[i] = lo;
      this.i32[i + 1] = hi;
    } else {
      this.dv.setInt32(a, lo, true);
      this.dv.setInt32(a + 4, hi, true);
    }
    if (this.decode.pages[a >>> 12] !== 0 || this.decode.pages[(a + 7) >>> 12] !== 0) this.decode.invalidate(a, 8);
  }
}

// `--memory caches`: one core's view of the hierarchy. L1i and L1d are private
// tag filters (an entry names the L2 slot holding the line); the L2 slot's state
// says whether the copy is still valid, since snoops from other cores change only
// states. The data lives in L2. Fast paths (checked before the MESI table, and proved
// equal to it by test): load hit in M/E/S, store hit in M/E. Everything else goes to
// the core's L2 controller (shared/coherence/l2_controller.ts), which returns what it
// did (LineAccess): the slot, latency, source, and the line it evicted.
//
// Atomics on the hit paths (V8 does not inline them: ~10x a plain access). A load or fetch
// hit reads its own slot's state with a plain read, with other workers too: only this core
// writes its slot's data (under its claim, or filling), so the one racing write is a
// snooper's state change, and a stale valid state read is the load performed just before
// the invalidation, as in a cache with the invalidation still in flight. What must order it
// after a snoop does: every bus transaction takes and releases its set's bus lock with
// Atomics (in calls, which V8 never moves loads across), and ECMAScript's coherent-reads
// rule holds plain reads to the writes that happen before them. A store hit keeps the claim
// (compareExchange to M|BUSY, release with Atomics.store) with other workers: without it a
// snooper could take the line between the check and the write, and the store would land in
// a copy already invalidated (translated code keeps it for the rest of a region call:
// cores/jit/mem_caches.ts). solo (one worker for every core: nobody else touches these
// arrays while this thread runs) skips the claim's Atomics too.

import { type L2Controller, type LineAccess, SRC_L1 } from '../shared/coherence/l2_controller.ts';
import type { CoherenceViews } from '../shared/coherence/layout.ts';
import { BUSY, E, M, STATE_MASK } from '../shared/coherence/mesi.ts';
import { CAUSE_LOCAL, CTR, transitionIndex } from '../shared/coherence/stats.ts';
import { checkAligned, loadFault, storeFault } from './mem_fault.ts';
import { TLB_MASK, type IdentityMap, type Tlb } from './tlb.ts';
import { amoPair, res } from './alu64.ts';
import { C2cRecorder } from './c2c_recorder.ts';
import type { DecodeCache } from './decode_cache.ts';
import { byLines, type HartMemory } from './memory.ts';

// Hot counters as literals: a property of an imported object costs a load per access.
const C_LOADS = 0; // CTR.loads
const C_STORES = 1; // CTR.stores
const C_L1D_HITS = 2; // CTR.l1dHits
if (CTR.loads !== C_LOADS || CTR.stores !== C_STORES || CTR.l1dHits !== C_L1D_HITS) throw new Error('mem_cache: counter literals out of date');

const HINT_BITS = 10;
const HINT_MASK = (1 << HINT_BITS) - 1;

/** A private L1 tag array: line -> L2 slot, LRU, with a direct-mapped hint for the way. */
class L1Tags {
  readonly tag: Int32Array;
  readonly slot: Int32Array;
  readonly stamp: Float64Array;
  readonly hint = new Int32Array(1 << HINT_BITS);
  readonly setMask: number;
  /** The LRU clock, in an array so translated code (cores/jit/mem_caches.ts) ticks the same one. */
  readonly clock = new Float64Array(1);

  constructor(
    lines: number,
    readonly ways: number,
  ) {
    this.tag = new Int32Array(lines).fill(-1);
    this.slot = new Int32Array(lines);
    this.stamp = new Float64Array(lines);
    this.setMask = lines / ways - 1;
  }

  find(line: number): number {
    const h = this.hint[line & HINT_MASK];
    if (this.tag[h] === line) return h;
    const base = (line & this.setMask) * this.ways;
    for (let w = 0; w < this.ways; w++) {
      if (this.tag[base + w] === line) {
        this.hint[line & HINT_MASK] = base + w;
        return base + w;
      }
    }
    return -1;
  }

  insert(line: number, slot: number): void {
    const base = (line & this.setMask) * this.ways;
    // The line's own entry first: taking an earlier empty way instead would leave a second,
    // stale entry for the line pointing at an L2 slot that may later hold another line.
    let victim = -1;
    for (let w = 0; w < this.ways; w++) if (this.tag[base + w] === line) { victim = base + w; break; }
    if (victim < 0) {
      victim = base;
      let oldest = Infinity;
      for (let w = 0; w < this.ways; w++) {
        const i = base + w;
        if (this.tag[i] === -1) { victim = i; break; }
        if (this.stamp[i] < oldest) { oldest = this.stamp[i]; victim = i; }
      }
    }
    this.tag[victim] = line;
    this.slot[victim] = slot;
    this.stamp[victim] = ++this.clock[0];
    this.hint[line & HINT_MASK] = victim;
  }

  drop(line: number): void {
    const i = this.find(line);
    if (i >= 0) this.tag[i] = -1;
  }
}

export interface CacheMemoryOptions {
  core: number;
  views: CoherenceViews;
  l2: L2Controller;
  /** Address translation: virtual to physical, and the faults (cores/tlb.ts). */
  tlb: Tlb;
  decode: DecodeCache;
  ctr: Float64Array;
  /** LR/SC hold window in cycles (cores/memory.ts); 0 or absent: LR opens no hold. */
  lrscHold?: number;
  /**
   * No other thread touches the hierarchy's arrays while this one runs (one worker hosts every
   * core): store hits claim and release their line without Atomics (same values).
   */
  solo?: boolean;
}

/**
 * What translated code's inline L1d hit path (cores/jit/mem_caches.ts) reads and ticks: the
 * very arrays the methods use, and the constants they use, so a hit there changes what a hit
 * here would.
 */
export interface CacheInline {
  solo: boolean;
  /** Bare mode: the identity range [lo, hi) bounds-checked instead of a TLB lookup. */
  bare: { lo: number; hi: number } | undefined;
  /** The TLB's read and write host arrays (cores/tlb.ts). */
  readEnt: Float64Array;
  writeEnt: Float64Array;
  /** L2 states and data. */
  st: Int32Array;
  d8: Uint8Array;
  d32: Int32Array;
  /** L1d: tags, their L2 slots, LRU stamps, way hints and the LRU clock. */
  tag: Int32Array;
  slot: Int32Array;
  stamp: Float64Array;
  hint: Int32Array;
  clock: Float64Array;
  hintMask: number;
  ctr: Float64Array;
  sampleLeft: Int32Array;
  /** The decode cache's page marks: a store to a marked page takes the method. */
  pages: Uint8Array;
  /** L1i, as L1d above, the TLB's fetch host array and the last fetch access's virtual line. */
  itag: Int32Array;
  islot: Int32Array;
  istamp: Float64Array;
  ihint: Int32Array;
  iclock: Float64Array;
  fetchEnt: Float64Array;
  fetchLine: Int32Array;
  lineShift: number;
  lineBytes: number;
  l1Lat: number;
  storeHitLat: number;
  /** Counter index of a local E -> M upgrade. */
  localEM: number;
}

export class CacheMemory implements HartMemory {
  hi = 0;
  lastLatency = 0;
  /** pc of the instruction making the access (set by the hart; for the c2c records). */
  pc = 0;
  holdUntil = 0;
  kernelReads = 0;
  kernelWrites = 0;
  readonly lrscHold: number;
  scSucceeded = 0;
  scFailed = 0;
  /** The line of the open LR/SC hold. */
  private holdLine = -1;
  readonly fetchSpan: number;
  readonly c2c: C2cRecorder;
  private readonly v: CoherenceViews;
  private readonly l2: L2Controller;
  protected readonly st: Int32Array;
  protected readonly d8: Uint8Array;
  protected readonly d32: Int32Array;
  protected readonly dv: DataView;
  private readonly l1d: L1Tags;
  private readonly l1i: L1Tags;
  protected readonly shift: number;
  protected readonly lineMask: number;
  protected readonly lineBytes: number;
  private readonly l1Lat: number;
  private readonly storeHitLat: number;
  private readonly tlb: Tlb;
  /** The TLB's read, write and fetch entries (cores/tlb.ts), for the inline fast path. */
  private readonly rEnt: Float64Array;
  private readonly wEnt: Float64Array;
  private readonly fEnt: Float64Array;
  private readonly ctr: Float64Array;
  private readonly core: number;
  private readonly decode: DecodeCache;
  private readonly fenceWord = new Int32Array(new SharedArrayBuffer(4));
  private readonly localEM: number;
  private readonly solo: boolean;
  private resAddr = -1;
  /** The virtual line of the last fetch access ([0]; an array: translated code's inline fetch sets it too). */
  protected readonly fetchLine = new Int32Array([-1]);
  /**
   * Lines this core has seen shared (one of its transactions found another core's copy).
   * Only their accesses are recorded for the c2c report: private data costs nothing.
   */
  private readonly shared = new Set<number>();
  /** L1d hits left until the next sampled one ([0]; an array: translated code counts them too). */
  private readonly sampleLeft = new Int32Array(1);

  constructor(o: CacheMemoryOptions) {
    const g = o.views.geometry;
    this.core = o.core;
    this.v = o.views;
    this.l2 = o.l2;
    this.st = o.views.l2State;
    this.d8 = o.views.l2Data;
    this.d32 = o.views.l2Data32;
    this.dv = o.views.l2View;
    this.lineBytes = g.lineBytes;
    this.shift = o.views.lineShift;
    this.lineMask = g.lineBytes - 1;
    this.fetchSpan = g.lineBytes;
    this.l1d = new L1Tags(g.l1d.sizeBytes / g.lineBytes, g.l1d.ways);
    this.l1i = new L1Tags(g.l1i.sizeBytes / g.lineBytes, g.l1i.ways);
    this.l1Lat = g.l1d.latency;
    this.storeHitLat = g.l1WriteThrough ? g.l2.latency : g.l1d.latency;
    this.tlb = o.tlb;
    this.rEnt = o.tlb.readEnt;
    this.wEnt = o.tlb.writeEnt;
    this.fEnt = o.tlb.fetchEnt;
    this.ctr = o.ctr;
    this.decode = o.decode;
    this.c2c = new C2cRecorder(o.core, g.lineBytes, o.tlb);
    this.sampleLeft[0] = this.c2c.nextGap();
    this.localEM = transitionIndex(g.cores, CAUSE_LOCAL, E, M);
    this.lrscHold = o.lrscHold ?? 0;
    this.solo = o.solo ?? false;
  }

  /** The arrays and constants of the L1d hit path, for translated code. */
  inline(): CacheInline {
    return {
      solo: this.solo, bare: this.bareRange(), readEnt: this.rEnt, writeEnt: this.wEnt,
      st: this.st, d8: this.d8, d32: this.d32,
      tag: this.l1d.tag, slot: this.l1d.slot, stamp: this.l1d.stamp, hint: this.l1d.hint, clock: this.l1d.clock, hintMask: HINT_MASK,
      ctr: this.ctr, sampleLeft: this.sampleLeft, pages: this.decode.pages,
      itag: this.l1i.tag, islot: this.l1i.slot, istamp: this.l1i.stamp, ihint: this.l1i.hint, iclock: this.l1i.clock,
      fetchEnt: this.fEnt, fetchLine: this.fetchLine,
      lineShift: this.shift, lineBytes: this.lineBytes, l1Lat: this.l1Lat, storeHitLat: this.storeHitLat, localEM: this.localEM,
    };
  }

  protected bareRange(): { lo: number; hi: number } | undefined {
    return undefined;
  }

  /** A read request to the L2 controller (an L1i miss); purges L1 of the line it evicted to make room. */
  private readRequest(line: number): LineAccess {
    const r = this.l2.readLine(line);
    if (r.evicted !== -1) this.lost(r.evicted);
    return r;
  }

  /** This core's L2 no longer holds `line` (its own eviction): L1 copies and any hold on it go. */
  private lost(line: number): void {
    this.l1d.drop(line);
    this.l1i.drop(line);
    if (line === this.holdLine) this.endHold(); // the reservation went with the line
  }

  /**
   * Forgets every L1 tag (the lines stay in L2). Parallel --boot linux: the kernel's home
   * worker ran this core's trap through a second view of its caches, whose fills may have
   * moved L2 lines to other slots; an L1 entry names a slot, so none may outlive the call.
   */
  dropL1(): void {
    this.l1d.tag.fill(-1);
    this.l1i.tag.fill(-1);
  }

  /** Evicts this core's L2 copy of `line` (PrEvict), if it holds one. Tests drive it by hand. */
  evict(line: number): boolean {
    const slot = this.v.findL2(this.core, line);
    if (slot < 0) return false;
    this.l2.evict(slot, line);
    this.lost(line);
    return true;
  }

  // ---- lookups ----

  /** L2 slot holding `line` readable, through L1d; records the access. */
  private readSlot(line: number, a: number): number {
    const i = this.l1d.find(line);
    if (i >= 0) {
      const slot = this.l1d.slot[i];
      if ((this.st[slot] & STATE_MASK) !== 0) { // a plain read (the header says why)
        this.l1d.stamp[i] = ++this.l1d.clock[0];
        this.ctr[C_L1D_HITS]++;
        this.lastLatency = this.l1Lat;
        if (--this.sampleLeft[0] === 0) this.sample(line, a, false, this.l1Lat);
        return slot;
      }
    }
    return this.readMiss(line, a);
  }

  private readMiss(line: number, a: number): number {
    return this.miss(line, a, false);
  }

  /** An L1d miss: L2 brings the line (for a store, in M with the claim held), L1d takes it. */
  private miss(line: number, a: number, store: boolean): number {
    this.ctr[CTR.l1dMisses]++;
    // The controller's request written out (not a helper of its own: one function less for V8
    // to compile on the miss path); the line it evicted to make room leaves L1.
    const r = store ? this.l2.writeLine(line) : this.l2.readLine(line);
    if (r.evicted !== -1) this.lost(r.evicted);
    const slot = r.slot;
    this.l1d.insert(line, slot);
    this.lastLatency = r.latency;
    this.ctr[CTR.memCycles] += r.latency;
    if (r.snooped) this.shared.add(line);
    if (this.shared.has(line)) this.c2c.miss(a, this.pc, store, r.source, r.latency);
    return slot;
  }

  /** L2 slot holding `line` in M with the data claim held; the caller writes, then releases. */
  private writeSlot(line: number, a: number): number {
    const slot = this.writeHit(line, a);
    return slot >= 0 ? slot : this.miss(line, a, true);
  }

  /** The L1d fast path of a store: the slot, claimed, if L1d holds the line in M or E; else -1. */
  private writeHit(line: number, a: number): number {
    const i = this.l1d.find(line);
    if (i >= 0) {
      const slot = this.l1d.slot[i];
      const s = this.st[slot];
      if ((s === M || s === E) && (this.solo ? ((this.st[slot] = M | BUSY), true) : Atomics.compareExchange(this.st, slot, s, M | BUSY) === s)) {
        if (s === E) this.ctr[this.localEM]++;
        this.l1d.stamp[i] = ++this.l1d.clock[0];
        this.ctr[C_L1D_HITS]++;
        this.lastLatency = this.storeHitLat;
        if (--this.sampleLeft[0] === 0) this.sample(line, a, true, this.storeHitLat);
        return slot;
      }
    }
    return -1;
  }

  /**
   * Translated code's sampled L1d hit (cores/jit/mem_caches.ts: its countdown ran out; pc set):
   * sample() as the method's hit calls it; returns the new countdown.
   */
  sampleHit(line: number, p: number, store: boolean, latency: number): number {
    this.sample(line, p, store, latency);
    return this.sampleLeft[0];
  }

  /** One L1d hit in SAMPLE_EVERY (on average): recorded with that weight if the line is shared. */
  private sample(line: number, a: number, store: boolean, latency: number): void {
    this.sampleLeft[0] = this.c2c.nextGap();
    if (this.shared.has(line)) this.c2c.sampled(a, this.pc, store, latency);
  }

  /** Reads `size` bytes little-endian at a (within one line) as an unsigned number (size <= 4). */
  private readIn(slot: number, off: number, size: number): number {
    const p = slot * this.lineBytes + off;
    switch (size) {
      case 1: return this.d8[p];
      case 2: return this.dv.getUint16(p, true);
      default: return (off & 3) === 0 ? this.d32[p >> 2] : this.dv.getInt32(p, true);
    }
  }

  /** A load that crosses a line boundary: byte by byte (each byte its own access). */
  private loadSplit(a: number, size: number): number {
    let lo = 0, hi = 0;
    for (let i = 0; i < size; i++) {
      const b = this.load8u(a + i);
      if (i < 4) lo |= b << (8 * i);
      else hi |= b << (8 * (i - 4));
    }
    this.hi = hi;
    return lo;
  }

  private storeSplit(a: number, lo: number, hi: number, size: number): void {
    for (let i = 0; i < size; i++) this.store8(a + i, i < 4 ? lo >>> (8 * i) : hi >>> (8 * (i - 4)));
  }

  /** A load's physical address: the TLB's fast path inline (BareCacheMemory: a bounds check). */
  protected loadPa(a: number, size: number): number {
    const e = this.rEnt, j = ((a >>> 12) & TLB_MASK) << 1;
    return e[j] === a - (a & (0xfff & ~(size - 1))) ? a + e[j + 1] : this.tlb.read(a, size);
  }

  // Each load translates (loadPa) and reads in one function: as a virtual half and a physical
  // half, each was compiled on its own and again inside the other.

  /** A load of `size` bytes at virtual a: translated, then L1d / L2. */
  protected load(a: number, size: number): number {
    return this.loadAt(a, this.loadPa(a, size), size);
  }
  /** The physical half of load: a virtual (a line-crossing access goes byte by byte), p physical. */
  protected loadAt(a: number, p: number, size: number): number {
    const off = p & this.lineMask;
    if (off + size > this.lineBytes) return this.loadSplit(a, size);
    this.ctr[C_LOADS]++;
    return this.readIn(this.readSlot(p >>> this.shift, p), off, size);
  }

  // ---- HartMemory: virtual addresses in, through the TLB, physical lines out ----

  fetch32(pc: number): number {
    const p = this.tlb.fetch(pc, 4);
    this.decode.pages[p >>> 12] = 1;
    const line = p >>> this.shift;
    let slot: number;
    const i = this.l1i.find(line);
    if (i >= 0 && (this.st[this.l1i.slot[i]] & STATE_MASK) !== 0) slot = this.l1i.slot[i];
    else {
      slot = this.readRequest(line).slot;
      this.l1i.insert(line, slot);
    }
    return this.d32[(slot * this.lineBytes + (p & this.lineMask)) >> 2];
  }

  fetch16(pc: number): number {
    const p = this.tlb.fetch(pc, 2);
    this.decode.pages[p >>> 12] = 1;
    return this.dv.getUint16(this.fetchSlot(p >>> this.shift) * this.lineBytes + (p & this.lineMask), true);
  }

  /** L2 slot of code line `line`, through L1i (a decode: the L1i access itself was charged by fetchAccess). */
  private fetchSlot(line: number): number {
    const i = this.l1i.find(line);
    if (i >= 0 && (this.st[this.l1i.slot[i]] & STATE_MASK) !== 0) return this.l1i.slot[i];
    const slot = this.readRequest(line).slot;
    this.l1i.insert(line, slot);
    return slot;
  }

  /** The hart moved into a new code line: an L1i access. Returns the extra cycles. */
  fetchAccess(pc: number): number {
    const vline = pc >>> this.shift;
    if (vline === this.fetchLine[0]) return 0;
    this.fetchLine[0] = vline;
    const e = this.fEnt, j = ((pc >>> 12) & TLB_MASK) << 1;
    const p = e[j] === pc - (pc & 0xfff) ? pc + e[j + 1] : this.tlb.probeFetch(pc);
    if (p < 0) return 0; // the fetch itself will fault
    return this.fetchLineAccess(p >>> this.shift);
  }

  /** fetchAccess's L1i access to physical line `line`. */
  protected fetchLineAccess(line: number): number {
    const i = this.l1i.find(line);
    if (i >= 0 && (this.st[this.l1i.slot[i]] & STATE_MASK) !== 0) {
      this.l1i.stamp[i] = ++this.l1i.clock[0];
      this.ctr[CTR.l1iHits]++;
      return 0;
    }
    this.ctr[CTR.l1iMisses]++;
    const r = this.readRequest(line);
    this.l1i.insert(line, r.slot);
    this.ctr[CTR.memCycles] += r.latency;
    return r.latency;
  }

  load8(a: number): number {
    return (this.load8u(a) << 24) >> 24;
  }
  load8u(a: number): number {
    const p = this.loadPa(a, 1);
    this.ctr[C_LOADS]++;
    const slot = this.readSlot(p >>> this.shift, p);
    return this.d8[slot * this.lineBytes + (p & this.lineMask)];
  }
  load16(a: number): number {
    return (this.load(a, 2) << 16) >> 16;
  }
  load16u(a: number): number {
    return this.load(a, 2);
  }
  load32(a: number): number {
    const p = this.loadPa(a, 4);
    if ((p & 3) !== 0) return this.loadAt(a, p, 4) | 0; // unaligned: may cross a line
    this.ctr[C_LOADS]++;
    const slot = this.readSlot(p >>> this.shift, p);
    return this.d32[(slot * this.lineBytes + (p & this.lineMask)) >> 2];
  }
  load64(a: number): number {
    const pa = this.loadPa(a, 8);
    const off = pa & this.lineMask;
    if (off + 8 > this.lineBytes) return this.loadSplit(a, 8);
    this.ctr[C_LOADS]++;
    const p = this.readSlot(pa >>> this.shift, pa) * this.lineBytes + off;
    if ((off & 7) === 0) {
      this.hi = this.d32[(p >> 2) + 1];
      return this.d32[p >> 2];
    }
    this.hi = this.dv.getInt32(p + 4, true);
    return this.dv.getInt32(p, true);
  }

  /** A store's physical address: the TLB's fast path inline (BareCacheMemory: a bounds check). */
  protected storePa(a: number, size: number): number {
    const e = this.wEnt, j = ((a >>> 12) & TLB_MASK) << 1;
    return e[j] === a - (a & (0xfff & ~(size - 1))) ? a + e[j + 1] : this.tlb.write(a, size);
  }

  /**
   * A store of `size` bytes at virtual a (a line-crossing store goes byte by byte); drops
   * decoded instructions by physical address. Translation and the physical store in one
   * function: as two, each was compiled on its own and again inside the other.
   */
  protected store(a: number, size: number, lo: number, hi: number): void {
    const pa = this.storePa(a, size);
    const off = pa & this.lineMask;
    if (off + size > this.lineBytes) {
      this.storeSplit(a, lo, hi, size);
      return;
    }
    this.ctr[C_STORES]++;
    const slot = this.writeSlot(pa >>> this.shift, pa);
    const p = slot * this.lineBytes + off;
    switch (size) {
      case 1: this.d8[p] = lo; break;
      case 2: this.dv.setInt16(p, lo, true); break;
      case 4: if ((p & 3) === 0) this.d32[p >> 2] = lo; else this.dv.setInt32(p, lo, true); break;
      default:
        if ((p & 7) === 0) { this.d32[p >> 2] = lo; this.d32[(p >> 2) + 1] = hi; }
        else { this.dv.setInt32(p, lo, true); this.dv.setInt32(p + 4, hi, true); }
    }
    // The controller's release(slot), inline: every store passes here.
    if (this.solo) this.st[slot] = M;
    else Atomics.store(this.st, slot, M);
    if (this.decode.pages[pa >>> 12] !== 0 || this.decode.pages[(pa + size - 1) >>> 12] !== 0) this.decode.invalidate(pa, size);
  }

  store8(a: number, v: number): void {
    this.store(a, 1, v, 0);
  }
  store16(a: number, v: number): void {
    this.store(a, 2, v, 0);
  }
  store32(a: number, v: number): void {
    this.store(a, 4, v, 0);
  }
  store64(a: number, lo: number, hi: number): void {
    this.store(a, 8, lo, hi);
  }

  /** An atomic access's physical address: translated (an LR as a load), naturally aligned. */
  private atomicPa(a: number, size: number, load: boolean): number {
    const pa = load ? this.tlb.read(a, size) : this.tlb.write(a, size);
    checkAligned(a, size, load);
    return pa;
  }

  /**
   * Claims the line of physical address pa in M for an atomic access; returns pa's byte
   * index in L2 data (unclaim(index >> 2) ends the claim).
   */
  private claim(pa: number): number {
    this.ctr[CTR.amos]++;
    const line = pa >>> this.shift;
    let slot = this.writeHit(line, pa);
    if (slot >= 0) {
      // c2c: an atomic that hits L1 on a shared line is recorded exactly, not sampled: sync
      // variables (a barrier's sense, a lock word) are written once per episode.
      if (this.shared.has(line)) this.c2c.miss(pa, this.pc, true, SRC_L1, this.lastLatency);
    } else {
      slot = this.miss(line, pa, true);
    }
    return slot * this.lineBytes + (pa & this.lineMask);
  }

  /** Ends the claim taken by claim() (w: the word index of the claimed address). */
  private unclaim(w: number): void {
    this.l2.release((w << 2) >>> this.shift);
  }

  amo32(op: number, a: number, v: number): number {
    const pa = this.atomicPa(a, 4, false);
    const p = this.claim(pa) >> 2;
    const old = this.d32[p];
    amoPair(op, old, old >> 31, v, v >> 31);
    this.d32[p] = res[0];
    this.unclaim(p);
    if (this.decode.pages[pa >>> 12] !== 0) this.decode.invalidate(pa, 4);
    return old;
  }

  amo64(op: number, a: number, lo: number, hi: number): number {
    const pa = this.atomicPa(a, 8, false);
    const p = this.claim(pa) >> 2;
    const olo = this.d32[p], ohi = this.d32[p + 1];
    amoPair(op, olo, ohi, lo, hi);
    this.d32[p] = res[0];
    this.d32[p + 1] = res[1];
    this.unclaim(p);
    if (this.decode.pages[pa >>> 12] !== 0) this.decode.invalidate(pa, 8);
    this.hi = ohi;
    return olo;
  }

  /**
   * Reserves the line of pa (a: the LR's virtual address, which the SC must name); with a
   * hold window, opens the hold (cores/memory.ts). Under the claim.
   */
  private reserve(a: number, pa: number): void {
    const line = pa >>> this.shift;
    this.resAddr = a;
    Atomics.store(this.v.reservation, this.v.reservationIndex(this.core), line);
    if (this.lrscHold > 0) {
      if (this.l2.hold(line)) {
        this.holdLine = line;
        this.holdUntil = -1; // the hart sets when it closes
      } else {
        this.endHold(); // another core waits for the line: no hold this time
      }
    }
  }

  endHold(): void {
    this.holdUntil = 0;
    if (this.holdLine !== -1) {
      this.holdLine = -1;
      this.l2.unhold();
    }
  }

  lr32(a: number): number {
    const pa = this.atomicPa(a, 4, true);
    const p = this.claim(pa) >> 2;
    const v = this.d32[p];
    this.reserve(a, pa); // while the claim is held, so a snooper that takes the line clears it
    this.unclaim(p);
    return v;
  }

  lr64(a: number): number {
    const pa = this.atomicPa(a, 8, true);
    const p = this.claim(pa) >> 2;
    this.hi = this.d32[p + 1];
    const v = this.d32[p];
    this.reserve(a, pa);
    this.unclaim(p);
    return v;
  }

  /** SC: succeeds only if the reservation survived until the line is ours again in M. */
  private scBegin(a: number, pa: number): number {
    const resIdx = this.v.reservationIndex(this.core);
    const line = pa >>> this.shift;
    if (this.resAddr !== a || Atomics.load(this.v.reservation, resIdx) !== line) {
      this.resAddr = -1;
      Atomics.store(this.v.reservation, resIdx, -1);
      this.ctr[CTR.scFailures]++;
      return -1;
    }
    const p = this.claim(pa);
    this.resAddr = -1;
    if (Atomics.compareExchange(this.v.reservation, resIdx, line, -1) !== line) {
      this.unclaim(p >> 2);
      this.ctr[CTR.scFailures]++;
      return -1;
    }
    return p;
  }

  // The hold ends after the SC, so nobody takes the line between the window and the store.
  sc32(a: number, v: number): number {
    const pa = this.atomicPa(a, 4, false);
    const p = this.scBegin(a, pa);
    if (p >= 0) {
      this.d32[p >> 2] = v;
      this.unclaim(p >> 2);
      if (this.decode.pages[pa >>> 12] !== 0) this.decode.invalidate(pa, 4);
    }
    return this.scEnd(p);
  }

  sc64(a: number, lo: number, hi: number): number {
    const pa = this.atomicPa(a, 8, false);
    const p = this.scBegin(a, pa);
    if (p >= 0) {
      this.d32[p >> 2] = lo;
      this.d32[(p >> 2) + 1] = hi;
      this.unclaim(p >> 2);
      if (this.decode.pages[pa >>> 12] !== 0) this.decode.invalidate(pa, 8);
    }
    return this.scEnd(p);
  }

  private scEnd(p: number): number {
    if (this.holdUntil !== 0) this.endHold();
    if (p < 0) {
      this.scFailed++;
      return 1;
    }
    this.scSucceeded++;
    return 0;
  }

  // ---- the kernel's access path: line by line, through L1d and L2, not counted as guest loads/stores ----

  copyFromGuest(a: number, out: Uint8Array): number {
    return byLines(a, out.length, this.lineBytes, (va, i, n) => {
      const pa = this.tlb.read(va, n);
      const p = this.readSlot(pa >>> this.shift, pa) * this.lineBytes + (pa & this.lineMask);
      out.set(this.d8.subarray(p, p + n), i);
      this.kernelReads++;
      return this.lastLatency;
    });
  }

  copyToGuest(a: number, data: Uint8Array): number {
    return byLines(a, data.length, this.lineBytes, (va, i, n) => {
      const pa = this.tlb.write(va, n);
      const slot = this.writeSlot(pa >>> this.shift, pa);
      this.d8.set(data.subarray(i, i + n), slot * this.lineBytes + (pa & this.lineMask));
      this.l2.release(slot);
      if (this.decode.pages[pa >>> 12] !== 0) this.decode.invalidate(pa, n);
      this.kernelWrites++;
      return this.lastLatency;
    });
  }

  fence(): void {
    Atomics.add(this.fenceWord, 0, 0);
  }

  // ---- physical accesses (the page walker's and the kernel's: cores/mmu/cache_phys.ts) ----

  /** Byte index in L2 data of physical address pa, its line read through L1d/L2 (latency in lastLatency). */
  physRead(pa: number): number {
    return this.readSlot(pa >>> this.shift, pa) * this.lineBytes + (pa & this.lineMask);
  }

  /** As physRead, with the line claimed in M for a write: physRelease(index) ends the claim. */
  physClaim(pa: number): number {
    return this.writeSlot(pa >>> this.shift, pa) * this.lineBytes + (pa & this.lineMask);
  }

  physRelease(index: number): void {
    this.l2.release(index >>> this.shift);
  }
}

/**
 * Bare mode (cores/mem_flat.ts says why): the hot accesses bounds-check against the pages
 * IdentityMap maps instead of looking up the TLB, with the TLB path's faults; atomics, decode
 * fetches and kernel copies keep the TLB (identity: the same addresses).
 */
export class BareCacheMemory extends CacheMemory {
  private readonly lowest: number;
  private readonly limit: number;

  constructor(o: CacheMemoryOptions, identity: IdentityMap) {
    super(o);
    this.lowest = identity.lowest;
    this.limit = identity.limit;
  }

  protected override bareRange(): { lo: number; hi: number } {
    return { lo: this.lowest, hi: this.limit };
  }

  override fetchAccess(pc: number): number {
    const vline = pc >>> this.shift;
    if (vline === this.fetchLine[0]) return 0;
    this.fetchLine[0] = vline;
    if (pc < this.lowest || pc >= this.limit) return 0; // the fetch itself will fault
    return this.fetchLineAccess(vline);
  }
  protected override loadPa(a: number, size: number): number {
    if (a < this.lowest || a + size > this.limit) loadFault(a);
    return a;
  }
  protected override storePa(a: number, size: number): number {
    if (a < this.lowest || a + size > this.limit) storeFault(a);
    return a;
  }
}

/**
 * Test harness: an in-process multi-core cache hierarchy without workers. N CacheMemory
 * instances (cores/mem_cache.ts), each with its own L2 controller, DecodeCache and counters,
 * over one RAM SharedArrayBuffer and one set of coherence buffers (allocateCoherence), wired
 * by the machine's own factory (cores/core_memory.ts). Every call runs to completion on this thread,
 * so between two calls the hierarchy is quiescent and the checker may run.
 *
 * The default geometry is tiny so that tests can force evictions by hand:
 *   64-byte lines; L1i/L1d 128 B, 2 ways (1 set); L2 512 B, 2 ways (4 sets);
 *   L3 4 KiB, 4 ways (16 sets); RAM 64 KiB, page 0 (below 0x1000) faults.
 * RAM starts filled with a known pattern (initialByte), so "the old value" of any
 * address is known without a store.
 *
 * Values travel as unsigned BigInts (little-endian, `size` bytes).
 */
import { L2Controller, type BusMutations } from '../../shared/coherence/l2_controller.ts';
import { checkInvariants } from '../../shared/coherence/checker.ts';
import {
  allocateCoherence,
  CoherenceViews,
  DEFAULT_GEOMETRY,
  geometryProblem,
  type CacheGeometry,
  type CoherenceBuffers,
  type LevelGeometry,
} from '../../shared/coherence/layout.ts';
import { ProtocolTable, STATE_MASK, STATE_NAMES, TRANSITIONS, type Transition } from '../../shared/coherence/mesi.ts';
import { CTR, type CounterName } from '../../shared/coherence/stats.ts';
import { createCoreMemory } from '../../cores/core_memory.ts';
import type { CacheMemory } from '../../cores/mem_cache.ts';

export type StateName = 'M' | 'E' | 'S' | 'I';
export type Size = 1 | 2 | 4 | 8;

export const RAM_BASE = 0x1000;

export interface HarnessOptions {
  cores?: number;
  lineBytes?: number;
  l1i?: Partial<LevelGeometry>;
  l1d?: Partial<LevelGeometry>;
  l2?: Partial<LevelGeometry>;
  l3?: Partial<LevelGeometry>;
  ramBytes?: number;
  /** Injected protocol bugs (Bus mutations), to prove the tests can fail. */
  mutations?: BusMutations;
  /** The protocol table (defaults to the project's TRANSITIONS). */
  transitions?: Transition[];
  /** LR/SC hold window per core, in cycles (default 0: LR opens no hold). */
  lrscHold?: number[];
}

/** RAM's initial content: a byte pattern that differs between neighbouring bytes and lines. */
export function initialByte(a: number): number {
  return (a * 37 + (a >>> 6) * 11 + 0x5a) & 0xff;
}

/** Little-endian bytes to an unsigned BigInt. */
export function le(bytes: Uint8Array): bigint {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]!);
  return v;
}

/** An unsigned BigInt to `n` little-endian bytes. */
export function toBytes(v: bigint, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = BigInt.asUintN(8 * n, v);
  for (let i = 0; i < n; i++) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

export const hex = (v: number | bigint) => `0x${v.toString(16)}`;

export class Harness {
  readonly geometry: CacheGeometry;
  readonly views: CoherenceViews;
  readonly buffers: CoherenceBuffers;
  readonly ramBuf: SharedArrayBuffer;
  readonly ramU8: Uint8Array;
  readonly table: ProtocolTable;
  readonly mems: CacheMemory[] = [];
  readonly l2s: L2Controller[] = [];
  readonly ctrs: Float64Array[] = [];
  readonly cores: number;
  readonly lineBytes: number;

  constructor(o: HarnessOptions = {}) {
    const cores = o.cores ?? 3;
    const lineBytes = o.lineBytes ?? 64;
    const level = (d: LevelGeometry, p: Partial<LevelGeometry> | undefined, sizeBytes: number, ways: number) => ({
      ...d,
      sizeBytes,
      ways,
      ...p,
    });
    this.geometry = {
      ...DEFAULT_GEOMETRY,
      cores,
      lineBytes,
      l1i: level(DEFAULT_GEOMETRY.l1i, o.l1i, 2 * lineBytes, 2),
      l1d: level(DEFAULT_GEOMETRY.l1d, o.l1d, 2 * lineBytes, 2),
      l2: level(DEFAULT_GEOMETRY.l2, o.l2, 8 * lineBytes, 2),
      l3: level(DEFAULT_GEOMETRY.l3, o.l3, 64 * lineBytes, 4),
    };
    const problem = geometryProblem(this.geometry);
    if (problem) throw new Error(`harness geometry: ${problem}`);
    this.cores = cores;
    this.lineBytes = lineBytes;
    const ramBytes = o.ramBytes ?? 64 * 1024;
    this.ramBuf = new SharedArrayBuffer(ramBytes);
    this.ramU8 = new Uint8Array(this.ramBuf);
    for (let a = 0; a < ramBytes; a++) this.ramU8[a] = initialByte(a);
    this.buffers = allocateCoherence(this.geometry);
    this.views = new CoherenceViews(this.geometry, this.buffers);
    this.table = new ProtocolTable(o.transitions ?? TRANSITIONS);
    for (let c = 0; c < cores; c++) {
      const { cache, l2, ctr } = createCoreMemory({
        core: c,
        ram: this.ramBuf,
        ramBase: RAM_BASE,
        lrscHold: o.lrscHold?.[c] ?? 0,
        caches: { views: this.views, table: this.table, mutations: o.mutations ?? {} },
      });
      this.ctrs.push(ctr!);
      this.l2s.push(l2!);
      this.mems.push(cache!);
    }
  }

  // ---- geometry helpers ----

  get l2Sets(): number {
    return this.views.l2Sets;
  }
  get l3Sets(): number {
    return this.views.l3Sets;
  }
  lineOf(addr: number): number {
    return Math.floor(addr / this.lineBytes);
  }
  lineAddr(addr: number): number {
    return this.lineOf(addr) * this.lineBytes;
  }
  /** The k-th (k >= 1) other line address in the same L2 set as addr (same offset). */
  l2Conflict(addr: number, k: number): number {
    return addr + k * this.l2Sets * this.lineBytes;
  }
  /** The k-th (k >= 1) other line address in the same L3 set as addr (same offset). */
  l3Conflict(addr: number, k: number): number {
    return addr + k * this.l3Sets * this.lineBytes;
  }

  // ---- accesses through HartMemory ----

  load(core: number, addr: number, size: Size): bigint {
    const m = this.mems[core]!;
    switch (size) {
      case 1:
        return BigInt(m.load8u(addr));
      case 2:
        return BigInt(m.load16u(addr));
      case 4:
        return BigInt(m.load32(addr) >>> 0);
      case 8: {
        const lo = m.load64(addr) >>> 0;
        return (BigInt(m.hi >>> 0) << 32n) | BigInt(lo);
      }
    }
  }

  store(core: number, addr: number, size: Size, value: bigint | number): void {
    const m = this.mems[core]!;
    const v = BigInt.asUintN(64, BigInt(value));
    const lo = Number(BigInt.asIntN(32, v));
    switch (size) {
      case 1:
        m.store8(addr, lo & 0xff);
        return;
      case 2:
        m.store16(addr, lo & 0xffff);
        return;
      case 4:
        m.store32(addr, lo);
        return;
      case 8:
        m.store64(addr, lo, Number(BigInt.asIntN(32, v >> 32n)));
        return;
    }
  }

  /** An AMO (op: AMO_* of cores/memory.ts) of 4 or 8 bytes; returns the old value, unsigned. */
  amo(core: number, op: number, addr: number, size: 4 | 8, value: bigint | number): bigint {
    const m = this.mems[core]!;
    const v = BigInt.asUintN(64, BigInt(value));
    if (size === 4) return BigInt(m.amo32(op, addr, Number(BigInt.asIntN(32, v))) >>> 0);
    const lo = m.amo64(op, addr, Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))) >>> 0;
    return (BigInt(m.hi >>> 0) << 32n) | BigInt(lo);
  }

  lr(core: number, addr: number, size: 4 | 8): bigint {
    const m = this.mems[core]!;
    if (size === 4) return BigInt(m.lr32(addr) >>> 0);
    const lo = m.lr64(addr) >>> 0;
    return (BigInt(m.hi >>> 0) << 32n) | BigInt(lo);
  }

  /** Store-conditional: 0 on success, 1 on failure. */
  sc(core: number, addr: number, size: 4 | 8, value: bigint | number): number {
    const m = this.mems[core]!;
    const v = BigInt.asUintN(64, BigInt(value));
    if (size === 4) return m.sc32(addr, Number(BigInt.asIntN(32, v)));
    return m.sc64(addr, Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n)));
  }

  fetch32(core: number, pc: number): bigint {
    return BigInt(this.mems[core]!.fetch32(pc) >>> 0);
  }

  // ---- direct bus operations ----

  /** Evicts core's L2 copy of addr's line through its bus (PrEvict). Returns false if it held none. */
  evict(core: number, addr: number): boolean {
    return this.mems[core]!.evict(this.lineOf(addr));
  }

  /**
   * Drops every entry of core's private L1 tag filters, so its next access misses L1 and
   * takes the bus path (an L2 hit or a transaction). L1 is an inclusive tag filter, so
   * forgetting entries is always legal (it is what an L1 capacity eviction does).
   */
  flushL1(core: number): void {
    const m = this.mems[core] as unknown as Record<string, unknown>;
    for (const name of ['l1d', 'l1i']) {
      const l1 = m[name] as { tag?: Int32Array; hint?: Int32Array } | undefined;
      if (!l1 || !(l1.tag instanceof Int32Array)) throw new Error(`harness: CacheMemory has no ${name}.tag to flush`);
      l1.tag.fill(-1);
    }
    const fl = m['fetchLine'];
    if (typeof fl === 'number') m['fetchLine'] = -1;
  }

  // ---- inspection ----

  /** Global L2 slot of core's valid copy of addr's line, or -1. */
  slot(core: number, addr: number): number {
    return this.views.findL2(core, this.lineOf(addr));
  }

  state(core: number, addr: number): StateName {
    const s = this.slot(core, addr);
    if (s < 0) return 'I';
    return STATE_NAMES[Atomics.load(this.views.l2State, s) & STATE_MASK] as StateName;
  }

  /** Every core's state of addr's line, e.g. ['M', 'I', 'I']. */
  states(addr: number): StateName[] {
    return Array.from({ length: this.cores }, (_, c) => this.state(c, addr));
  }

  /** `n` bytes at addr from core's valid L2 copy (within one line), or undefined. */
  cacheBytes(core: number, addr: number, n = 8): Uint8Array | undefined {
    const s = this.slot(core, addr);
    if (s < 0) return undefined;
    const off = s * this.lineBytes + (addr % this.lineBytes);
    return this.views.l2Data.slice(off, off + n);
  }

  cacheValue(core: number, addr: number, size: Size = 8): bigint | undefined {
    const b = this.cacheBytes(core, addr, size);
    return b && le(b);
  }

  /** L3 slot of addr's line, or -1. */
  l3Slot(addr: number): number {
    return this.views.findL3(this.lineOf(addr));
  }

  /** `n` bytes at addr from the L3 copy (within one line), or undefined when L3 lacks the line. */
  l3(addr: number, n = 8): Uint8Array | undefined {
    const t = this.l3Slot(addr);
    if (t < 0) return undefined;
    const off = t * this.lineBytes + (addr % this.lineBytes);
    return this.views.l3Data.slice(off, off + n);
  }

  l3Value(addr: number, size: Size = 8): bigint | undefined {
    const b = this.l3(addr, size);
    return b && le(b);
  }

  /** L3's dirty flag and sharer mask for addr's line, or undefined. */
  l3Info(addr: number): { dirty: boolean; sharers: number } | undefined {
    const t = this.l3Slot(addr);
    if (t < 0) return undefined;
    return { dirty: this.views.l3Dirty[t] !== 0, sharers: this.views.l3Sharers[t]! };
  }

  ram(addr: number, n = 8): Uint8Array {
    return this.ramU8.slice(addr, addr + n);
  }

  ramValue(addr: number, size: Size = 8): bigint {
    return le(this.ram(addr, size));
  }

  /** The value RAM held at addr before any store (initialByte). */
  initialValue(addr: number, size: Size = 8): bigint {
    const b = new Uint8Array(size);
    for (let i = 0; i < size; i++) b[i] = initialByte(addr + i);
    return le(b);
  }

  counter(core: number, name: CounterName): number {
    return this.ctrs[core]![CTR[name]]!;
  }

  /** A snapshot of every core's counters, to compute deltas. */
  snapshot(): Float64Array[] {
    return this.ctrs.map((c) => c.slice());
  }

  delta(before: Float64Array[], core: number, name: CounterName): number {
    return this.ctrs[core]![CTR[name]]! - before[core]![CTR[name]]!;
  }

  violations(): string[] {
    return checkInvariants(this.views, this.ramU8);
  }

  /** Runs the invariant checker; throws with its messages if any invariant fails. */
  check(): void {
    const v = this.violations();
    if (v.length > 0) throw new Error(`coherence invariants violated:\n  ${v.join('\n  ')}`);
  }
}

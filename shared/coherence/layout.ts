// Shared arrays of the cache hierarchy: every core's L2 (the coherence point,
// holding the data), the shared inclusive L3 with its sharer masks, the bus locks
// (one per L3 set) and the LR reservations. Every worker maps the same buffers.
//
// Per core c, L2 slot s (global slot g = c * l2Lines + s, s = set * ways + way):
//   l2Tag[g]    line number (pa >>> lineShift) or -1. Written by core c only, under the
//               bus lock of that line's L3 set: by a fill and by an eviction. A slot a snoop
//               invalidated keeps its stale tag until a fill reuses it (state I: no match).
//   l2State[g]  MESI state | BUSY. Core c claims BUSY (compareExchange) to write data in M;
//               snoopers change the state only under the line's bus lock, waiting out BUSY.
//   l2Data      lineBytes per slot at g * lineBytes. Written by core c while it holds M
//               (claimed), or while filling under the bus lock; read by snoopers under the lock.
// L3 slot t = set * ways + way (all under the bus lock of the set):
//   l3Tag[t]    line number or -1;   l3Dirty[t] 1 when newer than RAM
//   l3Sharers[t] bit c set when core c may hold the line (inclusive snoop filter)
//   l3Stamp[t]  LRU stamp; l3Data at t * lineBytes
// busLock[set * 32]: spinlock words, one per 128-byte slot.
// reservation[c * 32]: the line core c holds an LR reservation on, or -1; cleared by a
//   snooper that invalidates that line in core c.
// reservation[c * 32 + 1]: the line core c holds an LR/SC hold on (cores/memory.ts), or -1.
//   Set by core c while it holds the line's claim (BUSY, in M), cleared by core c; other
//   cores' transactions on that line back out and wait while it is set.
// reservation[c * 32 + 2]: a line another core waits for because of c's hold, or -1. Set
//   by the waiter, cleared by it once served; while set, c's LRs of that line open no hold.
// touched: per core c, one byte per L3 set at c * touchedStride + set, set to 1 by core c's
//   bus when it takes that set's lock; the invariant checker checks (and clears) only the
//   sets touched since its last call (shared/coherence/checker.ts).

import { STATE_MASK } from './mesi.ts';

export interface LevelGeometry {
  sizeBytes: number;
  ways: number;
  latency: number;
}

export interface CacheGeometry {
  cores: number;
  lineBytes: number;
  l1i: LevelGeometry;
  l1d: LevelGeometry;
  l2: LevelGeometry;
  l3: LevelGeometry;
  ramLatency: number;
  /** A load or RFO that finds the line Modified in another core's cache. */
  hitmLatency: number;
  /** L1d write policy: write-through charges every store the L2 latency. */
  l1WriteThrough: boolean;
}

export const DEFAULT_GEOMETRY: Omit<CacheGeometry, 'cores'> = {
  lineBytes: 64,
  l1i: { sizeBytes: 32 * 1024, ways: 8, latency: 4 },
  l1d: { sizeBytes: 32 * 1024, ways: 8, latency: 4 },
  l2: { sizeBytes: 256 * 1024, ways: 8, latency: 12 },
  l3: { sizeBytes: 4 * 1024 * 1024, ways: 16, latency: 40 },
  ramLatency: 200,
  hitmLatency: 70,
  l1WriteThrough: false,
};

export function sets(l: LevelGeometry, lineBytes: number): number {
  return l.sizeBytes / (l.ways * lineBytes);
}

const SLOT = 32;

/** The buffers, as handed to every worker. */
export interface CoherenceBuffers {
  l2Tag: SharedArrayBuffer;
  l2State: SharedArrayBuffer;
  l2Data: SharedArrayBuffer;
  l3Tag: SharedArrayBuffer;
  l3Dirty: SharedArrayBuffer;
  l3Sharers: SharedArrayBuffer;
  l3Stamp: SharedArrayBuffer;
  l3Data: SharedArrayBuffer;
  busLock: SharedArrayBuffer;
  reservation: SharedArrayBuffer;
  touched: SharedArrayBuffer;
}

/** Bytes per core in `touched`: the L3 sets, rounded up to 128-byte host lines. */
export function touchedStride(l3Sets: number): number {
  return Math.ceil(l3Sets / 128) * 128;
}

export function allocateCoherence(g: CacheGeometry): CoherenceBuffers {
  const l2Lines = sets(g.l2, g.lineBytes) * g.l2.ways;
  const l3Lines = sets(g.l3, g.lineBytes) * g.l3.ways;
  const l3Sets = sets(g.l3, g.lineBytes);
  const i32 = (n: number, fill = 0) => {
    const b = new SharedArrayBuffer(n * 4);
    if (fill !== 0) new Int32Array(b).fill(fill);
    return b;
  };
  const reservation = i32(g.cores * SLOT, -1);
  return {
    l2Tag: i32(g.cores * l2Lines, -1),
    l2State: i32(g.cores * l2Lines),
    l2Data: new SharedArrayBuffer(g.cores * l2Lines * g.lineBytes),
    l3Tag: i32(l3Lines, -1),
    l3Dirty: i32(l3Lines),
    l3Sharers: i32(l3Lines),
    l3Stamp: i32(l3Lines + l3Sets),
    l3Data: new SharedArrayBuffer(l3Lines * g.lineBytes),
    busLock: i32(l3Sets * SLOT),
    reservation,
    touched: new SharedArrayBuffer(g.cores * touchedStride(l3Sets)),
  };
}

/** Typed views over the buffers, with the geometry's derived numbers. */
export class CoherenceViews {
  readonly lineShift: number;
  readonly lineBytes: number;
  readonly l2Sets: number;
  readonly l2Ways: number;
  readonly l2Lines: number;
  readonly l3Sets: number;
  readonly l3Ways: number;
  readonly l3Lines: number;
  readonly l2Tag: Int32Array;
  readonly l2State: Int32Array;
  readonly l2Data: Uint8Array;
  readonly l2Data32: Int32Array;
  readonly l2View: DataView;
  readonly l3Tag: Int32Array;
  readonly l3Dirty: Int32Array;
  readonly l3Sharers: Int32Array;
  /** LRU stamps of l3Lines slots, then one clock per set at l3Lines + set. */
  readonly l3Stamp: Int32Array;
  readonly l3Data: Uint8Array;
  readonly l3Data32: Int32Array;
  readonly busLock: Int32Array;
  readonly reservation: Int32Array;
  /** Per core, the L3 sets its bus transactions touched (see the header); stride touchedStride. */
  readonly touched: Uint8Array;
  readonly touchedStride: number;

  constructor(
    readonly geometry: CacheGeometry,
    readonly buffers: CoherenceBuffers,
  ) {
    const g = geometry;
    this.lineBytes = g.lineBytes;
    this.lineShift = Math.log2(g.lineBytes);
    this.l2Sets = sets(g.l2, g.lineBytes);
    this.l2Ways = g.l2.ways;
    this.l2Lines = this.l2Sets * this.l2Ways;
    this.l3Sets = sets(g.l3, g.lineBytes);
    this.l3Ways = g.l3.ways;
    this.l3Lines = this.l3Sets * this.l3Ways;
    this.l2Tag = new Int32Array(buffers.l2Tag);
    this.l2State = new Int32Array(buffers.l2State);
    this.l2Data = new Uint8Array(buffers.l2Data);
    this.l2Data32 = new Int32Array(buffers.l2Data);
    this.l2View = new DataView(buffers.l2Data);
    this.l3Tag = new Int32Array(buffers.l3Tag);
    this.l3Dirty = new Int32Array(buffers.l3Dirty);
    this.l3Sharers = new Int32Array(buffers.l3Sharers);
    this.l3Stamp = new Int32Array(buffers.l3Stamp);
    this.l3Data = new Uint8Array(buffers.l3Data);
    this.l3Data32 = new Int32Array(buffers.l3Data);
    this.busLock = new Int32Array(buffers.busLock);
    this.reservation = new Int32Array(buffers.reservation);
    this.touched = new Uint8Array(buffers.touched);
    this.touchedStride = touchedStride(this.l3Sets);
  }

  lockIndex(l3Set: number): number {
    return l3Set * SLOT;
  }

  reservationIndex(core: number): number {
    return core * SLOT;
  }

  /** Index in `reservation` of the line core holds an LR/SC hold on (-1: none). */
  holdIndex(core: number): number {
    return core * SLOT + 1;
  }

  /** Index in `reservation` of a line another core waits for because of core's hold (-1: none). */
  wantIndex(core: number): number {
    return core * SLOT + 2;
  }

  /** Global L2 slot of `line` in core c's L2, or -1 (any state, I included, is a tag match only if valid). */
  findL2(c: number, line: number): number {
    const set = line & (this.l2Sets - 1);
    const base = c * this.l2Lines + set * this.l2Ways;
    for (let w = 0; w < this.l2Ways; w++) {
      if (this.l2Tag[base + w] === line && (Atomics.load(this.l2State, base + w) & STATE_MASK) !== 0) return base + w;
    }
    return -1;
  }

  findL3(line: number): number {
    const set = line & (this.l3Sets - 1);
    const base = set * this.l3Ways;
    for (let w = 0; w < this.l3Ways; w++) if (this.l3Tag[base + w] === line) return base + w;
    return -1;
  }
}

/** Copies one line of `words` int32 words (no allocation: a fill must not feed the GC). */
export function copyLine(dst: Int32Array, dstWord: number, src: Int32Array, srcWord: number, words: number): void {
  for (let i = 0; i < words; i++) dst[dstWord + i] = src[srcWord + i];
}

/** Validates a geometry; returns a one-line reason or undefined. */
export function geometryProblem(g: CacheGeometry, pageBytes = 4096): string | undefined {
  const pow2 = (n: number) => Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
  if (!pow2(g.lineBytes) || g.lineBytes < 8) return `line size must be a power of two >= 8 (got ${g.lineBytes})`;
  if (g.lineBytes > pageBytes) return `line size ${g.lineBytes} is larger than a page (${pageBytes})`;
  if (g.cores > 32) return `--memory caches supports at most 32 cores (the L3 sharer mask is 32 bits; got ${g.cores})`;
  const levels: [string, LevelGeometry][] = [['l1i', g.l1i], ['l1d', g.l1d], ['l2', g.l2], ['l3', g.l3]];
  for (const [name, l] of levels) {
    if (!Number.isInteger(l.ways) || l.ways < 1) return `${name} ways must be a positive integer (got ${l.ways})`;
    if (!Number.isInteger(l.latency) || l.latency < 0) return `${name} latency must be a non-negative integer (got ${l.latency})`;
    const s = l.sizeBytes / (l.ways * g.lineBytes);
    if (!pow2(s)) return `${name}: ${l.sizeBytes} bytes / (${l.ways} ways x ${g.lineBytes}-byte lines) = ${s} sets, not a power of two`;
  }
  if (g.l2.sizeBytes < g.l1d.sizeBytes || g.l2.sizeBytes < g.l1i.sizeBytes) return `L2 (${g.l2.sizeBytes} bytes) is smaller than an L1 under inclusion`;
  if (g.l3.sizeBytes < g.l2.sizeBytes) return `L3 (${g.l3.sizeBytes} bytes) is smaller than an L2 under inclusion`;
  return undefined;
}

// Per-core record of data accesses for the false-sharing analyzer (perf c2c's
// input), for the lines the core has seen shared. Every access that misses L1d is
// recorded exactly (these are the ones that can HITM); L1d hits are sampled one in
// SAMPLE_EVERY on average and recorded with that weight, like perf's sampling. Keyed
// by (address, pc): this core only.
//
// The gap between two samples is drawn from a small PRNG seeded by the core id,
// uniform in 1 .. 2*SAMPLE_EVERY-1: a fixed period would
// alias with loops whose hits per iteration divide it (always sampling the same
// access), and a seeded draw keeps deterministic runs identical.

export const SAMPLE_EVERY = 16;

/** Counter slots of one (line, offset, core, pc) record. */
export const R_LOADS = 0;
export const R_STORES = 1;
export const R_L1_HIT = 2; // loads served by L1
export const R_L2_HIT = 3;
export const R_L3_HIT = 4;
export const R_RAM = 5;
export const R_HITM = 6; // loads and stores that hit Modified in another core
export const R_ST_L1_HIT = 7;
export const R_ST_L1_MISS = 8;
export const R_CYCLES = 9; // latency cycles of the recorded loads
export const R_FIELDS = 10;

/** Where an access was served, for record(): the L2 controller's sources. */
export { SRC_HITM, SRC_L1, SRC_L2, SRC_L3, SRC_RAM } from '../shared/coherence/l2_controller.ts';
import { SRC_HITM, SRC_L1, SRC_L2, SRC_L3, SRC_RAM } from '../shared/coherence/l2_controller.ts';

export interface C2cEntry {
  line: number; // line address (bytes)
  offset: number;
  core: number;
  pc: number;
  counts: number[];
}

/** The sample gap's PRNG state for `core` (xorshift32: never 0). */
function sampleSeed(core: number): number {
  const s = (Math.imul(core + 1, 0x9e3779b1) ^ 0x6d2b79f5) | 0;
  return s === 0 ? 1 : s;
}

export class C2cRecorder {
  /** (line base + offset) -> pc -> counters. Numeric keys: no allocation once a record exists. */
  private readonly map = new Map<number, Map<number, Float64Array>>();
  // The last record touched: a loop hammering one address from one pc skips both lookups.
  private lastAddr = -1;
  private lastPc = -1;
  private lastRec: Float64Array | undefined;
  private rng: number;

  constructor(
    readonly core: number,
    private readonly lineBytes: number,
  ) {
    this.rng = sampleSeed(core);
  }

  /** L1d hits until the next sample: 1 .. 2*SAMPLE_EVERY-1, mean SAMPLE_EVERY. */
  nextGap(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x;
    return 1 + ((x >>> 0) % (2 * SAMPLE_EVERY - 1));
  }

  /** Records a sampled L1d hit (the caller samples one in SAMPLE_EVERY on average, see nextGap) with that weight. */
  sampled(addr: number, pc: number, store: boolean, latency: number): void {
    this.add(addr, pc, store, SRC_L1, SAMPLE_EVERY, latency);
  }

  /** Records an access exactly: one that missed L1d (or an atomic, with src SRC_L1). */
  miss(addr: number, pc: number, store: boolean, src: number, latency: number): void {
    this.add(addr, pc, store, src, 1, latency);
  }

  private record(addr: number, pc: number): Float64Array {
    if (addr === this.lastAddr && pc === this.lastPc && this.lastRec) return this.lastRec;
    let byPc = this.map.get(addr);
    if (!byPc) {
      byPc = new Map();
      this.map.set(addr, byPc);
    }
    let r = byPc.get(pc);
    if (!r) {
      r = new Float64Array(R_FIELDS);
      byPc.set(pc, r);
    }
    this.lastAddr = addr;
    this.lastPc = pc;
    this.lastRec = r;
    return r;
  }

  private add(addr: number, pc: number, store: boolean, src: number, w: number, latency: number): void {
    const r = this.record(addr, pc);
    if (store) {
      r[R_STORES] += w;
      r[src === SRC_L1 ? R_ST_L1_HIT : R_ST_L1_MISS] += w;
      if (src === SRC_HITM) r[R_HITM] += w;
    } else {
      r[R_LOADS] += w;
      r[R_CYCLES] += latency * w;
      r[src === SRC_L1 ? R_L1_HIT : src === SRC_L2 ? R_L2_HIT : src === SRC_L3 ? R_L3_HIT : src === SRC_RAM ? R_RAM : R_HITM] += w;
    }
  }

  entries(): C2cEntry[] {
    const out: C2cEntry[] = [];
    for (const [addr, byPc] of this.map) {
      const offset = addr % this.lineBytes;
      for (const [pc, r] of byPc) out.push({ line: addr - offset, offset, core: this.core, pc, counts: Array.from(r) });
    }
    return out;
  }
}

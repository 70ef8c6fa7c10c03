// Per-core record of data accesses for the false-sharing analyzer (perf c2c's
// input), for the lines the core has seen shared. Every access that misses L1d is
// recorded exactly (these are the ones that can HITM); L1d hits are sampled one in
// SAMPLE_EVERY on average and recorded with that weight, like perf's sampling. Keyed
// by (address, pc): this core only.
//
// --boot linux: the addresses are physical (what the caches see). When a record is first
// made, the recorder also notes who made it and where: the process running on the core (the
// kernel's answer, `ownerOf`) and the virtual address, found by searching the core's TLB host
// arrays for the page that translated to this physical page (the access just went through it).
// Both happen only when a record is created, never on an L1 hit: the report names the data
// by virtual address and symbol from them (src/report/c2c.ts). A later access to the same
// (address, pc) from another process or another virtual page keeps the first one's name.
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
// Not counters: the record's virtual address (-1: none found) and its owner (index into owners, -1: none).
const R_VA = R_FIELDS;
const R_OWNER = R_FIELDS + 1;
const R_SLOTS = R_FIELDS + 2;

/** Where an access was served, for record(): the L2 controller's sources. */
export { SRC_HITM, SRC_L1, SRC_L2, SRC_L3, SRC_RAM } from '../shared/coherence/l2_controller.ts';
import { SRC_HITM, SRC_L1, SRC_L2, SRC_L3, SRC_RAM } from '../shared/coherence/l2_controller.ts';

export interface C2cEntry {
  line: number; // line address (bytes)
  offset: number;
  core: number;
  pc: number;
  counts: number[];
  /** --boot linux: the virtual address of line + offset in the process that made the record (absent: no user mapping found). */
  va?: number;
  /** --boot linux: that process (its thread group's pid), its comm and its executable's image id (1: the program booted). */
  pid?: number;
  comm?: string;
  image?: number;
}

/** The process running on a core, as the kernel tells it (--boot linux). */
export interface C2cOwner {
  pid: number;
  comm: string;
  /** The executable's image id: 1 is the program the machine booted (whose symbols the report has). */
  image: number;
}

/** The TLB's host arrays (cores/tlb.ts): per slot, the virtual page address (-1: empty) and pa - va. */
export interface C2cTlbView {
  readonly readEnt: Float64Array;
  readonly writeEnt: Float64Array;
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
  /**
   * The last record's address and pc ([0], [1]; -1: none), in an array: an address may reach
   * here as a heap number (from the TLB's Float64Array), and the first one stored into a
   * number field changed its representation, which deoptimized every compiled function that
   * reads this object (the L1 miss path).
   */
  private readonly last = new Float64Array([-1, -1]);
  private lastRec: Float64Array | undefined;
  /**
   * The PRNG state ([0]): an int32 array, not a number field. Half of all int32 values lie
   * outside V8's small integers, and the first such draw changed the field's representation,
   * which deoptimized every compiled function that reads this object (the L1 miss path).
   */
  private readonly rng = new Int32Array(1);
  /** --boot linux: who runs on the core (the kernel installs it); unset, records carry no owner nor virtual address. */
  ownerOf: ((core: number) => C2cOwner | undefined) | undefined;
  private readonly owners: C2cOwner[] = [];

  constructor(
    readonly core: number,
    private readonly lineBytes: number,
    private readonly tlb?: C2cTlbView,
  ) {
    this.rng[0] = sampleSeed(core);
  }

  /** L1d hits until the next sample: 1 .. 2*SAMPLE_EVERY-1, mean SAMPLE_EVERY. */
  nextGap(): number {
    let x = this.rng[0];
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng[0] = x;
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
    if (addr === this.last[0] && pc === this.last[1] && this.lastRec) return this.lastRec;
    let byPc = this.map.get(addr);
    if (!byPc) {
      byPc = new Map();
      this.map.set(addr, byPc);
    }
    let r = byPc.get(pc);
    if (!r) {
      r = new Float64Array(R_SLOTS);
      r[R_VA] = -1;
      r[R_OWNER] = -1;
      if (this.ownerOf) this.noteOwner(r, addr);
      byPc.set(pc, r);
    }
    this.last[0] = addr;
    this.last[1] = pc;
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

  /** A new record's owner and virtual address (once per record: off the hit path). */
  private noteOwner(r: Float64Array, pa: number): void {
    const o = this.ownerOf!(this.core);
    if (o) {
      let i = this.owners.findIndex((x) => x.pid === o.pid && x.image === o.image && x.comm === o.comm);
      if (i < 0) i = this.owners.push({ pid: o.pid, comm: o.comm, image: o.image }) - 1;
      r[R_OWNER] = i;
    }
    r[R_VA] = this.virtOf(pa);
  }

  /**
   * The virtual address that translated to physical `pa` on this core, or -1: a search of
   * the TLB's read and write host arrays for an entry whose page maps pa's page. The access
   * being recorded has just gone through one of them; the page walker's and the kernel's
   * physical accesses (page tables) have no user mapping and find none.
   */
  private virtOf(pa: number): number {
    const t = this.tlb;
    if (!t) return -1;
    const off = pa % 4096;
    const page = pa - off;
    for (const e of [t.readEnt, t.writeEnt]) {
      for (let j = 0; j < e.length; j += 2) {
        const va = e[j]!;
        if (va !== -1 && va + e[j + 1]! === page) return va + off;
      }
    }
    return -1;
  }

  entries(): C2cEntry[] {
    const out: C2cEntry[] = [];
    for (const [addr, byPc] of this.map) {
      const offset = addr % this.lineBytes;
      for (const [pc, r] of byPc) {
        const e: C2cEntry = { line: addr - offset, offset, core: this.core, pc, counts: Array.from(r.subarray(0, R_FIELDS)) };
        if (r[R_VA]! >= 0) e.va = r[R_VA]!;
        const o = this.owners[r[R_OWNER]!];
        if (o) {
          e.pid = o.pid;
          e.comm = o.comm;
          e.image = o.image;
        }
        out.push(e);
      }
    }
    return out;
  }
}

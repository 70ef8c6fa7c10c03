// How the kernel touches simulated physical memory that the hardware also reads: page tables,
// the zero page, page contents. The real implementation runs each access through the core's
// memory path (its L1/L2, the bus, L3) and charges the latency to that core; RamPhysAccess
// below goes straight to RAM (`--memory flat`, tests, benches).
// 64-bit values travel as int32 pairs: read64 returns the low word and leaves the high in `hi`.

export interface PhysAccess {
  /** High word of the last read64 / xchg64. */
  hi: number;
  read64(pa: number): number;
  /** A single-copy-atomic 64-bit store (a walker never sees half of it). */
  write64(pa: number, lo: number, hi: number): void;
  /** atomic_long_xchg: store (lo, hi), return the old low word (old high in `hi`). */
  xchg64(pa: number, lo: number, hi: number): number;
  /** cmpxchg: if the word equals (expLo, expHi) store (lo, hi) and return true. */
  cmpxchg64(pa: number, expLo: number, expHi: number, lo: number, hi: number): boolean;
  /** clear_page: zero the 4 KiB page at pa (line by line through the core's caches). */
  clearPage(pa: number): void;
}

/**
 * PhysAccess straight over RAM: physical addresses [ramBase, ramBase + byteLength). Stores and
 * read-modify-writes are 64-bit Atomics (BigInt: kernel paths, not per instruction); reads
 * take hi, lo, hi and retry if hi moved, as cores/mmu/ram_pte.ts does. Counts its accesses.
 */
export class RamPhysAccess implements PhysAccess {
  hi = 0;
  reads = 0;
  writes = 0;
  private readonly i32: Int32Array;
  private readonly i64: BigInt64Array;

  constructor(
    ram: SharedArrayBuffer | ArrayBuffer,
    private readonly ramBase = 0,
  ) {
    this.i32 = new Int32Array(ram);
    this.i64 = new BigInt64Array(ram);
  }

  private word(pa: number): number {
    const off = pa - this.ramBase;
    if (!(off >= 0 && off + 8 <= this.i32.length * 4) || off % 8 !== 0) {
      throw new RangeError(`phys access: 0x${pa.toString(16)} is not an aligned RAM address`);
    }
    return off / 8;
  }

  read64(pa: number): number {
    const w = this.word(pa) * 2;
    this.reads++;
    let hi = Atomics.load(this.i32, w + 1);
    for (;;) {
      const lo = Atomics.load(this.i32, w);
      const again = Atomics.load(this.i32, w + 1);
      if (again === hi) {
        this.hi = hi;
        return lo;
      }
      hi = again;
    }
  }

  write64(pa: number, lo: number, hi: number): void {
    this.writes++;
    Atomics.store(this.i64, this.word(pa), (BigInt(hi) << 32n) | BigInt(lo >>> 0));
  }

  xchg64(pa: number, lo: number, hi: number): number {
    this.writes++;
    const old = Atomics.exchange(this.i64, this.word(pa), (BigInt(hi) << 32n) | BigInt(lo >>> 0));
    this.hi = Number(old >> 32n);
    return Number(BigInt.asIntN(32, old));
  }

  cmpxchg64(pa: number, expLo: number, expHi: number, lo: number, hi: number): boolean {
    this.writes++;
    const exp = (BigInt(expHi) << 32n) | BigInt(expLo >>> 0);
    return Atomics.compareExchange(this.i64, this.word(pa), exp, (BigInt(hi) << 32n) | BigInt(lo >>> 0)) === exp;
  }

  clearPage(pa: number): void {
    const w = this.word(pa);
    if (w % 512 !== 0) throw new RangeError(`clear_page: 0x${pa.toString(16)} is not page-aligned`);
    this.writes += 512;
    this.i32.fill(0, w * 2, w * 2 + 1024);
  }
}

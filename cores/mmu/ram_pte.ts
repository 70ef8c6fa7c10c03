// PteMemory straight over RAM (no caches): for `--memory flat`, the tests and bench/walk.ts.
// The memory path's implementation reads the same words through the core's L1/L2/L3.
// RAM is a (Shared)ArrayBuffer holding physical addresses [ramBase, ramBase + byteLength),
// little-endian as RISC-V is. Reads take the high word, the low word, then the high word
// again, and retry if it moved, so a 64-bit PTE store by another thread is never seen half
// done (unless the high word returns to its old value within the window, which a PTE's
// high word, PPN bits 43:22 of RAM below 2^34 bytes, does not do in practice).
// The A/D compare-and-swap is a real 64-bit Atomics.compareExchange (BigInt: it runs once
// per page whose A or D is still clear, not per access).

import type { PteMemory } from './walk.ts';

export class RamPteMemory implements PteMemory {
  hi = 0;
  latency = 0;
  readonly memBase: number;
  readonly memEnd: number;
  private readonly i32: Int32Array;
  private readonly i64: BigInt64Array;

  /** `latency`: cycles charged per PTE access (0: none). */
  constructor(
    ram: SharedArrayBuffer | ArrayBuffer,
    ramBase = 0,
    private readonly accessLatency = 0,
  ) {
    this.i32 = new Int32Array(ram);
    this.i64 = new BigInt64Array(ram);
    this.memBase = ramBase;
    this.memEnd = ramBase + ram.byteLength;
  }

  readPte(pa: number): number {
    const w = (pa - this.memBase) >>> 2;
    const i32 = this.i32;
    let hi = Atomics.load(i32, w + 1);
    for (;;) {
      const lo = Atomics.load(i32, w);
      const again = Atomics.load(i32, w + 1);
      if (again === hi) {
        this.hi = hi;
        this.latency = this.accessLatency;
        return lo;
      }
      hi = again;
    }
  }

  casPte(pa: number, expLo: number, expHi: number, lo: number, hi: number): boolean {
    const i = (pa - this.memBase) / 8;
    const exp = (BigInt(expHi) << 32n) | BigInt(expLo >>> 0);
    const val = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
    this.latency = this.accessLatency;
    return Atomics.compareExchange(this.i64, i, exp, val) === exp;
  }
}

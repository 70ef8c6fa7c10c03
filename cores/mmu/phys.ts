// Physical memory as the page walker and the kernel touch it on one core: PTE reads, the
// walker's A/D compare-and-swap, the kernel's PTE updates, page clears and copies.
// With --memory caches every access goes through this core's L1d/L2 (CacheMemory's physical
// path: no translation), so walks and the kernel's page-table traffic show in the cache
// stats; with --memory flat, straight to RAM at the flat latency. Both count the cycles
// spent (`cycles`, `latency` for the walker) for the caller to charge to the core.

import type { CoherenceViews } from '../../shared/coherence/layout.ts';
import { RamPhysAccess } from '../../src/kernel/mm/phys_access.ts';
import type { KernelPhys } from '../../src/kernel/mm/tlbflush.ts';
import type { CacheMemory } from '../mem_cache.ts';
import type { PteMemory } from './walk.ts';

/** Physical RAM through one core's caches: its PteMemory and its kernel's KernelPhys. */
export class CachePhys implements PteMemory, KernelPhys {
  hi = 0;
  latency = 0;
  cycles = 0;
  readonly memBase: number;
  readonly memEnd: number;
  private readonly d8: Uint8Array;
  private readonly d32: Int32Array;
  private readonly lineBytes: number;

  /** The core's memory: set by attach() once it exists (it needs the TLB, which needs the walker). */
  private mem!: CacheMemory;

  constructor(
    views: CoherenceViews,
    ramBase: number,
    ramBytes: number,
  ) {
    this.d8 = views.l2Data;
    this.d32 = views.l2Data32;
    this.lineBytes = views.geometry.lineBytes;
    this.memBase = ramBase;
    this.memEnd = ramBytes;
  }

  attach(mem: CacheMemory): void {
    this.mem = mem;
  }

  /** The kernel's own line accesses count as kernel traffic (kernelReads/Writes), the walker's do not. */
  private kread(): void {
    this.mem.kernelReads++;
  }
  private kwrite(): void {
    this.mem.kernelWrites++;
  }

  private charge(): void {
    this.latency = this.mem.lastLatency;
    this.cycles += this.latency;
  }

  // The walker's accesses: their latency goes to the walk (the miss handler charges it).
  readPte(pa: number): number {
    const lo = this.read64(pa);
    this.cycles -= this.latency;
    this.mem.kernelReads--;
    return lo;
  }

  casPte(pa: number, expLo: number, expHi: number, lo: number, hi: number): boolean {
    const ok = this.cmpxchg64(pa, expLo, expHi, lo, hi);
    this.cycles -= this.latency;
    this.mem.kernelWrites--;
    return ok;
  }

  read64(pa: number): number {
    const w = this.mem.physRead(pa) >> 2;
    this.charge();
    this.kread();
    this.hi = this.d32[w + 1];
    return this.d32[w];
  }

  write64(pa: number, lo: number, hi: number): void {
    const i = this.mem.physClaim(pa);
    this.charge();
    this.kwrite();
    this.d32[i >> 2] = lo;
    this.d32[(i >> 2) + 1] = hi;
    this.mem.physRelease(i);
  }

  xchg64(pa: number, lo: number, hi: number): number {
    const i = this.mem.physClaim(pa);
    this.charge();
    this.kwrite();
    const w = i >> 2;
    const oldLo = this.d32[w];
    this.hi = this.d32[w + 1];
    this.d32[w] = lo;
    this.d32[w + 1] = hi;
    this.mem.physRelease(i);
    return oldLo;
  }

  cmpxchg64(pa: number, expLo: number, expHi: number, lo: number, hi: number): boolean {
    const i = this.mem.physClaim(pa);
    this.charge();
    this.kwrite();
    const w = i >> 2;
    const ok = this.d32[w] === expLo && this.d32[w + 1] === expHi;
    if (ok) {
      this.d32[w] = lo;
      this.d32[w + 1] = hi;
    }
    this.mem.physRelease(i);
    return ok;
  }

  fetchAdd32(pa: number, delta: number): number {
    const i = this.mem.physClaim(pa);
    this.charge();
    this.kwrite();
    const w = i >> 2;
    const old = this.d32[w];
    this.d32[w] = (old + delta) | 0;
    this.mem.physRelease(i);
    return old;
  }

  clearPage(pa: number): void {
    for (let a = pa; a < pa + 4096; a += this.lineBytes) {
      const i = this.mem.physClaim(a);
      this.charge();
      this.kwrite();
      this.d8.fill(0, i, i + this.lineBytes);
      this.mem.physRelease(i);
    }
  }

  writeBytes(pa: number, data: Uint8Array): void {
    for (let k = 0; k < data.length; ) {
      const a = pa + k;
      const n = Math.min(data.length - k, this.lineBytes - (a & (this.lineBytes - 1)));
      const i = this.mem.physClaim(a);
      this.charge();
      this.kwrite();
      this.d8.set(data.subarray(k, k + n), i);
      this.mem.physRelease(i);
      k += n;
    }
  }

  copyPage(dst: number, src: number): void {
    const line = new Uint8Array(this.lineBytes);
    for (let k = 0; k < 4096; k += this.lineBytes) {
      const i = this.mem.physRead(src + k);
      this.charge();
      this.kread();
      line.set(this.d8.subarray(i, i + this.lineBytes));
      const j = this.mem.physClaim(dst + k);
      this.charge();
      this.kwrite();
      this.d8.set(line, j);
      this.mem.physRelease(j);
    }
  }
}

/** Physical RAM straight (--memory flat): `latency` cycles per 8-byte access, per line of a page move. */
export class FlatPhys extends RamPhysAccess implements PteMemory, KernelPhys {
  latency: number;
  cycles = 0;
  /** Where the kernel's accesses are counted (the core's memory: kernelReads/Writes, in 64-byte chunks). */
  traffic: { kernelReads: number; kernelWrites: number } = { kernelReads: 0, kernelWrites: 0 };
  readonly memBase: number;
  readonly memEnd: number;
  private readonly u8: Uint8Array;
  private readonly w32: Int32Array;

  constructor(
    ram: SharedArrayBuffer,
    ramBase: number,
    private readonly accessLatency: number,
  ) {
    super(ram, 0);
    this.u8 = new Uint8Array(ram);
    this.w32 = new Int32Array(ram);
    this.latency = accessLatency;
    this.memBase = ramBase;
    this.memEnd = ram.byteLength;
  }

  // The walker's accesses: their latency goes to the walk (the miss handler charges it).
  readPte(pa: number): number {
    return super.read64(pa);
  }

  casPte(pa: number, expLo: number, expHi: number, lo: number, hi: number): boolean {
    return super.cmpxchg64(pa, expLo, expHi, lo, hi);
  }

  override read64(pa: number): number {
    this.cycles += this.accessLatency;
    this.traffic.kernelReads++;
    return super.read64(pa);
  }

  override write64(pa: number, lo: number, hi: number): void {
    this.cycles += this.accessLatency;
    this.traffic.kernelWrites++;
    super.write64(pa, lo, hi);
  }

  override xchg64(pa: number, lo: number, hi: number): number {
    this.cycles += this.accessLatency;
    this.traffic.kernelWrites++;
    return super.xchg64(pa, lo, hi);
  }

  override cmpxchg64(pa: number, expLo: number, expHi: number, lo: number, hi: number): boolean {
    this.cycles += this.accessLatency;
    this.traffic.kernelWrites++;
    return super.cmpxchg64(pa, expLo, expHi, lo, hi);
  }

  fetchAdd32(pa: number, delta: number): number {
    if (pa % 4 !== 0 || pa < 0 || pa + 4 > this.u8.length) throw new RangeError(`phys access: 0x${pa.toString(16)} is not an aligned RAM address`);
    this.cycles += this.accessLatency;
    this.traffic.kernelWrites++;
    return Atomics.add(this.w32, pa / 4, delta);
  }

  override clearPage(pa: number): void {
    this.cycles += 64 * this.accessLatency;
    this.traffic.kernelWrites += 64;
    super.clearPage(pa);
  }

  writeBytes(pa: number, data: Uint8Array): void {
    this.cycles += Math.ceil(data.length / 64) * this.accessLatency;
    this.traffic.kernelWrites += Math.ceil(data.length / 64);
    this.u8.set(data, pa);
  }

  copyPage(dst: number, src: number): void {
    this.cycles += 128 * this.accessLatency;
    this.traffic.kernelReads += 64;
    this.traffic.kernelWrites += 64;
    this.u8.copyWithin(dst, src, src + 4096);
  }
}

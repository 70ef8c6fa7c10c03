// The hardware page walker: Sv39 and Sv48 (RISC-V privileged spec 1.12, §4.3.2 "Virtual
// Address Translation Process", §4.4, §4.5). One walker per core; it reads PTEs through a
// PteMemory, which the memory path implements through the core's L1/L2/L3 (so walks show in
// the cache stats and in c2c when cores share page-table lines) and tests implement over RAM.
//
// Choices:
// - A and D: hardware update (Svadu-style), the default. A walk that finds A = 0, or a store
//   that finds D = 0, sets them by a compare-and-swap of the whole PTE against the value it
//   read (step 7: the update and the read are one atomic operation); if the PTE changed in
//   between, the walk starts again from the root. `svade: true` raises the page fault
//   instead (Svade). Linux works with either.
// - Reserved encodings fault (the spec's step 3): N (no Svnapot), PBMT (no Svpbmt), bits
//   60:54, and D, A or U on a non-leaf PTE.
// - G: a leaf is global when it or any PTE above it has G (the spec: G on a pointer makes
//   every mapping below it global).
// - Addresses are JS numbers as the hart forms them (high word signed: xh * 2^32 + (xl >>> 0),
//   so a sign-extended address is negative). A canonical Sv39 address lies in [-2^38, 2^38),
//   Sv48 in [-2^47, 2^47); anything else (inexact numbers beyond 2^53 included) is
//   non-canonical: the access's page fault.
// - Hot path: no allocation (one result record, reused), no BigInt: a PTE is an int32 pair and
//   the 44-bit PPN is hi:lo arithmetic in doubles (exact below 2^53).

import { CAUSE_FETCH_ACCESS, CAUSE_FETCH_PAGE, CAUSE_LOAD_ACCESS, CAUSE_LOAD_PAGE, CAUSE_STORE_ACCESS, CAUSE_STORE_PAGE } from '../../src/kernel/fault.ts';
import {
  ACC_FETCH, ACC_READ, ACC_WRITE, PRV_S, PRV_U, PTE_A, PTE_D, PTE_G, PTE_HI_PPN, PTE_HI_RESERVED, PTE_R, PTE_U,
  PTE_V, PTE_W, PTE_X, SATP_MODE_BARE, SATP_MODE_SV39, SATP_MODE_SV48,
} from './pte.ts';

const TWO22 = 4194304;
const TWO27 = 134217728;
const TWO32 = 4294967296;
const TWO34 = 17179869184;

/**
 * Physical memory as the walker reads it: PTE loads and the A/D compare-and-swap, each
 * charged to the core (through its caches when the memory path implements it).
 */
export interface PteMemory {
  /** High word of the last readPte. */
  hi: number;
  /** Cycles the last readPte or casPte cost. */
  latency: number;
  /** Physical RAM [memBase, memEnd): a PTE address outside it is an access fault (PMA). */
  readonly memBase: number;
  readonly memEnd: number;
  /** The 8-byte PTE at pa (8-aligned, inside RAM): returns its low word, the high word in `hi`. */
  readPte(pa: number): number;
  /** If the PTE at pa still equals (expLo, expHi), store (lo, hi) atomically and return true. */
  casPte(pa: number, expLo: number, expHi: number, lo: number, hi: number): boolean;
}

/** One translation, for the TLB to cache. Preallocated: read it before the next walk. */
export class WalkResult {
  /** Physical page number of the 4 KiB page holding va. */
  ppn = 0;
  /** Leaf level: 0 a 4 KiB page, 1 a 2 MiB megapage, 2 a 1 GiB gigapage, 3 a 512 GiB terapage (Sv48). */
  level = 0;
  /** The leaf's bits 7:0 after the A/D update (V R W X U G A D); G also when a pointer above had it. */
  perm = 0;
  /** ACC_* kinds this translation allows in the current privilege mode without another walk (a store needs D = 1). */
  allow = 0;
  /** ASID from satp (a global leaf matches every ASID). */
  asid = 0;
  /** Physical address of the leaf PTE (-1 in Bare mode). */
  pteAddr = 0;
  /** Cycles the walk's memory accesses cost. */
  latency = 0;
  /** PTE reads and A/D writes this walk made (restarts included). */
  reads = 0;
  adWrites = 0;
}

/** The page fault of an access kind: 12 instruction, 13 load, 15 store/AMO. */
export function pageFaultCause(acc: number): number {
  return acc === ACC_FETCH ? CAUSE_FETCH_PAGE : acc === ACC_WRITE ? CAUSE_STORE_PAGE : CAUSE_LOAD_PAGE;
}

/** The access fault of an access kind (a PTE read outside RAM). */
export function walkAccessFaultCause(acc: number): number {
  return acc === ACC_FETCH ? CAUSE_FETCH_ACCESS : acc === ACC_WRITE ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS;
}

export interface WalkerOptions {
  /** Raise a page fault where A or D would need setting, instead of setting them (Svade). */
  svade?: boolean;
}

export class PageWalker {
  readonly res = new WalkResult();
  /** satp.MODE: SATP_MODE_BARE, _SV39 or _SV48. */
  mode = SATP_MODE_BARE;
  asid = 0;
  /** Physical address of the root table (satp.PPN << 12). */
  rootPa = 0;
  private levels = 0;
  /** 2^(VA bits - 1): canonical addresses lie in [-vaHalf, vaHalf). */
  private vaHalf = 0;
  /** Privilege of the accesses (PRV_U or PRV_S) and mstatus.SUM / MXR. */
  priv = PRV_U;
  sum = false;
  mxr = false;
  private readonly svade: boolean;

  constructor(
    private readonly mem: PteMemory,
    opts: WalkerOptions = {},
  ) {
    this.svade = opts.svade ?? false;
  }

  /**
   * A write of satp as (lo, hi). Returns false, changing nothing, for a MODE this walker does
   * not implement (satp is WARL: the write is ignored). The caller flushes its TLB as
   * sfence.vma requires.
   */
  setSatp(lo: number, hi: number): boolean {
    const mode = hi >>> 28;
    if (mode !== SATP_MODE_BARE && mode !== SATP_MODE_SV39 && mode !== SATP_MODE_SV48) return false;
    this.mode = mode;
    this.asid = (hi >>> 12) & 0xffff;
    this.rootPa = (hi & 0xfff) * TWO32 * 4096 + (lo >>> 0) * 4096;
    this.levels = mode === SATP_MODE_SV48 ? 4 : mode === SATP_MODE_SV39 ? 3 : 0;
    this.vaHalf = mode === SATP_MODE_SV48 ? 2 ** 47 : 2 ** 38;
    return true;
  }

  /**
   * Translates va for an access of kind acc (ACC_READ, ACC_WRITE, ACC_FETCH): returns 0 with
   * the translation in `res`, or the exception cause (page fault 12/13/15, or the access fault
   * of a PTE read outside RAM). Stores and AMOs are ACC_WRITE.
   */
  walk(va: number, acc: number): number {
    const r = this.res;
    const mem = this.mem;
    r.latency = 0;
    r.reads = 0;
    r.adWrites = 0;
    r.asid = this.asid;
    if (this.mode === SATP_MODE_BARE) {
      if (!(va >= 0)) return walkAccessFaultCause(acc);
      r.ppn = Math.floor(va / 4096);
      r.level = 0;
      r.perm = PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
      r.allow = ACC_READ | ACC_WRITE | ACC_FETCH;
      r.pteAddr = -1;
      return 0;
    }
    if (!(va >= -this.vaHalf && va < this.vaHalf)) return pageFaultCause(acc);
    const vpn = Math.floor(va / 4096);
    const vlo = vpn | 0; // VPN bits 31:0 (two's complement wraps negative addresses right)
    const vhi = Math.floor(vpn / TWO27) | 0; // VPN bits from 27 up: VPN[3] of Sv48
    const memBase = mem.memBase, memEnd = mem.memEnd;
    for (;;) {
      let a = this.rootPa;
      let g = 0;
      let i = this.levels - 1;
      let lo = 0, hi = 0, pa = 0;
      for (;;) {
        const idx = i === 3 ? vhi & 511 : (vlo >>> (9 * i)) & 511;
        pa = a + idx * 8;
        if (!(pa >= memBase && pa + 8 <= memEnd)) return walkAccessFaultCause(acc);
        lo = mem.readPte(pa);
        hi = mem.hi;
        r.latency += mem.latency;
        r.reads++;
        if ((lo & PTE_V) === 0 || (lo & (PTE_R | PTE_W)) === PTE_W || (hi & PTE_HI_RESERVED) !== 0) return pageFaultCause(acc);
        g |= lo & PTE_G;
        if ((lo & (PTE_R | PTE_X)) !== 0) break; // a leaf
        if ((lo & (PTE_D | PTE_A | PTE_U)) !== 0 || i === 0) return pageFaultCause(acc);
        i--;
        a = (hi & PTE_HI_PPN) * TWO34 + (lo >>> 10) * 4096;
      }
      // Step 5: permissions for this privilege mode.
      const user = (lo & PTE_U) !== 0;
      let ok: boolean;
      if (acc === ACC_FETCH) ok = (lo & PTE_X) !== 0 && (this.priv === PRV_U ? user : !user);
      else {
        ok = acc === ACC_WRITE ? (lo & PTE_W) !== 0 : (lo & PTE_R) !== 0 || (this.mxr && (lo & PTE_X) !== 0);
        if (ok) ok = this.priv === PRV_U ? user : !user || this.sum;
      }
      if (!ok) return pageFaultCause(acc);
      // Step 6: a superpage's low PPN fields must be zero.
      const ppnLo = lo >>> 10, ppnHi = hi & PTE_HI_PPN;
      let pLo = ppnLo, pHi = ppnHi;
      if (i > 0) {
        if (i < 3) {
          const m = (1 << (9 * i)) - 1;
          if ((ppnLo & m) !== 0) return pageFaultCause(acc);
          pLo = ppnLo | (vlo & m);
        } else {
          if (ppnLo !== 0 || (ppnHi & 0x1f) !== 0) return pageFaultCause(acc);
          pLo = vlo & 0x3fffff;
          pHi = ppnHi | ((vlo >>> 22) & 0x1f);
        }
      }
      // Step 7: A, and D for a store.
      const need = acc === ACC_WRITE ? PTE_A | PTE_D : PTE_A;
      if ((lo & need) !== need) {
        if (this.svade) return pageFaultCause(acc);
        const nlo = lo | need;
        const stored = mem.casPte(pa, lo, hi, nlo, hi);
        r.latency += mem.latency;
        r.adWrites++;
        if (!stored) continue; // the PTE changed under us: walk again
        lo = nlo;
      }
      r.ppn = pHi * TWO22 + pLo;
      r.level = i;
      r.perm = (lo & 0xdf) | g;
      r.pteAddr = pa;
      let allow = 0;
      const dataOk = this.priv === PRV_U ? user : !user || this.sum;
      if (dataOk && ((lo & PTE_R) !== 0 || (this.mxr && (lo & PTE_X) !== 0))) allow |= ACC_READ;
      if (dataOk && (lo & (PTE_W | PTE_D)) === (PTE_W | PTE_D)) allow |= ACC_WRITE;
      if ((lo & PTE_X) !== 0 && (this.priv === PRV_U ? user : !user)) allow |= ACC_FETCH;
      r.allow = allow;
      return 0;
    }
  }
}

/** Bytes a leaf at `level` maps: 4 KiB << 9·level. */
export function levelPageBytes(level: number): number {
  return 4096 * 2 ** (9 * level);
}

export { PRV_S, PRV_U };

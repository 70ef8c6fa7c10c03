// Address translation: the layer between the hart and physical memory (TinyEMU's shape).
// A direct-mapped host lookup array, one tag array per kind of access (read, write, fetch)
// as TinyEMU's tlb_read/tlb_write/tlb_code: an entry goes into a kind's array only if its
// permission allows that kind, so the fast path checks the permission with the tag, in one
// compare, and adds the page's physical base:
//   read(va, size)  -> pa   (needs R)      write(va, size) -> pa   (needs W)
//   fetch(va, size) -> pa   (needs X)
// A miss, an access that crosses a page, or an address at or above 2^32 takes the slow
// path: the miss handler fills the entry or names the fault, which leaves through the
// hart's one trap tail (a GuestFault). Bare mode (`spmd`) uses the identity map as handler
// (IdentityMap, below) and the host array alone.
//
// With a TlbGeometry (--boot linux) the core's simulated TLBs sit behind the host array: an
// L1 iTLB (fetches), an L1 dTLB (loads, stores) and a second level (STLB) shared by both,
// tagged by ASID with the G bit (tlb_level.ts). The host array is INCLUSIVE of the L1s for
// the current ASID: a host slot holds a translation only while the L1 holds it, and when an
// L1 evicts an entry its host slot is cleared, so a host hit is exactly a simulated L1 hit
// and costs nothing to count. A host miss looks up the L1 (hit: refill the host slot, no
// cycles), then the STLB (stlbLatency cycles, hit or miss), then walks (the walker charges
// its own memory latency).
// An entry found without the access's permission (a store to a page the walk gave no W: D
// was clear) counts as a miss at that level and is refreshed in place by the walk.

import { CAUSE_FETCH_ACCESS, CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS, GuestFault } from '../src/kernel/fault.ts';
import { misalignedFault } from './mem_fault.ts';
import type { TlbGeometry } from '../shared/tlb_geometry.ts';
import { TlbLevel } from './tlb_level.ts';

export const PAGE_SHIFT = 12;
export const PAGE_BYTES = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE_BYTES - 1;

// Permission bits, at their Sv39 PTE positions (privileged spec, "Sv39 page table entry").
export const PTE_R = 1 << 1;
export const PTE_W = 1 << 2;
export const PTE_X = 1 << 3;
export const PTE_U = 1 << 4;
/** Global: the translation is the same in every address space (matches any ASID). */
export const PTE_G = 1 << 5;

/** A kind of access: the permission bit it needs. */
export const ACC_READ = PTE_R;
export const ACC_WRITE = PTE_W;
export const ACC_FETCH = PTE_X;

/** What a miss handler writes back: one translation. */
export interface TlbFill {
  /** Physical page number (pa >>> 12). */
  ppn: number;
  /** PTE_R | PTE_W | PTE_X | PTE_U, and PTE_G for a global translation. */
  perm: number;
}

/**
 * Fills `out` with the translation of virtual page `vpn` for an access of kind `acc` and
 * returns 0, or returns the exception cause to raise (no translation, or not permitted).
 */
export interface TlbMissHandler {
  walk(vpn: number, acc: number, out: TlbFill): number;
}

/** The access fault of each kind: what a physical address outside RAM raises. */
export function accessFaultCause(acc: number): number {
  return acc === ACC_FETCH ? CAUSE_FETCH_ACCESS : acc === ACC_WRITE ? CAUSE_STORE_ACCESS : CAUSE_LOAD_ACCESS;
}

/** Bare mode, as `spmd` boot runs: every page of RAM maps to itself, R/W/X/U; outside RAM, the access fault. */
export class IdentityMap implements TlbMissHandler {
  private readonly firstPage: number;
  private readonly endPage: number;
  /** The bytes it maps, [lowest, limit): what bare-mode memory bounds-checks instead of a lookup. */
  readonly lowest: number;
  readonly limit: number;

  /** RAM is [base, limit), both multiples of the page size. */
  constructor(base: number, limit: number) {
    this.firstPage = Math.ceil(base / PAGE_BYTES);
    this.endPage = Math.floor(limit / PAGE_BYTES);
    this.lowest = this.firstPage * PAGE_BYTES;
    this.limit = this.endPage * PAGE_BYTES;
  }

  walk(vpn: number, acc: number, out: TlbFill): number {
    if (vpn < this.firstPage || vpn >= this.endPage) return accessFaultCause(acc);
    out.ppn = vpn;
    out.perm = PTE_R | PTE_W | PTE_X | PTE_U;
    return 0;
  }
}

/**
 * Entries of the host lookup array: a constant, so the fast path's index mask is one. Big
 * against the simulated L1s (32 entries by default) so that two of their pages rarely share
 * a slot (a conflict costs a host miss, never a count).
 */
export const TLB_ENTRIES = 512;
export const TLB_MASK = TLB_ENTRIES - 1;

/** The per-core TLB counters the stats report (--boot linux). */
export interface TlbStats {
  itlbMisses: number;
  dtlbMisses: number;
  /**
   * L1 hits the host array missed (after a switch of address space, a flush of its slot, or
   * a slot conflict). Host-array hits, the bulk of the L1 hits, are not counted: a counter
   * there would cost every access; L1 hits = lookups - misses.
   */
  itlbRefills: number;
  dtlbRefills: number;
  stlbHits: number;
  stlbMisses: number;
  /** Misses the miss handler (the page walker) served. */
  walks: number;
  /** Cycles charged for STLB lookups (every L1 miss). */
  stlbCycles: number;
}

export class Tlb {
  /**
   * Per kind of access (read, write, fetch), two float64 per entry at 2i, 2i + 1 (TinyEMU's
   * vaddr and mem_addend): the virtual page address (vpn * 4096, exact for any address; -1
   * when the kind may not use the entry) and pa - va for that page. The fast path compares
   * the page address with the address with its page offset cleared except the bits below
   * the access size: an aligned access matches, a misaligned one (which might cross the page)
   * takes the slow path. CacheMemory and FlatMemory inline this check on their hottest paths.
   */
  readonly readEnt = new Float64Array(2 * TLB_ENTRIES).fill(-1);
  readonly writeEnt = new Float64Array(2 * TLB_ENTRIES).fill(-1);
  readonly fetchEnt = new Float64Array(2 * TLB_ENTRIES).fill(-1);
  /** Each host data slot's permission bits (PTE_*), for inspection. */
  readonly perm = new Uint8Array(TLB_ENTRIES);
  readonly entries = TLB_ENTRIES;
  private readonly fill: TlbFill = { ppn: 0, perm: 0 };
  /** Lookups the miss handler served (walks). */
  misses = 0;
  /** The simulated levels (undefined in bare mode: the host array alone). */
  readonly itlb: TlbLevel | undefined;
  readonly dtlb: TlbLevel | undefined;
  readonly stlb: TlbLevel | undefined;
  private readonly stlbLatency: number;
  /** The current address space's ASID (satp.ASID). */
  asid = 0;
  /** Where STLB hit cycles go (the hart, once it exists). */
  sink: { cycle: number } = { cycle: 0 };
  stlbCycles = 0;

  constructor(
    private readonly handler: TlbMissHandler,
    geometry?: TlbGeometry,
  ) {
    if (geometry) {
      this.itlb = new TlbLevel(geometry.itlb.entries, geometry.itlb.ways);
      this.dtlb = new TlbLevel(geometry.dtlb.entries, geometry.dtlb.ways);
      this.stlb = new TlbLevel(geometry.stlb.entries, geometry.stlb.ways);
    }
    this.stlbLatency = geometry?.stlbLatency ?? 0;
  }

  /** Physical address of a `size`-byte load at va (needs R). */
  read(va: number, size: number): number {
    const e = this.readEnt, j = ((va >>> PAGE_SHIFT) & TLB_MASK) << 1;
    if (e[j] === va - (va & (PAGE_MASK & ~(size - 1)))) return va + e[j + 1];
    return this.slow(va, size, ACC_READ);
  }

  /** Physical address of a `size`-byte store or AMO at va (needs W). */
  write(va: number, size: number): number {
    const e = this.writeEnt, j = ((va >>> PAGE_SHIFT) & TLB_MASK) << 1;
    if (e[j] === va - (va & (PAGE_MASK & ~(size - 1)))) return va + e[j + 1];
    return this.slow(va, size, ACC_WRITE);
  }

  /** Physical address of an instruction fetch at va (needs X). */
  fetch(va: number, size: number): number {
    const e = this.fetchEnt, j = ((va >>> PAGE_SHIFT) & TLB_MASK) << 1;
    if (e[j] === va - (va & (PAGE_MASK & ~(size - 1)))) return va + e[j + 1];
    return this.slow(va, size, ACC_FETCH);
  }

  /** The counters (zeros in bare mode but walks). */
  stats(): TlbStats {
    return {
      itlbMisses: this.itlb?.misses ?? 0, dtlbMisses: this.dtlb?.misses ?? 0,
      itlbRefills: this.itlb?.hits ?? 0, dtlbRefills: this.dtlb?.hits ?? 0,
      stlbHits: this.stlb?.hits ?? 0, stlbMisses: this.stlb?.misses ?? 0,
      walks: this.misses, stlbCycles: this.stlbCycles,
    };
  }

  // ---- sfence.vma (privileged spec §4.2.1) and satp.ASID ----

  /** sfence.vma x0, x0: every translation of every address space, globals too. */
  flush(): void {
    this.clearHost();
    this.itlb?.flushAll();
    this.dtlb?.flushAll();
    this.stlb?.flushAll();
  }

  /** sfence.vma va, x0: the page holding va in every address space, globals too. */
  flushPage(va: number): void {
    this.flushPageAsid(va, -1);
  }

  /** sfence.vma va, asid: the page holding va in address space `asid`, globals kept (asid < 0: all, as flushPage). */
  flushPageAsid(va: number, asid: number): void {
    const vpn = Math.floor(va / PAGE_BYTES);
    // The host slot goes whatever it holds: clearing a slot of a live L1 entry costs a
    // refill, never a count.
    this.clearHostPage(vpn);
    this.itlb?.flushPage(vpn, asid);
    this.dtlb?.flushPage(vpn, asid);
    this.stlb?.flushPage(vpn, asid);
  }

  /** sfence.vma x0, asid: every non-global translation of address space `asid`. */
  flushAsid(asid: number): void {
    if (!this.dtlb || asid === this.asid) this.clearHost();
    this.itlb?.flushAsid(asid);
    this.dtlb?.flushAsid(asid);
    this.stlb?.flushAsid(asid);
  }

  /**
   * A satp write switching to address space `asid`: the levels keep every ASID's entries (a
   * switch back finds them); the host array holds only the current space's, so it empties.
   * Bare mode (no levels) has nothing tagged, so a switch forgets everything.
   */
  setAsid(asid: number): void {
    if (!this.dtlb) {
      this.flush();
      this.asid = asid;
      return;
    }
    if (asid === this.asid) return;
    this.asid = asid;
    this.clearHost();
  }

  private clearHost(): void {
    this.readEnt.fill(-1);
    this.writeEnt.fill(-1);
    this.fetchEnt.fill(-1);
  }

  private clearHostPage(vpn: number): void {
    const j = (vpn & TLB_MASK) << 1;
    const page = vpn * PAGE_BYTES;
    if (this.readEnt[j] === page) this.readEnt[j] = -1;
    if (this.writeEnt[j] === page) this.writeEnt[j] = -1;
    if (this.fetchEnt[j] === page) this.fetchEnt[j] = -1;
  }

  /**
   * Physical address of an instruction fetch at va, or -1 where fetch() would fault: the
   * fetch-block access probes, and leaves the fault to the fetch itself.
   */
  probeFetch(va: number): number {
    const e = this.fetchEnt, j = ((va >>> PAGE_SHIFT) & TLB_MASK) << 1;
    if (e[j] === va - (va & PAGE_MASK)) return va + e[j + 1];
    const pa = this.resolve(va, ACC_FETCH);
    return pa < 0 ? -1 : pa;
  }

  /**
   * The slow path: each page the access touches, through the miss handler; a fault names
   * va, the access's first byte. An access that crosses into a page not physically next to
   * the first raises the misaligned exception (the privileged spec allows it for any
   * misaligned access); bare mode never does.
   */
  private slow(va: number, size: number, acc: number): number {
    const pa = this.resolve(va, acc);
    if (pa < 0) throw new GuestFault(-1 - pa, va);
    const last = va + size - 1;
    if (Math.floor(last / PAGE_BYTES) !== Math.floor(va / PAGE_BYTES)) {
      const paLast = this.resolve(last, acc);
      if (paLast < 0) throw new GuestFault(-1 - paLast, va);
      if (paLast !== pa + size - 1) misalignedFault(va, acc !== ACC_WRITE);
    }
    return pa;
  }

  /** The physical address of byte va, filling its entry on a miss; or -1 - cause (a fault). */
  private resolve(va: number, acc: number): number {
    const vpn = Math.floor(va / PAGE_BYTES);
    const off = va - vpn * PAGE_BYTES;
    const i = (va >>> PAGE_SHIFT) & TLB_MASK, j = i << 1;
    const ent = acc === ACC_READ ? this.readEnt : acc === ACC_WRITE ? this.writeEnt : this.fetchEnt;
    const page = vpn * PAGE_BYTES;
    if (ent[j] === page) return page + ent[j + 1] + off;
    if (this.dtlb) return this.lookup(vpn, off, acc);
    this.misses++;
    const f = this.fill;
    const cause = this.handler.walk(vpn, acc, f);
    if (cause !== 0) return -1 - cause;
    if ((f.perm & acc) === 0) return -1 - accessFaultCause(acc);
    const addend = f.ppn * PAGE_BYTES - page;
    this.readEnt[j] = (f.perm & PTE_R) !== 0 ? page : -1;
    this.writeEnt[j] = (f.perm & PTE_W) !== 0 ? page : -1;
    this.fetchEnt[j] = (f.perm & PTE_X) !== 0 ? page : -1;
    this.readEnt[j + 1] = this.writeEnt[j + 1] = this.fetchEnt[j + 1] = addend;
    this.perm[i] = f.perm;
    return f.ppn * PAGE_BYTES + off;
  }

  /** A host miss with simulated levels: the L1 of the kind, the STLB, the walk. */
  private lookup(vpn: number, off: number, acc: number): number {
    const fetch = acc === ACC_FETCH;
    const l1 = fetch ? this.itlb! : this.dtlb!;
    const l2 = this.stlb!;
    const asid = this.asid;
    let i = l1.find(vpn, asid);
    if (i >= 0 && (l1.perm[i] & acc) !== 0) {
      l1.hits++;
      this.hostFill(l1, i, fetch);
      return l1.ppn[i] * PAGE_BYTES + off;
    }
    l1.misses++;
    let ppn: number, perm: number;
    // The STLB lookup costs its latency, hit or miss (a miss then adds the walk's own cycles).
    this.sink.cycle += this.stlbLatency;
    this.stlbCycles += this.stlbLatency;
    const k = l2.find(vpn, asid);
    if (k >= 0 && (l2.perm[k] & acc) !== 0) {
      l2.hits++;
      ppn = l2.ppn[k];
      perm = l2.perm[k] | (l2.global[k] !== 0 ? PTE_G : 0);
    } else {
      l2.misses++;
      this.misses++;
      const f = this.fill;
      const cause = this.handler.walk(vpn, acc, f);
      if (cause !== 0) return -1 - cause;
      if ((f.perm & acc) === 0) return -1 - accessFaultCause(acc);
      ppn = f.ppn;
      perm = f.perm;
      const g = (perm & PTE_G) !== 0;
      if (k >= 0) l2.set(k, vpn, asid, g, ppn, perm & ~PTE_G);
      else l2.insert(vpn, asid, g, ppn, perm & ~PTE_G);
    }
    const g = (perm & PTE_G) !== 0;
    if (i >= 0) l1.set(i, vpn, asid, g, ppn, perm & ~PTE_G);
    else {
      i = l1.insert(vpn, asid, g, ppn, perm & ~PTE_G);
      // Inclusion: the victim leaves the host array too (if it is visible in this space).
      if (l1.evictedValid && (l1.evictedGlobal || l1.evictedAsid === asid)) this.clearHostKind(l1.evictedVpn, fetch);
    }
    this.hostFill(l1, i, fetch);
    return ppn * PAGE_BYTES + off;
  }

  private clearHostKind(vpn: number, fetch: boolean): void {
    const j = (vpn & TLB_MASK) << 1;
    const page = vpn * PAGE_BYTES;
    if (fetch) {
      if (this.fetchEnt[j] === page) this.fetchEnt[j] = -1;
    } else {
      if (this.readEnt[j] === page) this.readEnt[j] = -1;
      if (this.writeEnt[j] === page) this.writeEnt[j] = -1;
    }
  }

  /** L1 entry i into its host slot: fetch slots from the iTLB, read/write slots from the dTLB. */
  private hostFill(l1: TlbLevel, i: number, fetch: boolean): void {
    const vpn = l1.vpn[i];
    const s = vpn & TLB_MASK, j = s << 1;
    const page = vpn * PAGE_BYTES;
    const addend = l1.ppn[i] * PAGE_BYTES - page;
    const perm = l1.perm[i];
    if (fetch) {
      this.fetchEnt[j] = (perm & PTE_X) !== 0 ? page : -1;
      this.fetchEnt[j + 1] = addend;
      return;
    }
    this.readEnt[j] = (perm & PTE_R) !== 0 ? page : -1;
    this.writeEnt[j] = (perm & PTE_W) !== 0 ? page : -1;
    this.readEnt[j + 1] = this.writeEnt[j + 1] = addend;
    this.perm[s] = perm;
  }
}

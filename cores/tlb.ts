// Address translation: the layer between the hart and physical memory (TinyEMU's shape).
// A direct-mapped TLB in typed arrays, one tag array per kind of access (read, write,
// fetch) as TinyEMU's tlb_read/tlb_write/tlb_code: an entry goes into a kind's array only
// if its permission allows that kind, so the fast path checks the permission with the tag,
// in one compare, and adds the page's physical base:
//   read(va, size)  -> pa   (needs R)      write(va, size) -> pa   (needs W)
//   fetch(va, size) -> pa   (needs X)
// A miss, an access that crosses a page, or an address at or above 2^32 takes the slow
// path: the miss handler fills the entry or names the fault, which leaves through the
// hart's one trap tail (a GuestFault). Today's handler is the identity map that `spmd`
// boot needs (IdentityMap, below: physical = virtual over RAM, R/W/X/U); the Sv39 walker
// of the next issue replaces only the handler.

import { CAUSE_FETCH_ACCESS, CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS, GuestFault } from '../src/kernel/fault.ts';
import { misalignedFault } from './mem_fault.ts';

export const PAGE_SHIFT = 12;
export const PAGE_BYTES = 1 << PAGE_SHIFT;
const PAGE_MASK = PAGE_BYTES - 1;
const TWO32 = 4294967296;

// Permission bits, at their Sv39 PTE positions (privileged spec, "Sv39 page table entry").
export const PTE_R = 1 << 1;
export const PTE_W = 1 << 2;
export const PTE_X = 1 << 3;
export const PTE_U = 1 << 4;

/** A kind of access: the permission bit it needs. */
export const ACC_READ = PTE_R;
export const ACC_WRITE = PTE_W;
export const ACC_FETCH = PTE_X;

/** What a miss handler writes back: one translation. */
export interface TlbFill {
  /** Physical page number (pa >>> 12). */
  ppn: number;
  /** PTE_R | PTE_W | PTE_X | PTE_U. */
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

  /** RAM is [base, limit), both multiples of the page size. */
  constructor(base: number, limit: number) {
    this.firstPage = Math.ceil(base / PAGE_BYTES);
    this.endPage = Math.floor(limit / PAGE_BYTES);
  }

  walk(vpn: number, acc: number, out: TlbFill): number {
    if (vpn < this.firstPage || vpn >= this.endPage) return accessFaultCause(acc);
    out.ppn = vpn;
    out.perm = PTE_R | PTE_W | PTE_X | PTE_U;
    return 0;
  }
}

export const DEFAULT_TLB_ENTRIES = 64;

export class Tlb {
  /** Virtual page number of each entry, per kind of access; -1 when the kind may not use it. */
  private readonly readTag: Int32Array;
  private readonly writeTag: Int32Array;
  private readonly fetchTag: Int32Array;
  /** Physical base of each entry's page (ppn << 12). RAM lies below 2 GiB. */
  private readonly pageBase: Int32Array;
  /** Each entry's permission bits (PTE_*), for inspection and the walker's successor. */
  readonly perm: Uint8Array;
  private readonly mask: number;
  private readonly fill: TlbFill = { ppn: 0, perm: 0 };
  /** Lookups that missed (the miss handler ran) and that succeeded on the slow path. */
  misses = 0;

  constructor(
    private readonly handler: TlbMissHandler,
    readonly entries = DEFAULT_TLB_ENTRIES,
  ) {
    if ((entries & (entries - 1)) !== 0 || entries < 1) throw new Error(`TLB entries must be a power of two (got ${entries})`);
    this.readTag = new Int32Array(entries).fill(-1);
    this.writeTag = new Int32Array(entries).fill(-1);
    this.fetchTag = new Int32Array(entries).fill(-1);
    this.pageBase = new Int32Array(entries);
    this.perm = new Uint8Array(entries);
    this.mask = entries - 1;
  }

  /** Physical address of a `size`-byte load at va (needs R). */
  read(va: number, size: number): number {
    const off = va & PAGE_MASK;
    if (va >= 0 && va < TWO32 && off + size <= PAGE_BYTES) {
      const vpn = va >>> PAGE_SHIFT, i = vpn & this.mask;
      if (this.readTag[i] === vpn) return this.pageBase[i] + off;
    }
    return this.slow(va, size, ACC_READ);
  }

  /** Physical address of a `size`-byte store or AMO at va (needs W). */
  write(va: number, size: number): number {
    const off = va & PAGE_MASK;
    if (va >= 0 && va < TWO32 && off + size <= PAGE_BYTES) {
      const vpn = va >>> PAGE_SHIFT, i = vpn & this.mask;
      if (this.writeTag[i] === vpn) return this.pageBase[i] + off;
    }
    return this.slow(va, size, ACC_WRITE);
  }

  /** Physical address of an instruction fetch at va (needs X). */
  fetch(va: number, size: number): number {
    const off = va & PAGE_MASK;
    if (va >= 0 && va < TWO32 && off + size <= PAGE_BYTES) {
      const vpn = va >>> PAGE_SHIFT, i = vpn & this.mask;
      if (this.fetchTag[i] === vpn) return this.pageBase[i] + off;
    }
    return this.slow(va, size, ACC_FETCH);
  }

  /** Forgets every translation (sfence.vma with no operands, later). */
  flush(): void {
    this.readTag.fill(-1);
    this.writeTag.fill(-1);
    this.fetchTag.fill(-1);
  }

  /**
   * Physical address of an instruction fetch at va, or -1 where fetch() would fault: the
   * fetch-block access probes, and leaves the fault to the fetch itself.
   */
  probeFetch(va: number): number {
    if (va < TWO32 && va >= 0) {
      const vpn = va >>> PAGE_SHIFT, i = vpn & this.mask;
      if (this.fetchTag[i] === vpn) return this.pageBase[i] + (va & PAGE_MASK);
    }
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
    const cached = vpn >= 0 && vpn < 1 << 20; // pages a 32-bit address names: tagged exactly
    if (cached) {
      const i = vpn & this.mask;
      const tags = acc === ACC_READ ? this.readTag : acc === ACC_WRITE ? this.writeTag : this.fetchTag;
      if (tags[i] === vpn) return this.pageBase[i] + off;
    }
    this.misses++;
    const f = this.fill;
    const cause = this.handler.walk(vpn, acc, f);
    if (cause !== 0) return -1 - cause;
    if ((f.perm & acc) === 0) return -1 - accessFaultCause(acc);
    if (cached) {
      const i = vpn & this.mask;
      this.readTag[i] = (f.perm & PTE_R) !== 0 ? vpn : -1;
      this.writeTag[i] = (f.perm & PTE_W) !== 0 ? vpn : -1;
      this.fetchTag[i] = (f.perm & PTE_X) !== 0 ? vpn : -1;
      this.pageBase[i] = f.ppn * PAGE_BYTES;
      this.perm[i] = f.perm;
    }
    return f.ppn * PAGE_BYTES + off;
  }
}

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

/** Entries of a TLB: a constant, so the fast path's index mask is one (the next issue sizes it by config). */
export const TLB_ENTRIES = 64;
export const TLB_MASK = TLB_ENTRIES - 1;

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
  /** Each entry's permission bits (PTE_*), for inspection and the walker's successor. */
  readonly perm = new Uint8Array(TLB_ENTRIES);
  readonly entries = TLB_ENTRIES;
  private readonly fill: TlbFill = { ppn: 0, perm: 0 };
  /** Lookups that missed (the miss handler ran). */
  misses = 0;

  constructor(private readonly handler: TlbMissHandler) {}

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

  /** Forgets every translation (sfence.vma with no operands, later). */
  flush(): void {
    this.readEnt.fill(-1);
    this.writeEnt.fill(-1);
    this.fetchEnt.fill(-1);
  }

  /** Forgets the translation of the page holding va, for every kind (sfence.vma va). */
  flushPage(va: number): void {
    const j = ((va >>> PAGE_SHIFT) & TLB_MASK) << 1;
    const page = Math.floor(va / PAGE_BYTES) * PAGE_BYTES;
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
}

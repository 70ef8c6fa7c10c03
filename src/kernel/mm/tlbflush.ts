// What the kernel may ask of the MMU of the core it runs on (Linux's asm/tlbflush.h and
// the satp write of switch_mm), and how it touches physical memory from there. The cores
// implement it (cores/mmu/core_mmu.ts); the kernel never imports cores/.

import type { PhysAccess } from './phys_access.ts';

/** PhysAccess plus the bulk moves the fault path needs, charging `cycles` to the core. */
export interface KernelPhys extends PhysAccess {
  /** Cycles the accesses so far cost (the caller moves them onto the core). */
  cycles: number;
  /** Stores `data` at pa (8-aligned, inside one page). */
  writeBytes(pa: number, data: Uint8Array): void;
  /** copy_page: the 4 KiB page at src to dst. */
  copyPage(dst: number, src: number): void;
  /** atomic_fetch_add on the 32-bit word at pa (4-aligned; amoadd.w: one read-for-ownership); returns the old value. */
  fetchAdd32(pa: number, delta: number): number;
}

export interface CpuMmu {
  readonly phys: KernelPhys;
  /**
   * switch_mm: satp = Sv39/Sv48 with this root (physical address) and ASID. The TLB keeps
   * every ASID's entries (mm/context.ts decides when an ASID's old entries must go).
   */
  setRoot(pgd: number, levels: number, asid: number): void;
  /** local_flush_tlb_page (sfence.vma va, x0): the page in every address space, globals too. */
  flushTlbPage(va: number): void;
  /** local_flush_tlb_all (sfence.vma x0, x0): everything. */
  flushTlbAll(): void;
  /** local_flush_tlb_page_asid (sfence.vma va, asid): the page in one address space, globals kept. */
  flushTlbPageAsid(va: number, asid: number): void;
  /** local_flush_tlb_all_asid (sfence.vma x0, asid): one address space's non-global entries. */
  flushTlbAsid(asid: number): void;
  /**
   * Forget decoded instructions (the decode cache is keyed by virtual pc, so any change to an
   * executable mapping, or a switch of address space, drops it whole: flush_icache_mm).
   */
  flushIcache(): void;
  /** Counters for the stats: TLB lookups that missed every level (walked), page walks, the cycles walks cost. */
  readonly tlbMisses: number;
  readonly pageWalks: number;
  readonly walkCycles: number;
}

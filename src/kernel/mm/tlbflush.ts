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
}

export interface CpuMmu {
  readonly phys: KernelPhys;
  /** switch_mm: satp = Sv39/Sv48 with this root (physical address) and ASID; flushes the TLB. */
  setRoot(pgd: number, levels: number, asid: number): void;
  /** flush_tlb_page on this core (sfence.vma va). */
  flushTlbPage(va: number): void;
  /** flush_tlb_mm on this core (sfence.vma). */
  flushTlbAll(): void;
  /**
   * Forget decoded instructions (the decode cache is keyed by virtual pc, so any change to an
   * executable mapping, or a switch of address space, drops it whole: flush_icache_mm).
   */
  flushIcache(): void;
  /** Counters for the stats: TLB lookups that missed, page walks, the cycles walks cost. */
  readonly tlbMisses: number;
  readonly pageWalks: number;
  readonly walkCycles: number;
}

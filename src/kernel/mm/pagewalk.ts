// walk_page_range (Linux's mm/pagewalk.c) for readers of page tables: /proc/PID/smaps, the
// RSS figures, access_remote_vm. Visits every pte-level entry that is not pte_none in
// [start, end), reading the tables through a PhysAccess (the reading core's caches), and
// skips a missing table's whole span. Changes nothing; the caller holds the mmap lock for
// reading (or has stopped every writer), as Linux's walkers do.

import { PAGE_SIZE } from './mm_types.ts';
import type { PhysAccess } from './phys_access.ts';
import { _PAGE_LEAF, pte_pfn } from './pgtable_bits.ts';

/** Called per non-empty PTE: its virtual address and the entry as an int32 pair. */
export type PteVisitor = (addr: number, lo: number, hi: number) => void;

/** Bytes one entry of a table at `level` spans (level 0: a pte table's 4 KiB). */
function entrySpan(level: number): number {
  return 2 ** (12 + 9 * level);
}

/**
 * Visits the PTEs of [start, end) (page-aligned) under the root table at physical address
 * pgd, for a `levels`-level format (3: Sv39, 4: Sv48). Throws on a huge leaf above the pte
 * level, which this kernel never makes.
 */
export function walkPageRange(phys: PhysAccess, levels: number, pgd: number, start: number, end: number, visit: PteVisitor): void {
  let addr = start;
  while (addr < end) {
    let table = pgd;
    let level = levels - 1;
    for (; level > 0; level--) {
      const e = table + (Math.floor(addr / entrySpan(level)) % 512) * 8;
      const lo = phys.read64(e);
      const hi = phys.hi;
      if (lo === 0 && hi === 0) break;
      if ((lo & _PAGE_LEAF) !== 0) throw new Error(`pagewalk: huge entry at level ${level} for 0x${addr.toString(16)}`);
      table = pte_pfn(lo, hi) * PAGE_SIZE;
    }
    if (level > 0) {
      const span = entrySpan(level);
      addr = addr - (addr % span) + span;
      continue;
    }
    const tableEnd = Math.min(end, addr - (addr % entrySpan(1)) + entrySpan(1));
    for (; addr < tableEnd; addr += PAGE_SIZE) {
      const lo = phys.read64(table + (Math.floor(addr / PAGE_SIZE) % 512) * 8);
      const hi = phys.hi;
      if (lo !== 0 || hi !== 0) visit(addr, lo, hi);
    }
  }
}

/** follow_page's translation for a reader: the physical address behind user address va, or -1. */
export function walkVirtToPhys(phys: PhysAccess, levels: number, pgd: number, va: number): number {
  let table = pgd;
  for (let level = levels - 1; level >= 0; level--) {
    const lo = phys.read64(table + (Math.floor(va / entrySpan(level)) % 512) * 8);
    const hi = phys.hi;
    if ((lo & 1) === 0) return -1; // not valid to the hardware (PROT_NONE included)
    if (level === 0 || (lo & _PAGE_LEAF) !== 0) return pte_pfn(lo, hi) * PAGE_SIZE + (va % entrySpan(level));
    table = pte_pfn(lo, hi) * PAGE_SIZE;
  }
  return -1;
}

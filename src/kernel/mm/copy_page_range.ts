// copy_page_range (Linux 6.1 mm/memory.c: copy_p4d/pud/pmd_range, copy_pte_range and
// copy_present_pte, folded into one walk): fork's copy of one VMA's page tables into the
// child. Every present PTE is copied, sharing its page:
//   - a normal page gets one more reference and one more mapping (get_page, page_dup_rmap) and
//     counts in the child's rss_stat under its mm_counter;
//   - in a COW mapping (private, may be written: is_cow_mapping) a writable PTE loses W in the
//     parent (ptep_set_wrprotect, by compare-and-swap so a walker's A/D update is never lost)
//     and in the child: the first write on either side faults to do_wp_page (wp_page.ts);
//   - a shared mapping keeps W (both see one page) and the child's copy is clean (pte_mkclean);
//   - the zero page (_PAGE_SPECIAL) is copied as is: no struct page counts;
//   - the child's copy is old (pte_mkold): the walker sets A again on first use.
// The child's page tables come from the page allocator (pte_alloc_map) wherever the parent has
// a pte table, and count in its VmPTE.
// Linux skips a VMA without anon_vma (its pages can be faulted again from the page cache);
// there is no page cache here, so every VMA's PTEs are copied: shared and file pages stay
// shared, as Linux's page cache would keep them.

import { type MmTable, add_mm_counter, NR_MM_COUNTERS } from './mm_struct.ts';
import { PAGE_SHIFT } from './mm_types.ts';
import { type MmuGather, PTRS_PER_PTE, type PageTables } from './pgtable.ts';
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_LEAF, _PAGE_SPECIAL, _PAGE_WRITE, pte_pfn, pte_present } from './pgtable_bits.ts';
import { mm_counter, page_dup_rmap } from './rmap.ts';
import { VM_MAYWRITE, VM_SHARED } from './vma.ts';
import { ENOMEM } from '../syscalls/numbers.ts';

/** is_cow_mapping: private and may be written. */
export function is_cow_mapping(flags: number): boolean {
  return (flags & (VM_SHARED | VM_MAYWRITE)) === VM_MAYWRITE;
}

/** What copy_page_range did, summed over calls (reset by the caller). */
export interface CopyStats {
  /** PTEs copied (zero page included). */
  ptes: number;
  /** Parent PTEs that lost W (their TLB entries must go). */
  wrprotected: number;
}

const rss = new Int32Array(NR_MM_COUNTERS);

function entrySpan(level: number): number {
  return 2 ** (PAGE_SHIFT + 9 * level);
}
function tableIndex(addr: number, level: number): number {
  return Math.floor(addr / entrySpan(level)) % PTRS_PER_PTE;
}

/**
 * copy_page_range: copy the PTEs of [start, end) (the parent VMA's range, flags its vm_flags)
 * from the parent (srcPgd) into the child mm dstM (dstPgd). Parent PTEs that lose W are added
 * to `tlb` (range, downgraded): the caller flushes them from every core that may hold them
 * before the parent runs again. Returns 0 or -ENOMEM (no page for a child table; what was
 * copied stays mapped in the child, for exit_mmap to undo).
 * Caller holds both mms' mmap locks for writing (parent first).
 */
export function copy_page_range(
  t: MmTable, pt: PageTables, dstM: number, dstPgd: number, srcPgd: number,
  start: number, end: number, flags: number, tlb: MmuGather, stats: CopyStats,
): number {
  const phys = pt.phys;
  const pages = pt.alloc.pages;
  const cow = is_cow_mapping(flags);
  const shared = (flags & VM_SHARED) !== 0;
  rss.fill(0);
  let ret = 0;
  let addr = start;
  walk: while (addr < end) {
    // Down the parent's tables to the pte table for addr; skip a missing table's whole span.
    let table = srcPgd;
    for (let level = pt.levels - 1; level > 0; level--) {
      const lo = phys.read64(table + tableIndex(addr, level) * 8);
      const hi = phys.hi;
      if (lo === 0 && hi === 0) {
        addr = addr - (addr % entrySpan(level)) + entrySpan(level);
        continue walk;
      }
      if ((lo & _PAGE_LEAF) !== 0) throw new Error(`BUG: huge entry at level ${level} for 0x${addr.toString(16)}`);
      table = pte_pfn(lo, hi) * 4096;
    }
    const tableEnd = Math.min(end, addr - (addr % entrySpan(1)) + entrySpan(1));
    const dst = pt.pte_alloc_map(dstPgd, addr); // copy_pte_range's pte_alloc_map_lock
    if (dst < 0) {
      ret = -ENOMEM;
      break;
    }
    for (let d = dst; addr < tableEnd; addr += 4096, d += 8) {
      const src = table + tableIndex(addr, 0) * 8;
      for (;;) {
        let lo = phys.read64(src);
        const hi = phys.hi;
        if (lo === 0 && hi === 0) break;
        if (!pte_present(lo)) throw new Error(`BUG: non-present PTE ${lo.toString(16)} at 0x${addr.toString(16)} (no swap here)`);
        if (cow && (lo & _PAGE_WRITE) !== 0) {
          // ptep_set_wrprotect: again if a walker set A or D meanwhile.
          if (!phys.cmpxchg64(src, lo, hi, lo & ~_PAGE_WRITE, hi)) continue;
          lo &= ~_PAGE_WRITE;
          tlb.adjustRange(addr, 4096);
          tlb.downgraded = true;
          stats.wrprotected++;
        }
        if ((lo & _PAGE_SPECIAL) === 0) {
          const pfn = pte_pfn(lo, hi);
          pt.alloc.get_page(pfn);
          page_dup_rmap(pages, pfn);
          rss[mm_counter(pages, pfn)]!++;
        }
        if (shared) lo &= ~_PAGE_DIRTY; // pte_mkclean
        pt.set_pte_at(d, lo & ~_PAGE_ACCESSED, hi); // pte_mkold
        stats.ptes++;
        break;
      }
    }
  }
  for (let i = 0; i < NR_MM_COUNTERS; i++) if (rss[i] !== 0) add_mm_counter(t, dstM, i, rss[i]!); // add_mm_rss_vec
  return ret;
}

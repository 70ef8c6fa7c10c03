// Tearing an address space down (Linux 6.1 mm/mmap.c exit_mmap, mm/memory.c unmap_vmas /
// unmap_page_range, kernel/fork.c mmput / __mmdrop / check_mm), and the zap with rss_stat
// accounting that munmap, madvise(DONTNEED) and exit share.
//
// Order, as Linux's mmu_gather imposes it: zap PTEs and unhook tables into an MmuGather,
// shoot the translations down, and only then free pages and tables (tlb_finish_mmu): a walker
// on another core may read a table, or a stale TLB entry reach a page, until the flush.
// mmput does the whole sequence, given the caller's flush.

import {
  F_TASK_SIZE, type MmTable, NR_MM_COUNTERS, add_mm_counter, get_mm_counter, update_hiwater_rss,
} from './mm_struct.ts';
import type { MmuGather, PageTables } from './pgtable.ts';
import { _PAGE_SPECIAL, pte_pfn, pte_present } from './pgtable_bits.ts';
import { mm_counter } from './rmap.ts';

const rss = new Int32Array(NR_MM_COUNTERS);
const RSS_NAMES = ['MM_FILEPAGES', 'MM_ANONPAGES', 'MM_SWAPENTS', 'MM_SHMEMPAGES'];

/**
 * unmap_page_range: clear every PTE of mm m in [start, end) (page-aligned) into tlb, dropping
 * _mapcount and the pages from m's rss_stat (update_hiwater_rss first, as unmap_region and
 * zap_page_range do). References are dropped by tlb_finish_mmu after the caller's flush.
 * Returns the number of PTEs cleared. Caller holds m's mmap lock for writing.
 */
export function unmap_page_range(t: MmTable, pt: PageTables, m: number, pgd: number, start: number, end: number, tlb: MmuGather): number {
  update_hiwater_rss(t, m);
  const first = tlb.nr;
  const n = pt.zap_page_range(pgd, start, end, tlb);
  rss.fill(0);
  const pages = pt.alloc.pages;
  for (let i = first; i < tlb.nr; i++) {
    const lo = tlb.lo[i]!;
    if (pte_present(lo) && (lo & _PAGE_SPECIAL) === 0) rss[mm_counter(pages, pte_pfn(lo, tlb.hi[i]!))]!--;
  }
  for (let i = 0; i < NR_MM_COUNTERS; i++) if (rss[i] !== 0) add_mm_counter(t, m, i, rss[i]!);
  return n;
}

/** What exit_mmap took down. */
export interface ExitMmapStats {
  /** PTEs cleared inside VMAs. */
  ptes: number;
  /** PTEs found outside every VMA (a bug elsewhere; cleared and freed all the same). */
  stray: number;
  /** Page-table pages unhooked (freed by tlb_finish_mmu). */
  tables: number;
}

/**
 * exit_mmap's body for a caller that holds m's mmap lock for writing (or owns m alone):
 * unmap_vmas over every VMA, then the rest of the user range (nothing should be there), then
 * free_pgd_range over the whole user range (floor FIRST_USER_ADDRESS = 0, ceiling
 * USER_PGTABLES_CEILING = 0), then every VMA freed (remove_vma). Pages and tables wait in tlb.
 */
export function exit_mmap_locked(t: MmTable, pt: PageTables, m: number, pgd: number, tlb: MmuGather): ExitMmapStats {
  const stats: ExitMmapStats = { ptes: 0, stray: 0, tables: 0 };
  const p = t.pool;
  for (let i = 0; i < t.mapCount(m); i++) {
    const v = t.vmaAt(m, i);
    stats.ptes += unmap_page_range(t, pt, m, pgd, p.start(v), p.end(v), tlb);
  }
  const taskSize = t.get(m, F_TASK_SIZE);
  stats.stray = unmap_page_range(t, pt, m, pgd, 0, taskSize, tlb);
  const tables = tlb.tables.length;
  pt.free_pgd_range(pgd, 0, taskSize, 0, 0, tlb);
  stats.tables = tlb.tables.length - tables;
  for (let i = 0; i < t.mapCount(m); i++) p.free(t.vmaAt(m, i));
  t.removeAt(m, 0, t.mapCount(m));
  return stats;
}

/**
 * exit_mmap: the last user of mm m is gone (exit, or exec replacing it). Takes m's mmap lock
 * for writing, tears everything down into tlb (see exit_mmap_locked) and unlocks. The caller
 * then flushes m's translations (flush_tlb_mm: every core that ran m, or its ASID), calls
 * pt.tlb_finish_mmu(tlb), and __mmdrop. mmput does all of it.
 */
export function exit_mmap(t: MmTable, pt: PageTables, m: number, pgd: number, tlb: MmuGather): ExitMmapStats {
  t.mmapWriteLock(m);
  try {
    return exit_mmap_locked(t, pt, m, pgd, tlb);
  } finally {
    t.mmapWriteUnlock(m);
  }
}

/** check_mm: '' when every rss_stat counter of m is 0, else Linux's complaint. */
export function check_mm(t: MmTable, m: number): string {
  for (let i = 0; i < NR_MM_COUNTERS; i++) {
    const x = get_mm_counter(t, m, i);
    if (x !== 0) return `BUG: Bad rss-counter state mm:${m} type:${RSS_NAMES[i]} val:${x}`;
  }
  return '';
}

/**
 * __mmdrop: after exit_mmap, the flush and tlb_finish_mmu, free the pgd and the mm slot.
 * Throws on a bad rss_stat (check_mm; Linux only warns, but here it is always a kernel bug) or
 * page tables still below the pgd.
 */
export function __mmdrop(t: MmTable, pt: PageTables, m: number, pgd: number): void {
  const bad = check_mm(t, m);
  if (bad !== '') throw new Error(bad);
  pt.pgd_free(pgd);
  t.mmFree(m);
}

/**
 * mmput for the last user: exit_mmap, then `flushTlbMm(tlb)` (the caller's shootdown of m's
 * translations on every core that may hold them; tlb says the range), tlb_finish_mmu and
 * __mmdrop. Caller holds no mmap lock.
 */
export function mmput(t: MmTable, pt: PageTables, m: number, pgd: number, tlb: MmuGather, flushTlbMm: (tlb: MmuGather) => void): ExitMmapStats {
  const stats = exit_mmap(t, pt, m, pgd, tlb);
  flushTlbMm(tlb);
  pt.tlb_finish_mmu(tlb);
  __mmdrop(t, pt, m, pgd);
  return stats;
}

// What a mapped user page belongs to (Linux's page->mapping, mm/rmap.c), and which rss_stat
// counter it counts in (mm_counter). The word is PG_MAPPING of the page's record:
//   anon_vma id << 1 | PAGE_MAPPING_ANON   an anonymous page (a fault wrote it, or a COW copy)
//   file id << 1                           a page of a file (negative ids: shmem, MAP_SHARED|MAP_ANONYMOUS)
//   0                                      nothing set: counted as a file page, as Linux counts a
//                                          page that is not PageAnon
// The allocator zeroes it (prep_new_page); the fault path sets it before mapping the page, and
// it stays until the page is freed. _mapcount is kept by the page-table code (pgtable.ts).

import { MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES } from './mm_struct.ts';
import { PAGE_WORDS, PG_MAPCOUNT, PG_MAPPING, PG_REFCOUNT } from './mm_types.ts';

export const PAGE_MAPPING_ANON = 1;

/** PageAnon. */
export function PageAnon(pages: Int32Array, pfn: number): boolean {
  return (Atomics.load(pages, pfn * PAGE_WORDS + PG_MAPPING) & PAGE_MAPPING_ANON) !== 0;
}

/** The anon_vma id of an anonymous page (0 when the page is not anonymous). */
export function page_anon_vma(pages: Int32Array, pfn: number): number {
  const x = Atomics.load(pages, pfn * PAGE_WORDS + PG_MAPPING);
  return (x & PAGE_MAPPING_ANON) !== 0 ? x >>> 1 : 0;
}

/**
 * __page_set_anon_rmap: the new page `pfn` is anonymous, in anon_vma `anonVma` (the VMA's,
 * from anonVmaPrepare). Call before insert_page / ptep_replace maps it.
 */
export function __page_set_anon_rmap(pages: Int32Array, pfn: number, anonVma: number): void {
  if (!(anonVma > 0)) throw new Error(`BUG: anonymous page ${pfn} without an anon_vma`);
  Atomics.store(pages, pfn * PAGE_WORDS + PG_MAPPING, (anonVma << 1) | PAGE_MAPPING_ANON);
}

/** page_move_anon_rmap: a reused COW page now belongs to the faulting VMA's anon_vma alone. */
export const page_move_anon_rmap = __page_set_anon_rmap;

/** A page read from file `file` (the VMA's file id) for a file mapping. */
export function page_set_file_mapping(pages: Int32Array, pfn: number, file: number): void {
  Atomics.store(pages, pfn * PAGE_WORDS + PG_MAPPING, file * 2);
}

/** mm_counter: the rss_stat member page `pfn` counts in (MM_ANONPAGES, MM_SHMEMPAGES or MM_FILEPAGES). */
export function mm_counter(pages: Int32Array, pfn: number): number {
  const x = Atomics.load(pages, pfn * PAGE_WORDS + PG_MAPPING);
  if ((x & PAGE_MAPPING_ANON) !== 0) return MM_ANONPAGES;
  return x < 0 ? MM_SHMEMPAGES : MM_FILEPAGES;
}

/** page_mapcount: page-table entries mapping the page (_mapcount + 1). */
export function page_mapcount(pages: Int32Array, pfn: number): number {
  return Atomics.load(pages, pfn * PAGE_WORDS + PG_MAPCOUNT) + 1;
}

/** page_count: references held (_refcount). */
export function page_count(pages: Int32Array, pfn: number): number {
  return Atomics.load(pages, pfn * PAGE_WORDS + PG_REFCOUNT);
}

/** page_dup_rmap (fork's copy of a PTE): one more mapping; the caller took the reference (get_page). */
export function page_dup_rmap(pages: Int32Array, pfn: number): void {
  Atomics.add(pages, pfn * PAGE_WORDS + PG_MAPCOUNT, 1);
}

// The page array (Linux's mem_map of struct page): one fixed record per page frame,
// indexed by pfn, in one SharedArrayBuffer that every worker maps.
//
// Record of pfn p: PAGE_WORDS int32 words at p * PAGE_WORDS:
//   [0] FLAGS     PG_* bits below, and the zone index in bits ZONE_SHIFT.. (Linux keeps the
//                 zone in page->flags too). Written under the zone lock while the page is
//                 free, by the owner while it is allocated.
//   [1] REFCOUNT  _refcount: 0 free, >= 1 allocated.
//   [2] MAPCOUNT  _mapcount: -1 when not mapped in any page table (Linux's convention).
//   [3] PRIVATE   page->private: the buddy order while PG_buddy is set.
//   [4] NEXT      lru.next / pcp_list.next as a pfn, -1 at the end of a list.
//   [5] PREV      lru.prev as a pfn, -1 at the head of a list.
//   [6]           spare (a pgd page keeps its table count here: pgtable.ts PT_NR_TABLES).
//   [7] MAPPING   page->mapping of a mapped user page (rmap.ts): anon_vma id << 1 | 1 for an
//                 anonymous page, file id << 1 for a file page, 0 for none. Set once by the
//                 fault path before the page is mapped; zeroed when the page is allocated.
// The host record is 32 bytes; the simulated struct page is STRUCT_PAGE_BYTES (64, as
// Linux's) and that is what the memmap costs in simulated RAM (present - managed).

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 1 << PAGE_SHIFT;
/** sizeof(struct page) on 64-bit Linux: the simulated cost of the memmap. */
export const STRUCT_PAGE_BYTES = 64;

export const PAGE_WORDS = 8;
export const PG_FLAGS = 0;
export const PG_REFCOUNT = 1;
export const PG_MAPCOUNT = 2;
export const PG_PRIVATE = 3;
export const PG_NEXT = 4;
export const PG_PREV = 5;
export const PG_MAPPING = 7;

/** Page flag bits (our numbering; the names are Linux's). */
export const PG_reserved = 1 << 0;
/** PageBuddy: head of a free block in a buddy free list (a page_type in Linux). */
export const PG_buddy = 1 << 1;
/** On a per-CPU page list (Linux marks these with no flag; kept here to catch misuse). */
export const PG_pcp = 1 << 2;
export const ZONE_SHIFT = 28;
export const ZONE_MASK = 0x7 << ZONE_SHIFT;

export const NIL = -1;

/** Bytes of host shared memory for the page array of `nrPages` frames. */
export function pageArrayBytes(nrPages: number): number {
  return nrPages * PAGE_WORDS * 4;
}

export function pageZone(pages: Int32Array, pfn: number): number {
  return (pages[pfn * PAGE_WORDS + PG_FLAGS] & ZONE_MASK) >>> ZONE_SHIFT;
}

export function pageRefcount(pages: Int32Array, pfn: number): number {
  return pages[pfn * PAGE_WORDS + PG_REFCOUNT];
}

export function pageMapcount(pages: Int32Array, pfn: number): number {
  return pages[pfn * PAGE_WORDS + PG_MAPCOUNT];
}

export function pageFlags(pages: Int32Array, pfn: number): number {
  return pages[pfn * PAGE_WORDS + PG_FLAGS];
}

/**
 * Adds `delta` to _mapcount (atomic_add on page->_mapcount); returns the number of page
 * table entries now mapping the page (page_mapcount: _mapcount + 1). Called by the page
 * table code when it maps (+1) or unmaps (-1) the page; a page still mapped cannot be freed.
 */
export function pageMapcountAdd(pages: Int32Array, pfn: number, delta: number): number {
  return Atomics.add(pages, pfn * PAGE_WORDS + PG_MAPCOUNT, delta) + delta + 1;
}

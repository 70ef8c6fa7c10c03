// Shared anonymous memory (MAP_SHARED | MAP_ANONYMOUS: Linux's shmem_zero_setup, mm/shmem.c):
// each such mapping is an object of its own (a negative VMA file id, mmap.ts) whose pages live
// in this cache by page offset, so every PTE that maps offset n of the object maps the same
// page: after mremap, and (with fork) in other processes. A read allocates too (shmem_fault has
// no zero page). The cache holds one reference per page; when no VMA refers to the object
// any more (the caller says so), its pages are released.

import { GFP_HIGHUSER_MOVABLE, type PageAlloc } from './page_alloc.ts';
import type { KernelPhys } from './tlbflush.ts';

export class ShmemCache {
  private readonly objects = new Map<number, Map<number, number>>();
  /** Each object's size in pages (i_size: the length mmap gave it; mremap does not grow it). */
  private readonly sizes = new Map<number, number>();

  constructor(
    private readonly alloc: PageAlloc,
    private readonly cpu: number,
  ) {}

  /** shmem_zero_setup: object `file` exists with `pages` pages. */
  create(file: number, pages: number): void {
    this.sizes.set(file, pages);
  }

  /**
   * shmem_get_folio: the page at `pgoff` of object `file` (negative), allocated and cleared
   * on first use. Returns its pfn with one more reference for the caller's PTE, -1 (no memory)
   * or -2 (beyond the object's end: SIGBUS, as Linux's shmem_fault).
   */
  getPage(file: number, pgoff: number, phys: KernelPhys): { pfn: number; fresh: boolean } {
    if (!(pgoff < (this.sizes.get(file) ?? 0))) return { pfn: -2, fresh: false };
    let obj = this.objects.get(file);
    if (!obj) this.objects.set(file, (obj = new Map()));
    let pfn = obj.get(pgoff);
    let fresh = false;
    if (pfn === undefined) {
      pfn = this.alloc.alloc_pages(this.cpu, GFP_HIGHUSER_MOVABLE, 0);
      if (pfn < 0) return { pfn: -1, fresh: false };
      phys.clearPage(pfn * 4096);
      obj.set(pgoff, pfn);
      fresh = true;
    }
    this.alloc.get_page(pfn);
    return { pfn, fresh };
  }

  /** Gives back a reference getPage took that no PTE kept (a racing fault mapped first). */
  putPage(pfn: number): void {
    this.alloc.__free_pages(this.cpu, pfn, 0);
  }

  /** The object's last mapping is gone: drop the cache's references (pages still mapped stay until unmapped). */
  release(file: number): void {
    const obj = this.objects.get(file);
    this.sizes.delete(file);
    if (!obj) return;
    for (const pfn of obj.values()) this.alloc.__free_pages(this.cpu, pfn, 0);
    this.objects.delete(file);
  }

  /** Objects with pages in the cache. */
  ids(): number[] {
    return [...this.sizes.keys()];
  }
}

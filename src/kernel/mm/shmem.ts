// Shared anonymous memory (MAP_SHARED | MAP_ANONYMOUS: Linux's shmem_zero_setup, mm/shmem.c):
// each such mapping is an object of its own (a negative VMA file id, mmap.ts), a shmem inode
// whose pages live here by page offset, so every PTE that maps offset n of the object maps the
// same page: after mremap, and after fork in the child as in the parent. A read allocates too
// (shmem_fault has no zero page). The inodes are kernel-wide (ShmemInodes); each core reaches
// them through its own ShmemCache, which allocates and frees pages on that core.
//
// References (vm_file's f_count): Linux takes one per VMA (get_file in vm_area_dup and
// split_vma, fput in remove_vma). Here each mm that maps any part of an object holds one:
// mmap takes the first (create), dup_mmap one for the child (get), and the caller drops the
// mm's when its last VMA of the object goes (munmap, exit_mmap, execve's old mm: put). The
// object lives exactly as long: the last put frees its pages (still-mapped pages stay until
// unmapped, by their PTEs' references). The inode holds one reference per page.

import { GFP_HIGHUSER_MOVABLE, type PageAlloc } from './page_alloc.ts';
import type { KernelPhys } from './tlbflush.ts';

/** One shmem object: its pages by offset, its size and the mms that hold it. */
interface ShmemInode {
  pages: Map<number, number>;
  /** Size in pages (i_size: the length mmap gave it; mremap does not grow it). */
  size: number;
  /** References: mms with a VMA of this object. */
  count: number;
}

/** Every shmem object of the kernel, by (negative) file id. */
export class ShmemInodes {
  readonly inodes = new Map<number, ShmemInode>();
}

export class ShmemCache {
  constructor(
    private readonly alloc: PageAlloc,
    private readonly cpu: number,
    /** Shared by every core's cache (one kernel); a fresh one for a cache on its own. */
    readonly all: ShmemInodes = new ShmemInodes(),
  ) {}

  /** shmem_zero_setup: object `file` exists with `pages` pages, held by the mm that mapped it. */
  create(file: number, pages: number): void {
    this.all.inodes.set(file, { pages: new Map(), size: pages, count: 1 });
  }

  /** get_file (dup_mmap): one more mm maps object `file`. */
  get(file: number): void {
    const ino = this.all.inodes.get(file);
    if (ino) ino.count++;
  }

  /** fput: an mm no longer maps object `file`; the last one frees its pages. */
  put(file: number): void {
    const ino = this.all.inodes.get(file);
    if (!ino || --ino.count > 0) return;
    this.all.inodes.delete(file);
    for (const pfn of ino.pages.values()) this.alloc.__free_pages(this.cpu, pfn, 0);
  }

  /**
   * shmem_get_folio: the page at `pgoff` of object `file` (negative), allocated and cleared
   * on first use. Returns its pfn with one more reference for the caller's PTE, -1 (no memory)
   * or -2 (beyond the object's end: SIGBUS, as Linux's shmem_fault).
   */
  getPage(file: number, pgoff: number, phys: Pick<KernelPhys, 'clearPage'>): { pfn: number; fresh: boolean } {
    const ino = this.all.inodes.get(file);
    if (!ino || !(pgoff < ino.size)) return { pfn: -2, fresh: false };
    let pfn = ino.pages.get(pgoff);
    let fresh = false;
    if (pfn === undefined) {
      pfn = this.alloc.alloc_pages(this.cpu, GFP_HIGHUSER_MOVABLE, 0);
      if (pfn < 0) return { pfn: -1, fresh: false };
      phys.clearPage(pfn * 4096);
      ino.pages.set(pgoff, pfn);
      fresh = true;
    }
    this.alloc.get_page(pfn);
    return { pfn, fresh };
  }

  /** Gives back a reference getPage took that no PTE kept (a racing fault mapped first). */
  putPage(pfn: number): void {
    this.alloc.__free_pages(this.cpu, pfn, 0);
  }

  /** The object's references (0: no such object), for tests and /proc. */
  count(file: number): number {
    return this.all.inodes.get(file)?.count ?? 0;
  }

  /** Objects alive. */
  ids(): number[] {
    return [...this.all.inodes.keys()];
  }
}

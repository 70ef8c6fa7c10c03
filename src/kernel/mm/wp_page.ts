// The write-protect fault (Linux 6.1 mm/memory.c do_wp_page, wp_page_reuse, wp_page_copy,
// wp_page_shared): a write hit a present PTE without W in a VMA that allows the write.
//   - shared mapping: the page is everyone's; make the PTE writable in place (wp_page_shared);
//   - the zero page: allocate a page and clear it (never a copy of the zero page);
//   - an anonymous page nobody else holds (refcount 1, one mapping): reuse it, W and D set in
//     place (wp_page_reuse; page_move_anon_rmap to this VMA's anon_vma);
//   - anything else (shared after fork, or a file page, which Linux keeps clean in the page
//     cache): copy it into a new anonymous page and map that writable (wp_page_copy).
// The caller (handle_mm_fault) holds the mmap lock for reading and has checked access_error.

import { type MmTable, MM_ANONPAGES, add_mm_counter } from './mm_struct.ts';
import { anonVmaPrepare } from './mmap.ts';
import { GFP_HIGHUSER_MOVABLE } from './page_alloc.ts';
import type { MmuGather, PageTables } from './pgtable.ts';
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_SPECIAL, _PAGE_WRITE, pte_pfn, pte_present, vm_get_page_prot } from './pgtable_bits.ts';
import type { PhysAccess } from './phys_access.ts';
import { PageAnon, __page_set_anon_rmap, mm_counter, page_count, page_mapcount, page_move_anon_rmap } from './rmap.ts';
import { VM_SHARED, VM_WRITE } from './vma.ts';
import { ENOMEM } from '../syscalls/numbers.ts';

/** The PTE changed under us (another core's fault, or it was writable already): retry the access. */
export const WP_RETRY = 0;
/** Made writable in place: drop this core's stale read-only TLB entry for addr. */
export const WP_REUSED = 1;
/**
 * A new page replaced the old one: the old translation is in tlb. Flush addr on every core that
 * may hold it (the mm's cpumask), then pt.tlb_finish_mmu(tlb) drops the old page's reference.
 */
export const WP_COPIED = 2;

/** A PhysAccess that may copy a page in one call (the cores' KernelPhys.copyPage). */
export type CopyPhys = PhysAccess & { copyPage?(dst: number, src: number): void };

/** copy_user_highpage: 4 KiB from src to dst, through the core's memory path. */
export function copy_user_highpage(phys: CopyPhys, dst: number, src: number): void {
  if (phys.copyPage !== undefined) {
    phys.copyPage(dst, src);
    return;
  }
  for (let off = 0; off < 4096; off += 8) {
    const lo = phys.read64(src + off);
    phys.write64(dst + off, lo, phys.hi);
  }
}

/** wp_page_reuse (and wp_page_shared): W, D, A set in place, by compare-and-swap. */
export function wp_page_reuse(pt: PageTables, ptep: number, lo: number, hi: number): number {
  const nlo = lo | _PAGE_WRITE | _PAGE_DIRTY | _PAGE_ACCESSED;
  return pt.phys.cmpxchg64(ptep, lo, hi, nlo, hi) ? WP_REUSED : WP_RETRY;
}

/**
 * wp_page_copy: a new anonymous page for addr in VMA v of mm m, cleared when the old PTE maps
 * the zero page, else a copy of the old page; mapped with the VMA's protection plus W and D in
 * place of (lo, hi). rss_stat: the zero page or a file page turns into an anonymous page.
 * Returns WP_COPIED, WP_RETRY (lost the race: our page is freed) or -ENOMEM.
 */
export function wp_page_copy(t: MmTable, pt: PageTables, m: number, v: number, ptep: number, addr: number, lo: number, hi: number, tlb: MmuGather): number {
  const pages = pt.alloc.pages;
  const anon = anonVmaPrepare(t, m, v);
  const pfn = pt.alloc.alloc_pages(pt.cpu, GFP_HIGHUSER_MOVABLE, 0);
  if (pfn < 0) return -ENOMEM;
  const zero = (lo & _PAGE_SPECIAL) !== 0;
  const old = pte_pfn(lo, hi);
  if (zero) pt.phys.clearPage(pfn * 4096);
  else copy_user_highpage(pt.phys as CopyPhys, pfn * 4096, old * 4096);
  __page_set_anon_rmap(pages, pfn, anon);
  const prot = vm_get_page_prot(t.pool.flags(v)) | _PAGE_WRITE | _PAGE_DIRTY;
  if (!pt.ptep_replace(ptep, addr, lo, hi, pfn, prot, tlb)) {
    pt.alloc.__free_pages(pt.cpu, pfn, 0);
    return WP_RETRY;
  }
  if (zero) add_mm_counter(t, m, MM_ANONPAGES, 1);
  else if (!PageAnon(pages, old)) {
    add_mm_counter(t, m, mm_counter(pages, old), -1);
    add_mm_counter(t, m, MM_ANONPAGES, 1);
  }
  return WP_COPIED;
}

/**
 * do_wp_page: the write fault at addr (page-aligned) on the PTE at ptep, read as (lo, hi), in
 * VMA v of mm m. Returns WP_REUSED, WP_COPIED (see each), WP_RETRY or -ENOMEM.
 */
export function do_wp_page(t: MmTable, pt: PageTables, m: number, v: number, ptep: number, addr: number, lo: number, hi: number, tlb: MmuGather): number {
  if (!pte_present(lo) || (lo & _PAGE_WRITE) !== 0) return WP_RETRY; // spurious: nothing to do
  const flags = t.pool.flags(v);
  if ((flags & VM_WRITE) === 0) throw new Error(`BUG: do_wp_page in a VMA without VM_WRITE at 0x${addr.toString(16)}`);
  if ((lo & _PAGE_SPECIAL) !== 0) return wp_page_copy(t, pt, m, v, ptep, addr, lo, hi, tlb);
  if ((flags & VM_SHARED) !== 0) return wp_page_reuse(pt, ptep, lo, hi); // wp_page_shared
  const pages = pt.alloc.pages;
  const pfn = pte_pfn(lo, hi);
  if (PageAnon(pages, pfn) && page_count(pages, pfn) === 1 && page_mapcount(pages, pfn) === 1) {
    // The PTE still maps the page only if the compare-and-swap takes (Linux: pte_same under the PTE lock).
    const r = wp_page_reuse(pt, ptep, lo, hi);
    if (r === WP_REUSED) page_move_anon_rmap(pages, pfn, anonVmaPrepare(t, m, v));
    return r;
  }
  return wp_page_copy(t, pt, m, v, ptep, addr, lo, hi, tlb);
}

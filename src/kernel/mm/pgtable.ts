// User page tables in simulated RAM, the kernel's side (Linux's mm/memory.c, mm/pgtable-generic.c
// and arch/riscv/include/asm/pgtable.h, for what a user process needs). Sv39 has 3 levels,
// pgd -> pmd -> pte (p4d and pud folded); Sv48 has 4, pgd -> pud -> pmd -> pte (p4d folded).
// Every table is one page from the page allocator; every PTE read or write goes through a
// PhysAccess, i.e. through this core's caches, where the other cores' walkers read them.
//
// Who may call what (the mmap lock is mm_struct.ts's):
// - pte_alloc_map / insert_page / map_zero_page: the fault path, mmap lock held for reading.
//   Faults on several cores may race to populate the same entry: a new table or page goes in
//   by compare-and-swap against an empty entry (Linux takes the page-table lock for this), and
//   the loser frees its page (insert_page returns -EBUSY).
// - zap_page_range / change_protection / wrprotect_range / free_pgd_range: munmap, mprotect,
//   madvise, fork, exit, with the mmap lock held for writing. Entries are rewritten with
//   atomic exchange / compare-and-swap so a walker's hardware A/D update on another core is
//   never lost (ptep_get_and_clear, ptep_set_wrprotect).
// - Nothing here flushes TLBs. Changed ranges, the pages to free and the tables to free are
//   gathered in an MmuGather; the caller shoots down the cores in the mm's cpumask for
//   [tlb.start, tlb.end) and only then calls tlb_finish_mmu, which frees them (a walker on
//   another core may still be reading a table until its TLB is flushed).
//
// Page-table accounting: mm_pgtables_bytes (VmPTE) counts the tables below the pgd, as Linux
// does. The count lives in the pgd page's own struct page (word PT_NR_TABLES of its record in
// the page array, a word unused while a page is a page table: Linux's ptdesc overlays struct
// page the same way), so the mm needs to keep only the pgd's physical address.
//
// Mapcount: insert_page and zap_page_range keep _mapcount of normal pages (not of _PAGE_SPECIAL
// ones: the zero page). References stay with the caller: a mapped page holds the reference
// the fault gave it, and tlb_finish_mmu drops it (put_page) after the flush.

import type { MmCharge } from './charge.ts';
import { NO_CHARGE } from './charge.ts';
import { PAGE_SHIFT, PAGE_WORDS, pageMapcountAdd } from './mm_types.ts';
import { GFP_KERNEL, type PageAlloc } from './page_alloc.ts';
import type { PhysAccess } from './phys_access.ts';
import {
  _PAGE_LEAF, _PAGE_SPECIAL, _PAGE_TABLE, _PAGE_WRITE, pfn_pte_hi, pfn_pte_lo, pte_modify_lo, pte_pfn, pte_present,
  vm_get_page_prot,
} from './pgtable_bits.ts';
import { EBUSY, ENOMEM } from '../syscalls/numbers.ts';


/** Word of the pgd page's record in the page array holding the count of tables below it. */
export const PT_NR_TABLES = 6;

export const PTRS_PER_PTE = 512;
export const PMD_SHIFT = 21;
export const PUD_SHIFT = 30;
export const P4D_SHIFT = 39; // Sv48's PGDIR_SHIFT
export const PMD_SIZE = 2 ** PMD_SHIFT;

/** Bytes one entry of a table at `level` spans (level 0: a pte table's 4 KiB). */
function entrySpan(level: number): number {
  return 2 ** (PAGE_SHIFT + 9 * level);
}
function tableIndex(addr: number, level: number): number {
  return Math.floor(addr / entrySpan(level)) % PTRS_PER_PTE;
}
function roundDown(x: number, span: number): number {
  return x - (x % span);
}
function tablePa(lo: number, hi: number): number {
  return pte_pfn(lo, hi) * 4096;
}

/**
 * mmu_gather: what a zap or protection change did, for the caller to flush and then free.
 * Reused across calls (reset() first); grows as needed.
 */
export class MmuGather {
  /** Range whose translations changed, [start, end); start > end when nothing changed. */
  start = Infinity;
  end = -Infinity;
  /** Old PTEs of the pages zapped: va (f64), lo, hi. */
  nr = 0;
  va = new Float64Array(64);
  lo = new Int32Array(64);
  hi = new Int32Array(64);
  /** Page-table pages unhooked, to free after the flush. */
  tables: number[] = [];
  /** Some permission was taken away (a stale TLB entry would allow too much). */
  downgraded = false;

  reset(): void {
    this.start = Infinity;
    this.end = -Infinity;
    this.nr = 0;
    this.tables.length = 0;
    this.downgraded = false;
  }

  /** tlb_flush_pte_range / __tlb_adjust_range. */
  adjustRange(addr: number, size: number): void {
    if (addr < this.start) this.start = addr;
    if (addr + size > this.end) this.end = addr + size;
  }

  /** needs a shootdown of [start, end). */
  needFlush(): boolean {
    return this.start < this.end;
  }

  addPte(va: number, lo: number, hi: number): void {
    if (this.nr === this.lo.length) {
      const n = this.nr * 2;
      const va2 = new Float64Array(n), lo2 = new Int32Array(n), hi2 = new Int32Array(n);
      va2.set(this.va);
      lo2.set(this.lo);
      hi2.set(this.hi);
      this.va = va2;
      this.lo = lo2;
      this.hi = hi2;
    }
    this.va[this.nr] = va;
    this.lo[this.nr] = lo;
    this.hi[this.nr] = hi;
    this.nr++;
  }
}

export interface PageTablesInit {
  alloc: PageAlloc;
  /** This core's access to physical memory (its caches), charged to it. */
  phys: PhysAccess;
  /** The CPU the kernel runs on (its per-CPU page lists). */
  cpu: number;
  /** 3 for Sv39, 4 for Sv48. */
  levels: number;
  /** The zero page's pfn (zero_page_alloc at boot), if map_zero_page will be used. */
  zeroPfn?: number;
  charge?: MmCharge;
}

/** The page-table operations as one core's kernel runs them. */
export class PageTables {
  readonly alloc: PageAlloc;
  readonly phys: PhysAccess;
  readonly cpu: number;
  readonly levels: number;
  zeroPfn: number;
  private readonly charge: MmCharge;
  private readonly pages: Int32Array;

  constructor(o: PageTablesInit) {
    if (o.levels !== 3 && o.levels !== 4) throw new RangeError(`page tables: ${o.levels} levels (Sv39 has 3, Sv48 4)`);
    this.alloc = o.alloc;
    this.phys = o.phys;
    this.cpu = o.cpu;
    this.levels = o.levels;
    this.zeroPfn = o.zeroPfn ?? -1;
    this.charge = o.charge ?? NO_CHARGE;
    this.pages = o.alloc.pages;
  }

  /** One zeroed page, or -ENOMEM. */
  private allocTablePage(): number {
    const pfn = this.alloc.alloc_pages(this.cpu, GFP_KERNEL, 0, this.charge);
    if (pfn < 0) return pfn;
    this.phys.clearPage(pfn * 4096);
    return pfn;
  }

  // ---- the root ---------------------------------------------------------------------------

  /** pgd_alloc: a zeroed root table; returns its physical address, or -ENOMEM. */
  pgd_alloc(): number {
    const pfn = this.allocTablePage();
    if (pfn < 0) return pfn;
    Atomics.store(this.pages, pfn * PAGE_WORDS + PT_NR_TABLES, 0);
    return pfn * 4096;
  }

  /** pgd_free: give back the root; every table below must be freed already (free_pgd_range). */
  pgd_free(pgd: number): void {
    const pfn = pgd / 4096;
    const n = Atomics.load(this.pages, pfn * PAGE_WORDS + PT_NR_TABLES);
    if (n !== 0) throw new Error(`BUG: pgd_free of 0x${pgd.toString(16)} with ${n} tables still below it`);
    this.alloc.__free_pages(this.cpu, pfn, 0, this.charge);
  }

  /** mm_pgtables_bytes: bytes of page tables below the pgd (VmPTE is this >> 10 kB). */
  mm_pgtables_bytes(pgd: number): number {
    return Atomics.load(this.pages, (pgd / 4096) * PAGE_WORDS + PT_NR_TABLES) * 4096;
  }

  private countTables(pgd: number, delta: number): void {
    Atomics.add(this.pages, (pgd / 4096) * PAGE_WORDS + PT_NR_TABLES, delta);
  }

  // ---- finding and populating entries -----------------------------------------------------

  /**
   * pte_offset_map: physical address of the pte-level entry for addr, or 0 when a table on the
   * way is missing. Throws on a huge (leaf) entry above the pte level: this kernel makes none.
   */
  pte_offset_map(pgd: number, addr: number): number {
    let table = pgd;
    for (let level = this.levels - 1; level > 0; level--) {
      const e = table + tableIndex(addr, level) * 8;
      const lo = this.phys.read64(e);
      const hi = this.phys.hi;
      if (lo === 0 && hi === 0) return 0;
      if ((lo & _PAGE_LEAF) !== 0) throw new Error(`BUG: huge entry at level ${level} for 0x${addr.toString(16)}`);
      table = tablePa(lo, hi);
    }
    return table + tableIndex(addr, 0) * 8;
  }

  /**
   * pte_alloc_map (walk_to_pmd + __pte_alloc): as pte_offset_map, allocating missing tables
   * (zeroed, installed by compare-and-swap; a racing core's table wins and ours is freed).
   * Returns the entry's physical address, or -ENOMEM.
   */
  pte_alloc_map(pgd: number, addr: number): number {
    let table = pgd;
    for (let level = this.levels - 1; level > 0; level--) {
      const e = table + tableIndex(addr, level) * 8;
      let lo = this.phys.read64(e);
      let hi = this.phys.hi;
      if (lo === 0 && hi === 0) {
        const pfn = this.allocTablePage();
        if (pfn < 0) return pfn;
        const nlo = pfn_pte_lo(pfn, _PAGE_TABLE), nhi = pfn_pte_hi(pfn);
        if (this.phys.cmpxchg64(e, 0, 0, nlo, nhi)) {
          this.countTables(pgd, 1);
          lo = nlo;
          hi = nhi;
        } else {
          this.alloc.__free_pages(this.cpu, pfn, 0, this.charge);
          lo = this.phys.read64(e);
          hi = this.phys.hi;
        }
      }
      if ((lo & _PAGE_LEAF) !== 0) throw new Error(`BUG: huge entry at level ${level} for 0x${addr.toString(16)}`);
      table = tablePa(lo, hi);
    }
    return table + tableIndex(addr, 0) * 8;
  }

  /** ptep_get: the PTE at ptep; low word returned, high word in phys.hi. */
  ptep_get(ptep: number): number {
    return this.phys.read64(ptep);
  }

  /** set_pte_at: store a PTE (the caller holds what makes this entry its own). */
  set_pte_at(ptep: number, lo: number, hi: number): void {
    this.phys.write64(ptep, lo, hi);
  }

  /**
   * insert_page: map page `pfn` at addr with PTE bits `prot` (vm_get_page_prot, plus
   * _PAGE_WRITE | _PAGE_DIRTY for a write fault on a writable private mapping). Returns 0,
   * -ENOMEM (no page for a table) or -EBUSY (another fault mapped addr first: the caller
   * drops its page). Adds to the page's _mapcount unless prot has _PAGE_SPECIAL.
   */
  insert_page(pgd: number, addr: number, pfn: number, prot: number): number {
    const ptep = this.pte_alloc_map(pgd, addr);
    if (ptep < 0) return ptep;
    if (!this.phys.cmpxchg64(ptep, 0, 0, pfn_pte_lo(pfn, prot), pfn_pte_hi(pfn))) return -EBUSY;
    if ((prot & _PAGE_SPECIAL) === 0) pageMapcountAdd(this.pages, pfn, 1);
    return 0;
  }

  /**
   * The first read of an anonymous page: map the shared zero page read-only (pte_mkspecial,
   * no mapcount), with the VMA's protection minus write. Returns as insert_page.
   */
  map_zero_page(pgd: number, addr: number, vmFlags: number): number {
    if (this.zeroPfn < 0) throw new Error('BUG: map_zero_page without a zero page');
    return this.insert_page(pgd, addr, this.zeroPfn, (vm_get_page_prot(vmFlags) & ~_PAGE_WRITE) | _PAGE_SPECIAL);
  }

  /** Allocates and zeroes the zero page (once, at boot); returns its pfn or -ENOMEM. */
  zero_page_alloc(): number {
    const pfn = this.allocTablePage();
    if (pfn >= 0) this.zeroPfn = pfn;
    return pfn;
  }

  /**
   * The write-protect fault's last step (wp_page_copy / the zero page's first write): if the
   * PTE at ptep (for addr) still equals (oldLo, oldHi), replace it with page `pfn` and `prot`
   * and return true; the old PTE goes to tlb (flush addr, then tlb_finish_mmu drops the old
   * page's reference). Keeps _mapcount of both pages (none for _PAGE_SPECIAL). False: another
   * core changed the PTE first; the caller drops its new page and retries the access.
   */
  ptep_replace(ptep: number, addr: number, oldLo: number, oldHi: number, pfn: number, prot: number, tlb: MmuGather): boolean {
    if (!this.phys.cmpxchg64(ptep, oldLo, oldHi, pfn_pte_lo(pfn, prot), pfn_pte_hi(pfn))) return false;
    if ((prot & _PAGE_SPECIAL) === 0) pageMapcountAdd(this.pages, pfn, 1);
    if (pte_present(oldLo) && (oldLo & _PAGE_SPECIAL) === 0) pageMapcountAdd(this.pages, pte_pfn(oldLo, oldHi), -1);
    tlb.addPte(addr, oldLo, oldHi);
    tlb.adjustRange(addr, 4096);
    tlb.downgraded = true;
    return true;
  }

  // ---- ranges -------------------------------------------------------------------------------

  /**
   * Calls fn(ptep, addr) for each pte-level entry slot in [start, end) whose tables exist
   * (page-aligned bounds), skipping absent tables a whole span at a time.
   */
  private forEachPte(pgd: number, start: number, end: number, fn: (ptep: number, addr: number) => void): void {
    let addr = start;
    while (addr < end) {
      let table = pgd;
      let level = this.levels - 1;
      for (; level > 0; level--) {
        const e = table + tableIndex(addr, level) * 8;
        const lo = this.phys.read64(e);
        const hi = this.phys.hi;
        if (lo === 0 && hi === 0) break;
        if ((lo & _PAGE_LEAF) !== 0) throw new Error(`BUG: huge entry at level ${level} for 0x${addr.toString(16)}`);
        table = tablePa(lo, hi);
      }
      if (level > 0) { // no table below this entry: skip its span
        addr = roundDown(addr, entrySpan(level)) + entrySpan(level);
        continue;
      }
      const tableEnd = Math.min(end, roundDown(addr, entrySpan(1)) + entrySpan(1));
      for (; addr < tableEnd; addr += 4096) fn(table + tableIndex(addr, 0) * 8, addr);
    }
  }

  /**
   * zap_page_range (zap_pte_range): clear every PTE in [start, end) (page-aligned), keeping
   * each present one in tlb (va and old PTE: the caller frees its page after the flush, and
   * reads the dirty bit). Drops the _mapcount of normal pages. Returns the number cleared.
   */
  zap_page_range(pgd: number, start: number, end: number, tlb: MmuGather): number {
    let n = 0;
    this.forEachPte(pgd, start, end, (ptep, addr) => {
      const lo = this.phys.read64(ptep);
      if (lo === 0 && this.phys.hi === 0) return;
      const old = this.phys.xchg64(ptep, 0, 0); // ptep_get_and_clear
      const oldHi = this.phys.hi;
      tlb.addPte(addr, old, oldHi);
      tlb.adjustRange(addr, 4096);
      tlb.downgraded = true;
      if (pte_present(old) && (old & _PAGE_SPECIAL) === 0) pageMapcountAdd(this.pages, pte_pfn(old, oldHi), -1);
      n++;
    });
    return n;
  }

  /**
   * change_protection (change_pte_range): give every present PTE in [start, end) the
   * protection of vm_flags `newFlags` (pte_modify: PFN, A, D and the software bits stay; the
   * zero page stays read-only). A private writable mapping gets read-only PTEs (PAGE_COPY):
   * its write fault makes the page writable again. Returns the number of PTEs changed.
   */
  change_protection(pgd: number, start: number, end: number, newFlags: number, tlb: MmuGather): number {
    const newprot = vm_get_page_prot(newFlags);
    let n = 0;
    this.forEachPte(pgd, start, end, (ptep, addr) => {
      for (;;) {
        const lo = this.phys.read64(ptep);
        const hi = this.phys.hi;
        if (!pte_present(lo)) return;
        let nlo = pte_modify_lo(lo, newprot);
        if ((lo & _PAGE_SPECIAL) !== 0) nlo &= ~_PAGE_WRITE;
        if (nlo === lo) return;
        if (!this.phys.cmpxchg64(ptep, lo, hi, nlo, hi)) continue; // a walker set A/D: again
        if ((lo & ~nlo & 0x1f) !== 0) tlb.downgraded = true; // V, R, W, X or U taken away
        tlb.adjustRange(addr, 4096);
        n++;
        return;
      }
    });
    return n;
  }

  /** ptep_set_wrprotect over [start, end): fork's copy-on-write. Returns the number changed. */
  wrprotect_range(pgd: number, start: number, end: number, tlb: MmuGather): number {
    let n = 0;
    this.forEachPte(pgd, start, end, (ptep, addr) => {
      for (;;) {
        const lo = this.phys.read64(ptep);
        const hi = this.phys.hi;
        if ((lo & _PAGE_WRITE) === 0) return;
        if (!this.phys.cmpxchg64(ptep, lo, hi, lo & ~_PAGE_WRITE, hi)) continue;
        tlb.downgraded = true;
        tlb.adjustRange(addr, 4096);
        n++;
        return;
      }
    });
    return n;
  }

  /**
   * free_pgd_range (what free_pgtables calls for each unmapped stretch): unhook and gather the
   * page tables that map only [addr, end), given that nothing is mapped between floor and
   * ceiling other than what is already zapped (floor: the previous VMA's end or 0; ceiling:
   * the next VMA's start, or 0 for the top of the address space). Linux's rounding: a table
   * shared with a neighbour below floor or above ceiling stays. Tables go to tlb.tables.
   */
  free_pgd_range(pgd: number, addr: number, end: number, floor: number, ceiling: number, tlb: MmuGather): void {
    addr = roundDown(addr, PMD_SIZE);
    if (addr < floor) addr += PMD_SIZE;
    if (ceiling !== 0) {
      ceiling = roundDown(ceiling, PMD_SIZE);
      if (ceiling === 0) return;
    }
    if (ceiling !== 0 && end - 1 > ceiling - 1) end -= PMD_SIZE;
    if (addr > end - 1) return;
    const top = this.levels - 1;
    const span = entrySpan(top);
    for (let a = addr; a < end; ) {
      const next = Math.min(roundDown(a, span) + span, end);
      const e = pgd + tableIndex(a, top) * 8;
      const lo = this.phys.read64(e);
      if (lo !== 0 || this.phys.hi !== 0) this.freeTable(pgd, e, top - 1, a, next, floor, ceiling, tlb);
      a = next;
    }
  }

  /** free_p4d/pud/pmd/pte_range: the table at `level` behind entry `e` (a level+1 entry). */
  private freeTable(pgd: number, e: number, level: number, addr: number, end: number, floor: number, ceiling: number, tlb: MmuGather): void {
    const lo = this.phys.read64(e);
    const table = tablePa(lo, this.phys.hi);
    if (level > 0) {
      const span = entrySpan(level);
      for (let a = addr; a < end; ) {
        const next = Math.min(roundDown(a, span) + span, end);
        const c = table + tableIndex(a, level) * 8;
        const clo = this.phys.read64(c);
        if (clo !== 0 || this.phys.hi !== 0) this.freeTable(pgd, c, level - 1, a, next, floor, ceiling, tlb);
        a = next;
      }
      const tableSpan = entrySpan(level + 1);
      const start = roundDown(addr, tableSpan);
      if (start < floor) return;
      if (ceiling !== 0) {
        ceiling = roundDown(ceiling, tableSpan);
        if (ceiling === 0) return;
        if (end - 1 > ceiling - 1) return;
      }
    }
    this.phys.write64(e, 0, 0); // pmd_clear / pud_clear / p4d_clear
    this.countTables(pgd, -1);
    tlb.tables.push(table / 4096);
    tlb.adjustRange(roundDown(addr, entrySpan(level + 1)), entrySpan(level + 1));
  }

  /**
   * tlb_finish_mmu: after the caller's shootdown, drop the zapped pages' references
   * (put_page; not for _PAGE_SPECIAL ones) and free the unhooked tables. Resets tlb.
   */
  tlb_finish_mmu(tlb: MmuGather): void {
    for (let i = 0; i < tlb.nr; i++) {
      const lo = tlb.lo[i]!;
      if (pte_present(lo) && (lo & _PAGE_SPECIAL) === 0) this.alloc.__free_pages(this.cpu, pte_pfn(lo, tlb.hi[i]!), 0, this.charge);
    }
    for (const pfn of tlb.tables) this.alloc.__free_pages(this.cpu, pfn, 0, this.charge);
    tlb.reset();
  }
}

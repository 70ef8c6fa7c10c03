// Kernel page tables, case by case: table counts (VmPTE) for Sv39 and Sv48, the zero page
// staying read-only, PROT_NONE, A/D written by the walker and seen by zap, the populate race
// (a table installed by another core first), -EBUSY, -ENOMEM, and the kernel's bit names
// against the hardware's.
import { describe, expect, it } from 'vitest';
import * as hw from '../../../cores/mmu/pte.ts';
import { RamPteMemory } from '../../../cores/mmu/ram_pte.ts';
import { PageWalker } from '../../../cores/mmu/walk.ts';
import { pageMapcount, pageRefcount } from '../../../src/kernel/mm/mm_types.ts';
import { createMm, GFP_HIGHUSER_MOVABLE, PageAlloc } from '../../../src/kernel/mm/page_alloc.ts';
import {
  _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_EXEC, _PAGE_GLOBAL, _PAGE_PRESENT, _PAGE_READ, _PAGE_SPECIAL, _PAGE_USER, _PAGE_WRITE,
  PAGE_NONE, pte_pfn, pte_present, vm_get_page_prot,
} from '../../../src/kernel/mm/pgtable_bits.ts';
import { MmuGather, PageTables } from '../../../src/kernel/mm/pgtable.ts';
import { EBUSY, ENOMEM } from '../../../src/kernel/syscalls/numbers.ts';
import { type PhysAccess, RamPhysAccess } from '../../../src/kernel/mm/phys_access.ts';
import { VM_EXEC, VM_NONE, VM_READ, VM_SHARED, VM_WRITE } from '../../../src/kernel/mm/vma.ts';

const RAM = 16 * 1024 * 1024;

function setup(levels: number, wrapPhys?: (p: RamPhysAccess) => PhysAccess) {
  const mm = new PageAlloc(createMm({ ramBytes: RAM, ramBase: 0, cpus: 1 }));
  const ram = new SharedArrayBuffer(RAM);
  const raw = new RamPhysAccess(ram, 0);
  const pt = new PageTables({ alloc: mm, phys: wrapPhys ? wrapPhys(raw) : raw, cpu: 0, levels });
  const pgd = pt.pgd_alloc();
  const walker = new PageWalker(new RamPteMemory(ram, 0));
  walker.setSatp(pgd / 4096, (levels === 3 ? hw.SATP_MODE_SV39 : hw.SATP_MODE_SV48) << 28);
  const page = () => mm.alloc_pages(0, GFP_HIGHUSER_MOVABLE, 0);
  return { mm, pt, pgd, walker, raw, page };
}

describe('kernel page tables', () => {
  it('uses the hardware PTE bits under Linux names', () => {
    expect([_PAGE_PRESENT, _PAGE_READ, _PAGE_WRITE, _PAGE_EXEC, _PAGE_USER, _PAGE_GLOBAL, _PAGE_ACCESSED, _PAGE_DIRTY])
      .toEqual([hw.PTE_V, hw.PTE_R, hw.PTE_W, hw.PTE_X, hw.PTE_U, hw.PTE_G, hw.PTE_A, hw.PTE_D]);
  });

  it('counts page tables below the pgd: one page costs 2 tables in Sv39, 3 in Sv48; neighbours share them', () => {
    for (const [levels, n] of [[3, 2], [4, 3]] as const) {
      const { pt, pgd, page } = setup(levels);
      expect(pt.mm_pgtables_bytes(pgd)).toBe(0);
      expect(pt.insert_page(pgd, 0x1000_0000, page(), vm_get_page_prot(VM_READ))).toBe(0);
      expect(pt.mm_pgtables_bytes(pgd)).toBe(n * 4096);
      expect(pt.insert_page(pgd, 0x1000_1000, page(), vm_get_page_prot(VM_READ))).toBe(0);
      expect(pt.mm_pgtables_bytes(pgd)).toBe(n * 4096);
      expect(pt.insert_page(pgd, 0x1020_0000, page(), vm_get_page_prot(VM_READ))).toBe(0); // next 2 MiB: a new pte table
      expect(pt.mm_pgtables_bytes(pgd)).toBe((n + 1) * 4096);
    }
  });

  it('maps the zero page read-only and special; mprotect to shared read-write keeps it read-only', () => {
    const { pt, pgd, walker, mm } = setup(3);
    const zero = pt.zero_page_alloc();
    const before = pageMapcount(mm.pages, zero);
    expect(pt.map_zero_page(pgd, 0x4000, VM_READ | VM_WRITE | VM_SHARED)).toBe(0);
    expect(pageMapcount(mm.pages, zero)).toBe(before); // no rmap for the zero page
    expect(walker.walk(0x4000, hw.ACC_READ)).toBe(0);
    expect(walker.res.ppn).toBe(zero);
    expect(walker.walk(0x4000, hw.ACC_WRITE)).toBe(15);
    const tlb = new MmuGather();
    pt.change_protection(pgd, 0x4000, 0x5000, VM_READ | VM_WRITE | VM_SHARED | VM_EXEC, tlb);
    expect(walker.walk(0x4000, hw.ACC_WRITE)).toBe(15);
    expect(walker.walk(0x4000, hw.ACC_FETCH)).toBe(0);
    const ptep = pt.pte_offset_map(pgd, 0x4000);
    expect(pt.ptep_get(ptep) & _PAGE_SPECIAL).toBe(_PAGE_SPECIAL);
  });

  it('PROT_NONE: present to the kernel, invisible to the walker, restored by mprotect', () => {
    const { pt, pgd, walker, page } = setup(3);
    const pfn = page();
    expect(pt.insert_page(pgd, 0x7000, pfn, vm_get_page_prot(VM_READ | VM_WRITE | VM_SHARED))).toBe(0);
    expect(walker.walk(0x7000, hw.ACC_WRITE)).toBe(0); // the walker sets D
    const tlb = new MmuGather();
    expect(pt.change_protection(pgd, 0x7000, 0x8000, VM_NONE, tlb)).toBe(1);
    expect(tlb.downgraded).toBe(true);
    expect([tlb.start, tlb.end]).toEqual([0x7000, 0x8000]);
    const ptep = pt.pte_offset_map(pgd, 0x7000);
    const lo = pt.ptep_get(ptep);
    expect(pte_present(lo)).toBe(true);
    expect(lo & 0xff).toBe(PAGE_NONE | _PAGE_ACCESSED | _PAGE_DIRTY); // A and D survive pte_modify
    expect(walker.walk(0x7000, hw.ACC_READ)).toBe(13);
    tlb.reset();
    pt.change_protection(pgd, 0x7000, 0x8000, VM_READ, tlb);
    expect(tlb.downgraded).toBe(false); // an upgrade
    expect(walker.walk(0x7000, hw.ACC_READ)).toBe(0);
    expect(walker.res.ppn).toBe(pfn);
  });

  it('zap returns the old PTEs with the dirty bit the walker set; tlb_finish_mmu frees the page and tables', () => {
    const { pt, pgd, walker, page, mm } = setup(3);
    const a = page(), b = page();
    const prot = vm_get_page_prot(VM_READ | VM_WRITE) | _PAGE_WRITE; // writable, still clean
    expect(pt.insert_page(pgd, 0x20_0000, a, prot)).toBe(0);
    expect(pt.insert_page(pgd, 0x20_1000, b, prot)).toBe(0);
    expect(pageMapcount(mm.pages, a)).toBe(0);
    expect(walker.walk(0x20_1008, hw.ACC_WRITE)).toBe(0);
    const tlb = new MmuGather();
    expect(pt.zap_page_range(pgd, 0x20_0000, 0x40_0000, tlb)).toBe(2);
    expect(tlb.nr).toBe(2);
    expect([tlb.va[0], pte_pfn(tlb.lo[0]!, tlb.hi[0]!), tlb.lo[0]! & _PAGE_DIRTY]).toEqual([0x20_0000, a, 0]);
    expect([tlb.va[1], pte_pfn(tlb.lo[1]!, tlb.hi[1]!), tlb.lo[1]! & _PAGE_DIRTY]).toEqual([0x20_1000, b, _PAGE_DIRTY]);
    expect(pageMapcount(mm.pages, a)).toBe(-1);
    expect(pageRefcount(mm.pages, a)).toBe(1); // freed only after the flush
    pt.free_pgd_range(pgd, 0x20_0000, 0x40_0000, 0, 0, tlb);
    expect(tlb.tables.length).toBe(2); // the pte table and the pmd table
    expect(pt.mm_pgtables_bytes(pgd)).toBe(0);
    pt.tlb_finish_mmu(tlb);
    expect(pageRefcount(mm.pages, a)).toBe(0);
    expect(pageRefcount(mm.pages, b)).toBe(0);
    expect(walker.walk(0x20_1008, hw.ACC_READ)).toBe(13);
    pt.pgd_free(pgd);
  });

  it('wrprotect_range clears W and keeps D; the next store faults', () => {
    const { pt, pgd, walker, page } = setup(4);
    expect(pt.insert_page(pgd, 0x9000, page(), vm_get_page_prot(VM_READ | VM_WRITE) | _PAGE_WRITE | _PAGE_DIRTY)).toBe(0);
    expect(walker.walk(0x9000, hw.ACC_WRITE)).toBe(0);
    const tlb = new MmuGather();
    expect(pt.wrprotect_range(pgd, 0, 0x10_0000, tlb)).toBe(1);
    expect(walker.walk(0x9000, hw.ACC_WRITE)).toBe(15);
    expect(walker.walk(0x9000, hw.ACC_READ)).toBe(0);
    expect(pt.ptep_get(pt.pte_offset_map(pgd, 0x9000)) & (_PAGE_WRITE | _PAGE_DIRTY)).toBe(_PAGE_DIRTY);
  });

  it('a second fault on a mapped address gets -EBUSY; a table another core installed first is used, ours freed', () => {
    let race: (() => void) | null = null;
    const ctx = setup(3, (raw) => ({
      get hi() { return raw.hi; },
      set hi(v: number) { raw.hi = v; },
      read64: (pa) => raw.read64(pa),
      write64: (pa, lo, hi) => raw.write64(pa, lo, hi),
      xchg64: (pa, lo, hi) => raw.xchg64(pa, lo, hi),
      clearPage: (pa) => raw.clearPage(pa),
      cmpxchg64: (pa, el, eh, lo, hi) => {
        if (race) { const r = race; race = null; r(); }
        return raw.cmpxchg64(pa, el, eh, lo, hi);
      },
    }));
    const { pt, pgd, page, mm, walker } = ctx;
    const p1 = page(), p2 = page();
    mm.drain_all_pages();
    // Another core installs the pmd table for 1 GiB slot 0 between our read and our install.
    const theirs = page();
    ctx.raw.clearPage(theirs * 4096);
    race = () => ctx.raw.write64(pgd, (theirs << 10) | _PAGE_PRESENT, 0);
    expect(pt.insert_page(pgd, 0x3000, p1, vm_get_page_prot(VM_READ))).toBe(0);
    expect(ctx.raw.read64(pgd) >>> 10).toBe(theirs);
    expect(walker.walk(0x3000, hw.ACC_READ)).toBe(0);
    expect(walker.res.ppn).toBe(p1);
    expect(pt.insert_page(pgd, 0x3000, p2, vm_get_page_prot(VM_READ))).toBe(-EBUSY);
    expect(pageMapcount(mm.pages, p2)).toBe(-1);
  });

  it('returns -ENOMEM when no page is left for a table', () => {
    const { pt, pgd, mm } = setup(3);
    const held: number[] = [];
    for (;;) {
      const p = mm.alloc_pages(0, GFP_HIGHUSER_MOVABLE, 0);
      if (p < 0) break;
      held.push(p);
    }
    expect(pt.insert_page(pgd, 0x1000, held[0]!, vm_get_page_prot(VM_READ))).toBe(-ENOMEM);
  });
  it('ptep_replace: the zero page\'s first write gets a private page; a stale expected PTE fails', () => {
    const { pt, pgd, walker, page, mm } = setup(3);
    const zero = pt.zero_page_alloc();
    expect(pt.map_zero_page(pgd, 0x5000, VM_READ | VM_WRITE)).toBe(0);
    const ptep = pt.pte_offset_map(pgd, 0x5000);
    const lo = pt.ptep_get(ptep), hi = pt.phys.hi;
    const fresh = page();
    const tlb = new MmuGather();
    const prot = vm_get_page_prot(VM_READ | VM_WRITE) | _PAGE_WRITE | _PAGE_DIRTY;
    expect(pt.ptep_replace(ptep, 0x5000, lo ^ 0x40, hi, fresh, prot, tlb)).toBe(false);
    expect(pt.ptep_replace(ptep, 0x5000, lo, hi, fresh, prot, tlb)).toBe(true);
    expect(pageMapcount(mm.pages, fresh)).toBe(0);
    expect([tlb.nr, pte_pfn(tlb.lo[0]!, tlb.hi[0]!), tlb.start, tlb.end]).toEqual([1, zero, 0x5000, 0x6000]);
    pt.tlb_finish_mmu(tlb); // the zero page is special: no reference dropped
    expect(pageRefcount(mm.pages, zero)).toBe(1);
    expect(walker.walk(0x5000, hw.ACC_WRITE)).toBe(0);
    expect(walker.res.ppn).toBe(fresh);
  });
});

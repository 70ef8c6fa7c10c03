// walk_page_range for readers: visits exactly the non-empty PTEs of a range in address order,
// in Sv39 and Sv48, skips a missing table's whole span (a sparse 1 GiB range costs a handful
// of reads, not one per page), and walkVirtToPhys agrees with the page tables.
import { describe, expect, it } from 'vitest';
import { createMm, GFP_HIGHUSER_MOVABLE, PageAlloc } from '../../../src/kernel/mm/page_alloc.ts';
import { walkPageRange, walkVirtToPhys } from '../../../src/kernel/mm/pagewalk.ts';
import { _PAGE_SPECIAL, pte_pfn, vm_get_page_prot } from '../../../src/kernel/mm/pgtable_bits.ts';
import { MmuGather, PageTables } from '../../../src/kernel/mm/pgtable.ts';
import { RamPhysAccess } from '../../../src/kernel/mm/phys_access.ts';
import { VM_NONE, VM_READ, VM_WRITE } from '../../../src/kernel/mm/vma.ts';

const RAM = 16 * 1024 * 1024;

function setup(levels: number) {
  const alloc = new PageAlloc(createMm({ ramBytes: RAM, ramBase: 0, cpus: 1 }));
  const phys = new RamPhysAccess(new SharedArrayBuffer(RAM), 0);
  const pt = new PageTables({ alloc, phys, cpu: 0, levels });
  pt.zero_page_alloc();
  return { alloc, phys, pt, pgd: pt.pgd_alloc() };
}

describe('walkPageRange', () => {
  for (const levels of [3, 4]) {
    it(`Sv${levels === 3 ? 39 : 48}: every mapped PTE once, in order, with its pfn; nothing else`, () => {
      const { alloc, phys, pt, pgd } = setup(levels);
      const addrs = [0x1000, 0x2000, 0x1ff000, 0x200000, 0x4000_0000, 0x3f_ffff_f000];
      const pfns = new Map<number, number>();
      for (const a of addrs) {
        const pfn = alloc.alloc_pages(0, GFP_HIGHUSER_MOVABLE, 0);
        expect(pt.insert_page(pgd, a, pfn, vm_get_page_prot(VM_READ | VM_WRITE))).toBe(0);
        pfns.set(a, pfn);
      }
      pt.map_zero_page(pgd, 0x5000, VM_READ);
      expect(pt.change_protection(pgd, 0x2000, 0x3000, VM_NONE, new MmuGather())).toBe(1);
      const seen: Array<[number, number, boolean]> = [];
      walkPageRange(phys, levels, pgd, 0, 0x40_0000_0000, (a, lo, hi) => seen.push([a, pte_pfn(lo, hi), (lo & _PAGE_SPECIAL) !== 0]));
      expect(seen).toEqual([
        [0x1000, pfns.get(0x1000), false], [0x2000, pfns.get(0x2000), false], [0x5000, pt.zeroPfn, true],
        [0x1ff000, pfns.get(0x1ff000), false], [0x200000, pfns.get(0x200000), false],
        [0x4000_0000, pfns.get(0x4000_0000), false], [0x3f_ffff_f000, pfns.get(0x3f_ffff_f000), false],
      ]);
      // a sub-range starting and ending inside tables
      const sub: number[] = [];
      walkPageRange(phys, levels, pgd, 0x2000, 0x200000, (a) => sub.push(a));
      expect(sub).toEqual([0x2000, 0x5000, 0x1ff000]);
      // translation: mapped, PROT_NONE (invisible to the hardware), unmapped
      expect(walkVirtToPhys(phys, levels, pgd, 0x1234)).toBe(pfns.get(0x1000)! * 4096 + 0x234);
      expect(walkVirtToPhys(phys, levels, pgd, 0x2000)).toBe(-1);
      expect(walkVirtToPhys(phys, levels, pgd, 0x9000)).toBe(-1);
      expect(walkVirtToPhys(phys, levels, pgd, 0x7000_0000)).toBe(-1);
    });
  }

  it('skips absent tables a span at a time', () => {
    const { phys, pgd } = setup(3);
    const before = phys.reads;
    let n = 0;
    walkPageRange(phys, 3, pgd, 0, 0x40_0000_0000, () => n++);
    expect(n).toBe(0);
    expect(phys.reads - before).toBe(256); // one read per pgd entry of the user half, nothing below
  });
});

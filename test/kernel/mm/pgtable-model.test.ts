// Model test for the kernel's page tables (src/kernel/mm/pgtable.ts): random map / zero-page
// map / unmap / mprotect / wrprotect sequences against a page-granular model, then every page
// of the window is walked by the hardware walker (cores/mmu/walk.ts) over the same RAM, for
// load, store and fetch in U-mode. The walk must give the mapped page with exactly the
// permissions Linux's protection_map gives the VMA flags (written out below as letters,
// independently of pgtable_bits.ts), or a page fault where nothing is mapped. Also checked
// after every step: _mapcount of every page, and the page-table count (VmPTE) equals the
// number of tables whose span holds a mapped page (unmap frees tables with free_pgd_range,
// floor and ceiling taken from the model's neighbouring mapped pages). At the end everything
// is unmapped and the allocator must be back to its starting free count.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACC_FETCH, ACC_READ, ACC_WRITE, PRV_U, SATP_MODE_SV39, SATP_MODE_SV48 } from '../../../cores/mmu/pte.ts';
import { RamPteMemory } from '../../../cores/mmu/ram_pte.ts';
import { PageWalker } from '../../../cores/mmu/walk.ts';
import { pageMapcount } from '../../../src/kernel/mm/mm_types.ts';
import { createMm, GFP_HIGHUSER_MOVABLE, PageAlloc } from '../../../src/kernel/mm/page_alloc.ts';
import { _PAGE_DIRTY, _PAGE_WRITE, vm_get_page_prot } from '../../../src/kernel/mm/pgtable_bits.ts';
import { MmuGather, PageTables } from '../../../src/kernel/mm/pgtable.ts';
import { EBUSY } from '../../../src/kernel/syscalls/numbers.ts';
import { RamPhysAccess } from '../../../src/kernel/mm/phys_access.ts';
import { VM_EXEC, VM_READ, VM_SHARED, VM_WRITE } from '../../../src/kernel/mm/vma.ts';

const RAM = 32 * 1024 * 1024;

// Linux riscv protection_map as access letters (r: load, w: store, x: fetch), by
// VM_SHARED|VM_EXEC|VM_WRITE|VM_READ: private writable is read-only until a write fault;
// write-only is read+write; PROT_NONE is nothing.
const EXPECT = [
  '', 'r', 'r', 'r', 'x', 'rx', 'rx', 'rx',
  '', 'r', 'rw', 'rw', 'x', 'rx', 'rwx', 'rwx',
];
const letters = (f: number) => EXPECT[f & (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED)]!;

interface PageModel {
  pfn: number;
  perm: string;
  zero: boolean;
}

/** Virtual pages of the window: a few per table at every level, so tables fill and empty. */
function windowPages(levels: number): number[] {
  const out: number[] = [];
  const top = levels === 4 ? [0, 1] : [0];
  for (const l3 of top) for (const l2 of [0, 1, 200]) for (const l1 of [0, 5, 511]) for (const l0 of [0, 1, 2, 3, 511]) {
    out.push(((l3 * 512 + l2) * 512 + l1) * 512 + l0);
  }
  return out;
}

type Op =
  | { k: 'map'; p: number; flags: number; write: boolean }
  | { k: 'zero'; p: number; flags: number }
  | { k: 'unmap'; p: number; n: number }
  | { k: 'mprotect'; p: number; n: number; flags: number }
  | { k: 'wrprotect'; p: number; n: number };

function opArb(nPages: number): fc.Arbitrary<Op> {
  const p = fc.nat(nPages - 1);
  const n = fc.integer({ min: 1, max: 12 });
  const flags = fc.nat(15);
  return fc.oneof(
    { weight: 5, arbitrary: fc.record({ k: fc.constant('map' as const), p, flags, write: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('zero' as const), p, flags }) },
    { weight: 3, arbitrary: fc.record({ k: fc.constant('unmap' as const), p, n }) },
    { weight: 2, arbitrary: fc.record({ k: fc.constant('mprotect' as const), p, n, flags }) },
    { weight: 1, arbitrary: fc.record({ k: fc.constant('wrprotect' as const), p, n }) },
  );
}

function run(levels: number, ops: Op[]): void {
  const mm = new PageAlloc(createMm({ ramBytes: RAM, ramBase: 0, cpus: 1 }));
  const ram = new SharedArrayBuffer(RAM);
  const phys = new RamPhysAccess(ram, 0);
  const pt = new PageTables({ alloc: mm, phys, cpu: 0, levels });
  const freeAtStart = () => { mm.drain_all_pages(); return mm.nrFreePages(0) + mm.nrFreePages(1); };
  const free0 = freeAtStart();
  expect(pt.zero_page_alloc()).toBeGreaterThan(0);
  const pgd = pt.pgd_alloc();
  expect(pgd).toBeGreaterThan(0);
  const walker = new PageWalker(new RamPteMemory(ram, 0));
  const mode = levels === 3 ? SATP_MODE_SV39 : SATP_MODE_SV48;
  walker.setSatp(pgd / 4096, mode << 28);
  walker.priv = PRV_U;
  const win = windowPages(levels);
  const model = new Map<number, PageModel>();
  const tlb = new MmuGather();

  const neighbours = (lo: number, hi: number): [number, number] => {
    let floor = 0, ceiling = 0;
    for (const v of model.keys()) {
      if (v < lo && (v + 1) * 4096 > floor) floor = (v + 1) * 4096;
      if (v >= hi && (ceiling === 0 || v * 4096 < ceiling)) ceiling = v * 4096;
    }
    return [floor, ceiling];
  };
  const unmap = (lo: number, hi: number) => {
    for (const v of [...model.keys()]) if (v >= lo && v < hi) model.delete(v);
    pt.zap_page_range(pgd, lo * 4096, hi * 4096, tlb);
    const [floor, ceiling] = neighbours(lo, hi);
    pt.free_pgd_range(pgd, lo * 4096, hi * 4096, floor, ceiling, tlb);
    pt.tlb_finish_mmu(tlb); // (a shootdown of tlb.start..tlb.end goes first in the kernel)
  };

  const check = (where: string) => {
    const tables = new Set<string>();
    for (const v of model.keys()) for (let l = 1; l < levels; l++) tables.add(`${l}:${Math.floor(v / 512 ** l)}`);
    expect(pt.mm_pgtables_bytes(pgd), `${where}: page tables`).toBe(tables.size * 4096);
    for (const v of win) {
      const m = model.get(v);
      for (const [acc, ch] of [[ACC_READ, 'r'], [ACC_WRITE, 'w'], [ACC_FETCH, 'x']] as const) {
        const cause = walker.walk(v * 4096 + 8, acc);
        const ok = m !== undefined && m.perm.includes(ch);
        expect(cause === 0, `${where}: page 0x${v.toString(16)} ${ch} (model ${m ? m.perm : 'unmapped'})`).toBe(ok);
        if (ok) expect(walker.res.ppn).toBe(m.pfn);
      }
      if (m && !m.zero) expect(pageMapcount(mm.pages, m.pfn), `mapcount of pfn ${m.pfn}`).toBe(0);
    }
  };

  ops.forEach((op, step) => {
    const where = `step ${step} ${JSON.stringify(op)}`;
    const v = win[op.p]!;
    switch (op.k) {
      case 'map': {
        const pfn = mm.alloc_pages(0, GFP_HIGHUSER_MOVABLE, 0);
        expect(pfn).toBeGreaterThan(0);
        // do_anonymous_page / do_wp_page: a write fault on a writable VMA maps writable and dirty.
        const writable = op.write && (op.flags & VM_WRITE) !== 0;
        const prot = vm_get_page_prot(op.flags) | (writable ? _PAGE_WRITE | _PAGE_DIRTY : 0);
        const r = pt.insert_page(pgd, v * 4096, pfn, prot);
        if (model.has(v)) {
          expect(r, where).toBe(-EBUSY);
          mm.__free_pages(0, pfn, 0);
        } else {
          expect(r, where).toBe(0);
          let perm = letters(op.flags);
          if (writable && !perm.includes('w')) perm = perm.replace('r', 'rw');
          model.set(v, { pfn, perm, zero: false });
        }
        break;
      }
      case 'zero': {
        const r = pt.map_zero_page(pgd, v * 4096, op.flags);
        if (model.has(v)) expect(r, where).toBe(-EBUSY);
        else {
          expect(r, where).toBe(0);
          model.set(v, { pfn: pt.zeroPfn, perm: letters(op.flags).replace('w', ''), zero: true });
        }
        break;
      }
      case 'unmap':
        unmap(v, v + op.n);
        break;
      case 'mprotect': {
        const lo = v, hi = v + op.n;
        pt.change_protection(pgd, lo * 4096, hi * 4096, op.flags, tlb);
        for (const [p, m] of model) if (p >= lo && p < hi) m.perm = m.zero ? letters(op.flags).replace('w', '') : letters(op.flags);
        tlb.reset();
        break;
      }
      case 'wrprotect': {
        const lo = v, hi = v + op.n;
        pt.wrprotect_range(pgd, lo * 4096, hi * 4096, tlb);
        for (const [p, m] of model) if (p >= lo && p < hi) m.perm = m.perm.replace('w', '');
        tlb.reset();
        break;
      }
    }
    check(where);
  });

  unmap(0, 512 ** levels);
  expect(pt.mm_pgtables_bytes(pgd)).toBe(0);
  pt.pgd_free(pgd);
  mm.__free_pages(0, pt.zeroPfn, 0);
  expect(freeAtStart()).toBe(free0);
}

const SEED = Number(process.env.PGTABLE_SEED ?? 20261201);

describe('kernel page tables against a page-granular model (fast-check, seeded)', () => {
  console.log(`pgtable model seed ${SEED} (PGTABLE_SEED=... to replay)`);
  for (const levels of [3, 4]) {
    it(`${levels === 3 ? 'Sv39' : 'Sv48'}: map / unmap / mprotect / wrprotect then walk every page`, () => {
      const n = windowPages(levels).length;
      fc.assert(fc.property(fc.array(opArb(n), { minLength: 1, maxLength: 40 }), (ops) => run(levels, ops)), {
        seed: SEED + levels,
        numRuns: Number(process.env.PGTABLE_RUNS ?? 60),
      });
    });
  }
});

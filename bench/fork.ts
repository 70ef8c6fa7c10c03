// fork's address-space half, host time: a parent with PAGES touched anonymous pages is forked
// (dup_mm: copy_page_range write-protects both sides), the child writes every page once
// (do_wp_page copies each), then both exit (mmput). Over RamPhysAccess (no cache model, no
// charges): what the kernel code itself costs.
//   npx tsx bench/fork.ts [PAGES]
// Prints one JSON line: {pages, forkMs, forkNsPerPte, cowUsPerPage, exitChildMs, exitParentMs}.
import { dup_mm } from '../src/kernel/fork/dup_mmap.ts';
import { mmput } from '../src/kernel/mm/exit_mmap.ts';
import { add_mm_counter, MM_ANONPAGES, MmTable } from '../src/kernel/mm/mm_struct.ts';
import { anonVmaPrepare, doMmap, MAP_ANONYMOUS, MAP_PRIVATE, PROT_READ, PROT_WRITE } from '../src/kernel/mm/mmap.ts';
import { createMm, GFP_HIGHUSER_MOVABLE, PageAlloc } from '../src/kernel/mm/page_alloc.ts';
import { MmuGather, PageTables } from '../src/kernel/mm/pgtable.ts';
import { _PAGE_DIRTY, _PAGE_WRITE, vm_get_page_prot } from '../src/kernel/mm/pgtable_bits.ts';
import { RamPhysAccess } from '../src/kernel/mm/phys_access.ts';
import { __page_set_anon_rmap } from '../src/kernel/mm/rmap.ts';
import { VmaPool } from '../src/kernel/mm/vma.ts';
import { do_wp_page, WP_COPIED } from '../src/kernel/mm/wp_page.ts';

const pages = Number(process.argv[2] ?? 16384);
const ramBytes = Math.max(64 << 20, pages * 4096 * 3);
const alloc = new PageAlloc(createMm({ ramBytes, ramBase: 0, cpus: 1 }));
const pt = new PageTables({ alloc, phys: new RamPhysAccess(new SharedArrayBuffer(ramBytes), 0), cpu: 0, levels: 3 });
pt.zero_page_alloc();
const t = MmTable.create(VmaPool.create(64), 4, 64);
const tlb = new MmuGather();

const m = t.mmAlloc();
const pgd = pt.pgd_alloc();
t.mmapWriteLock(m);
const a = doMmap(t, m, 0, pages * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, null, 0).ret;
const v = t.vmaLookup(m, a);
const anon = anonVmaPrepare(t, m, v);
for (let i = 0; i < pages; i++) { // do_anonymous_page for a write
  const pfn = alloc.alloc_pages(0, GFP_HIGHUSER_MOVABLE, 0);
  pt.phys.clearPage(pfn * 4096);
  __page_set_anon_rmap(alloc.pages, pfn, anon);
  pt.insert_page(pgd, a + i * 4096, pfn, vm_get_page_prot(t.pool.flags(v)) | _PAGE_WRITE | _PAGE_DIRTY);
  add_mm_counter(t, m, MM_ANONPAGES, 1);
}

let t0 = performance.now();
const c = dup_mm(t, pt, m, pgd, tlb);
const forkMs = performance.now() - t0;
tlb.reset();
t.mmapWriteUnlock(m);
if (c.ret < 0) throw new Error(`fork: ${c.ret}`);

const cv = t.vmaLookup(c.m, a);
t0 = performance.now();
for (let i = 0; i < pages; i++) {
  const addr = a + i * 4096;
  const ptep = pt.pte_offset_map(c.pgd, addr);
  const lo = pt.ptep_get(ptep);
  if (do_wp_page(t, pt, c.m, cv, ptep, addr, lo, pt.phys.hi, tlb) !== WP_COPIED) throw new Error('expected a copy');
  pt.tlb_finish_mmu(tlb);
}
const cowMs = performance.now() - t0;

t0 = performance.now();
mmput(t, pt, c.m, c.pgd, tlb, () => {});
const exitChildMs = performance.now() - t0;
t0 = performance.now();
mmput(t, pt, m, pgd, tlb, () => {});
const exitParentMs = performance.now() - t0;

const r = (x: number) => Math.round(x * 100) / 100;
console.log(JSON.stringify({
  pages, forkMs: r(forkMs), forkNsPerPte: r((forkMs * 1e6) / pages), cowUsPerPage: r((cowMs * 1e3) / pages),
  exitChildMs: r(exitChildMs), exitParentMs: r(exitParentMs),
}));

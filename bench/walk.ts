// Page walks per host second: the hardware walker (cores/mmu/walk.ts) over RAM (RamPteMemory,
// no caches: every PTE read "hits"), tables built by the kernel's page-table code.
//   npx tsx bench/walk.ts [WALKS]
// Cases: Sv39 4 KiB leaves (3 PTE reads per walk), Sv48 (4 reads), Sv39 2 MiB-spread pages;
// A and D are preset, so no walk writes. Prints one JSON line per case:
// {case, levels, walks, seconds, walksPerSec, nsPerWalk}.
import { ACC_READ, SATP_MODE_SV39, SATP_MODE_SV48 } from '../cores/mmu/pte.ts';
import { RamPteMemory } from '../cores/mmu/ram_pte.ts';
import { PageWalker } from '../cores/mmu/walk.ts';
import { createMm, GFP_HIGHUSER_MOVABLE, PageAlloc } from '../src/kernel/mm/page_alloc.ts';
import { _PAGE_DIRTY, _PAGE_WRITE, vm_get_page_prot } from '../src/kernel/mm/pgtable_bits.ts';
import { PageTables } from '../src/kernel/mm/pgtable.ts';
import { RamPhysAccess } from '../src/kernel/mm/phys_access.ts';
import { VM_READ, VM_WRITE } from '../src/kernel/mm/vma.ts';

const RAM = 64 * 1024 * 1024;
const PAGES = 4096;

function build(levels: number, stride: number): { walker: PageWalker; vas: Float64Array } {
  const mm = new PageAlloc(createMm({ ramBytes: RAM, ramBase: 0, cpus: 1 }));
  const ram = new SharedArrayBuffer(RAM);
  const pt = new PageTables({ alloc: mm, phys: new RamPhysAccess(ram, 0), cpu: 0, levels });
  const pgd = pt.pgd_alloc();
  const prot = vm_get_page_prot(VM_READ | VM_WRITE) | _PAGE_WRITE | _PAGE_DIRTY;
  const vas = new Float64Array(PAGES);
  for (let i = 0; i < PAGES; i++) {
    vas[i] = 0x1000_0000 + i * stride;
    const pfn = mm.alloc_pages(0, GFP_HIGHUSER_MOVABLE, 0);
    if (pfn < 0 || pt.insert_page(pgd, vas[i]!, pfn, prot) !== 0) throw new Error('bench: out of memory');
  }
  const walker = new PageWalker(new RamPteMemory(ram, 0));
  walker.setSatp(pgd / 4096, (levels === 3 ? SATP_MODE_SV39 : SATP_MODE_SV48) << 28);
  return { walker, vas };
}

function time(walker: PageWalker, vas: Float64Array, walks: number): number {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < walks; i++) {
    if (walker.walk(vas[i & (PAGES - 1)]!, ACC_READ) !== 0) throw new Error('bench: walk faulted');
    sink += walker.res.ppn;
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sink === 0) throw new Error('bench: no result');
  return s;
}

const walks = Number(process.argv[2] ?? 5_000_000);
for (const [name, levels, stride] of [['sv39-4k', 3, 4096], ['sv48-4k', 4, 4096], ['sv39-2m-spread', 3, 2 * 1024 * 1024]] as const) {
  const { walker, vas } = build(levels, stride);
  time(walker, vas, walks / 10); // warm up
  let best = Infinity;
  for (let round = 0; round < 3; round++) best = Math.min(best, time(walker, vas, walks));
  console.log(JSON.stringify({ case: name, levels, walks, seconds: +best.toFixed(3), walksPerSec: Math.round(walks / best), nsPerWalk: +((best * 1e9) / walks).toFixed(1) }));
}

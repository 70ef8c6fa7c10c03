// Applying an MmChanges record (mmap.ts) to the page tables and the TLB, with the mmap lock
// still held for writing: what unmap_region, change_protection, move_page_tables and
// zap_page_range do after the VMA surgery. The TLB flush is `mmu.flushTlbAll()`, which the
// kernel binds to flush_tlb_mm of the mm (every core of its mm_cpumask: tlb_shootdown.ts).
// tlb_finish_mmu frees the pages and tables only after the flush.

import { mmput, unmap_page_range } from './exit_mmap.ts';
import type { MmTable } from './mm_struct.ts';
import type { ShmemCache } from './shmem.ts';
import type { MmChanges, Range } from './mmap.ts';
import { MmuGather, type PageTables } from './pgtable.ts';
import type { CpuMmu } from './tlbflush.ts';
import { VM_EXEC } from './vma.ts';

const gather = new MmuGather();

function overlaps(a: Range, b: Range): boolean {
  return a.start < b.end && b.start < a.end;
}

/** The gap around [start, end) in mm m now: the previous VMA's end and the next VMA's start (0: none). */
function floorCeiling(t: MmTable, m: number, start: number, end: number): [number, number] {
  let floor = 0, ceiling = 0;
  for (let i = 0; i < t.mapCount(m); i++) {
    const v = t.vmaAt(m, i);
    const s = t.pool.start(v), e = t.pool.end(v);
    if (e <= start) floor = e;
    else if (s >= end) {
      ceiling = s;
      break;
    } else return [-1, -1]; // a VMA (a MAP_FIXED replacement) covers part of the range: keep the tables
  }
  return [floor, ceiling];
}

export function applyMmChanges(t: MmTable, m: number, pgd: number, pt: PageTables, mmu: CpuMmu, ch: MmChanges, shmem?: ShmemCache): void {
  gather.reset();
  let exec = false;
  const moved = ch.moved.map((mv) => ({ start: mv.from, end: mv.from + mv.len }));
  const later: Range[] = [];
  // Ranges that are no move's source go first (a MREMAP_FIXED destination is cleared before the move).
  for (const u of ch.unmapped) {
    if ((u.flags & VM_EXEC) !== 0) exec = true;
    if (moved.some((r) => overlaps(r, u))) later.push(u);
    else unmap_page_range(t, pt, m, pgd, u.start, u.end, gather);
  }
  for (const mv of ch.moved) movePageTables(pt, pgd, mv.from, mv.to, mv.len, gather);
  for (const u of later) unmap_page_range(t, pt, m, pgd, u.start, u.end, gather);
  for (const z of ch.zapped) unmap_page_range(t, pt, m, pgd, z.start, z.end, gather);
  for (const p of ch.protChanged) {
    if (((p.oldFlags | p.newFlags) & VM_EXEC) !== 0) exec = true;
    pt.change_protection(pgd, p.start, p.end, p.newFlags, gather);
  }
  for (const u of [...ch.unmapped, ...moved]) {
    const [floor, ceiling] = floorCeiling(t, m, u.start, u.end);
    if (floor >= 0) pt.free_pgd_range(pgd, u.start, u.end, floor, ceiling, gather);
  }
  if (gather.needFlush()) mmu.flushTlbAll();
  if (exec || ch.moved.length > 0) mmu.flushIcache();
  pt.tlb_finish_mmu(gather);
  // fput: a shared anonymous object this mm maps no more loses the mm's reference (its last
  // mm frees it; another process may still map it after fork).
  if (shmem) {
    const seen = new Set<number>();
    for (const u of ch.unmapped) {
      if (u.file >= 0 || seen.has(u.file)) continue;
      seen.add(u.file);
      if (!mmMapsFile(t, m, u.file)) shmem.put(u.file);
    }
  }
}

/** Does any VMA of mm m map file `file`? */
function mmMapsFile(t: MmTable, m: number, file: number): boolean {
  for (let i = 0; i < t.mapCount(m); i++) if (t.pool.file(t.vmaAt(m, i)) === file) return true;
  return false;
}

/** The shared anonymous objects mm m maps (each once). */
export function mmShmemFiles(t: MmTable, m: number): number[] {
  const files = new Set<number>();
  for (let i = 0; i < t.mapCount(m); i++) {
    const f = t.pool.file(t.vmaAt(m, i));
    if (f < 0) files.add(f);
  }
  return [...files];
}

/** move_page_tables, a page at a time: each present PTE leaves `from` and lands at the same offset in `to`. */
function movePageTables(pt: PageTables, pgd: number, from: number, to: number, len: number, tlb: MmuGather): void {
  for (let off = 0; off < len; off += 4096) {
    const src = pt.pte_offset_map(pgd, from + off);
    if (src === 0) continue;
    const lo = pt.ptep_get(src);
    const hi = pt.phys.hi;
    if (lo === 0 && hi === 0) continue;
    const dst = pt.pte_alloc_map(pgd, to + off);
    if (dst < 0) throw new Error('mremap: out of memory for page tables while moving (not recoverable here)');
    pt.phys.xchg64(src, 0, 0);
    pt.set_pte_at(dst, lo, hi);
    tlb.adjustRange(from + off, 4096);
  }
}

/** mmput of the process's mm (exit_mmap.ts): everything torn down, flushed on this core, freed. */
export function exitMmap(t: MmTable, m: number, pgd: number, pt: PageTables, mmu: CpuMmu, shmem?: ShmemCache): void {
  const files = shmem ? mmShmemFiles(t, m) : [];
  gather.reset();
  mmput(t, pt, m, pgd, gather, () => {
    mmu.flushTlbAll();
    mmu.flushIcache();
  });
  // remove_vma's fput, once per object this mm mapped (after the PTEs' references are gone).
  for (const f of files) shmem!.put(f);
}

// fork's address-space half (Linux 6.1 kernel/fork.c dup_mm and dup_mmap): a new mm with the
// parent's layout and VM counters, a copy of every VMA, and the page tables copied with
// copy-on-write (mm/copy_page_range.ts).
//   - VM_DONTCOPY (madvise DONTFORK) VMAs stay behind, and leave the child's VM counters;
//   - VM_WIPEONFORK VMAs are copied empty: no PTEs, no anon_vma (the child faults fresh zeros);
//   - every other VMA gets a new anon_vma when the parent's has one (anon_vma_fork: the pages
//     stay in the parent's until a COW fault gives the child its own copy), VM_LOCKED cleared;
//   - locked_vm and pinned_vm start at 0, rss_stat counts what was copied, hiwater_rss and
//     hiwater_vm start at the child's rss and total_vm (dup_mm).
//   - a VMA of a shared anonymous object (shmem) keeps the object: the child takes a reference
//     to it (get_file), so parent and child fault the same pages in, whoever touches first;
// Locks: the caller holds the parent's mmap lock for writing; the child's is taken inside
// (parent first, then child: Linux's mmap_write_lock_nested order).

import { copy_page_range, type CopyStats } from '../mm/copy_page_range.ts';
import { __mmdrop, exit_mmap_locked } from '../mm/exit_mmap.ts';
import {
  F_DEF_FLAGS, F_HIWATER_RSS, F_HIWATER_VM, F_IN_USE, F_LOCKED_VM, F_MAP_COUNT, F_PINNED_VM, F_RSS_STAT,
  F_TOTAL_VM, type MmTable, NR_MM_COUNTERS, get_mm_rss, vmStatAccount,
} from '../mm/mm_struct.ts';
import { MmuGather, type PageTables } from '../mm/pgtable.ts';
import { VM_DONTCOPY, VM_LOCKED, VM_NOHUGEPAGE, VM_WIPEONFORK } from '../mm/vma.ts';
import { ENOMEM } from '../syscalls/numbers.ts';

/** mm_struct fields dup_mm's memcpy carries over (everything but these, which mm_init resets). */
const NOT_COPIED = new Set([F_MAP_COUNT, F_IN_USE, F_LOCKED_VM, F_PINNED_VM, F_HIWATER_RSS, F_DEF_FLAGS]);
for (let i = 0; i < NR_MM_COUNTERS; i++) NOT_COPIED.add(F_RSS_STAT + i);
const LAST_FIELD = F_HIWATER_RSS;

/** The references on shmem objects (mm/shmem.ts ShmemCache): get_file and fput by VMA file id. */
export interface ShmemRefs {
  get(file: number): void;
  put(file: number): void;
}

export interface DupMm extends CopyStats {
  /** 0, or -ENOMEM (no mm slot, VMA record or page; nothing of the child is left). */
  ret: number;
  /** The child's mm and page-table root (physical address); -1 on failure. */
  m: number;
  pgd: number;
}

/**
 * dup_mm: the child's copy of mm oldm (page tables at oldPgd). Parent PTEs that lost W are
 * gathered in tlb (tlb.needFlush()): the caller must flush them (flush_tlb_mm(oldmm): every
 * core in the parent's cpumask) before it releases the parent's mmap lock, then tlb.reset().
 * On -ENOMEM the parent may still have lost W on some PTEs: flush all the same (its next
 * write to them reuses the page in place).
 */
export function dup_mm(t: MmTable, pt: PageTables, oldm: number, oldPgd: number, tlb: MmuGather, shmem?: ShmemRefs): DupMm {
  t.assertWriteLocked(oldm);
  const out: DupMm = { ret: 0, m: -1, pgd: -1, ptes: 0, wrprotected: 0 };
  const m = t.mmAlloc();
  if (m < 0) {
    out.ret = -ENOMEM;
    return out;
  }
  const pgd = pt.pgd_alloc();
  if (pgd < 0) {
    t.mmFree(m);
    out.ret = -ENOMEM;
    return out;
  }
  for (let f = 0; f <= LAST_FIELD; f++) if (!NOT_COPIED.has(f)) t.set(m, f, t.get(oldm, f));
  t.set(m, F_DEF_FLAGS, t.get(oldm, F_DEF_FLAGS) & VM_NOHUGEPAGE); // VM_INIT_DEF_MASK
  t.mmapWriteLock(m);
  const taken = new Set<number>();
  const ret = dup_mmap(t, pt, m, pgd, oldm, oldPgd, tlb, out, shmem, taken);
  if (ret < 0) {
    for (const f of taken) shmem!.put(f);
    // mmput of the half-built child: it never ran, so nothing to flush.
    const undo = new MmuGather();
    exit_mmap_locked(t, pt, m, pgd, undo);
    pt.tlb_finish_mmu(undo);
    t.mmapWriteUnlock(m);
    __mmdrop(t, pt, m, pgd);
    out.ret = ret;
    return out;
  }
  t.set(m, F_HIWATER_RSS, get_mm_rss(t, m));
  t.set(m, F_HIWATER_VM, t.get(m, F_TOTAL_VM));
  t.mmapWriteUnlock(m);
  out.m = m;
  out.pgd = pgd;
  return out;
}

/** dup_mmap: VMAs and page tables of oldm into the empty mm m. 0 or -ENOMEM. */
function dup_mmap(
  t: MmTable, pt: PageTables, m: number, pgd: number, oldm: number, oldPgd: number, tlb: MmuGather, stats: CopyStats,
  shmem: ShmemRefs | undefined, taken: Set<number>,
): number {
  const p = t.pool;
  for (let i = 0; i < t.mapCount(oldm); i++) {
    const old = t.vmaAt(oldm, i);
    const flags = p.flags(old);
    if ((flags & VM_DONTCOPY) !== 0) {
      vmStatAccount(t, m, flags, -p.pages(old));
      continue;
    }
    const v = p.alloc(m); // vm_area_dup
    if (v < 0) return -ENOMEM;
    p.copy(v, old);
    p.setFlags(v, flags & ~VM_LOCKED);
    if ((flags & VM_WIPEONFORK) !== 0 || p.anonVma(old) === 0) p.setAnonVma(v, 0);
    else p.setAnonVma(v, p.newAnonVma()); // anon_vma_fork
    t.insertAt(m, t.mapCount(m), v);
    const file = p.file(v);
    if (shmem && file < 0 && !taken.has(file)) {
      shmem.get(file); // one reference per mm (shmem.ts)
      taken.add(file);
    }
    if ((flags & VM_WIPEONFORK) !== 0) continue;
    const r = copy_page_range(t, pt, m, pgd, oldPgd, p.start(old), p.end(old), flags, tlb, stats);
    if (r < 0) return r;
  }
  return 0;
}

// The page-fault path (Linux's mm/memory.c handle_mm_fault, with arch/riscv/mm/fault.c's
// access_error in front): what happens when a core's page walker finds no usable PTE.
//   - find_vma, growing the stack VMA down for an access just below it (expand_stack);
//   - the access against the VMA's flags (riscv: a load needs VM_READ or VM_WRITE, a store
//     VM_WRITE, a fetch VM_EXEC), else SIGSEGV (SEGV_ACCERR; no VMA: SEGV_MAPERR);
//   - no PTE, anonymous VMA: a read maps the shared zero page read-only (do_anonymous_page,
//     nothing allocated); a write allocates a page, clears it and maps it writable;
//   - no PTE, file VMA (the ELF's PT_LOAD segments, private mappings of the executable):
//     the page is read from the file (a major fault: there is no page cache yet, so every
//     file page is read when first touched), mapped read-only, or writable and private on a
//     write (do_cow_fault);
//   - a write to a present read-only PTE of a writable VMA: do_wp_page (wp_page.ts) copies
//     the zero page, a file page or a page shared after fork, and makes an anonymous page
//     nobody else holds writable in place;
//   - no PTE, shared anonymous VMA: the shmem object's page (shmem.ts), shared by every
//     mapping of the object;
//   - anything else is spurious (a stale TLB entry): the TLB entry is dropped and the access
//     retried.
// New pages get their rmap (page->mapping: anonymous or the file) and count in the mm's
// rss_stat. Counts pgfault / pgmajfault in vmstat and min_flt / maj_flt per process. After changing a
// PTE it drops the page from this core's TLB (local_flush_tlb_page, as update_mmu_cache); a copy
// on write replaces a present PTE, so that one is flushed on every core of mm_cpumask.

import { EBUSY } from '../syscalls/numbers.ts';
import { expandStack, anonVmaPrepare } from './mmap.ts';
import { MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, add_mm_counter, type MmTable } from './mm_struct.ts';
import { GFP_HIGHUSER_MOVABLE } from './page_alloc.ts';
import { MmuGather, type PageTables } from './pgtable.ts';
import { _PAGE_DIRTY, _PAGE_PRESENT, _PAGE_WRITE, vm_get_page_prot } from './pgtable_bits.ts';
import { __page_set_anon_rmap, page_set_file_mapping } from './rmap.ts';
import type { ShmemCache } from './shmem.ts';
import type { CpuMmu, KernelPhys } from './tlbflush.ts';
import type { MmTlbFlush } from './tlb_shootdown.ts';
import { VM_EXEC, VM_GROWSDOWN, VM_READ, VM_WRITE } from './vma.ts';
import { PGFAULT, PGMAJFAULT } from './vmstat.ts';
import { do_wp_page, WP_COPIED } from './wp_page.ts';

/** handle_mm_fault's answers (vm_fault_t, the ones this kernel produces). */
export const VM_FAULT_OK = 0;
export const VM_FAULT_SIGSEGV = 1;
export const VM_FAULT_OOM = 2;
export const VM_FAULT_SIGBUS = 3;

/** What the access was (FAULT_FLAG_WRITE, FAULT_FLAG_INSTRUCTION; neither: a load). */
export const FAULT_FLAG_WRITE = 1;
export const FAULT_FLAG_INSTRUCTION = 2;

/** The files behind file mappings, by VMA file id. */
export interface FilePages {
  /** Page `pgoff` of file `id` into `out` (4096 bytes, zeros past the end); false: no such file. */
  readPage(id: number, pgoff: number, out: Uint8Array): boolean;
}

/** Per-process fault counters (task_struct min_flt / maj_flt). */
export interface FaultCounts {
  minFlt: number;
  majFlt: number;
}

/** One address space as the fault path on one core sees it. */
export interface FaultContext {
  t: MmTable;
  m: number;
  pgd: number;
  pt: PageTables;
  phys: KernelPhys;
  mmu: CpuMmu;
  cpu: number;
  files: FilePages;
  counts: FaultCounts;
  /** Shared anonymous mappings' pages (absent: such a fault is SIGBUS). */
  shmem?: ShmemCache;
  /** The mm-wide flush (shootdown to mm_cpumask); absent: this core's TLB only. */
  tlb?: MmTlbFlush;
}

export interface FaultOutcome {
  code: number;
  /** The VMA the address fell in (-1: none), for the SIGSEGV report. */
  vma: number;
  major: boolean;
}

const gather = new MmuGather();
const pageBuf = new Uint8Array(4096);

/** riscv access_error: does the VMA forbid this access? */
export function accessError(vmFlags: number, flags: number): boolean {
  if ((flags & FAULT_FLAG_INSTRUCTION) !== 0) return (vmFlags & VM_EXEC) === 0;
  if ((flags & FAULT_FLAG_WRITE) !== 0) return (vmFlags & VM_WRITE) === 0;
  return (vmFlags & (VM_READ | VM_WRITE)) === 0;
}

/** handle_mm_fault for a user access at addr: maps the page, or says why it cannot. */
export function handleMmFault(c: FaultContext, addr: number, flags: number): FaultOutcome {
  const { t, m } = c;
  const out: FaultOutcome = { code: VM_FAULT_OK, vma: -1, major: false };
  c.pt.alloc.vmstat.countEvents(c.cpu, PGFAULT, 1);
  t.mmapReadLock(m);
  let locked: 'read' | 'write' = 'read';
  try {
    let v = t.findVma(m, addr);
    if (v >= 0 && t.pool.start(v) > addr) {
      if ((t.pool.flags(v) & VM_GROWSDOWN) === 0) v = -1;
      else {
        // expand_stack needs the lock for writing.
        t.mmapReadUnlock(m);
        t.mmapWriteLock(m);
        locked = 'write';
        v = t.findVma(m, addr);
        if (v >= 0 && t.pool.start(v) > addr && expandStack(t, m, v, addr) < 0) v = -1;
      }
    }
    if (v < 0 || !(addr >= 0)) {
      out.code = VM_FAULT_SIGSEGV;
      return out;
    }
    out.vma = v;
    if (accessError(t.pool.flags(v), flags)) {
      out.code = VM_FAULT_SIGSEGV;
      return out;
    }
    out.code = doFault(c, v, addr - (addr % 4096), flags, out);
    return out;
  } finally {
    if (locked === 'read') t.mmapReadUnlock(m);
    else t.mmapWriteUnlock(m);
    if (out.code === VM_FAULT_OK) {
      if (out.major) c.counts.majFlt++;
      else c.counts.minFlt++;
      if (out.major) c.pt.alloc.vmstat.countEvents(c.cpu, PGMAJFAULT, 1);
    }
  }
}

function allocUserPage(c: FaultContext): number {
  return c.pt.alloc.alloc_pages(c.cpu, GFP_HIGHUSER_MOVABLE, 0);
}

function doFault(c: FaultContext, v: number, a: number, flags: number, out: FaultOutcome): number {
  const { t, m, pt, pgd, phys } = c;
  const write = (flags & FAULT_FLAG_WRITE) !== 0;
  const vmFlags = t.pool.flags(v);
  const ptep = pt.pte_alloc_map(pgd, a);
  if (ptep < 0) return VM_FAULT_OOM;
  const lo = pt.ptep_get(ptep);
  const hi = phys.hi;
  if (lo === 0 && hi === 0) {
    const file = t.pool.file(v);
    const pages = pt.alloc.pages;
    if (file === 0) {
      // do_anonymous_page
      if (!write) {
        const r = pt.map_zero_page(pgd, a, vmFlags);
        if (r < 0 && r !== -EBUSY) return VM_FAULT_OOM;
      } else {
        const anon = anonVmaPrepare(t, m, v);
        const pfn = allocUserPage(c);
        if (pfn < 0) return VM_FAULT_OOM;
        phys.clearPage(pfn * 4096);
        __page_set_anon_rmap(pages, pfn, anon);
        const r = insert(c, a, pfn, vm_get_page_prot(vmFlags) | _PAGE_WRITE | _PAGE_DIRTY);
        if (r < 0) return VM_FAULT_OOM;
        if (r > 0) add_mm_counter(t, m, MM_ANONPAGES, 1);
      }
    } else if (file < 0) {
      // shmem_fault: the object's page, the same for every mapping of it.
      if (!c.shmem) return VM_FAULT_SIGBUS;
      const { pfn } = c.shmem.getPage(file, t.pool.pgoff(v) + (a - t.pool.start(v)) / 4096, phys);
      if (pfn === -2) return VM_FAULT_SIGBUS;
      if (pfn < 0) return VM_FAULT_OOM;
      page_set_file_mapping(pages, pfn, file);
      const r = insert(c, a, pfn, vm_get_page_prot(vmFlags) | (write ? _PAGE_DIRTY : 0), () => c.shmem!.putPage(pfn));
      if (r < 0) return VM_FAULT_OOM;
      if (r > 0) add_mm_counter(t, m, MM_SHMEMPAGES, 1);
    } else {
      // do_read_fault / do_cow_fault: the file's page, read now (no page cache: a private copy).
      const pgoff = t.pool.pgoff(v) + (a - t.pool.start(v)) / 4096;
      if (!c.files.readPage(file, pgoff, pageBuf)) return VM_FAULT_SIGBUS;
      const pfn = allocUserPage(c);
      if (pfn < 0) return VM_FAULT_OOM;
      phys.writeBytes(pfn * 4096, pageBuf);
      let prot = vm_get_page_prot(vmFlags);
      if (write) {
        __page_set_anon_rmap(pages, pfn, anonVmaPrepare(t, m, v));
        prot |= _PAGE_WRITE | _PAGE_DIRTY;
      } else {
        page_set_file_mapping(pages, pfn, file);
      }
      const r = insert(c, a, pfn, prot);
      if (r < 0) return VM_FAULT_OOM;
      if (r > 0) add_mm_counter(t, m, write ? MM_ANONPAGES : MM_FILEPAGES, 1);
      out.major = true;
    }
  } else if (write && (lo & _PAGE_PRESENT) !== 0 && (lo & _PAGE_WRITE) === 0) {
    // do_wp_page (wp_page.ts): the VMA allows the write (access_error said so).
    gather.reset();
    const r = do_wp_page(t, pt, m, v, ptep, a, lo, hi, gather);
    if (r < 0) return VM_FAULT_OOM;
    if (r === WP_COPIED) {
      // ptep_clear_flush: the old page may be cached by every core that ran the mm.
      if (c.tlb) c.tlb.flush_tlb_page(c.cpu, c.m, a);
      else c.mmu.flushTlbPage(a);
      pt.tlb_finish_mmu(gather);
    }
  }
  // Spurious or fixed: drop this core's stale translation; the access walks again.
  c.mmu.flushTlbPage(a);
  if ((vmFlags & VM_EXEC) !== 0 && write) c.mmu.flushIcache();
  return VM_FAULT_OK;
}

/**
 * set_pte_at of a fresh page: 1 mapped; 0 another core's racing fault mapped addr first (our
 * page goes back, the access retries); -1 no memory for a page table.
 */
function insert(c: FaultContext, a: number, pfn: number, prot: number, put = () => c.pt.alloc.__free_pages(c.cpu, pfn, 0)): number {
  const r = c.pt.insert_page(c.pgd, a, pfn, prot);
  if (r === 0) return 1;
  put();
  return r === -EBUSY ? 0 : -1;
}

// /proc/PID/smaps and /proc/PID/smaps_rollup (Linux 6.1 fs/proc/task_mmu.c): each VMA's
// pages counted by walking its page tables (smap_gather_stats -> smaps_pte_entry ->
// smaps_account), and the counters of mapped pages by kind (what get_mm_counter keeps).
//
// Per present PTE: vm_normal_page gives no page for a _PAGE_SPECIAL entry (the zero page),
// so it counts nowhere. A page whose refcount is 1 is mapped exactly once: private, its
// whole size in PSS. Otherwise its mapcount decides: >= 2 shares it (PSS gets PAGE_SIZE /
// mapcount in 12-bit fixed point, PSS_SHIFT), < 2 keeps it private. Dirty is the PTE's D
// bit (this kernel has no PG_dirty); Referenced its A bit.
//
// Kinds (PageAnon / PageSwapBacked): the page array has no mapping word yet, so the kind is
// read from the VMA and the PTE, which is exact for this kernel's fault path: a page of an
// anonymous VMA is anonymous; in a MAP_SHARED anonymous VMA it is shmem; in a file VMA a
// private page that was written (D set: do_cow_fault and wp_page_copy map it dirty, a read
// fault maps it clean and the D bit is never cleared) is the anonymous copy, otherwise the
// file's page. Swap, THP and hugetlb do not exist here: their lines print 0.

import { F_TOTAL_VM, type MmTable } from '../mm/mm_struct.ts';
import { isShmemZeroFile } from '../mm/mmap.ts';
import { PAGE_SIZE, PAGE_WORDS, PG_MAPCOUNT, PG_REFCOUNT } from '../mm/mm_types.ts';
import { walkPageRange } from '../mm/pagewalk.ts';
import type { PhysAccess } from '../mm/phys_access.ts';
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_SPECIAL, pte_pfn, pte_present } from '../mm/pgtable_bits.ts';
import {
  VM_ACCOUNT, VM_DONTCOPY, VM_DONTDUMP, VM_DONTEXPAND, VM_EXEC, VM_GROWSDOWN, VM_HUGEPAGE, VM_HUGETLB, VM_IO, VM_LOCKED,
  VM_MAYEXEC, VM_MAYREAD, VM_MAYSHARE, VM_MAYWRITE, VM_NOHUGEPAGE, VM_NORESERVE, VM_PFNMAP, VM_RAND_READ, VM_READ,
  VM_SEQ_READ, VM_SHARED, VM_WIPEONFORK, VM_WRITE,
} from '../mm/vma.ts';
import { type MapsFile, padName, showMapVma, showVmaHeaderPrefix } from './maps.ts';

/** fs/proc/task_mmu.c: PSS is kept in bytes << PSS_SHIFT to keep division errors small. */
export const PSS_SHIFT = 12;

/** One address space as a page-table reader sees it. */
export interface MmWalk {
  t: MmTable;
  m: number;
  /** Physical address of the mm's root table. */
  pgd: number;
  /** 3 (Sv39) or 4 (Sv48). */
  levels: number;
  phys: PhysAccess;
  /** The page array (PageAlloc.pages). */
  pages: Int32Array;
}

/** struct mem_size_stats: bytes, except the pss* fields (bytes << PSS_SHIFT). */
export class MemSizeStats {
  resident = 0;
  sharedClean = 0;
  sharedDirty = 0;
  privateClean = 0;
  privateDirty = 0;
  referenced = 0;
  anonymous = 0;
  lazyfree = 0;
  swap = 0;
  pss = 0;
  pssAnon = 0;
  pssFile = 0;
  pssShmem = 0;
  pssDirty = 0;
  pssLocked = 0;
}

export const PAGE_ANON = 0;
export const PAGE_FILE = 1;
export const PAGE_SHMEM = 2;

/** The kind of the page a present PTE maps in a VMA (see the head comment): PAGE_ANON, PAGE_FILE or PAGE_SHMEM. */
export function pageKind(vmFile: number, vmFlags: number, pteLo: number): number {
  if (vmFile === 0) return PAGE_ANON;
  const written = (pteLo & _PAGE_DIRTY) !== 0;
  if ((vmFlags & VM_SHARED) === 0 && written) return PAGE_ANON;
  return isShmemZeroFile(vmFile) ? PAGE_SHMEM : PAGE_FILE;
}

/** smaps_page_accumulate. */
function accumulate(mss: MemSizeStats, kind: number, size: number, pss: number, dirty: boolean, locked: boolean, priv: boolean): void {
  mss.pss += pss;
  if (kind === PAGE_ANON) mss.pssAnon += pss;
  else if (kind === PAGE_SHMEM) mss.pssShmem += pss;
  else mss.pssFile += pss;
  if (locked) mss.pssLocked += pss;
  if (dirty) {
    mss.pssDirty += pss;
    if (priv) mss.privateDirty += size;
    else mss.sharedDirty += size;
  } else if (priv) mss.privateClean += size;
  else mss.sharedClean += size;
}

/** smap_gather_stats for VMA v (pool index) of w's mm: walks its PTEs into mss. */
export function smapGatherStats(w: MmWalk, v: number, mss: MemSizeStats): void {
  const p = w.t.pool;
  const file = p.file(v);
  const flags = p.flags(v);
  const locked = (flags & VM_LOCKED) !== 0;
  const pages = w.pages;
  walkPageRange(w.phys, w.levels, w.pgd, p.start(v), p.end(v), (_addr, lo, hi) => {
    if (!pte_present(lo)) return; // a swap entry: none in this kernel
    if ((lo & _PAGE_SPECIAL) !== 0) return; // vm_normal_page: no struct page to count
    const pfn = pte_pfn(lo, hi);
    const kind = pageKind(file, flags, lo);
    const dirty = (lo & _PAGE_DIRTY) !== 0;
    if (kind === PAGE_ANON) mss.anonymous += PAGE_SIZE; // anon pages are swap-backed: no LazyFree
    mss.resident += PAGE_SIZE;
    if ((lo & _PAGE_ACCESSED) !== 0) mss.referenced += PAGE_SIZE;
    if (Atomics.load(pages, pfn * PAGE_WORDS + PG_REFCOUNT) === 1) {
      accumulate(mss, kind, PAGE_SIZE, PAGE_SIZE * 2 ** PSS_SHIFT, dirty, locked, true);
      return;
    }
    const mapcount = Atomics.load(pages, pfn * PAGE_WORDS + PG_MAPCOUNT) + 1; // page_mapcount
    let pss = PAGE_SIZE * 2 ** PSS_SHIFT;
    if (mapcount >= 2) pss = Math.floor(pss / mapcount);
    accumulate(mss, kind, PAGE_SIZE, pss, dirty, locked, mapcount < 2);
  });
}

/** The stats of every VMA of the mm added up (show_smaps_rollup's walk). */
export function smapsRollupStats(w: MmWalk): MemSizeStats {
  const mss = new MemSizeStats();
  for (let i = 0; i < w.t.mapCount(w.m); i++) smapGatherStats(w, w.t.vmaAt(w.m, i), mss);
  return mss;
}

/** SEQ_PUT_DEC: bytes as kB, right-aligned in 8 columns after the label. */
function dec(label: string, bytes: number): string {
  return label + String(Math.floor(bytes / 1024)).padStart(8);
}
const pss = (x: number): number => Math.floor(x / 2 ** PSS_SHIFT);

/** __show_smap: the lines common to smaps and smaps_rollup. */
export function showSmapStats(mss: MemSizeStats, rollup: boolean): string {
  let s = dec('Rss:            ', mss.resident) +
    dec(' kB\nPss:            ', pss(mss.pss)) +
    dec(' kB\nPss_Dirty:      ', pss(mss.pssDirty));
  if (rollup) {
    s += dec(' kB\nPss_Anon:       ', pss(mss.pssAnon)) +
      dec(' kB\nPss_File:       ', pss(mss.pssFile)) +
      dec(' kB\nPss_Shmem:      ', pss(mss.pssShmem));
  }
  return s +
    dec(' kB\nShared_Clean:   ', mss.sharedClean) +
    dec(' kB\nShared_Dirty:   ', mss.sharedDirty) +
    dec(' kB\nPrivate_Clean:  ', mss.privateClean) +
    dec(' kB\nPrivate_Dirty:  ', mss.privateDirty) +
    dec(' kB\nReferenced:     ', mss.referenced) +
    dec(' kB\nAnonymous:      ', mss.anonymous) +
    dec(' kB\nLazyFree:       ', mss.lazyfree) +
    dec(' kB\nAnonHugePages:  ', 0) +
    dec(' kB\nShmemPmdMapped: ', 0) +
    dec(' kB\nFilePmdMapped:  ', 0) +
    dec(' kB\nShared_Hugetlb: ', 0) +
    ' kB\nPrivate_Hugetlb: ' + String(0).padStart(7) + // seq_put_decimal_ull_width(..., 7): the label is one longer
    dec(' kB\nSwap:           ', mss.swap) +
    dec(' kB\nSwapPss:        ', 0) +
    dec(' kB\nLocked:         ', pss(mss.pssLocked)) +
    ' kB\n';
}

/**
 * show_smap_vma_flags (6.1's mnemonics): two letters and a space per set flag, "??" for a
 * set bit Linux has no name for. VM_SOFTDIRTY ("sd") is absent: riscv has no soft-dirty.
 */
const MNEMONICS: ReadonlyArray<[number, string]> = [
  [VM_READ, 'rd'], [VM_WRITE, 'wr'], [VM_EXEC, 'ex'], [VM_SHARED, 'sh'], [VM_MAYREAD, 'mr'], [VM_MAYWRITE, 'mw'],
  [VM_MAYEXEC, 'me'], [VM_MAYSHARE, 'ms'], [VM_GROWSDOWN, 'gd'], [0x200, 'um'], [VM_PFNMAP, 'pf'], [0x1000, 'uw'],
  [VM_LOCKED, 'lo'], [VM_IO, 'io'], [VM_SEQ_READ, 'sr'], [VM_RAND_READ, 'rr'], [VM_DONTCOPY, 'dc'],
  [VM_DONTEXPAND, 'de'], [VM_ACCOUNT, 'ac'], [VM_NORESERVE, 'nr'], [VM_HUGETLB, 'ht'], [0x800000, 'sf'],
  [0x1000000, 'ar'], [VM_WIPEONFORK, 'wf'], [VM_DONTDUMP, 'dd'], [0x10000000, 'mm'], [VM_HUGEPAGE, 'hg'],
  [VM_NOHUGEPAGE, 'nh'], [0x80000000, 'mg'],
];

export function showSmapVmaFlags(flags: number): string {
  let s = 'VmFlags: ';
  for (let bit = 0; bit < 32; bit++) {
    const f = 2 ** bit;
    if ((flags >>> 0) & f) s += (MNEMONICS.find(([m]) => m === f)?.[1] ?? '??') + ' ';
  }
  return s + '\n';
}

/** show_smap: the maps line, sizes, the stats, THPeligible (no THP: 0) and VmFlags of VMA v. */
export function showSmap(w: MmWalk, v: number, fileInfo: (id: number) => MapsFile | undefined): string {
  const mss = new MemSizeStats();
  smapGatherStats(w, v, mss);
  const p = w.t.pool;
  return showMapVma(w.t, w.m, v, fileInfo) +
    dec('Size:           ', p.end(v) - p.start(v)) +
    dec(' kB\nKernelPageSize: ', PAGE_SIZE) +
    dec(' kB\nMMUPageSize:    ', PAGE_SIZE) +
    ' kB\n' +
    showSmapStats(mss, false) +
    'THPeligible:    0\n' +
    showSmapVmaFlags(p.flags(v));
}

/** /proc/PID/smaps: show_smap for every VMA in address order. */
export function showSmaps(w: MmWalk, fileInfo: (id: number) => MapsFile | undefined): string {
  let s = '';
  for (let i = 0; i < w.t.mapCount(w.m); i++) s += showSmap(w, w.t.vmaAt(w.m, i), fileInfo);
  return s;
}

/**
 * /proc/PID/smaps_rollup (show_smaps_rollup): one header line spanning the first VMA's
 * start to the last one's end, named [rollup], then the totals with the Pss_* split.
 */
export function showSmapsRollup(w: MmWalk): string {
  const n = w.t.mapCount(w.m);
  const mss = smapsRollupStats(w);
  const start = n > 0 ? w.t.pool.start(w.t.vmaAt(w.m, 0)) : 0;
  const end = n > 0 ? w.t.pool.end(w.t.vmaAt(w.m, n - 1)) : 0;
  return padName(showVmaHeaderPrefix(start, end, 0, 0, 0, 0, 0), '[rollup]') + '\n' + showSmapStats(mss, true);
}

/** get_mm_counter(MM_ANONPAGES / MM_FILEPAGES / MM_SHMEMPAGES), in pages, counted from the page tables. */
export interface MmCounters {
  anon: number;
  file: number;
  shmem: number;
}

/** The mm's resident pages by kind: what Linux's rss_stat counters hold, read off the PTEs. */
export function mmCounters(w: MmWalk): MmCounters {
  const c: MmCounters = { anon: 0, file: 0, shmem: 0 };
  const p = w.t.pool;
  for (let i = 0; i < w.t.mapCount(w.m); i++) {
    const v = w.t.vmaAt(w.m, i);
    const file = p.file(v);
    const flags = p.flags(v);
    walkPageRange(w.phys, w.levels, w.pgd, p.start(v), p.end(v), (_addr, lo) => {
      if (!pte_present(lo) || (lo & _PAGE_SPECIAL) !== 0) return;
      const k = pageKind(file, flags, lo);
      if (k === PAGE_ANON) c.anon++;
      else if (k === PAGE_SHMEM) c.shmem++;
      else c.file++;
    });
  }
  return c;
}

/** VSS, RSS, PSS and USS of one process, in bytes, as the seeds (and procrank/smem) define them. */
export interface MemSizes {
  /** Virtual set size: every page of every VMA, touched or not (VmSize). */
  vss: number;
  /** Resident set size: every page mapped, shared ones in full (smaps Rss). */
  rss: number;
  /** Proportional set size: each resident page divided by the number of mappings sharing it (smaps Pss). */
  pss: number;
  /** Unique set size: the pages mapped only here (smaps Private_Clean + Private_Dirty). */
  uss: number;
}

export function memSizes(w: MmWalk): MemSizes {
  const mss = smapsRollupStats(w);
  return {
    vss: w.t.get(w.m, F_TOTAL_VM) * PAGE_SIZE,
    rss: mss.resident,
    pss: pss(mss.pss),
    uss: mss.privateClean + mss.privateDirty,
  };
}

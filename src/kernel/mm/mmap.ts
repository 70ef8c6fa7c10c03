// mmap, munmap and brk over an mm's sorted VMA array, with Linux 6.12's rules (mm/mmap.c,
// mm/vma.c): placement (get_unmapped_area, top-down from mmap_base), splitting, merging, and
// the vm counters. Nothing here touches page tables: every mutating call returns what changed
// (MmChanges) and the caller, still holding the mmap lock for writing, zaps/moves/rewrites
// PTEs and shoots down TLBs from it.
//
// Merge rule (vma_merge_new_range / vma_merge_existing_range): two VMAs that touch merge when
// their vm_flags are equal, their file is the same (0 = anonymous), vm_pgoff is contiguous
// (anonymous VMAs too: their pgoff is vm_start >> PAGE_SHIFT at mmap time and travels with
// mremap once faulted), and their anon_vmas are compatible (equal, or at least one has none;
// a three-way merge also needs prev's and next's to be compatible). Merges are tried only
// around the range an operation changed, left (prev) before right (next). munmap never merges.
// Callers: a syscall takes t.mmapWriteLock(m), calls doMmap/doMunmap/doBrk/doMprotect/
// doMremap/doMadvise, applies the returned MmChanges to the page tables (zap `unmapped` and
// `zapped`, move `moved`, rewrite `protChanged`, shoot down TLBs), then unlocks. The fault
// path takes t.mmapReadLock(m), finds the VMA with t.vmaLookup (or t.findVma + expandStack
// for a stack below its VMA, which needs the write lock), checks the access against
// pool.flags(v), calls anonVmaPrepare before the first anonymous page, and unlocks.
// Not modelled: mempolicies, userfaultfd contexts, VMA names, fork (so every anon_vma chain
// is singular), THP alignment of large anonymous mappings.

import {
  F_BRK, F_DEF_FLAGS, F_END_DATA, F_LOCKED_VM, F_MMAP_BASE, F_MMAP_LEGACY, F_START_BRK,
  F_START_DATA, F_RLIMIT_DATA, F_RLIMIT_STACK, F_TASK_SIZE, MMAP_MIN_ADDR, STACK_GUARD_GAP,
  RLIM_INFINITY, type MmTable, mayExpandVm, pageAlign, taskUnmappedBase, updateHiwaterVm, vmStatAccount,
} from './mm_struct.ts';
import {
  PAGE_SIZE, VM_ACCOUNT, VM_DATA_DEFAULT_FLAGS, VM_EXEC, VM_GROWSDOWN, VM_LOCKED, VM_MAYEXEC, VM_MAYREAD,
  VM_MAYSHARE, VM_MAYWRITE, VM_NORESERVE, VM_READ, VM_SHARED, VM_SPECIAL, VM_STACK_FLAGS, VM_WRITE, type VmaInfo,
} from './vma.ts';
import { EACCES, EAGAIN, EEXIST, EFAULT, EINVAL, ENODEV, ENOMEM, EOPNOTSUPP, EOVERFLOW, EPERM } from '../syscalls/numbers.ts';


// include/uapi/asm-generic/mman-common.h, mman.h
export const PROT_NONE = 0;
export const PROT_READ = 0x1;
export const PROT_WRITE = 0x2;
export const PROT_EXEC = 0x4;
export const PROT_SEM = 0x8;
export const PROT_GROWSDOWN = 0x01000000;
export const PROT_GROWSUP = 0x02000000;
export const MAP_SHARED = 0x01;
export const MAP_PRIVATE = 0x02;
export const MAP_SHARED_VALIDATE = 0x03;
export const MAP_TYPE = 0x0f;
export const MAP_FIXED = 0x10;
export const MAP_ANONYMOUS = 0x20;
export const MAP_GROWSDOWN = 0x0100;
export const MAP_DENYWRITE = 0x0800;
export const MAP_EXECUTABLE = 0x1000;
export const MAP_LOCKED = 0x2000;
export const MAP_NORESERVE = 0x4000;
export const MAP_POPULATE = 0x8000;
export const MAP_NONBLOCK = 0x10000;
export const MAP_STACK = 0x20000;
export const MAP_HUGETLB = 0x40000;
export const MAP_FIXED_NOREPLACE = 0x100000;
const MAP_UNINITIALIZED = 0x4000000;
const LEGACY_MAP_MASK = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS | MAP_DENYWRITE | MAP_EXECUTABLE |
  MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB;

/** A byte range [start, end). */
export interface Range {
  start: number;
  end: number;
}
/** Protection of [start, end) went from oldFlags to newFlags (PTEs to rewrite; a downgrade needs a shootdown). */
export interface ProtChange extends Range {
  oldFlags: number;
  newFlags: number;
}
/** mremap moved len bytes of PTEs from `from` to `to` (move_page_tables). */
export interface MoveRange {
  from: number;
  to: number;
  len: number;
}
/**
 * What one call did. ret: the syscall's return value (address, 0, or -errno; brk returns the
 * brk). unmapped: VMA pieces removed, as they were (zap PTEs, free pages, flush TLBs).
 * protChanged: ranges whose vm_flags changed. moved: PTE moves. zapped: ranges whose pages
 * are dropped while the mapping stays (madvise DONTNEED).
 */
export interface MmChanges {
  ret: number;
  unmapped: VmaInfo[];
  protChanged: ProtChange[];
  moved: MoveRange[];
  zapped: Range[];
}

export function noChanges(ret = 0): MmChanges {
  return { ret, unmapped: [], protChanged: [], moved: [], zapped: [] };
}

/** The file behind a file mapping, as the fd layer resolved it. */
export interface MmapFile {
  /** Positive id, the same for every mapping of the same file (vm_file identity). */
  id: number;
  readable: boolean;
  writable: boolean;
  /** Mounted noexec. */
  noexec?: boolean;
  /** The file has no mmap operation (a pipe, a directory, a generated file): -ENODEV. */
  noMmap?: boolean;
}

export function vmaInfo(t: MmTable, v: number): VmaInfo {
  const p = t.pool;
  return { start: p.start(v), end: p.end(v), flags: p.flags(v), pgoff: p.pgoff(v), file: p.file(v), anonVma: p.anonVma(v) };
}

/** Every VMA of mm m, in address order. */
export function vmaList(t: MmTable, m: number): VmaInfo[] {
  const out: VmaInfo[] = [];
  for (let i = 0; i < t.mapCount(m); i++) out.push(vmaInfo(t, t.vmaAt(m, i)));
  return out;
}

// ---- gaps and placement ------------------------------------------------------------------

/** vm_start_gap: a stack VMA keeps stack_guard_gap free below it. */
export function vmStartGap(t: MmTable, v: number): number {
  const s = t.pool.start(v);
  if ((t.pool.flags(v) & VM_GROWSDOWN) === 0) return s;
  return s < STACK_GUARD_GAP ? 0 : s - STACK_GUARD_GAP;
}

/** unmapped_area_topdown: the highest free [a, a+len) with low <= a and a+len <= high. */
function unmappedAreaTopdown(t: MmTable, m: number, len: number, low: number, high: number): number {
  if (low < MMAP_MIN_ADDR) low = MMAP_MIN_ADDR;
  const n = t.mapCount(m);
  // Linear in the VMAs above the gap found (Linux's maple tree keeps gap maxima: O(log n)).
  for (let i = n; i >= 0; i--) {
    const gapLo = i > 0 ? t.pool.end(t.vmaAt(m, i - 1)) : 0;
    const gapHi = i < n ? vmStartGap(t, t.vmaAt(m, i)) : Infinity;
    if (gapHi <= low) break;
    const hi = Math.min(gapHi, high);
    const lo = Math.max(gapLo, low);
    if (hi - lo >= len) return hi - len;
  }
  return -ENOMEM;
}

/** unmapped_area: the lowest free [a, a+len) with low <= a and a+len <= high. */
function unmappedArea(t: MmTable, m: number, len: number, low: number, high: number): number {
  if (low < MMAP_MIN_ADDR) low = MMAP_MIN_ADDR;
  const n = t.mapCount(m);
  for (let i = 0; i <= n; i++) {
    const gapLo = i > 0 ? t.pool.end(t.vmaAt(m, i - 1)) : 0;
    const gapHi = i < n ? vmStartGap(t, t.vmaAt(m, i)) : Infinity;
    if (gapLo >= high) break;
    const hi = Math.min(gapHi, high);
    const lo = Math.max(gapLo, low);
    if (hi - lo >= len) return lo;
  }
  return -ENOMEM;
}

/**
 * __get_unmapped_area with the mm's layout (generic_get_unmapped_area[_topdown]): MAP_FIXED
 * takes addr as is; a hint is used when [hint, hint+len) is free; otherwise top-down below
 * mmap_base (falling back to bottom-up from TASK_UNMAPPED_BASE), or bottom-up in the legacy
 * layout. Returns the address or -errno (ENOMEM, EINVAL unaligned, EPERM below mmap_min_addr).
 */
export function getUnmappedArea(t: MmTable, m: number, addr: number, len: number, flags: number): number {
  const taskSize = t.get(m, F_TASK_SIZE);
  const mmapEnd = taskSize;
  if (len > taskSize) return -ENOMEM;
  if (len > mmapEnd - MMAP_MIN_ADDR) return -ENOMEM;
  let a: number;
  if ((flags & MAP_FIXED) !== 0) {
    a = addr;
  } else {
    a = -ENOMEM;
    if (addr !== 0) {
      const hint = pageAlign(addr);
      const i = t.findPos(m, hint);
      const vma = i < t.mapCount(m) ? t.vmaAt(m, i) : -1;
      const prev = i > 0 ? t.vmaAt(m, i - 1) : -1;
      if (mmapEnd - len >= hint && hint >= MMAP_MIN_ADDR && (vma < 0 || hint + len <= vmStartGap(t, vma)) &&
        (prev < 0 || hint >= t.pool.end(prev))) a = hint;
    }
    if (a < 0) {
      if (t.get(m, F_MMAP_LEGACY) !== 0) {
        a = unmappedArea(t, m, len, t.get(m, F_MMAP_BASE), mmapEnd);
      } else {
        a = unmappedAreaTopdown(t, m, len, PAGE_SIZE, t.get(m, F_MMAP_BASE));
        if (a < 0) a = unmappedArea(t, m, len, taskUnmappedBase(taskSize), mmapEnd);
      }
    }
  }
  if (a < 0) return a;
  if (a > taskSize - len) return -ENOMEM;
  if (a % PAGE_SIZE !== 0) return -EINVAL;
  if (a < MMAP_MIN_ADDR) return -EPERM; // cap_mmap_addr without CAP_SYS_RAWIO
  return a;
}

// ---- VMA array surgery -------------------------------------------------------------------

function anonCompatible(a: number, b: number): boolean {
  return a === 0 || b === 0 || a === b;
}

/** is_mergeable_vma + is_mergeable_anon_vma. */
export function canMerge(t: MmTable, v: number, flags: number, file: number, anon: number): boolean {
  return t.pool.flags(v) === flags && t.pool.file(v) === file && anonCompatible(t.pool.anonVma(v), anon) &&
    (flags & VM_SPECIAL) === 0;
}

/** Allocate and insert a VMA (its range must be free). Returns its index or -ENOMEM. */
export function insertVma(t: MmTable, m: number, start: number, end: number, flags: number, file: number, pgoff: number, anon: number): number {
  const v = t.pool.alloc(m);
  if (v < 0) return -ENOMEM;
  const p = t.pool;
  p.setStart(v, start);
  p.setEnd(v, end);
  p.setFlags(v, flags);
  p.setFile(v, file);
  p.setPgoff(v, pgoff);
  p.setAnonVma(v, anon);
  t.insertAt(m, t.findPos(m, start), v);
  return v;
}

/** Remove the VMA at sorted position i and free its record. */
export function removeVmaAt(t: MmTable, m: number, i: number): void {
  const v = t.vmaAt(m, i);
  t.removeAt(m, i, 1);
  t.pool.free(v);
}

/**
 * __split_vma: cut the VMA at position i at addr (strictly inside it); afterwards position i
 * is the part below addr and i+1 the part above. Both keep the anon_vma. 0 or -ENOMEM.
 */
export function splitVmaAt(t: MmTable, m: number, i: number, addr: number): number {
  const p = t.pool;
  const v = t.vmaAt(m, i);
  const n = p.alloc(m);
  if (n < 0) return -ENOMEM;
  p.copy(n, v);
  p.setStart(n, addr);
  p.setPgoff(n, p.pgoff(v) + (addr - p.start(v)) / PAGE_SIZE);
  p.setEnd(v, addr);
  t.insertAt(m, i + 1, n);
  return 0;
}

/** split_vma: __split_vma refused at vm.max_map_count. */
export function splitVmaChecked(t: MmTable, m: number, i: number, addr: number): number {
  if (t.mapCount(m) >= t.maxMapCount) return -ENOMEM;
  return splitVmaAt(t, m, i, addr);
}

/**
 * vma_merge_new_range: try to extend prev and/or next over the free range [start, end)
 * instead of creating a VMA. Returns the VMA now covering the range, or -1.
 */
export function mergeNewRange(t: MmTable, m: number, start: number, end: number, flags: number, file: number, pgoff: number, anon: number): number {
  const p = t.pool;
  const pos = t.findPos(m, start);
  const prev = pos > 0 ? t.vmaAt(m, pos - 1) : -1;
  const next = pos < t.mapCount(m) ? t.vmaAt(m, pos) : -1;
  const pglen = (end - start) / PAGE_SIZE;
  const left = prev >= 0 && p.end(prev) === start && canMerge(t, prev, flags, file, anon) &&
    p.pgoff(prev) + p.pages(prev) === pgoff;
  const right = next >= 0 && p.start(next) === end && canMerge(t, next, flags, file, anon) &&
    p.pgoff(next) === pgoff + pglen && (!left || anonCompatible(p.anonVma(prev), p.anonVma(next)));
  if (left && right) {
    p.setEnd(prev, p.end(next));
    if (p.anonVma(prev) === 0) p.setAnonVma(prev, p.anonVma(next) || anon);
    removeVmaAt(t, m, pos);
    return prev;
  }
  if (left) {
    p.setEnd(prev, end);
    if (p.anonVma(prev) === 0) p.setAnonVma(prev, anon);
    return prev;
  }
  if (right) {
    p.setStart(next, start);
    p.setPgoff(next, pgoff);
    if (p.anonVma(next) === 0) p.setAnonVma(next, anon);
    return next;
  }
  return -1;
}

/**
 * vma_modify: give [start, end) of the VMA at position i (start/end inside it) the flags
 * newFlags, merging with prev/next where the merge rule allows, else splitting
 * (split_vma's max_map_count check applies only when it splits). Returns the position of
 * the VMA that now covers [start, end), or -ENOMEM.
 */
export function vmaModifyFlags(t: MmTable, m: number, i: number, start: number, end: number, newFlags: number): number {
  const p = t.pool;
  const mid = t.vmaAt(m, i);
  const prev = i > 0 ? t.vmaAt(m, i - 1) : -1;
  const next = i + 1 < t.mapCount(m) ? t.vmaAt(m, i + 1) : -1;
  const leftSide = start === p.start(mid);
  const rightSide = end === p.end(mid);
  const file = p.file(mid);
  const anon = p.anonVma(mid);
  const pgoff = p.pgoff(mid) + (start - p.start(mid)) / PAGE_SIZE;
  const pglen = (end - start) / PAGE_SIZE;
  const mergeLeft = leftSide && prev >= 0 && p.end(prev) === start && canMerge(t, prev, newFlags, file, anon) &&
    p.pgoff(prev) + p.pages(prev) === pgoff;
  const mergeRight = rightSide && next >= 0 && p.start(next) === end && canMerge(t, next, newFlags, file, anon) &&
    p.pgoff(next) === pgoff + pglen && (!mergeLeft || anonCompatible(p.anonVma(prev), p.anonVma(next)));
  if (mergeLeft && mergeRight) {
    p.setEnd(prev, p.end(next));
    if (p.anonVma(prev) === 0) p.setAnonVma(prev, p.anonVma(next) || anon);
    removeVmaAt(t, m, i + 1);
    removeVmaAt(t, m, i);
    return i - 1;
  }
  if (mergeLeft) {
    p.setEnd(prev, end);
    if (p.anonVma(prev) === 0) p.setAnonVma(prev, anon);
    if (rightSide) removeVmaAt(t, m, i);
    else {
      p.setPgoff(mid, p.pgoff(mid) + (end - p.start(mid)) / PAGE_SIZE);
      p.setStart(mid, end);
    }
    return i - 1;
  }
  if (mergeRight) {
    p.setStart(next, start);
    p.setPgoff(next, pgoff);
    if (p.anonVma(next) === 0) p.setAnonVma(next, anon);
    if (leftSide) {
      removeVmaAt(t, m, i);
      return i;
    }
    p.setEnd(mid, start);
    return i + 1;
  }
  let pos = i;
  if (!leftSide) {
    const err = splitVmaChecked(t, m, pos, start);
    if (err < 0) return err;
    pos++;
  }
  if (!rightSide) {
    const err = splitVmaChecked(t, m, pos, end);
    if (err < 0) return err;
  }
  p.setFlags(t.vmaAt(m, pos), newFlags);
  return pos;
}

/** Pages of [start, end) that VMAs cover (count_vma_pages_range). */
export function countVmaPagesRange(t: MmTable, m: number, start: number, end: number): number {
  let n = 0;
  for (let i = t.findPos(m, start); i < t.mapCount(m); i++) {
    const v = t.vmaAt(m, i);
    if (t.pool.start(v) >= end) break;
    n += (Math.min(end, t.pool.end(v)) - Math.max(start, t.pool.start(v))) / PAGE_SIZE;
  }
  return n;
}

/**
 * do_vmi_align_munmap over page-aligned [start, end): split the VMAs at the edges, remove
 * everything inside, account it. Appends the removed pieces to `out`. 0 or -ENOMEM (a hole
 * punched in one VMA at vm.max_map_count).
 */
export function munmapRange(t: MmTable, m: number, start: number, end: number, out: VmaInfo[]): number {
  const p = t.pool;
  if (end <= start) return 0;
  let i = t.findPos(m, start);
  if (i >= t.mapCount(m) || p.start(t.vmaAt(m, i)) >= end) return 0;
  const first = t.vmaAt(m, i);
  if (start > p.start(first)) {
    if (end < p.end(first) && t.mapCount(m) >= t.maxMapCount) return -ENOMEM;
    const err = splitVmaAt(t, m, i, start);
    if (err < 0) return err;
    i++;
  }
  let j = i;
  while (j < t.mapCount(m) && p.start(t.vmaAt(m, j)) < end) j++;
  const last = t.vmaAt(m, j - 1);
  if (p.end(last) > end) {
    const err = splitVmaAt(t, m, j - 1, end);
    if (err < 0) return err;
  }
  updateHiwaterVm(t, m);
  for (let k = i; k < j; k++) {
    const v = t.vmaAt(m, k);
    out.push(vmaInfo(t, v));
    vmStatAccount(t, m, p.flags(v), -p.pages(v));
    if ((p.flags(v) & VM_LOCKED) !== 0) t.add(m, F_LOCKED_VM, -p.pages(v));
  }
  for (let k = j - 1; k >= i; k--) removeVmaAt(t, m, k);
  return 0;
}

// ---- syscalls ----------------------------------------------------------------------------

/**
 * munmap(addr, len) (__vm_munmap). EINVAL for an unaligned addr, len 0, or a range beyond
 * TASK_SIZE; ENOMEM for a hole in one VMA at vm.max_map_count. Caller holds the mmap lock
 * for writing and zaps `unmapped` before releasing it.
 */
export function doMunmap(t: MmTable, m: number, start: number, len: number): MmChanges {
  const out = noChanges();
  const taskSize = t.get(m, F_TASK_SIZE);
  if (start % PAGE_SIZE !== 0 || start > taskSize || len > taskSize - start) return noChanges(-EINVAL);
  const end = start + pageAlign(len);
  if (end === start) return noChanges(-EINVAL);
  out.ret = munmapRange(t, m, start, end, out.unmapped);
  return out;
}

function calcVmProtBits(prot: number): number {
  return (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
}

/** Unique file ids for MAP_SHARED|MAP_ANONYMOUS (shmem_zero_setup's "/dev/zero (deleted)" file). */
export function isShmemZeroFile(file: number): boolean {
  return file < 0;
}

/**
 * mmap(addr, len, prot, flags, file, pgoff) as do_mmap + mmap_region. `file` is null for
 * MAP_ANONYMOUS (the caller resolved the fd: EBADF, and riscv's EINVAL for an offset not
 * page-aligned, come before this). Returns the address or -errno: EINVAL (len 0, bad map
 * type, unaligned MAP_FIXED address), ENOMEM (no room, beyond TASK_SIZE, vm.max_map_count,
 * RLIMIT_AS), EEXIST (MAP_FIXED_NOREPLACE over a mapping), EPERM (below mmap_min_addr),
 * EACCES (file modes). MAP_FIXED unmaps what was there: see `unmapped`.
 */
export function doMmap(t: MmTable, m: number, addr: number, len: number, prot: number, flags: number, file: MmapFile | null, pgoff: number): MmChanges {
  if ((flags & MAP_FIXED_NOREPLACE) !== 0) flags |= MAP_FIXED;
  if ((flags & MAP_FIXED) === 0) {
    addr -= addr % PAGE_SIZE; // round_hint_to_min
    if (addr !== 0 && addr < MMAP_MIN_ADDR) addr = pageAlign(MMAP_MIN_ADDR);
  }
  if (len === 0) return noChanges(-EINVAL);
  len = pageAlign(len);
  if (t.mapCount(m) > t.maxMapCount) return noChanges(-ENOMEM);
  const a = getUnmappedArea(t, m, addr, len, flags);
  if (a < 0) return noChanges(a);
  if ((flags & MAP_FIXED_NOREPLACE) !== 0 && countVmaPagesRange(t, m, a, a + len) > 0) return noChanges(-EEXIST);
  let vmFlags = calcVmProtBits(prot) | (flags & MAP_GROWSDOWN ? VM_GROWSDOWN : 0) | (flags & MAP_LOCKED ? VM_LOCKED : 0) |
    t.get(m, F_DEF_FLAGS) | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  let fileId = 0;
  if (file !== null) {
    fileId = file.id;
    // file_mmap_ok: the mapping ends within MAX_LFS_FILESIZE (2^63 - 1).
    if (pgoff + len / PAGE_SIZE > 2 ** 51 - 1) return noChanges(-EOVERFLOW);
    switch (flags & MAP_TYPE) {
      case MAP_SHARED:
      case MAP_SHARED_VALIDATE:
        if ((flags & MAP_TYPE) === MAP_SHARED) flags &= LEGACY_MAP_MASK;
        else if ((flags & ~LEGACY_MAP_MASK) !== 0) return noChanges(-EOPNOTSUPP);
        if ((prot & PROT_WRITE) !== 0 && !file.writable) return noChanges(-EACCES);
        vmFlags |= VM_SHARED | VM_MAYSHARE;
        if (!file.writable) vmFlags &= ~(VM_MAYWRITE | VM_SHARED);
      // fallthrough
      case MAP_PRIVATE:
        if (!file.readable) return noChanges(-EACCES);
        if (file.noexec === true) {
          if ((vmFlags & VM_EXEC) !== 0) return noChanges(-EPERM);
          vmFlags &= ~VM_MAYEXEC;
        }
        if (file.noMmap === true) return noChanges(-ENODEV);
        if ((vmFlags & VM_GROWSDOWN) !== 0) return noChanges(-EINVAL);
        break;
      default:
        return noChanges(-EINVAL);
    }
  } else {
    switch (flags & MAP_TYPE) {
      case MAP_SHARED:
        if ((vmFlags & VM_GROWSDOWN) !== 0) return noChanges(-EINVAL);
        pgoff = 0;
        vmFlags |= VM_SHARED | VM_MAYSHARE;
        break;
      case MAP_PRIVATE:
        pgoff = a / PAGE_SIZE;
        break;
      default:
        return noChanges(-EINVAL);
    }
  }
  if ((flags & MAP_NORESERVE) !== 0) vmFlags |= VM_NORESERVE;
  return mmapRegion(t, m, a, len, vmFlags, file === null && (vmFlags & VM_SHARED) !== 0 ? -t.pool.newAnonVma() : fileId, pgoff);
}

/** mmap_region: unmap what is in the way, then merge into a neighbour or insert a VMA. */
export function mmapRegion(t: MmTable, m: number, addr: number, len: number, vmFlags: number, file: number, pgoff: number): MmChanges {
  const out = noChanges(addr);
  const end = addr + len;
  const pglen = len / PAGE_SIZE;
  if (!mayExpandVm(t, m, vmFlags, pglen) && !mayExpandVm(t, m, vmFlags, pglen - countVmaPagesRange(t, m, addr, end))) {
    return noChanges(-ENOMEM);
  }
  const err = munmapRange(t, m, addr, end, out.unmapped);
  if (err < 0) {
    out.ret = err === -EPERM ? err : -ENOMEM;
    return out;
  }
  // accountable_mapping: private writable memory is committed.
  if ((vmFlags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) === VM_WRITE) vmFlags |= VM_ACCOUNT;
  if (mergeNewRange(t, m, addr, end, vmFlags, file, pgoff, 0) < 0) {
    const v = insertVma(t, m, addr, end, vmFlags, file, pgoff, 0);
    if (v < 0) {
      out.ret = v;
      return out;
    }
  }
  vmStatAccount(t, m, vmFlags, pglen);
  if ((vmFlags & VM_LOCKED) !== 0) t.add(m, F_LOCKED_VM, pglen);
  return out;
}

/**
 * brk(newBrk) (mm/mmap.c): grows or shrinks the heap VMA [start_brk, PAGE_ALIGN(brk)).
 * Returns (in ret) the new brk, or the unchanged one on failure, as Linux does: below
 * start_brk, over RLIMIT_DATA, into the next mapping (keeping a guard page and the
 * stack's guard gap), beyond TASK_SIZE, or a shrink when no VMA lies in the range.
 */
export function doBrk(t: MmTable, m: number, brk: number): MmChanges {
  const origbrk = t.get(m, F_BRK);
  const startBrk = t.get(m, F_START_BRK);
  if (brk < startBrk) return noChanges(origbrk);
  const rlim = t.get(m, F_RLIMIT_DATA);
  if (rlim < RLIM_INFINITY && brk - startBrk + t.get(m, F_END_DATA) - t.get(m, F_START_DATA) > rlim) return noChanges(origbrk);
  const newbrk = pageAlign(brk);
  const oldbrk = pageAlign(origbrk);
  if (oldbrk === newbrk) {
    t.set(m, F_BRK, brk);
    return noChanges(brk);
  }
  const p = t.pool;
  if (brk <= origbrk) {
    const i = t.findPos(m, newbrk);
    if (i >= t.mapCount(m) || p.start(t.vmaAt(m, i)) >= oldbrk) return noChanges(origbrk);
    const out = noChanges(brk);
    t.set(m, F_BRK, brk);
    if (munmapRange(t, m, newbrk, oldbrk, out.unmapped) < 0) {
      t.set(m, F_BRK, origbrk);
      out.ret = origbrk;
    }
    return out;
  }
  // check_brk_limits: get_unmapped_area(NULL, oldbrk, len, 0, MAP_FIXED).
  if (getUnmappedArea(t, m, oldbrk, newbrk - oldbrk, MAP_FIXED) < 0) return noChanges(origbrk);
  const ni = t.findPos(m, oldbrk);
  if (ni < t.mapCount(m)) {
    const next = t.vmaAt(m, ni);
    if (p.start(next) < newbrk + PAGE_SIZE + STACK_GUARD_GAP && newbrk + PAGE_SIZE > vmStartGap(t, next)) return noChanges(origbrk);
  }
  if (doBrkFlags(t, m, oldbrk, newbrk - oldbrk, 0, t.get(m, F_START_BRK)) < 0) return noChanges(origbrk);
  t.set(m, F_BRK, brk);
  return noChanges(brk);
}

/**
 * vm_brk_flags (the ELF loader's bss): map anonymous [addr, addr+len) like brk does,
 * replacing what is there, merging with the VMA below. 0 or -errno.
 */
export function vmBrkFlags(t: MmTable, m: number, addr: number, len: number, extra: number): MmChanges {
  len = pageAlign(len);
  if (len === 0) return noChanges(0);
  const a = getUnmappedArea(t, m, addr, len, MAP_FIXED);
  if (a < 0) return noChanges(a);
  const out = noChanges(0);
  const err = munmapRange(t, m, addr, addr + len, out.unmapped);
  if (err < 0) {
    out.ret = err;
    return out;
  }
  out.ret = doBrkFlags(t, m, addr, len, extra, -1);
  return out;
}

/** do_brk_flags: extend the VMA ending at addr (if it ends above minEnd) when it merges, else add one. */
function doBrkFlags(t: MmTable, m: number, addr: number, len: number, extra: number, minEnd: number): number {
  const flags = VM_DATA_DEFAULT_FLAGS | VM_ACCOUNT | t.get(m, F_DEF_FLAGS) | extra;
  const pglen = len / PAGE_SIZE;
  if (!mayExpandVm(t, m, flags, pglen)) return -ENOMEM;
  if (t.mapCount(m) > t.maxMapCount) return -ENOMEM;
  const p = t.pool;
  const i = t.findPos(m, addr);
  const prev = i > 0 ? t.vmaAt(m, i - 1) : -1;
  // vma_prev_limit(start_brk): only a VMA that ends above start_brk is the brk VMA.
  if (prev >= 0 && p.end(prev) === addr && p.end(prev) > minEnd && canMerge(t, prev, flags, 0, 0) &&
    p.pgoff(prev) + p.pages(prev) === addr / PAGE_SIZE) {
    p.setEnd(prev, addr + len);
  } else {
    const v = insertVma(t, m, addr, addr + len, flags, 0, addr / PAGE_SIZE, 0);
    if (v < 0) return v;
  }
  vmStatAccount(t, m, flags, pglen);
  return 0;
}

/**
 * setup_arg_pages's stack VMA: [STACK_TOP - PAGE_ALIGN(argBytes) - 128 KiB, STACK_TOP)
 * (the expansion is capped by RLIMIT_STACK), VM_STACK_FLAGS. Returns its start or -errno.
 */
export function setupStackVma(t: MmTable, m: number, argBytes: number, execStack = false): number {
  const top = t.get(m, F_TASK_SIZE); // riscv STACK_TOP = TASK_SIZE
  const used = pageAlign(argBytes);
  const rlim = Math.floor(t.get(m, F_RLIMIT_STACK) / PAGE_SIZE) * PAGE_SIZE;
  const stackExpand = 131072;
  const base = used + stackExpand > rlim ? top - rlim : top - used - stackExpand;
  const flags = VM_STACK_FLAGS | (execStack ? VM_EXEC : 0) | t.get(m, F_DEF_FLAGS);
  const v = insertVma(t, m, base, top, flags, 0, base / PAGE_SIZE, 0);
  if (v < 0) return v;
  vmStatAccount(t, m, flags, (top - base) / PAGE_SIZE);
  return base;
}

/**
 * expand_downwards for the fault path (mmap lock held for writing): grow the stack VMA `v`
 * down to cover addr. 0, -ENOMEM (RLIMIT_STACK, RLIMIT_AS, or within stack_guard_gap of an
 * accessible mapping below) or -EPERM (below mmap_min_addr).
 */
export function expandStack(t: MmTable, m: number, v: number, addr: number): number {
  const p = t.pool;
  addr -= addr % PAGE_SIZE;
  if ((p.flags(v) & VM_GROWSDOWN) === 0) return -EFAULT;
  if (addr >= p.start(v)) return 0;
  if (addr < MMAP_MIN_ADDR) return -EPERM;
  const i = t.findPos(m, p.start(v));
  const prev = i > 0 ? t.vmaAt(m, i - 1) : -1;
  if (prev >= 0 && (p.flags(prev) & VM_GROWSDOWN) === 0 && (p.flags(prev) & (VM_READ | VM_WRITE | VM_EXEC)) !== 0 &&
    addr - p.end(prev) < STACK_GUARD_GAP) return -ENOMEM;
  if (prev >= 0 && addr < p.end(prev)) return -ENOMEM;
  const grow = (p.start(v) - addr) / PAGE_SIZE;
  if (!mayExpandVm(t, m, p.flags(v), grow)) return -ENOMEM;
  if (p.end(v) - addr > t.get(m, F_RLIMIT_STACK)) return -ENOMEM;
  p.setPgoff(v, p.pgoff(v) - grow);
  p.setStart(v, addr);
  vmStatAccount(t, m, p.flags(v), grow);
  if ((p.flags(v) & VM_LOCKED) !== 0) t.add(m, F_LOCKED_VM, grow);
  return 0;
}

/**
 * anon_vma_prepare for the fault path (mmap lock held for reading): the VMA's anon_vma,
 * reusing a neighbour's when find_mergeable_anon_vma allows (next first, then prev), else
 * a new one. The store is a compareExchange, so racing faults agree on one id.
 */
export function anonVmaPrepare(t: MmTable, m: number, v: number): number {
  const p = t.pool;
  const cur = p.anonVma(v);
  if (cur !== 0) return cur;
  const i = t.findPos(m, p.start(v));
  const compatible = (a: number, b: number): boolean =>
    p.end(a) === p.start(b) && p.file(a) === p.file(b) &&
    ((p.flags(a) ^ p.flags(b)) & ~(VM_READ | VM_WRITE | VM_EXEC)) === 0 &&
    p.pgoff(b) === p.pgoff(a) + (p.start(b) - p.start(a)) / PAGE_SIZE;
  let id = 0;
  if (i + 1 < t.mapCount(m)) {
    const next = t.vmaAt(m, i + 1);
    if (compatible(v, next)) id = p.anonVma(next);
  }
  if (id === 0 && i > 0) {
    const prev = t.vmaAt(m, i - 1);
    if (compatible(prev, v)) id = p.anonVma(prev);
  }
  if (id === 0) id = p.newAnonVma();
  return p.casAnonVma(v, id);
}


// madvise (mm/madvise.c): validation and the VMA side of the advice. DONTNEED and FREE keep
// the mapping and drop (or lazily free) its pages: the ranges come back in `zapped` for the
// page-table code. The vm_flags advice (RANDOM, SEQUENTIAL, DONTFORK, DONTDUMP, ...) splits
// and merges VMAs like mprotect. Holes in the range are skipped and reported as ENOMEM at
// the end, after the mapped parts were advised, as Linux does.

import type { MmTable } from './mm_struct.ts';
import { type MmChanges, noChanges, vmaModifyFlags } from './mmap.ts';
import { EINVAL, ENOMEM } from '../syscalls/numbers.ts';
import {
  PAGE_SIZE, VM_DONTCOPY, VM_DONTDUMP, VM_DONTEXPAND, VM_HUGETLB, VM_IO, VM_LOCKED, VM_PFNMAP, VM_RAND_READ,
  VM_SEQ_READ, VM_SHARED, VM_WIPEONFORK,
} from './vma.ts';
import { pageAlign } from './mm_struct.ts';

// include/uapi/asm-generic/mman-common.h
export const MADV_NORMAL = 0;
export const MADV_RANDOM = 1;
export const MADV_SEQUENTIAL = 2;
export const MADV_WILLNEED = 3;
export const MADV_DONTNEED = 4;
export const MADV_FREE = 8;
export const MADV_REMOVE = 9;
export const MADV_DONTFORK = 10;
export const MADV_DOFORK = 11;
export const MADV_DONTDUMP = 16;
export const MADV_DODUMP = 17;
export const MADV_WIPEONFORK = 18;
export const MADV_KEEPONFORK = 19;
export const MADV_COLD = 20;
export const MADV_PAGEOUT = 21;

/** The new vm_flags for a flags-changing advice, or -EINVAL; null for the other advice. */
function adviseFlags(flags: number, file: number, behavior: number): number | null {
  switch (behavior) {
    case MADV_NORMAL: return flags & ~(VM_RAND_READ | VM_SEQ_READ);
    case MADV_RANDOM: return (flags & ~VM_SEQ_READ) | VM_RAND_READ;
    case MADV_SEQUENTIAL: return (flags & ~VM_RAND_READ) | VM_SEQ_READ;
    case MADV_DONTFORK: return flags | VM_DONTCOPY;
    case MADV_DOFORK: return (flags & VM_IO) !== 0 ? -EINVAL : flags & ~VM_DONTCOPY;
    case MADV_WIPEONFORK: return (flags & VM_SHARED) !== 0 || file !== 0 ? -EINVAL : flags | VM_WIPEONFORK;
    case MADV_KEEPONFORK: return flags & ~VM_WIPEONFORK;
    case MADV_DONTDUMP: return flags | VM_DONTDUMP;
    case MADV_DODUMP: return (flags & VM_DONTEXPAND) !== 0 ? -EINVAL : flags & ~VM_DONTDUMP;
    default: return null;
  }
}

function behaviorValid(b: number): boolean {
  return [MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED, MADV_FREE, MADV_REMOVE, MADV_DONTFORK,
    MADV_DOFORK, MADV_DONTDUMP, MADV_DODUMP, MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT].includes(b);
}

/**
 * madvise(start, len, behavior). Errors: EINVAL (unknown advice, unaligned start, length
 * wrapping, DONTNEED/FREE on a locked or PFN-mapped VMA, FREE on a file mapping, REMOVE on a
 * private mapping), ENOMEM (part of the range unmapped). WILLNEED/COLD/PAGEOUT are accepted
 * with no effect here (no page cache or reclaim yet). Caller holds the mmap lock (for
 * writing when the advice changes flags) and zaps `zapped`.
 */
export function doMadvise(t: MmTable, m: number, start: number, lenIn: number, behavior: number): MmChanges {
  if (!behaviorValid(behavior)) return noChanges(-EINVAL);
  if (start % PAGE_SIZE !== 0) return noChanges(-EINVAL);
  const len = pageAlign(lenIn);
  if (lenIn !== 0 && len === 0) return noChanges(-EINVAL);
  const end = start + len;
  if (end >= 2 ** 64) return noChanges(-EINVAL);
  if (end === start) return noChanges(0);
  const p = t.pool;
  const out = noChanges(0);
  let unmappedError = 0;
  let i = t.findPos(m, start);
  for (;;) {
    if (i >= t.mapCount(m)) {
      out.ret = -ENOMEM;
      return out;
    }
    let v = t.vmaAt(m, i);
    if (start < p.start(v)) {
      unmappedError = -ENOMEM;
      start = p.start(v);
      if (start >= end) break;
    }
    const tmp = Math.min(p.end(v), end);
    const flags = p.flags(v);
    const nf = adviseFlags(flags, p.file(v), behavior);
    if (nf !== null) {
      if (nf < 0) {
        out.ret = nf;
        return out;
      }
      if (nf !== flags) {
        const pos = vmaModifyFlags(t, m, i, start, tmp, nf);
        if (pos < 0) {
          out.ret = pos;
          return out;
        }
        i = pos;
        v = t.vmaAt(m, i);
      }
    } else if (behavior === MADV_DONTNEED || behavior === MADV_FREE) {
      if ((flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB)) !== 0) {
        out.ret = -EINVAL;
        return out;
      }
      if (behavior === MADV_FREE && p.file(v) !== 0) {
        out.ret = -EINVAL;
        return out;
      }
      out.zapped.push({ start, end: tmp });
    } else if (behavior === MADV_REMOVE) {
      if ((flags & VM_SHARED) === 0 || p.file(v) === 0) {
        out.ret = -EINVAL;
        return out;
      }
      out.zapped.push({ start, end: tmp });
    }
    start = Math.max(tmp, p.end(v)); // past the VMA just advised (merged ones included)
    if (start >= end) break;
    i++;
  }
  out.ret = unmappedError;
  return out;
}

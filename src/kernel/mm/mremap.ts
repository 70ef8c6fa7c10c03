// mremap (mm/mremap.c): shrink in place, grow in place when the space after the VMA is
// free, otherwise move (MREMAP_MAYMOVE) to a new address or to MREMAP_FIXED's. A move
// copies the VMA (merging at the destination), moves the PTEs (reported in `moved`) and
// unmaps the old range. MREMAP_DONTUNMAP is refused with EINVAL (not implemented yet).

import { F_HIWATER_VM, F_LOCKED_VM, F_TASK_SIZE, type MmTable, mayExpandVm, pageAlign, vmStatAccount } from './mm_struct.ts';
import { MAP_FIXED, type MmChanges, countVmaPagesRange, getUnmappedArea, insertVma, mergeNewRange, munmapRange, noChanges } from './mmap.ts';
import { EFAULT, EINVAL, ENOMEM } from '../syscalls/numbers.ts';
import { PAGE_SIZE, VM_DONTEXPAND, VM_LOCKED, VM_MAYSHARE, VM_PFNMAP, VM_SHARED } from './vma.ts';

export const MREMAP_MAYMOVE = 1;
export const MREMAP_FIXED = 2;
export const MREMAP_DONTUNMAP = 4;

/**
 * mremap(addr, oldLen, newLen, flags, newAddr). Returns the (possibly new) address or
 * -errno: EINVAL (bad flags, unaligned addr or newAddr, newLen 0, overlapping FIXED ranges,
 * oldLen 0 on a private mapping), EFAULT (no VMA at addr, or the old range crosses a VMA
 * boundary), ENOMEM (cannot grow in place without MREMAP_MAYMOVE, no room, map count).
 * Caller holds the mmap lock for writing; it moves `moved` PTEs and zaps `unmapped`.
 */
export function doMremap(t: MmTable, m: number, addr: number, oldLen: number, newLen: number, flags: number, newAddr: number): MmChanges {
  if ((flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP)) !== 0) return noChanges(-EINVAL);
  if ((flags & MREMAP_FIXED) !== 0 && (flags & MREMAP_MAYMOVE) === 0) return noChanges(-EINVAL);
  if ((flags & MREMAP_DONTUNMAP) !== 0) return noChanges(-EINVAL);
  if (addr % PAGE_SIZE !== 0) return noChanges(-EINVAL);
  oldLen = pageAlign(oldLen);
  newLen = pageAlign(newLen);
  if (newLen === 0) return noChanges(-EINVAL);
  const p = t.pool;
  if (t.vmaLookup(m, addr) < 0) return noChanges(-EFAULT);
  if ((flags & MREMAP_FIXED) !== 0) return mremapTo(t, m, addr, oldLen, newAddr, newLen);

  if (oldLen >= newLen) {
    const out = noChanges(addr);
    if (oldLen === newLen) return out;
    const err = munmapRange(t, m, addr + newLen, addr + oldLen, out.unmapped);
    if (err < 0) out.ret = err;
    return out;
  }
  const vr = vmaToResize(t, m, addr, oldLen, newLen);
  if (vr < 0) return noChanges(vr);
  const v = vr;
  if (oldLen === p.end(v) - addr) {
    const delta = newLen - oldLen;
    if (vmaExpandable(t, m, v, delta)) {
      // vma_merge_extend: grow v over the free space, joining the next VMA if it now touches and merges.
      const start = p.end(v);
      const flagsV = p.flags(v);
      const merged = mergeNewRange(t, m, start, start + delta, flagsV, p.file(v), p.pgoff(v) + p.pages(v), p.anonVma(v));
      if (merged < 0) return noChanges(-ENOMEM);
      vmStatAccount(t, m, flagsV, delta / PAGE_SIZE);
      if ((flagsV & VM_LOCKED) !== 0) t.add(m, F_LOCKED_VM, delta / PAGE_SIZE);
      return noChanges(addr);
    }
  }
  if ((flags & MREMAP_MAYMOVE) === 0) return noChanges(-ENOMEM);
  const dest = getUnmappedArea(t, m, 0, newLen, 0);
  if (dest < 0) return noChanges(dest);
  return moveVma(t, m, v, addr, oldLen, newLen, dest, noChanges(dest));
}

/** vma_to_resize: the VMA at addr, if [addr, addr+oldLen) may become newLen long. */
function vmaToResize(t: MmTable, m: number, addr: number, oldLen: number, newLen: number): number {
  const p = t.pool;
  const v = t.vmaLookup(m, addr);
  if (v < 0) return -EFAULT;
  if (oldLen === 0 && (p.flags(v) & (VM_SHARED | VM_MAYSHARE)) === 0) return -EINVAL;
  if (oldLen > p.end(v) - addr) return -EFAULT;
  if (newLen === oldLen) return v;
  if ((p.flags(v) & (VM_DONTEXPAND | VM_PFNMAP)) !== 0) return -EFAULT;
  if (!mayExpandVm(t, m, p.flags(v), (newLen - oldLen) / PAGE_SIZE)) return -ENOMEM;
  return v;
}

/** vma_expandable: [end, end+delta) is free and inside TASK_SIZE. */
function vmaExpandable(t: MmTable, m: number, v: number, delta: number): boolean {
  const p = t.pool;
  const end = p.end(v) + delta;
  if (countVmaPagesRange(t, m, p.end(v), end) > 0) return false;
  return getUnmappedArea(t, m, p.start(v), end - p.start(v), MAP_FIXED) >= 0;
}

/** mremap_to: MREMAP_FIXED. */
function mremapTo(t: MmTable, m: number, addr: number, oldLen: number, newAddr: number, newLen: number): MmChanges {
  const taskSize = t.get(m, F_TASK_SIZE);
  if (newAddr % PAGE_SIZE !== 0) return noChanges(-EINVAL);
  if (newLen > taskSize || newAddr > taskSize - newLen) return noChanges(-EINVAL);
  if (addr + oldLen > newAddr && newAddr + newLen > addr) return noChanges(-EINVAL);
  if (t.mapCount(m) + 2 >= t.maxMapCount - 3) return noChanges(-ENOMEM);
  const out = noChanges(newAddr);
  let err = munmapRange(t, m, newAddr, newAddr + newLen, out.unmapped);
  if (err < 0) {
    out.ret = err;
    return out;
  }
  if (oldLen > newLen) {
    err = munmapRange(t, m, addr + newLen, addr + oldLen, out.unmapped);
    if (err < 0) {
      out.ret = err;
      return out;
    }
    oldLen = newLen;
  }
  const v = vmaToResize(t, m, addr, oldLen, newLen);
  if (v < 0) {
    out.ret = v;
    return out;
  }
  const a = getUnmappedArea(t, m, newAddr, newLen, MAP_FIXED);
  if (a < 0) {
    out.ret = a;
    return out;
  }
  return moveVma(t, m, v, addr, oldLen, newLen, newAddr, out);
}

/**
 * move_vma: copy_vma to [newAddr, newAddr+newLen) (pgoff follows the pages; an anonymous VMA
 * never faulted takes the new address's pgoff so it can merge there), move the PTEs, unmap
 * the old range. total_vm grows by newLen - oldLen; hiwater_vm is not raised by the move.
 */
function moveVma(t: MmTable, m: number, v: number, oldAddr: number, oldLen: number, newLen: number, newAddr: number, out: MmChanges): MmChanges {
  const p = t.pool;
  if (t.mapCount(m) >= t.maxMapCount - 3) {
    out.ret = -ENOMEM;
    return out;
  }
  const flags = p.flags(v);
  const file = p.file(v);
  const anon = p.anonVma(v);
  let pgoff = p.pgoff(v) + (oldAddr - p.start(v)) / PAGE_SIZE;
  if (file === 0 && anon === 0) pgoff = newAddr / PAGE_SIZE;
  const hiwater = t.get(m, F_HIWATER_VM);
  if (mergeNewRange(t, m, newAddr, newAddr + newLen, flags, file, pgoff, anon) < 0) {
    const n = insertVma(t, m, newAddr, newAddr + newLen, flags, file, pgoff, anon);
    if (n < 0) {
      out.ret = n;
      return out;
    }
  }
  if (oldLen > 0) out.moved.push({ from: oldAddr, to: newAddr, len: oldLen });
  vmStatAccount(t, m, flags, newLen / PAGE_SIZE);
  if ((flags & VM_LOCKED) !== 0) t.add(m, F_LOCKED_VM, newLen / PAGE_SIZE);
  // The old pages moved: what munmap reports for the old range has no pages left to zap.
  const removed: typeof out.unmapped = [];
  if (munmapRange(t, m, oldAddr, oldAddr + oldLen, removed) < 0) {
    out.ret = -ENOMEM;
  }
  t.set(m, F_HIWATER_VM, hiwater);
  return out;
}

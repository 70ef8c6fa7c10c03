// mprotect (mm/mprotect.c do_mprotect_pkey + mprotect_fixup): new access bits over a range,
// splitting and merging VMAs. Like Linux it is not atomic: VMAs before a hole or a refused
// VMA keep their new protection, and the error is returned with what changed so far.

import { F_TASK_SIZE, type MmTable, mayExpandVm, pageAlign, vmStatAccount } from './mm_struct.ts';
import { PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP, PROT_READ, PROT_SEM, PROT_WRITE, type MmChanges, noChanges, vmaModifyFlags } from './mmap.ts';
import { EACCES, EINVAL, ENOMEM } from '../syscalls/numbers.ts';
import {
  PAGE_SIZE, VM_ACCESS_FLAGS, VM_ACCOUNT, VM_EXEC, VM_GROWSDOWN, VM_HUGETLB, VM_NORESERVE, VM_READ, VM_SHARED,
  VM_WRITE,
} from './vma.ts';

/**
 * mprotect(start, len, prot). Caller holds the mmap lock for writing and rewrites the PTEs
 * of `protChanged` (flushing TLBs for downgrades) before releasing it.
 * Errors: EINVAL (unaligned start, unknown prot bits, both GROWS bits, PROT_GROWSDOWN on a
 * non-stack VMA), ENOMEM (range not fully mapped, end overflow, vm.max_map_count on a
 * split), EACCES (beyond the VMA's VM_MAY* bits, e.g. PROT_WRITE on a read-only shared file).
 */
export function doMprotect(t: MmTable, m: number, start: number, len: number, prot: number): MmChanges {
  const grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
  prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
  if (grows === (PROT_GROWSDOWN | PROT_GROWSUP)) return noChanges(-EINVAL);
  if (start % PAGE_SIZE !== 0) return noChanges(-EINVAL);
  if (len === 0) return noChanges(0);
  len = pageAlign(len);
  const end = start + len;
  if (end <= start || end > 2 ** 64) return noChanges(-ENOMEM);
  if ((prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) !== 0) return noChanges(-EINVAL);
  if (start >= t.get(m, F_TASK_SIZE)) return noChanges(-ENOMEM);

  const p = t.pool;
  const out = noChanges(0);
  let i = t.findPos(m, start);
  if (i >= t.mapCount(m) || p.start(t.vmaAt(m, i)) >= end) return noChanges(-ENOMEM);
  let v = t.vmaAt(m, i);
  if ((grows & PROT_GROWSDOWN) !== 0) {
    start = p.start(v);
    if ((p.flags(v) & VM_GROWSDOWN) === 0) return noChanges(-EINVAL);
  } else {
    if (p.start(v) > start) return noChanges(-ENOMEM);
    if ((grows & PROT_GROWSUP) !== 0) return noChanges(-EINVAL); // riscv has no VM_GROWSUP
  }
  const newProtBits = (prot & PROT_READ ? VM_READ : 0) | (prot & PROT_WRITE ? VM_WRITE : 0) | (prot & PROT_EXEC ? VM_EXEC : 0);
  let nstart = start;
  let tmp = p.start(v);
  for (;;) {
    if (p.start(v) !== tmp) {
      out.ret = -ENOMEM;
      return out;
    }
    const oldflags = p.flags(v);
    const newflags = newProtBits | (oldflags & ~VM_ACCESS_FLAGS);
    // VM_MAY* sit 4 bits above the VM_* they allow.
    if (((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS) !== 0) {
      out.ret = -EACCES;
      return out;
    }
    const pos = mprotectFixup(t, m, i, nstart, Math.min(p.end(v), end), newflags, out);
    if (pos < 0) {
      out.ret = pos;
      return out;
    }
    // Like vma_iter_end: a merge with the next VMA carries us to its end.
    tmp = p.end(t.vmaAt(m, pos));
    nstart = tmp;
    i = pos + 1;
    if (tmp >= end || i >= t.mapCount(m)) break;
    v = t.vmaAt(m, i);
    if (p.start(v) >= end) break;
  }
  if (tmp < end) out.ret = -ENOMEM;
  return out;
}

/**
 * mprotect_fixup for [start, end) inside the VMA at position i: VM_ACCOUNT when private
 * memory becomes writable (dropped again for never-faulted anonymous memory made
 * read-only), then vma_modify. Returns the position of the VMA now covering the range.
 */
function mprotectFixup(t: MmTable, m: number, i: number, start: number, end: number, newflags: number, out: MmChanges): number {
  const p = t.pool;
  const v = t.vmaAt(m, i);
  const oldflags = p.flags(v);
  if (newflags === oldflags) return i;
  const nrpages = (end - start) / PAGE_SIZE;
  if ((newflags & VM_WRITE) !== 0) {
    if (!mayExpandVm(t, m, newflags, nrpages) && mayExpandVm(t, m, oldflags, nrpages)) return -ENOMEM;
    if ((oldflags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE)) === 0) newflags |= VM_ACCOUNT;
  } else if ((oldflags & VM_ACCOUNT) !== 0 && p.file(v) === 0 && p.anonVma(v) === 0) {
    newflags &= ~VM_ACCOUNT;
  }
  if (newflags === oldflags) return i;
  const pos = vmaModifyFlags(t, m, i, start, end, newflags);
  if (pos < 0) return pos;
  out.protChanged.push({ start, end, oldFlags: oldflags, newFlags: newflags });
  vmStatAccount(t, m, oldflags, -nrpages);
  vmStatAccount(t, m, newflags, nrpages);
  return pos;
}

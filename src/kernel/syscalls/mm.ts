// The memory syscalls of one process (mm/mmap.c, mprotect.c, madvise.c, mremap.c entry
// points): each takes the mmap lock for writing, runs the VMA surgery of src/kernel/mm,
// applies the returned MmChanges to the page tables and the TLB (mm_changes.ts), unlocks.
// File mappings take the fd's file through `fget` (the caller's fd table): private mappings
// and read-only shared ones; a writable MAP_SHARED mapping (it would write the file back)
// returns -ENODEV.

import { regS, regU } from '../cpu.ts';
import { doMadvise } from '../mm/madvise.ts';
import { applyMmChanges } from '../mm/mm_changes.ts';
import type { MmTable } from '../mm/mm_struct.ts';
import { doBrk, doMmap, doMunmap, MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, MAP_SHARED_VALIDATE, MAP_TYPE, PROT_WRITE, type MmapFile, type MmChanges } from '../mm/mmap.ts';
import { doMprotect } from '../mm/mprotect.ts';
import { doMremap } from '../mm/mremap.ts';
import type { PageTables } from '../mm/pgtable.ts';
import type { CpuMmu } from '../mm/tlbflush.ts';
import type { ShmemCache } from '../mm/shmem.ts';
import { EINVAL, ENODEV } from './numbers.ts';
import { NOT_MINE, type SyscallTask } from './task_context.ts';

export const SYS_brk = 214;
export const SYS_munmap = 215;
export const SYS_mremap = 216;
export const SYS_mmap = 222;
export const SYS_mprotect = 226;
export const SYS_madvise = 233;

/** One address space as its syscalls see it. */
export interface MmContext {
  t: MmTable;
  m: number;
  pgd: number;
  pt: PageTables;
  mmu: CpuMmu;
  shmem?: ShmemCache;
}

/** f's VMA changes under the mmap write lock, then applied to the page tables and TLBs. */
export function locked(c: MmContext, f: () => MmChanges): number {
  c.t.mmapWriteLock(c.m);
  try {
    const ch = f();
    applyMmChanges(c.t, c.m, c.pgd, c.pt, c.mmu, ch, c.shmem);
    return ch.ret;
  } finally {
    c.t.mmapWriteUnlock(c.m);
  }
}

/** fget for mmap: the fd's file as a mapping sees it, or -EBADF. */
export type MmapFget = (fd: number) => MmapFile | number;

export function mmSyscall(c: MmContext, task: SyscallTask, nr: number, fget?: MmapFget): number {
  const cpu = task.cpu;
  const a = (i: number) => regU(cpu, 10 + i);
  switch (nr) {
    case SYS_brk: return locked(c, () => doBrk(c.t, c.m, a(0)));
    case SYS_mmap: {
      const [addr, len, prot, flags, off] = [a(0), a(1), a(2) >>> 0, a(3) >>> 0, a(5)];
      if (off % 4096 !== 0) return -EINVAL;
      let file: MmapFile | null = null;
      if ((flags & MAP_ANONYMOUS) === 0) {
        const fd = regS(cpu, 14) | 0; // int fd
        const f = fget ? fget(fd) : fd < 0 ? -9 : -ENODEV;
        if (typeof f === 'number') return f;
        file = f;
        // MAP_SHARED of a writable fd: a write would have to reach the file (no page cache
        // yet): refused. Without PROT_WRITE the mapping is read-only for good (no VM_MAYWRITE).
        if (((flags & MAP_TYPE) === MAP_SHARED || (flags & MAP_TYPE) === MAP_SHARED_VALIDATE) && file.writable) {
          if ((prot & PROT_WRITE) !== 0) return -ENODEV;
          file = { ...file, writable: false };
        }
      }
      const ret = locked(c, () => doMmap(c.t, c.m, addr, len, prot, flags, file, off / 4096));
      if (ret >= 0 && (flags & MAP_TYPE) !== MAP_PRIVATE && c.shmem) {
        // shmem_zero_setup: the new VMA's object is as long as the mapping.
        const v = c.t.vmaLookup(c.m, ret);
        if (v >= 0 && c.t.pool.file(v) < 0) c.shmem.create(c.t.pool.file(v), Math.ceil(len / 4096));
      }
      return ret;
    }
    case SYS_munmap: return locked(c, () => doMunmap(c.t, c.m, a(0), a(1)));
    case SYS_mprotect: return locked(c, () => doMprotect(c.t, c.m, a(0), a(1), a(2) >>> 0));
    case SYS_madvise: return locked(c, () => doMadvise(c.t, c.m, a(0), a(1), regS(cpu, 12)));
    case SYS_mremap: return locked(c, () => doMremap(c.t, c.m, a(0), a(1), a(2), a(3) >>> 0, a(4)));
    default: return NOT_MINE;
  }
}

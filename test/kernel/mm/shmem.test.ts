// The shmem object's references (mm/shmem.ts): one per mm that maps it. dup_mmap takes the
// child's (once however many VMAs the object is split into), a failed fork gives them back,
// munmap of the mm's last VMA of it and exit_mmap drop the mm's, and the last drop frees the
// object's pages (a page still mapped by a PTE stays until unmapped).

import { describe, expect, it } from 'vitest';
import { dup_mm } from '../../../src/kernel/fork/dup_mmap.ts';
import { applyMmChanges, exitMmap } from '../../../src/kernel/mm/mm_changes.ts';
import { doMunmap, MAP_ANONYMOUS, MAP_SHARED, PROT_READ, PROT_WRITE } from '../../../src/kernel/mm/mmap.ts';
import { doMprotect } from '../../../src/kernel/mm/mprotect.ts';
import { MmuGather } from '../../../src/kernel/mm/pgtable.ts';
import { ShmemCache } from '../../../src/kernel/mm/shmem.ts';
import type { CpuMmu } from '../../../src/kernel/mm/tlbflush.ts';
import { ENOMEM } from '../../../src/kernel/syscalls/numbers.ts';
import { Machine, type Proc } from './fork_harness.ts';

const mmu = { flushTlbAll() {}, flushIcache() {}, flushTlbPage() {} } as unknown as CpuMmu;

function fork(k: Machine, p: Proc, shmem: ShmemCache) {
  k.t.mmapWriteLock(p.m);
  const r = dup_mm(k.t, k.pt, p.m, p.pgd, new MmuGather(), shmem);
  k.t.mmapWriteUnlock(p.m);
  return r;
}

/** A shared anonymous mapping of `pages` pages in p, its object created as mmap does; its file id. */
function shared(k: Machine, p: Proc, shmem: ShmemCache, pages: number): { a: number; file: number } {
  const a = k.mmap(p, pages * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
  const file = k.t.pool.file(k.t.findVma(p.m, a));
  expect(file).toBeLessThan(0);
  shmem.create(file, pages);
  return { a, file };
}

describe('shmem object references', () => {
  it('fork takes one per mm (the VMA split in three counts once); munmap and exit drop them; the last frees the pages', () => {
    const k = new Machine();
    const shmem = new ShmemCache(k.alloc, 0);
    const p = k.spawn();
    const { a, file } = shared(k, p, shmem, 4);
    k.t.mmapWriteLock(p.m);
    expect(doMprotect(k.t, p.m, a + 4096, 4096, PROT_READ).ret).toBe(0); // three VMAs of one object
    k.t.mmapWriteUnlock(p.m);
    const free0 = k.freePages();
    // Each page allocated once; the reference for a PTE given back (no PTE here): the object's stays.
    for (let i = 0; i < 4; i++) {
      const g = shmem.getPage(file, i, k.phys);
      expect(g.fresh).toBe(true);
      shmem.putPage(g.pfn);
      expect(shmem.getPage(file, i, k.phys)).toEqual({ pfn: g.pfn, fresh: false });
      shmem.putPage(g.pfn);
    }
    expect(k.freePages()).toBe(free0 - 4);

    const c = fork(k, p, shmem);
    expect(c.ret).toBe(0);
    expect(shmem.count(file)).toBe(2);
    // The parent unmaps all of it: the child's reference keeps the object and its pages.
    k.t.mmapWriteLock(p.m);
    const ch = doMunmap(k.t, p.m, a, 4 * 4096);
    expect(ch.ret).toBe(0);
    applyMmChanges(k.t, p.m, p.pgd, k.pt, mmu, ch, shmem);
    k.t.mmapWriteUnlock(p.m);
    expect(shmem.count(file)).toBe(1);
    const g = shmem.getPage(file, 3, k.phys); // the child can still fault it in
    expect(g.pfn).toBeGreaterThan(0);
    shmem.putPage(g.pfn);
    // The child exits: the last reference, the pages go.
    const before = k.freePages();
    exitMmap(k.t, c.m, c.pgd, k.pt, mmu, shmem);
    expect(shmem.count(file)).toBe(0);
    expect(shmem.getPage(file, 0, k.phys).pfn).toBe(-2);
    expect(k.freePages()).toBeGreaterThanOrEqual(before + 4); // the object's 4 pages and the child's pgd
    expect(k.freePages()).toBe(free0);
  });

  it('munmap of part of the object keeps the mm\'s reference; of its last VMA drops it', () => {
    const k = new Machine();
    const shmem = new ShmemCache(k.alloc, 0);
    const p = k.spawn();
    const { a, file } = shared(k, p, shmem, 4);
    const unmap = (at: number, len: number) => {
      k.t.mmapWriteLock(p.m);
      const ch = doMunmap(k.t, p.m, at, len);
      applyMmChanges(k.t, p.m, p.pgd, k.pt, mmu, ch, shmem);
      k.t.mmapWriteUnlock(p.m);
    };
    unmap(a + 4096, 4096);
    expect(shmem.count(file)).toBe(1);
    unmap(a, 4096);
    expect(shmem.count(file)).toBe(1);
    unmap(a + 2 * 4096, 2 * 4096); // the last VMA
    expect(shmem.count(file)).toBe(0);
  });

  it('a fork that fails half way (no VMA record) gives back the references it took', () => {
    const k = new Machine(16 * 1024 * 1024, 3, 4, 5); // 5 VMA records in all
    const shmem = new ShmemCache(k.alloc, 0);
    const p = k.spawn();
    const objs = [0, 1, 2].map(() => shared(k, p, shmem, 1));
    // Separate VMAs that cannot merge (different objects): 3 records; the child gets 2 of 3.
    const r = fork(k, p, shmem);
    expect(r.ret).toBe(-ENOMEM);
    for (const o of objs) expect(shmem.count(o.file)).toBe(1);
  });
});

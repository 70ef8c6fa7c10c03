// The VMA pool and mm table are shared memory: two mms, each with a writer and readers in
// different workers, allocate from one pool and one table under their own mmap locks.
import { describe, expect, it } from 'vitest';
import { F_TOTAL_VM, MmTable } from '../../../src/kernel/mm/mm_struct.ts';
import { vmaList } from '../../../src/kernel/mm/mmap.ts';
import { VmaPool } from '../../../src/kernel/mm/vma.ts';
import { runWorkers } from '../../helpers/spawn.ts';
import type { VmaSharedJob, VmaSharedResult } from './workers/vma_shared_layout.ts';

const WORKER = new URL('./workers/vma_shared.worker.ts', import.meta.url);

describe('VMAs in shared memory under the mmap lock', () => {
  it('2 mms x (1 writer + 2 readers) in 6 workers: readers always see a consistent mm, the pool balances', { timeout: 60_000 }, async () => {
    const pool = VmaPool.create(512);
    const t = MmTable.create(pool, 2, 300);
    const mms = [t.mmAlloc(), t.mmAlloc()];
    const gate = new SharedArrayBuffer(128);
    const jobs: VmaSharedJob[] = [];
    for (const mm of mms) {
      const base = { pool: pool.buffer, table: t.buffer, gate, parties: 6, mm, base: 0x10000000 + mm * 0x1000000, slots: 40 };
      jobs.push({ ...base, role: 'writer', iters: 3000 });
      jobs.push({ ...base, role: 'reader', iters: 3000 }, { ...base, role: 'reader', iters: 3000 });
    }
    const results = (await runWorkers(WORKER, jobs, 50_000)) as VmaSharedResult[];
    expect(results.map((r) => r.firstBad)).toEqual(new Array(6).fill(''));
    expect(results.map((r) => r.bad)).toEqual(new Array(6).fill(0));
    let records = 0;
    for (const mm of mms) {
      const list = vmaList(t, mm);
      records += list.length;
      expect(list.reduce((s, v) => s + (v.end - v.start) / 4096, 0)).toBe(t.get(mm, F_TOTAL_VM));
      expect(list.every((v) => v.start >= 0x10000000 + mm * 0x1000000 && v.end <= 0x10000000 + mm * 0x1000000 + 40 * 0x2000)).toBe(true);
    }
    expect(records).toBeGreaterThan(0);
    expect(pool.inUse()).toBe(records); // no record leaked or freed twice across workers
    for (const mm of mms) t.mmFree(mm);
    expect(pool.inUse()).toBe(0);
  });
});

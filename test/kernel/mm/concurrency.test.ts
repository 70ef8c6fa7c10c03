// Real worker threads, one simulated CPU each, allocating and freeing under the zone lock
// and their per-CPU lists at the same time; afterwards every page is accounted for and
// /proc/buddyinfo is back where it started.
import { describe, expect, it } from 'vitest';
import { MAX_NR_ZONES } from '../../../src/kernel/mm/mmzone.ts';
import { createMm, PageAlloc } from '../../../src/kernel/mm/page_alloc.ts';
import { buddyinfo } from '../../../src/kernel/proc/buddyinfo.ts';
import { vmstat } from '../../../src/kernel/proc/vmstat.ts';
import { runWorkers } from '../../helpers/spawn.ts';
import type { AllocJob, AllocResult } from './workers/alloc.worker.ts';

const WORKER = new URL('./workers/alloc.worker.ts', import.meta.url);
const MiB = 1024 * 1024;

async function run(workers: number, dma32Limit?: number): Promise<void> {
  const seed = Number(process.env.MM_SEED ?? 4242);
  console.log(`concurrency: ${workers} workers, seed ${seed}`);
  const buffers = createMm({ ramBytes: 64 * MiB, ramBase: 0x1000, cpus: workers, dma32Limit });
  const mm = new PageAlloc(buffers);
  const start = buddyinfo(mm);
  const managed = mm.totalramPages();
  const gate = new SharedArrayBuffer(128);
  const jobs: AllocJob[] = Array.from({ length: workers }, (_, cpu) => ({
    mm: buffers, gate, parties: workers, cpu, seed, ops: 40_000, maxHeld: Math.floor(managed / workers / 2),
  }));
  const results = (await runWorkers(WORKER, jobs, 60_000)) as AllocResult[];
  for (const r of results) {
    expect(r.doubleHanded).toBe(0);
    expect(r.allocs).toBe(r.frees);
    expect(r.allocs).toBeGreaterThan(10_000);
  }
  // Pages still on CPU lists are free but not in the buddy lists; drain, then compare.
  let free = 0;
  let pcp = 0;
  for (let z = 0; z < MAX_NR_ZONES; z++) {
    free += mm.nrFreePages(z);
    pcp += mm.pcpPages(z);
  }
  expect(free + pcp).toBe(managed);
  mm.drain_all_pages();
  for (let z = 0; z < MAX_NR_ZONES; z++) expect(mm.check_zone(z)).toBe('');
  expect(buddyinfo(mm)).toBe(start);
  // Every allocation and free was counted on its own CPU's row.
  const text = vmstat(mm);
  const v = (n: string): number => Number(new RegExp(`^${n} (\\d+)$`, 'm').exec(text)![1]);
  expect(v('pgalloc_dma32') + v('pgalloc_normal')).toBe(v('pgfree'));
  for (let z = 0; z < MAX_NR_ZONES; z++) expect(Atomics.load(mm.zones, z * 128)).toBe(0); // zone locks free
}

describe('page allocator across worker threads', () => {
  it('2 workers: pages conserved, buddyinfo back to its start', { timeout: 90_000 }, () => run(2));
  it('4 workers (more than host CPUs, so they park on the locks), two zones', { timeout: 90_000 }, () => run(4, 32 * MiB));
});

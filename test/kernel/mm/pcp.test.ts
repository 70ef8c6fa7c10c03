import { describe, expect, it } from 'vitest';
import { ZONE_DMA32 } from '../../../src/kernel/mm/mmzone.ts';
import { createMm, GFP_KERNEL, PageAlloc } from '../../../src/kernel/mm/page_alloc.ts';

const MiB = 1024 * 1024;

describe('per-CPU page lists', () => {
  it('the first order-0 allocation refills the list with one batch from the buddy lists', () => {
    const mm = new PageAlloc(createMm({ ramBytes: 256 * MiB, ramBase: 0x1000, cpus: 2 }));
    const batch = mm.pcpField(0, ZONE_DMA32, 'batch');
    expect(batch).toBe(15); // zone_batchsize(64509 managed pages)
    const free0 = mm.nrFreePages(ZONE_DMA32);
    const p = mm.alloc_pages(0, GFP_KERNEL, 0);
    expect(p).toBeGreaterThan(0);
    expect(mm.nrFreePages(ZONE_DMA32)).toBe(free0 - batch);
    expect(mm.pcpField(0, ZONE_DMA32, 'count')).toBe(batch - 1);
    expect(mm.pcpField(1, ZONE_DMA32, 'count')).toBe(0); // cpu 1's list untouched
    // The next batch - 1 allocations come from the list without touching the zone.
    for (let i = 0; i < batch - 1; i++) mm.alloc_pages(0, GFP_KERNEL, 0);
    expect(mm.nrFreePages(ZONE_DMA32)).toBe(free0 - batch);
    expect(mm.pcpField(0, ZONE_DMA32, 'count')).toBe(0);
    mm.alloc_pages(0, GFP_KERNEL, 0);
    expect(mm.nrFreePages(ZONE_DMA32)).toBe(free0 - 2 * batch);
  });

  it('frees collect on the list until high, then drain a batch that doubles while frees continue', () => {
    const mm = new PageAlloc(createMm({ ramBytes: 256 * MiB, ramBase: 0x1000, cpus: 2 }));
    const batch = mm.pcpField(0, ZONE_DMA32, 'batch');
    const high = mm.pcpField(0, ZONE_DMA32, 'high');
    const held: number[] = [];
    for (let i = 0; i < 4 * high; i++) held.push(mm.alloc_pages(1, GFP_KERNEL, 0)); // on cpu 1
    expect(mm.pcpField(0, ZONE_DMA32, 'count')).toBe(0);
    // Free them all on cpu 0 and model nr_pcp_free (Linux 6.1) alongside.
    let count = 0;
    let factor = 0;
    let drains = 0;
    for (const p of held) {
      const freeBefore = mm.nrFreePages(ZONE_DMA32);
      mm.__free_pages(0, p, 0);
      count++;
      if (count >= high) {
        let n = batch << factor;
        if (n < high - batch) factor++;
        n = Math.max(batch, Math.min(n, high - batch));
        count -= n;
        drains++;
        expect(mm.nrFreePages(ZONE_DMA32)).toBe(freeBefore + n);
      } else {
        expect(mm.nrFreePages(ZONE_DMA32)).toBe(freeBefore);
      }
      expect(mm.pcpField(0, ZONE_DMA32, 'count')).toBe(count);
    }
    expect(drains).toBeGreaterThan(2);
    mm.drain_pages(0);
    expect(mm.pcpField(0, ZONE_DMA32, 'count')).toBe(0);
    mm.drain_pages(1);
    expect(mm.check_zone(ZONE_DMA32)).toBe('');
    expect(mm.nrFreePages(ZONE_DMA32)).toBe(mm.totalramPages());
  });

  it('pages on a CPU list are not free to the buddy view (MemFree), as in Linux', () => {
    const mm = new PageAlloc(createMm({ ramBytes: 64 * MiB, ramBase: 0x1000, cpus: 1 }));
    const p = mm.alloc_pages(0, GFP_KERNEL, 0);
    mm.__free_pages(0, p, 0);
    const onList = mm.pcpField(0, ZONE_DMA32, 'count');
    expect(onList).toBeGreaterThan(0);
    expect(mm.nrFreePages(ZONE_DMA32) + onList).toBe(mm.totalramPages());
  });
});

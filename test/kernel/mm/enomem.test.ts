import { describe, expect, it } from 'vitest';
import { MAX_NR_ZONES, ZONE_DMA32, ZONE_NORMAL } from '../../../src/kernel/mm/mmzone.ts';
import { __GFP_DMA32, createMm, GFP_KERNEL, PageAlloc, WMARK_MIN } from '../../../src/kernel/mm/page_alloc.ts';
import { ENOMEM } from '../../../src/kernel/syscalls/numbers.ts';
import { vmstat } from '../../../src/kernel/proc/vmstat.ts';

const MiB = 1024 * 1024;

function counter(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  if (!m) throw new Error(`no ${name} in /proc/vmstat`);
  return Number(m[1]);
}

describe('allocation below the min watermark', () => {
  it('fails with -ENOMEM once the zone would drop to min, and is counted as allocstall in /proc/vmstat', () => {
    const mm = new PageAlloc(createMm({ ramBytes: 32 * MiB, ramBase: 0x1000, cpus: 1 }));
    const min = mm.wmark(ZONE_DMA32, WMARK_MIN);
    const held: number[] = [];
    let r: number;
    let freeBeforeFailure = 0;
    for (;;) {
      mm.drain_pages(0); // no pages parked on the CPU list: the zone's count is the whole truth
      freeBeforeFailure = mm.nrFreePages(ZONE_DMA32);
      r = mm.alloc_pages(0, GFP_KERNEL, 2);
      if (r < 0) break;
      held.push(r);
    }
    expect(r).toBe(-ENOMEM);
    // __zone_watermark_ok for order 2: free - (4 - 1) must stay above min.
    expect(freeBeforeFailure - 3).toBeLessThanOrEqual(min);
    expect(freeBeforeFailure - 3 + 4).toBeGreaterThan(min); // the previous one passed
    expect(held.length).toBe(Math.floor((mm.totalramPages() - min - 4) / 4) + 1);
    let text = vmstat(mm);
    expect(counter(text, 'allocstall_normal')).toBe(1); // GFP_KERNEL: highest zone Normal
    expect(counter(text, 'allocstall_dma32')).toBe(0);
    expect(counter(text, 'pgalloc_dma32')).toBe(held.length * 4);
    // Order 0 still fits above min; GFP_DMA32 order-0 requests run the zone down to min, then fail.
    const small: number[] = [];
    for (;;) {
      mm.drain_pages(0);
      const p = mm.alloc_pages(0, __GFP_DMA32, 0);
      if (p < 0) break;
      small.push(p);
    }
    expect(small.length).toBeGreaterThan(0);
    expect(mm.nrFreePages(ZONE_DMA32)).toBe(min); // free <= min fails, so it stops exactly at min
    text = vmstat(mm);
    expect(counter(text, 'allocstall_dma32')).toBe(1);
    for (const p of small) mm.__free_pages(0, p, 0);
    // Freeing brings allocation back.
    for (const p of held) mm.__free_pages(0, p, 2);
    expect(mm.alloc_pages(0, GFP_KERNEL, 0)).toBeGreaterThan(0);
    expect(counter(vmstat(mm), 'pgfree')).toBe(held.length * 4 + small.length);
  });

  it('lowmem_reserve keeps DMA32 back from allocations aimed at Normal', () => {
    // 64 MiB split at 32 MiB: DMA32 protects 1/256 of Normal from GFP_KERNEL spill-over.
    const mm = new PageAlloc(createMm({ ramBytes: 64 * MiB, ramBase: 0x1000, cpus: 1, dma32Limit: 32 * MiB }));
    const reserve = mm.lowmemReserve(ZONE_DMA32, ZONE_NORMAL);
    expect(reserve).toBe(Math.floor(mm.zoneField(ZONE_NORMAL, 99) / 256));
    const held: number[] = [];
    for (;;) {
      const p = mm.alloc_pages(0, GFP_KERNEL, 3);
      if (p < 0) break;
      held.push(p);
    }
    mm.drain_pages(0);
    // DMA32 stopped giving pages to GFP_KERNEL at min + reserve; a DMA32 request still gets one.
    const free = mm.nrFreePages(ZONE_DMA32);
    expect(free - 7).toBeLessThanOrEqual(mm.wmark(ZONE_DMA32, WMARK_MIN) + reserve);
    expect(mm.alloc_pages(0, __GFP_DMA32, 3)).toBeGreaterThan(0);
    for (let z = 0; z < MAX_NR_ZONES; z++) expect(mm.check_zone(z)).toBe('');
  });
});

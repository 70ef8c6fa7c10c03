import { describe, expect, it } from 'vitest';
import type { MmCharge } from '../../../src/kernel/mm/charge.ts';
import { STRUCT_PAGE_BYTES } from '../../../src/kernel/mm/mm_types.ts';
import { PCP_STRUCT_BYTES, ZONE_STRUCT_BYTES } from '../../../src/kernel/mm/mmzone.ts';
import { createMm, GFP_KERNEL, PageAlloc } from '../../../src/kernel/mm/page_alloc.ts';

class Recorder implements MmCharge {
  readonly lines: number[] = [];
  touch(pa: number): void {
    this.lines.push(pa);
  }
}

describe('charging kernel structure touches to the calling core', () => {
  it('reports the zone lock line, the CPU pageset line and the struct pages, all inside the kernel region', () => {
    const mm = new PageAlloc(createMm({ ramBytes: 64 * 1024 * 1024, ramBase: 0x1000, cpus: 2 }));
    const { zonesPa, pcpPa, memmapPa, kernelEndPfn } = mm.layout;
    const big = new Recorder();
    const p = mm.alloc_pages(1, GFP_KERNEL, 3, big);
    expect(big.lines).toContain(zonesPa); // DMA32's lock line
    expect(big.lines).toContain(memmapPa + p * STRUCT_PAGE_BYTES);
    const small = new Recorder();
    mm.alloc_pages(1, GFP_KERNEL, 0, small);
    expect(small.lines[0]).toBe(pcpPa + (1 * 3 + 0) * PCP_STRUCT_BYTES); // cpu 1, zone DMA32
    expect(small.lines).toContain(zonesPa); // the refill took the zone lock
    const again = new Recorder();
    mm.alloc_pages(1, GFP_KERNEL, 0, again);
    expect(again.lines).not.toContain(zonesPa); // served from the CPU list: no zone lock
    for (const pa of [...big.lines, ...small.lines, ...again.lines]) {
      expect(pa).toBeGreaterThanOrEqual(0x1000);
      expect(pa).toBeLessThan(kernelEndPfn * 4096);
    }
    expect(zonesPa + 3 * ZONE_STRUCT_BYTES).toBeLessThanOrEqual(pcpPa);
  });
});

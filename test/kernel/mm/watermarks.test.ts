// The watermark numbers against Linux 6.1's formulas, written again here from
// mm/page_alloc.c (init_per_zone_wmark_min, __setup_per_zone_wmarks,
// setup_per_zone_lowmem_reserve, zone_batchsize, zone_highsize) in BigInt, independently
// of the kernel's code, and compared with what /proc/zoneinfo shows.
import { describe, expect, it } from 'vitest';
import type { MmConfig } from '../../../src/kernel/mm/mmzone.ts';
import { createMm, PageAlloc } from '../../../src/kernel/mm/page_alloc.ts';
import { zoneinfo } from '../../../src/kernel/proc/zoneinfo.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2n;
  }
  return x;
}

interface Expected {
  minFreeKbytes: bigint;
  zones: Array<{ managed: bigint; present: bigint; min: bigint; low: bigint; high: bigint; protection: bigint[]; batch: bigint; pcpHigh: bigint }>;
}

/** Linux's numbers for a node with these zone sizes (pages) and CPUs. */
function linux(c: MmConfig & { dma32Limit: number }): Expected {
  const nr = BigInt(c.ramBytes / 4096);
  // Our kernel region (mmzone.ts): pfn 0 hole, memmap 64 B/page, one page of zone structs, the pagesets.
  const memmap = (nr * 64n + 4095n) / 4096n;
  const pcpPages = (BigInt(c.cpus) * 3n * 128n + 4095n) / 4096n;
  const kernelEnd = 1n + memmap + 1n + pcpPages;
  const limit = BigInt(c.dma32Limit / 4096);
  const dmaEnd = limit < nr ? limit : nr;
  const present = [dmaEnd - 1n, nr > limit ? nr - limit : 0n, 0n];
  const managed = [present[0] - (kernelEnd - 1n), present[1], 0n];
  const lowmem = managed[0] + managed[1] + managed[2];
  // init_per_zone_wmark_min: min_free_kbytes = int_sqrt(lowmem_kbytes * 16), clamped [128, 262144]
  let minFree = isqrt(lowmem * 4n * 16n);
  if (minFree < 128n) minFree = 128n;
  if (minFree > 262144n) minFree = 262144n;
  const pagesMin = minFree >> 2n;
  const wsf = BigInt(c.watermarkScaleFactor ?? 10);
  const ratio = [256n, 32n, 0n];
  const zones = managed.map((m, i) => {
    const min = (pagesMin * m) / lowmem;
    const a = min >> 2n;
    const b = (m * wsf) / 10000n;
    const tmp = a > b ? a : b;
    const protection = [0n, 0n, 0n];
    let upper = 0n;
    for (let j = i + 1; j < 3; j++) {
      upper += managed[j];
      protection[j] = ratio[i] === 0n || m === 0n ? 0n : upper / ratio[i];
    }
    let batch = m >> 10n;
    if (batch > 256n) batch = 256n;
    batch /= 4n;
    if (batch < 1n) batch = 1n;
    let p = 1n;
    while (p * 2n <= batch + batch / 2n) p *= 2n;
    batch = p - 1n;
    if (batch < 1n) batch = 1n; // zone_set_pageset_high_and_batch: max(1, zone_batchsize(zone))
    let pcpHigh = (min + tmp) / BigInt(c.cpus);
    if (pcpHigh < batch * 4n) pcpHigh = batch * 4n;
    return { managed: m, present: present[i], min, low: min + tmp, high: min + 2n * tmp, protection, batch, pcpHigh };
  });
  return { minFreeKbytes: minFree, zones };
}

/** Pulls the numbers of each zone out of /proc/zoneinfo text. */
function parseZoneinfo(text: string): Array<Record<string, string>> {
  const out: Array<Record<string, string>> = [];
  for (const block of text.split(/^Node 0, zone /m).slice(1)) {
    const r: Record<string, string> = {};
    r.name = block.slice(0, 8).trim();
    for (const key of ['pages free', 'min', 'low', 'high', 'spanned', 'present', 'managed']) {
      const m = new RegExp(`^\\s+(?:pages )?${key.replace('pages ', '')}\\s+(\\d+)$`, 'm').exec(block);
      if (m) r[key] = m[1]!;
    }
    const prot = /protection: \(([^)]*)\)/.exec(block);
    r.protection = prot ? prot[1]! : '';
    const pb = /\n              high:  (\d+)\n              batch: (\d+)/.exec(block);
    if (pb) {
      r.pcpHigh = pb[1]!;
      r.batch = pb[2]!;
    }
    out.push(r);
  }
  return out;
}

const CASES: Array<MmConfig & { dma32Limit: number; label: string }> = [
  { label: '64 MiB, 1 CPU', ramBytes: 64 * MiB, ramBase: 0x1000, cpus: 1, dma32Limit: 4 * GiB },
  { label: '256 MiB, 4 CPUs (the default machine)', ramBytes: 256 * MiB, ramBase: 0x1000, cpus: 4, dma32Limit: 4 * GiB },
  { label: '1 GiB, 2 CPUs', ramBytes: 1 * GiB, ramBase: 0x1000, cpus: 2, dma32Limit: 4 * GiB },
  { label: '2 GiB, 8 CPUs', ramBytes: 2 * GiB, ramBase: 0x1000, cpus: 8, dma32Limit: 4 * GiB },
  { label: '512 MiB split at 128 MiB, 2 CPUs', ramBytes: 512 * MiB, ramBase: 0x1000, cpus: 2, dma32Limit: 128 * MiB },
  { label: '2 GiB split at 1 GiB, 3 CPUs, watermark_scale_factor 200', ramBytes: 2 * GiB, ramBase: 0x1000, cpus: 3, dma32Limit: 1 * GiB, watermarkScaleFactor: 200 },
  { label: '16 MiB split at 12 MiB, 2 CPUs (a small Normal zone)', ramBytes: 16 * MiB, ramBase: 0x1000, cpus: 2, dma32Limit: 12 * MiB },
];

describe('watermarks equal Linux 6.1 formulas', () => {
  for (const c of CASES) {
    it(c.label, () => {
      const mm = new PageAlloc(createMm(c));
      const want = linux(c);
      expect(BigInt(mm.minFreeKbytes)).toBe(want.minFreeKbytes);
      const shown = parseZoneinfo(zoneinfo(mm));
      expect(shown.map((z) => z.name)).toEqual(['DMA32', 'Normal', 'Movable']);
      want.zones.forEach((w, i) => {
        const z = shown[i]!;
        expect(z.managed, `zone ${i} managed`).toBe(String(w.managed));
        expect(z.present, `zone ${i} present`).toBe(String(w.present));
        expect(z.min, `zone ${i} min`).toBe(String(w.min));
        expect(z.low, `zone ${i} low`).toBe(String(w.low));
        expect(z.high, `zone ${i} high`).toBe(String(w.high));
        expect(z.protection, `zone ${i} protection`).toBe(w.protection.join(', '));
        if (w.present > 0n) {
          expect(z.batch, `zone ${i} batch`).toBe(String(w.batch));
          expect(z.pcpHigh, `zone ${i} pcp high`).toBe(String(w.pcpHigh));
        }
      });
    });
  }

  it('a user min_free_kbytes below the computed value is replaced; above it is kept (Linux 6.1 rule)', () => {
    const base = { ramBytes: 256 * MiB, ramBase: 0x1000, cpus: 1 };
    const computed = new PageAlloc(createMm(base)).minFreeKbytes;
    expect(new PageAlloc(createMm({ ...base, userMinFreeKbytes: 100 })).minFreeKbytes).toBe(computed);
    expect(new PageAlloc(createMm({ ...base, userMinFreeKbytes: 8192 })).minFreeKbytes).toBe(8192);
  });

  it('with 2 GiB or less, everything is DMA32 and Normal is empty (riscv64: DMA32 spans 4 GiB)', () => {
    const mm = new PageAlloc(createMm({ ramBytes: 2 * GiB, ramBase: 0x1000, cpus: 2 }));
    expect(mm.populated(0)).toBe(true);
    expect(mm.populated(1)).toBe(false);
    // present - managed is the kernel's region: the 64-byte struct page per frame, and more.
    const present = mm.zoneField(0, 98);
    const managed = mm.zoneField(0, 99);
    expect(present - managed).toBeGreaterThanOrEqual(((2 * GiB) / 4096) * 64 / 4096);
  });
});

// /proc text formats, held against Linux 6.1's printf formats (mm/vmstat.c frag_show_print,
// zoneinfo_show_print, vmstat_show; fs/proc/meminfo.c show_val_kb).
import { describe, expect, it } from 'vitest';
import { MAX_ORDER } from '../../../src/kernel/mm/mmzone.ts';
import { createMm, GFP_KERNEL, PageAlloc } from '../../../src/kernel/mm/page_alloc.ts';
import { EVENT_NAMES, NODE_STAT_NAMES, ZONE_STAT_NAMES } from '../../../src/kernel/mm/vmstat.ts';
import { buddyinfo } from '../../../src/kernel/proc/buddyinfo.ts';
import { meminfo } from '../../../src/kernel/proc/meminfo.ts';
import { vmstat } from '../../../src/kernel/proc/vmstat.ts';
import { zoneinfo } from '../../../src/kernel/proc/zoneinfo.ts';

const MiB = 1024 * 1024;

/** C's "%6lu ". */
const lu6 = (n: number): string => String(n).padStart(6) + ' ';

describe('/proc/buddyinfo', () => {
  it('"Node %d, zone %8s " then "%6lu " per order, populated zones only', () => {
    const mm = new PageAlloc(createMm({ ramBytes: 64 * MiB, ramBase: 0x1000, cpus: 1, dma32Limit: 32 * MiB }));
    mm.alloc_pages(0, GFP_KERNEL, 5);
    const expected = [0, 1]
      .map((z) => `Node 0, zone ${(z === 0 ? 'DMA32' : 'Normal').padStart(8)} ` + Array.from({ length: MAX_ORDER }, (_, o) => lu6(mm.nrFreeArea(z, o))).join('') + '\n')
      .join('');
    const text = buddyinfo(mm);
    expect(text).toBe(expected);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^Node 0, zone    DMA32 ( {0,5}\d{1,6} ){11}$/);
    expect(lines[1]).toMatch(/^Node 0, zone   Normal ( {0,5}\d{1,6} ){11}$/);
    expect(lines[0]!.length).toBe('Node 0, zone '.length + 9 + 7 * 11);
    expect(lines[2]).toBe('');
  });
});

describe('/proc/zoneinfo', () => {
  it('prints every zone, node stats once, pagesets per CPU, and stops unpopulated zones after protection', () => {
    const mm = new PageAlloc(createMm({ ramBytes: 64 * MiB, ramBase: 0x1000, cpus: 2 }));
    const text = zoneinfo(mm);
    const blocks = text.split(/^(?=Node 0, zone )/m);
    expect(blocks.map((b) => b.split('\n')[0])).toEqual(['Node 0, zone    DMA32', 'Node 0, zone   Normal', 'Node 0, zone  Movable']);
    const dma = blocks[0]!.split('\n');
    expect(dma[1]).toBe('  per-node stats');
    expect(dma.slice(2, 2 + NODE_STAT_NAMES.length)).toEqual(NODE_STAT_NAMES.map((n) => `      ${n.padEnd(12)} 0`));
    const rest = dma.slice(2 + NODE_STAT_NAMES.length);
    const z = (k: number): string => String(mm.zoneField(0, k));
    expect(rest.slice(0, 11)).toEqual([
      `  pages free     ${mm.nrFreePages(0)}`,
      '        boost    0',
      `        min      ${mm.wmark(0, 0)}`,
      `        low      ${mm.wmark(0, 1)}`,
      `        high     ${mm.wmark(0, 2)}`,
      `        spanned  ${z(97)}`,
      `        present  ${z(98)}`,
      `        managed  ${z(99)}`,
      '        cma      0',
      '        protection: (0, 0, 0)',
      `      nr_free_pages ${mm.nrFreePages(0)}`,
    ]);
    expect(rest.slice(11, 10 + ZONE_STAT_NAMES.length)).toEqual(ZONE_STAT_NAMES.slice(1).map((n) => `      ${n.padEnd(12)} 0`));
    const ps = rest.slice(10 + ZONE_STAT_NAMES.length);
    expect(ps[0]).toBe('  pagesets');
    const batch = mm.pcpField(0, 0, 'batch');
    const high = mm.pcpField(0, 0, 'high');
    for (const cpu of [0, 1]) {
      expect(ps.slice(1 + cpu * 5, 6 + cpu * 5)).toEqual([
        `    cpu: ${cpu}`,
        '              count: 0',
        `              high:  ${high}`,
        `              batch: ${batch}`,
        `  vm stats threshold: ${z(112)}`,
      ]);
    }
    expect(ps.slice(11)).toEqual(['  node_unreclaimable:  0', '  start_pfn:           1', '']);
    // Unpopulated zones: no per-node stats, no items, no pagesets.
    expect(blocks[1]!.split('\n').slice(1)).toEqual([
      '  pages free     0', '        boost    0', '        min      0', '        low      0', '        high     0',
      '        spanned  0', '        present  0', '        managed  0', '        cma      0', '        protection: (0, 0, 0)', '',
    ]);
  });
});

describe('/proc/meminfo', () => {
  it('"Key:" padded to 16 columns, the kB value right-aligned in 8, in Linux 6.1 order; MemTotal = managed', () => {
    const mm = new PageAlloc(createMm({ ramBytes: 128 * MiB, ramBase: 0x1000, cpus: 2 }));
    const p = mm.alloc_pages(0, GFP_KERNEL, 4);
    expect(p).toBeGreaterThan(0);
    const lines = meminfo(mm).split('\n');
    expect(lines.pop()).toBe('');
    for (const l of lines) expect(l).toMatch(/^[A-Za-z_()]+: *\d+ kB$/);
    for (const l of lines) expect(l.length).toBe(16 + 8 + 3);
    const keys = lines.map((l) => l.slice(0, l.indexOf(':')));
    expect(keys).toEqual([
      'MemTotal', 'MemFree', 'MemAvailable', 'Buffers', 'Cached', 'SwapCached', 'Active', 'Inactive',
      'Active(anon)', 'Inactive(anon)', 'Active(file)', 'Inactive(file)', 'Unevictable', 'Mlocked',
      'SwapTotal', 'SwapFree', 'Dirty', 'Writeback', 'AnonPages', 'Mapped', 'Shmem', 'KReclaimable',
      'Slab', 'SReclaimable', 'SUnreclaim', 'KernelStack', 'PageTables', 'SecPageTables', 'NFS_Unstable',
      'Bounce', 'WritebackTmp', 'CommitLimit', 'Committed_AS', 'VmallocTotal', 'VmallocUsed',
      'VmallocChunk', 'Percpu',
    ]);
    const kb = (k: string): number => Number(/(\d+) kB/.exec(lines.find((l) => l.startsWith(k + ':'))!)![1]);
    expect(kb('MemTotal')).toBe(mm.totalramPages() * 4);
    expect(kb('MemFree')).toBe(mm.nrFreePages(0) * 4);
    expect(kb('MemFree')).toBe(kb('MemTotal') - 16 * 4);
    // si_mem_available with no page cache or slab: free minus totalreserve_pages
    expect(kb('MemAvailable')).toBe((mm.nrFreePages(0) - mm.totalreservePages) * 4);
    expect(kb('CommitLimit')).toBe(Math.floor((mm.totalramPages() * 50) / 100) * 4);
    expect(lines[0]).toBe(`MemTotal:       ${String(mm.totalramPages() * 4).padStart(8)} kB`);
  });
});

describe('/proc/vmstat', () => {
  it('"name value" lines: zone stats, node stats, dirty thresholds, events, then nr_unstable 0', () => {
    const mm = new PageAlloc(createMm({ ramBytes: 64 * MiB, ramBase: 0x1000, cpus: 2 }));
    const a = mm.alloc_pages(1, GFP_KERNEL, 3);
    const b = mm.alloc_pages(0, GFP_KERNEL, 0);
    expect(b).toBeGreaterThan(0);
    mm.__free_pages(0, a, 3);
    const lines = vmstat(mm).split('\n');
    expect(lines.pop()).toBe('');
    for (const l of lines) expect(l).toMatch(/^[a-z0-9_]+ \d+$/);
    const names = lines.map((l) => l.split(' ')[0]);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([...ZONE_STAT_NAMES, ...NODE_STAT_NAMES, 'nr_dirty_threshold', 'nr_dirty_background_threshold', ...EVENT_NAMES, 'nr_unstable']);
    const v = (n: string): number => Number(lines.find((l) => l.startsWith(n + ' '))!.split(' ')[1]);
    expect(v('pgalloc_dma32')).toBe(8 + 1);
    expect(v('pgalloc_normal')).toBe(0);
    expect(v('pgfree')).toBe(8);
    expect(v('nr_free_pages')).toBe(mm.nrFreePages(0));
    expect(v('nr_unstable')).toBe(0);
    // global_dirty_limits with the default ratios 20 and 10 (of free minus totalreserve)
    const avail = mm.nrFreePages(0) - mm.totalreservePages;
    expect(v('nr_dirty_threshold')).toBe(Math.floor((819 * avail) / 4096));
    expect(v('nr_dirty_background_threshold')).toBe(Math.floor((409 * avail) / 4096));
  });
});

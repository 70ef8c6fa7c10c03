// Zones and their layout (Linux's include/linux/mmzone.h and the zone sizing of
// free_area_init), for one node. Linux 6.1 on riscv64: CONFIG_ZONE_DMA32=y, no ZONE_DMA,
// no HIGHMEM, ZONE_MOVABLE present but empty (no kernelcore=/movablecore=), no ZONE_DEVICE,
// so MAX_NR_ZONES = 3. ZONE_DMA32 covers physical addresses below 4 GiB, so a machine
// with at most 2 GiB of RAM has everything in DMA32 and an empty Normal zone: that is
// Linux's answer. `dma32Limit` moves the boundary so a test can populate Normal.
//
// Physical layout (pfn = physical address >> 12):
//   [0, ramBase)               not RAM (pfn 0 is the null guard); not present
//   [ramBase, kernelEnd)       the kernel's region: memmap (64 B per page frame, as Linux's
//                              struct page), the zone and per-CPU structures, and
//                              `reservedBytes` more; present but not managed
//   [kernelEnd, ramBytes)      managed by the buddy allocator
// Page 0 is reserved even when ramBase is 0.
//
// Zone struct in shared memory (Int32Array `zones`, ZONE_WORDS words per zone):
//   slot 0  [0]   Z_LOCK        the zone lock (shared/sync/spinlock.ts), alone on its line
//   slot 1  [32]  Z_NR_FREE     NR_FREE_PAGES (Atomics; changed under the lock, read lock-free)
//   slot 2  [64 + o]  Z_HEAD    free_area[o] list head pfn (-1 empty), under the lock
//           [80 + o]  Z_NR_FREE_AREA  free_area[o].nr_free, under the lock
//   slot 3  read-only after boot: START_PFN, SPANNED, PRESENT, MANAGED, watermarks,
//           lowmem_reserve[MAX_NR_ZONES], pageset batch/high, stat threshold.

import { PAGE_SHIFT, PAGE_SIZE, STRUCT_PAGE_BYTES } from './mm_types.ts';

/** Orders 0..MAX_ORDER-1 (Linux 6.1: MAX_ORDER 11, i.e. blocks up to 4 MiB). */
export const MAX_ORDER = 11;

export const ZONE_DMA32 = 0;
export const ZONE_NORMAL = 1;
export const ZONE_MOVABLE = 2;
export const MAX_NR_ZONES = 3;
export const ZONE_NAMES = ['DMA32', 'Normal', 'Movable'] as const;

export const ZONE_WORDS = 128;
export const Z_LOCK = 0;
export const Z_NR_FREE = 32;
export const Z_HEAD = 64;
export const Z_NR_FREE_AREA = 80;
export const Z_START_PFN = 96;
export const Z_SPANNED = 97;
export const Z_PRESENT = 98;
export const Z_MANAGED = 99;
export const Z_WMARK_MIN = 100;
export const Z_WMARK_LOW = 101;
export const Z_WMARK_HIGH = 102;
export const Z_WMARK_PROMO = 103;
export const Z_WMARK_BOOST = 104;
export const Z_LOWMEM_RESERVE = 105; // MAX_NR_ZONES words
export const Z_PCP_BATCH = 110;
export const Z_PCP_HIGH = 111;
export const Z_STAT_THRESHOLD = 112;

/** Default ZONE_DMA32 limit on riscv64: 4 GiB. */
export const DMA32_LIMIT = 4 * 1024 * 1024 * 1024;

export interface MmConfig {
  /** RAM size in bytes: physical addresses [ramBase, ramBytes), as src/machine/config.ts. */
  ramBytes: number;
  /** Lowest RAM address. */
  ramBase: number;
  /** CPUs (cores) with a per-CPU page list each. */
  cpus: number;
  /** End of ZONE_DMA32 (bytes); memory above it is ZONE_NORMAL. Default 4 GiB. */
  dma32Limit?: number;
  /** /proc/sys/vm/min_free_kbytes set by the user (-1: computed at boot, as Linux). */
  userMinFreeKbytes?: number;
  /** /proc/sys/vm/watermark_scale_factor (default 10 = 0.1%). */
  watermarkScaleFactor?: number;
  /** /proc/sys/vm/lowmem_reserve_ratio per zone (default 256, 32, 0). */
  lowmemReserveRatio?: readonly number[];
  /** Extra bytes the kernel keeps at the bottom of RAM (image, boot data). Default 0. */
  reservedBytes?: number;
}

export interface ZoneSpan {
  startPfn: number;
  spanned: number;
  present: number;
  managed: number;
}

/** Where things are, computed from the config alone (every worker computes the same). */
export interface MmLayout {
  cpus: number;
  /** One past the last RAM pfn: the page array covers pfns [0, endPfn). */
  endPfn: number;
  /** First present pfn (ramBase >> 12, or 1 when RAM starts at 0: page 0 reserved). */
  firstPfn: number;
  /** First managed pfn: everything below is the kernel's region. */
  kernelEndPfn: number;
  /** Simulated physical addresses of the kernel structures (for cache charging). */
  memmapPa: number;
  zonesPa: number;
  pcpPa: number;
  zones: ZoneSpan[];
  dma32LimitPfn: number;
}

/** Bytes of simulated RAM per zone struct and per (cpu, zone) pageset. */
export const ZONE_STRUCT_BYTES = 512;
export const PCP_STRUCT_BYTES = 128;

function pageAlign(n: number): number {
  return Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;
}

/**
 * Zone sizes from the RAM size, as free_area_init splits them: DMA32 from the first RAM
 * pfn to min(dma32Limit, end), Normal above. Throws RangeError on an impossible config.
 */
export function computeLayout(c: MmConfig): MmLayout {
  if (c.ramBytes % PAGE_SIZE !== 0 || c.ramBase % PAGE_SIZE !== 0) {
    throw new RangeError(`mm: RAM size and base must be page multiples (ram ${c.ramBytes}, base ${c.ramBase})`);
  }
  if (c.cpus < 1 || !Number.isInteger(c.cpus)) throw new RangeError(`mm: cpus must be a positive integer (got ${c.cpus})`);
  const endPfn = c.ramBytes >>> PAGE_SHIFT;
  const firstPfn = Math.max(1, c.ramBase >>> PAGE_SHIFT);
  const memmapPa = firstPfn * PAGE_SIZE;
  const memmapBytes = pageAlign(endPfn * STRUCT_PAGE_BYTES);
  const zonesPa = memmapPa + memmapBytes;
  const zonesBytes = pageAlign(MAX_NR_ZONES * ZONE_STRUCT_BYTES);
  const pcpPa = zonesPa + zonesBytes;
  const pcpBytes = pageAlign(c.cpus * MAX_NR_ZONES * PCP_STRUCT_BYTES);
  const kernelEnd = pcpPa + pcpBytes + pageAlign(c.reservedBytes ?? 0);
  const kernelEndPfn = kernelEnd / PAGE_SIZE;
  if (kernelEndPfn + (1 << (MAX_ORDER - 1)) > endPfn) {
    throw new RangeError(`mm: ${c.ramBytes} bytes of RAM leave no room after the kernel's ${kernelEnd} bytes`);
  }
  const limit = c.dma32Limit ?? DMA32_LIMIT;
  if (limit % PAGE_SIZE !== 0 || limit <= 0) throw new RangeError(`mm: dma32Limit must be a positive page multiple`);
  const dma32LimitPfn = Math.floor(limit / PAGE_SIZE);
  const dmaEnd = Math.min(dma32LimitPfn, endPfn);
  const span = (start: number, end: number): ZoneSpan => {
    if (end <= start) return { startPfn: 0, spanned: 0, present: 0, managed: 0 };
    const reserved = Math.max(0, Math.min(end, kernelEndPfn) - start);
    return { startPfn: start, spanned: end - start, present: end - start, managed: end - start - reserved };
  };
  const zones = [span(firstPfn, dmaEnd), span(Math.max(firstPfn, dma32LimitPfn), endPfn), span(0, 0)];
  return { cpus: c.cpus, endPfn, firstPfn, kernelEndPfn, memmapPa, zonesPa, pcpPa, zones, dma32LimitPfn };
}

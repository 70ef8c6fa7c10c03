// The zoned buddy allocator with per-CPU page lists and watermarks, after Linux 6.1's
// mm/page_alloc.c. All state is in SharedArrayBuffers (mm_types.ts, mmzone.ts, vmstat.ts
// layouts) so any worker hosting a core can allocate and free; each worker builds its own
// PageAlloc over the same buffers.
//
// Choices (said once here):
// - One migratetype (MIGRATE_MOVABLE): no pageblock bitmap, no fallback stealing.
// - Per-CPU lists (pcp) hold order-0 pages only (Linux 6.1 also keeps orders 1..3 and THP
//   there); order >= 1 goes to the buddy lists under the zone lock.
// - Free blocks go to the head of their free_area list (no "to tail" shuffle heuristic).
// - No reclaim yet: an allocation that fails the low watermark retries at the min watermark
//   (the slow path without kswapd), then counts allocstall_<zone> and returns -ENOMEM.
// - Locks: pcp lock then zone lock (Linux's order); both are shared/sync spinlocks.

import { spinLock, spinUnlock } from '../../../shared/sync/spinlock.ts';
import { NO_CHARGE, type MmCharge } from './charge.ts';
import {
  NIL, PAGE_SHIFT, PAGE_WORDS, PG_FLAGS, PG_MAPCOUNT, PG_MAPPING, PG_NEXT, PG_PREV, PG_PRIVATE, PG_REFCOUNT,
  PG_buddy, PG_pcp, PG_reserved, STRUCT_PAGE_BYTES, ZONE_MASK, ZONE_SHIFT, pageArrayBytes,
} from './mm_types.ts';
import {
  MAX_NR_ZONES, MAX_ORDER, PCP_STRUCT_BYTES, ZONE_DMA32, ZONE_MOVABLE, ZONE_NORMAL, ZONE_STRUCT_BYTES,
  ZONE_WORDS, Z_HEAD, Z_LOCK, Z_LOWMEM_RESERVE, Z_MANAGED, Z_NR_FREE, Z_NR_FREE_AREA, Z_PCP_BATCH,
  Z_PCP_HIGH, Z_PRESENT, Z_SPANNED, Z_START_PFN, Z_STAT_THRESHOLD, Z_WMARK_BOOST, Z_WMARK_HIGH,
  Z_WMARK_LOW, Z_WMARK_MIN, Z_WMARK_PROMO, computeLayout, type MmConfig, type MmLayout,
} from './mmzone.ts';
import { ENOMEM } from '../syscalls/numbers.ts';
import { ALLOCSTALL_BASE, PGALLOC_BASE, PGFREE, VmStat, vmstatBytes } from './vmstat.ts';


/** gfp flags: only the zone modifiers matter here (gfp_zone). */
export const GFP_KERNEL = 0;
export const __GFP_DMA32 = 1 << 0;
export const __GFP_MOVABLE = 1 << 1;
export const GFP_HIGHUSER_MOVABLE = __GFP_MOVABLE;

export const WMARK_MIN = 0;
export const WMARK_LOW = 1;
export const WMARK_HIGH = 2;

/** Default sysctls (Linux 6.1). */
export const WATERMARK_SCALE_FACTOR = 10;
export const LOWMEM_RESERVE_RATIO = [256, 32, 0] as const;

// Per (cpu, zone) pageset: PCP_WORDS int32 words at (cpu * MAX_NR_ZONES + zone) * PCP_WORDS.
//   [0] lock (alone on its 128-byte line); [32] count; [33] high; [34] batch;
//   [35] list head pfn; [36] list tail pfn; [37] free_factor. All but high/batch under the lock.
const PCP_WORDS = 64;
const P_LOCK = 0;
const P_COUNT = 32;
const P_HIGH = 33;
const P_BATCH = 34;
const P_HEAD = 35;
const P_TAIL = 36;
const P_FREE_FACTOR = 37;

// Node-global words after the zones: min_free_kbytes and totalreserve_pages.
const G_BASE = MAX_NR_ZONES * ZONE_WORDS;
const G_MIN_FREE_KBYTES = G_BASE;
const G_TOTALRESERVE = G_BASE + 1;
const ZONES_WORDS = G_BASE + 32;

/** Everything a worker needs to attach: structured-cloneable (postMessage / workerData). */
export interface MmBuffers {
  config: MmConfig;
  pages: SharedArrayBuffer;
  zones: SharedArrayBuffer;
  pcp: SharedArrayBuffer;
  vmstat: SharedArrayBuffer;
}

export function gfp_zone(gfp: number): number {
  if (gfp & __GFP_DMA32) return ZONE_DMA32;
  if (gfp & __GFP_MOVABLE) return ZONE_MOVABLE;
  return ZONE_NORMAL;
}

/** int_sqrt: floor of the square root. */
export function int_sqrt(x: number): number {
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

function rounddown_pow_of_two(n: number): number {
  return 2 ** Math.floor(Math.log2(n));
}

function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

/** zone_batchsize (CONFIG_MMU): ~0.1% of the zone or 1 MiB, /4, clamped to 2^n - 1. */
export function zone_batchsize(managed: number): number {
  let batch = Math.min(Math.floor(managed / 1024), (1024 * 1024) >> PAGE_SHIFT);
  batch = Math.floor(batch / 4);
  if (batch < 1) batch = 1;
  return rounddown_pow_of_two(batch + Math.floor(batch / 2)) - 1;
}

/** zone_highsize with percpu_pagelist_high_fraction 0: the low watermark split over the CPUs. */
export function zone_highsize(lowWmark: number, batch: number, cpus: number): number {
  const high = Math.floor(lowWmark / cpus);
  return Math.max(high, batch << 2);
}

/** calculate_normal_threshold: the per-CPU vmstat drift allowed before folding. */
export function calculate_normal_threshold(managed: number, cpus: number): number {
  const mem = managed >>> (27 - PAGE_SHIFT);
  return Math.min(125, 2 * fls(cpus) * (1 + fls(mem)));
}

/** Allocates the buffers and boots the memory manager (free_area_init + memblock_free_all). */
export function createMm(config: MmConfig): MmBuffers {
  const layout = computeLayout(config);
  const buffers: MmBuffers = {
    config: { ...config },
    pages: new SharedArrayBuffer(pageArrayBytes(layout.endPfn)),
    zones: new SharedArrayBuffer(ZONES_WORDS * 4),
    pcp: new SharedArrayBuffer(config.cpus * MAX_NR_ZONES * PCP_WORDS * 4),
    vmstat: new SharedArrayBuffer(vmstatBytes(config.cpus)),
  };
  new PageAlloc(buffers).boot();
  return buffers;
}

export class PageAlloc {
  readonly layout: MmLayout;
  readonly config: MmConfig;
  readonly pages: Int32Array;
  readonly zones: Int32Array;
  readonly pcp: Int32Array;
  readonly vmstat: VmStat;

  constructor(b: MmBuffers) {
    this.config = b.config;
    this.layout = computeLayout(b.config);
    this.pages = new Int32Array(b.pages);
    this.zones = new Int32Array(b.zones);
    this.pcp = new Int32Array(b.pcp);
    this.vmstat = new VmStat(b.vmstat, b.config.cpus);
  }

  // ---- zone fields (read lock-free) ----

  zoneField(zone: number, field: number): number {
    return this.zones[zone * ZONE_WORDS + field];
  }
  nrFreePages(zone: number): number {
    return Atomics.load(this.zones, zone * ZONE_WORDS + Z_NR_FREE);
  }
  nrFreeArea(zone: number, order: number): number {
    return Atomics.load(this.zones, zone * ZONE_WORDS + Z_NR_FREE_AREA + order);
  }
  populated(zone: number): boolean {
    return this.zoneField(zone, Z_PRESENT) !== 0;
  }
  wmark(zone: number, which: number): number {
    return this.zoneField(zone, Z_WMARK_MIN + which);
  }
  lowmemReserve(zone: number, j: number): number {
    return this.zoneField(zone, Z_LOWMEM_RESERVE + j);
  }
  get minFreeKbytes(): number {
    return this.zones[G_MIN_FREE_KBYTES];
  }
  get totalreservePages(): number {
    return this.zones[G_TOTALRESERVE];
  }
  pcpField(cpu: number, zone: number, field: 'count' | 'high' | 'batch'): number {
    const b = (cpu * MAX_NR_ZONES + zone) * PCP_WORDS;
    return Atomics.load(this.pcp, b + (field === 'count' ? P_COUNT : field === 'high' ? P_HIGH : P_BATCH));
  }
  /** totalram_pages: pages handed to the buddy allocator. */
  totalramPages(): number {
    let s = 0;
    for (let z = 0; z < MAX_NR_ZONES; z++) s += this.zoneField(z, Z_MANAGED);
    return s;
  }

  // ---- boot ----

  /** Runs once, on the thread that creates the buffers, before any worker attaches. */
  boot(): void {
    const { layout, pages, zones } = this;
    for (let pfn = 0; pfn < layout.endPfn; pfn++) {
      const b = pfn * PAGE_WORDS;
      pages[b + PG_FLAGS] = PG_reserved;
      pages[b + PG_REFCOUNT] = 1;
      pages[b + PG_MAPCOUNT] = -1;
      pages[b + PG_NEXT] = NIL;
      pages[b + PG_PREV] = NIL;
    }
    for (let z = 0; z < MAX_NR_ZONES; z++) {
      const s = layout.zones[z];
      const zb = z * ZONE_WORDS;
      zones[zb + Z_START_PFN] = s.startPfn;
      zones[zb + Z_SPANNED] = s.spanned;
      zones[zb + Z_PRESENT] = s.present;
      zones[zb + Z_MANAGED] = s.managed;
      for (let o = 0; o < MAX_ORDER; o++) zones[zb + Z_HEAD + o] = NIL;
      for (let pfn = s.startPfn; pfn < s.startPfn + s.spanned; pfn++) {
        pages[pfn * PAGE_WORDS + PG_FLAGS] = PG_reserved | (z << ZONE_SHIFT);
      }
    }
    // memblock_free_all: free each managed range in the largest aligned blocks.
    for (let z = 0; z < MAX_NR_ZONES; z++) {
      const s = layout.zones[z];
      if (s.managed === 0) continue;
      const end = s.startPfn + s.spanned;
      let pfn = end - s.managed;
      while (pfn < end) {
        let order = Math.min(MAX_ORDER - 1, pfn === 0 ? MAX_ORDER - 1 : 31 - Math.clz32(pfn & -pfn));
        while (pfn + (1 << order) > end) order--;
        for (let i = 0; i < 1 << order; i++) {
          const b = (pfn + i) * PAGE_WORDS;
          pages[b + PG_FLAGS] &= ~PG_reserved;
          pages[b + PG_REFCOUNT] = 0;
        }
        this.__free_one_page(z, pfn, order, NO_CHARGE);
        pfn += 1 << order;
      }
    }
    this.init_per_zone_wmark_min();
  }

  /** init_per_zone_wmark_min: min_free_kbytes from lowmem, then watermarks, reserves, pcp. */
  private init_per_zone_wmark_min(): void {
    const lowmemKbytes = this.totalramPages() * (1 << (PAGE_SHIFT - 10)); // watermarks still 0
    const user = this.config.userMinFreeKbytes ?? -1;
    const computed = int_sqrt(lowmemKbytes * 16);
    let minFree = user;
    if (computed > user) minFree = Math.min(262144, Math.max(128, computed));
    this.zones[G_MIN_FREE_KBYTES] = minFree;
    this.__setup_per_zone_wmarks();
    this.setup_per_zone_lowmem_reserve();
    this.calculate_totalreserve_pages();
  }

  /** __setup_per_zone_wmarks then zone_pcp_update for every zone (setup_per_zone_wmarks). */
  private __setup_per_zone_wmarks(): void {
    const { zones } = this;
    const pagesMin = this.zones[G_MIN_FREE_KBYTES] >> (PAGE_SHIFT - 10);
    const lowmemPages = this.totalramPages();
    const wsf = this.config.watermarkScaleFactor ?? WATERMARK_SCALE_FACTOR;
    for (let z = 0; z < MAX_NR_ZONES; z++) {
      const zb = z * ZONE_WORDS;
      const managed = zones[zb + Z_MANAGED];
      let tmp = Math.floor((pagesMin * managed) / lowmemPages);
      zones[zb + Z_WMARK_MIN] = tmp;
      const frac = Math.floor(managed / 10000) * wsf + Math.floor(((managed % 10000) * wsf) / 10000);
      tmp = Math.max(tmp >> 2, frac);
      zones[zb + Z_WMARK_BOOST] = 0;
      zones[zb + Z_WMARK_LOW] = zones[zb + Z_WMARK_MIN] + tmp;
      zones[zb + Z_WMARK_HIGH] = zones[zb + Z_WMARK_MIN] + tmp * 2;
      zones[zb + Z_WMARK_PROMO] = zones[zb + Z_WMARK_MIN] + tmp * 3;
      const batch = Math.max(1, zone_batchsize(managed)); // zone_set_pageset_high_and_batch
      const high = zone_highsize(zones[zb + Z_WMARK_LOW], batch, this.layout.cpus);
      zones[zb + Z_PCP_BATCH] = batch;
      zones[zb + Z_PCP_HIGH] = high;
      zones[zb + Z_STAT_THRESHOLD] = calculate_normal_threshold(managed, this.layout.cpus);
      for (let cpu = 0; cpu < this.layout.cpus; cpu++) {
        const pb = (cpu * MAX_NR_ZONES + z) * PCP_WORDS;
        Atomics.store(this.pcp, pb + P_BATCH, batch);
        Atomics.store(this.pcp, pb + P_HIGH, high);
        if (Atomics.load(this.pcp, pb + P_COUNT) === 0) {
          this.pcp[pb + P_HEAD] = NIL;
          this.pcp[pb + P_TAIL] = NIL;
        }
      }
    }
  }

  /** setup_per_zone_lowmem_reserve: what a zone keeps back from allocations aimed higher. */
  private setup_per_zone_lowmem_reserve(): void {
    const ratios = this.config.lowmemReserveRatio ?? LOWMEM_RESERVE_RATIO;
    for (let i = 0; i < MAX_NR_ZONES - 1; i++) {
      const zb = i * ZONE_WORDS;
      const ratio = ratios[i] ?? 0;
      const clear = ratio === 0 || this.zones[zb + Z_MANAGED] === 0;
      let managed = 0;
      for (let j = i + 1; j < MAX_NR_ZONES; j++) {
        managed += this.zones[j * ZONE_WORDS + Z_MANAGED];
        this.zones[zb + Z_LOWMEM_RESERVE + j] = clear ? 0 : Math.floor(managed / ratio);
      }
    }
  }

  /** calculate_totalreserve_pages: per zone max(lowmem_reserve) + high, capped at managed. */
  private calculate_totalreserve_pages(): void {
    let total = 0;
    for (let z = 0; z < MAX_NR_ZONES; z++) {
      let max = 0;
      for (let j = 0; j < MAX_NR_ZONES; j++) max = Math.max(max, this.lowmemReserve(z, j));
      max += this.wmark(z, WMARK_HIGH);
      total += Math.min(max, this.zoneField(z, Z_MANAGED));
    }
    this.zones[G_TOTALRESERVE] = total;
  }

  // ---- buddy lists (caller holds the zone lock) ----

  private addToFreeList(zone: number, pfn: number, order: number, charge: MmCharge): void {
    const { pages, zones } = this;
    const b = pfn * PAGE_WORDS;
    const hi = zone * ZONE_WORDS + Z_HEAD + order;
    const head = zones[hi];
    pages[b + PG_NEXT] = head;
    pages[b + PG_PREV] = NIL;
    if (head !== NIL) pages[head * PAGE_WORDS + PG_PREV] = pfn;
    zones[hi] = pfn;
    zones[zone * ZONE_WORDS + Z_NR_FREE_AREA + order]++;
    pages[b + PG_FLAGS] |= PG_buddy;
    pages[b + PG_PRIVATE] = order;
    charge.touch(this.layout.memmapPa + pfn * STRUCT_PAGE_BYTES, true);
  }

  private delFromFreeList(zone: number, pfn: number, order: number, charge: MmCharge): void {
    const { pages, zones } = this;
    const b = pfn * PAGE_WORDS;
    const next = pages[b + PG_NEXT];
    const prev = pages[b + PG_PREV];
    if (prev === NIL) zones[zone * ZONE_WORDS + Z_HEAD + order] = next;
    else pages[prev * PAGE_WORDS + PG_NEXT] = next;
    if (next !== NIL) pages[next * PAGE_WORDS + PG_PREV] = prev;
    pages[b + PG_NEXT] = NIL;
    pages[b + PG_PREV] = NIL;
    zones[zone * ZONE_WORDS + Z_NR_FREE_AREA + order]--;
    pages[b + PG_FLAGS] &= ~PG_buddy;
    pages[b + PG_PRIVATE] = 0;
    charge.touch(this.layout.memmapPa + pfn * STRUCT_PAGE_BYTES, true);
  }

  /** page_is_buddy: `pfn` heads a free block of exactly `order` in the same zone. */
  private pageIsBuddy(zone: number, pfn: number, order: number): boolean {
    const start = this.zones[zone * ZONE_WORDS + Z_START_PFN];
    if (pfn < start || pfn >= start + this.zones[zone * ZONE_WORDS + Z_SPANNED]) return false;
    const b = pfn * PAGE_WORDS;
    const f = this.pages[b + PG_FLAGS];
    return (f & PG_buddy) !== 0 && this.pages[b + PG_PRIVATE] === order && (f & ZONE_MASK) >>> ZONE_SHIFT === zone;
  }

  /** __free_one_page: merge with free buddies (buddy pfn = pfn ^ (1 << order)) as far as possible. */
  private __free_one_page(zone: number, pfn: number, order: number, charge: MmCharge): void {
    Atomics.add(this.zones, zone * ZONE_WORDS + Z_NR_FREE, 1 << order);
    while (order < MAX_ORDER - 1) {
      const buddy = pfn ^ (1 << order);
      if (!this.pageIsBuddy(zone, buddy, order)) break;
      this.delFromFreeList(zone, buddy, order, charge);
      pfn &= buddy;
      order++;
    }
    this.addToFreeList(zone, pfn, order, charge);
  }

  /** __rmqueue_smallest: take the smallest block >= order and split it (expand). NIL if none. */
  private __rmqueue_smallest(zone: number, order: number, charge: MmCharge): number {
    const zb = zone * ZONE_WORDS;
    for (let cur = order; cur < MAX_ORDER; cur++) {
      const pfn = this.zones[zb + Z_HEAD + cur];
      if (pfn === NIL) continue;
      this.delFromFreeList(zone, pfn, cur, charge);
      // expand: give back the upper halves, largest first.
      let high = cur;
      while (high > order) {
        high--;
        this.addToFreeList(zone, pfn + (1 << high), high, charge);
      }
      Atomics.sub(this.zones, zb + Z_NR_FREE, 1 << order);
      return pfn;
    }
    return NIL;
  }

  private zoneLock(zone: number, charge: MmCharge): void {
    charge.touch(this.layout.zonesPa + zone * ZONE_STRUCT_BYTES, true);
    spinLock(this.zones, zone * ZONE_WORDS + Z_LOCK);
  }
  private zoneUnlock(zone: number): void {
    spinUnlock(this.zones, zone * ZONE_WORDS + Z_LOCK);
  }

  // ---- per-CPU lists ----

  private pcpBase(cpu: number, zone: number, charge: MmCharge): number {
    const i = cpu * MAX_NR_ZONES + zone;
    charge.touch(this.layout.pcpPa + i * PCP_STRUCT_BYTES, true);
    return i * PCP_WORDS;
  }

  /** rmqueue_bulk: move up to `count` order-`order` blocks to the tail of the pcp list. */
  private rmqueue_bulk(zone: number, order: number, count: number, pb: number, charge: MmCharge): number {
    const { pages, pcp } = this;
    this.zoneLock(zone, charge);
    let i = 0;
    for (; i < count; i++) {
      const pfn = this.__rmqueue_smallest(zone, order, charge);
      if (pfn === NIL) break;
      const b = pfn * PAGE_WORDS;
      const tail = pcp[pb + P_TAIL];
      pages[b + PG_NEXT] = NIL;
      pages[b + PG_PREV] = tail;
      if (tail === NIL) pcp[pb + P_HEAD] = pfn;
      else pages[tail * PAGE_WORDS + PG_NEXT] = pfn;
      pcp[pb + P_TAIL] = pfn;
      pages[b + PG_FLAGS] |= PG_pcp;
    }
    this.zoneUnlock(zone);
    return i;
  }

  /** free_pcppages_bulk: give `count` pages from the cold end (tail) back to the buddy lists. */
  private free_pcppages_bulk(zone: number, count: number, pb: number, charge: MmCharge): void {
    const { pages, pcp } = this;
    count = Math.min(count, pcp[pb + P_COUNT]);
    if (count <= 0) return;
    this.zoneLock(zone, charge);
    for (let i = 0; i < count; i++) {
      const pfn = pcp[pb + P_TAIL];
      const b = pfn * PAGE_WORDS;
      const prev = pages[b + PG_PREV];
      pcp[pb + P_TAIL] = prev;
      if (prev === NIL) pcp[pb + P_HEAD] = NIL;
      else pages[prev * PAGE_WORDS + PG_NEXT] = NIL;
      pages[b + PG_PREV] = NIL;
      pages[b + PG_FLAGS] &= ~PG_pcp;
      this.__free_one_page(zone, pfn, 0, charge);
    }
    Atomics.sub(pcp, pb + P_COUNT, count);
    this.zoneUnlock(zone);
  }

  /** nr_pcp_free: how many to drain; doubles with each free not separated by an allocation. */
  private nr_pcp_free(pb: number, high: number, batch: number): number {
    if (high < batch) return 1;
    const minNrFree = batch;
    const maxNrFree = high - batch;
    let n = batch << this.pcp[pb + P_FREE_FACTOR];
    if (n < maxNrFree) this.pcp[pb + P_FREE_FACTOR]++;
    return Math.max(minNrFree, Math.min(n, maxNrFree));
  }

  /** free_unref_page: an order-0 page goes to this CPU's list; past high, a batch drains. */
  private free_unref_page(cpu: number, zone: number, pfn: number, charge: MmCharge): void {
    const { pages, pcp } = this;
    const pb = this.pcpBase(cpu, zone, charge);
    spinLock(pcp, pb + P_LOCK);
    const b = pfn * PAGE_WORDS;
    const head = pcp[pb + P_HEAD];
    pages[b + PG_NEXT] = head;
    pages[b + PG_PREV] = NIL;
    if (head === NIL) pcp[pb + P_TAIL] = pfn;
    else pages[head * PAGE_WORDS + PG_PREV] = pfn;
    pcp[pb + P_HEAD] = pfn;
    pages[b + PG_FLAGS] |= PG_pcp;
    const count = Atomics.add(pcp, pb + P_COUNT, 1) + 1;
    const high = pcp[pb + P_HIGH];
    if (count >= high) this.free_pcppages_bulk(zone, this.nr_pcp_free(pb, high, pcp[pb + P_BATCH]), pb, charge);
    spinUnlock(pcp, pb + P_LOCK);
  }

  /** rmqueue_pcplist: an order-0 page from this CPU's list, refilled by a batch when empty. */
  private rmqueue_pcplist(cpu: number, zone: number, charge: MmCharge): number {
    const { pages, pcp } = this;
    const pb = this.pcpBase(cpu, zone, charge);
    spinLock(pcp, pb + P_LOCK);
    pcp[pb + P_FREE_FACTOR] >>= 1;
    if (pcp[pb + P_HEAD] === NIL) {
      let batch = pcp[pb + P_BATCH];
      if (batch > 1) batch = Math.max(batch, 2);
      const got = this.rmqueue_bulk(zone, 0, batch, pb, charge);
      Atomics.add(pcp, pb + P_COUNT, got);
      if (got === 0) {
        spinUnlock(pcp, pb + P_LOCK);
        return NIL;
      }
    }
    const pfn = pcp[pb + P_HEAD];
    const b = pfn * PAGE_WORDS;
    const next = pages[b + PG_NEXT];
    pcp[pb + P_HEAD] = next;
    if (next === NIL) pcp[pb + P_TAIL] = NIL;
    else pages[next * PAGE_WORDS + PG_PREV] = NIL;
    pages[b + PG_NEXT] = NIL;
    pages[b + PG_FLAGS] &= ~PG_pcp;
    Atomics.sub(pcp, pb + P_COUNT, 1);
    spinUnlock(pcp, pb + P_LOCK);
    return pfn;
  }

  /** rmqueue: order 0 from the CPU's list; anything else, or an empty refill, from the buddy lists. */
  private rmqueue(cpu: number, zone: number, order: number, charge: MmCharge): number {
    if (order === 0) {
      const pfn = this.rmqueue_pcplist(cpu, zone, charge);
      if (pfn !== NIL) return pfn;
    }
    this.zoneLock(zone, charge);
    const pfn = this.__rmqueue_smallest(zone, order, charge);
    this.zoneUnlock(zone);
    return pfn;
  }

  // ---- watermarks ----

  /**
   * __zone_watermark_ok: would `zone` stay above `mark` (+ its reserve against allocations
   * aimed at `highestZone`) after giving 2^order pages, with a block of that order free?
   */
  zone_watermark_ok(zone: number, order: number, mark: number, highestZone: number): boolean {
    let free = this.nrFreePages(zone);
    free -= (1 << order) - 1;
    if (free <= mark + this.lowmemReserve(zone, highestZone)) return false;
    if (order === 0) return true;
    for (let o = order; o < MAX_ORDER; o++) if (this.nrFreeArea(zone, o) > 0) return true;
    return false;
  }

  /** get_page_from_freelist: the zonelist from highestZone down, each checked against a watermark. */
  private get_page_from_freelist(cpu: number, order: number, highestZone: number, which: number, charge: MmCharge): number {
    for (let z = highestZone; z >= 0; z--) {
      if (this.zoneField(z, Z_MANAGED) === 0) continue;
      if (!this.zone_watermark_ok(z, order, this.wmark(z, which), highestZone)) continue;
      const pfn = this.rmqueue(cpu, z, order, charge);
      if (pfn === NIL) continue;
      this.prep_new_page(pfn, order);
      this.vmstat.countEvents(cpu, PGALLOC_BASE + z, 1 << order);
      return pfn;
    }
    return NIL;
  }

  private prep_new_page(pfn: number, order: number): void {
    const b = pfn * PAGE_WORDS;
    const f = this.pages[b + PG_FLAGS];
    if (f & (PG_buddy | PG_pcp | PG_reserved) || this.pages[b + PG_REFCOUNT] !== 0) {
      throw new Error(`BUG: Bad page state: pfn ${pfn} order ${order} flags ${f.toString(16)} on allocation`);
    }
    Atomics.store(this.pages, b + PG_REFCOUNT, 1);
    this.pages[b + PG_MAPCOUNT] = -1;
    this.pages[b + PG_MAPPING] = 0; // a new page belongs to nothing yet (page->mapping NULL)
  }

  // ---- the API ----

  /**
   * alloc_pages on CPU `cpu`: 2^order contiguous frames; returns the first pfn, or -ENOMEM
   * when every allowed zone would fall below its min watermark (counted as allocstall_<zone>;
   * reclaim comes later). Throws RangeError on a bad order or cpu. Takes the pcp and zone locks.
   */
  alloc_pages(cpu: number, gfp: number, order: number, charge: MmCharge = NO_CHARGE): number {
    if (!(order >= 0 && order < MAX_ORDER) || !Number.isInteger(order)) throw new RangeError(`alloc_pages: order ${order} outside 0..${MAX_ORDER - 1}`);
    if (!(cpu >= 0 && cpu < this.layout.cpus)) throw new RangeError(`alloc_pages: no cpu ${cpu}`);
    const hz = gfp_zone(gfp);
    let pfn = this.get_page_from_freelist(cpu, order, hz, WMARK_LOW, charge);
    if (pfn === NIL) pfn = this.get_page_from_freelist(cpu, order, hz, WMARK_MIN, charge); // slow path, no kswapd yet
    if (pfn === NIL) {
      this.vmstat.countEvents(cpu, ALLOCSTALL_BASE + hz, 1);
      return -ENOMEM;
    }
    return pfn;
  }

  /**
   * __free_pages: drop a reference to the 2^order block at `pfn`; the last reference frees it
   * (order 0 to this CPU's list, larger blocks to the buddy lists). Throws on a bad page
   * (free of a free, reserved or still-mapped page): a kernel bug, never a guest's.
   */
  __free_pages(cpu: number, pfn: number, order: number, charge: MmCharge = NO_CHARGE): void {
    if (!(pfn >= 0 && pfn < this.layout.endPfn)) throw new RangeError(`__free_pages: pfn ${pfn} outside RAM`);
    const b = pfn * PAGE_WORDS;
    const ref = Atomics.sub(this.pages, b + PG_REFCOUNT, 1) - 1;
    if (ref > 0) return;
    const f = this.pages[b + PG_FLAGS];
    if (ref < 0 || f & (PG_buddy | PG_pcp | PG_reserved) || this.pages[b + PG_MAPCOUNT] !== -1) {
      throw new Error(`BUG: Bad page state: pfn ${pfn} order ${order} refcount ${ref + 1} flags ${f.toString(16)} on free`);
    }
    const zone = (f & ZONE_MASK) >>> ZONE_SHIFT;
    this.vmstat.countEvents(cpu, PGFREE, 1 << order);
    if (order === 0) {
      this.free_unref_page(cpu, zone, pfn, charge);
      return;
    }
    this.zoneLock(zone, charge);
    this.__free_one_page(zone, pfn, order, charge);
    this.zoneUnlock(zone);
  }

  /** get_page: one more reference to an allocated page. */
  get_page(pfn: number): void {
    Atomics.add(this.pages, pfn * PAGE_WORDS + PG_REFCOUNT, 1);
  }

  /** drain_pages: return all of `cpu`'s per-CPU pages to the buddy lists (any thread may call). */
  drain_pages(cpu: number, charge: MmCharge = NO_CHARGE): void {
    for (let z = 0; z < MAX_NR_ZONES; z++) {
      const pb = this.pcpBase(cpu, z, charge);
      spinLock(this.pcp, pb + P_LOCK);
      this.free_pcppages_bulk(z, this.pcp[pb + P_COUNT], pb, charge);
      spinUnlock(this.pcp, pb + P_LOCK);
    }
  }

  /** drain_all_pages. */
  drain_all_pages(charge: MmCharge = NO_CHARGE): void {
    for (let cpu = 0; cpu < this.layout.cpus; cpu++) this.drain_pages(cpu, charge);
  }

  /** Pages sitting on per-CPU lists of `zone` (free but not in NR_FREE_PAGES, as in Linux). */
  pcpPages(zone: number): number {
    let s = 0;
    for (let cpu = 0; cpu < this.layout.cpus; cpu++) s += this.pcpField(cpu, zone, 'count');
    return s;
  }

  /**
   * Walks every free list and pcp list of `zone` (quiescent callers only) and checks them
   * against the counters; returns a description of the first inconsistency, or '' if none.
   */
  check_zone(zone: number): string {
    const zb = zone * ZONE_WORDS;
    let free = 0;
    for (let o = 0; o < MAX_ORDER; o++) {
      let n = 0;
      let prev = NIL;
      for (let pfn = this.zones[zb + Z_HEAD + o]; pfn !== NIL; pfn = this.pages[pfn * PAGE_WORDS + PG_NEXT]) {
        if (!this.pageIsBuddy(zone, pfn, o)) return `pfn ${pfn} on free_area[${o}] is not a buddy of that order`;
        if (this.pages[pfn * PAGE_WORDS + PG_PREV] !== prev) return `pfn ${pfn}: broken prev link`;
        if (pfn & ((1 << o) - 1)) return `pfn ${pfn} misaligned for order ${o}`;
        prev = pfn;
        if (++n > this.layout.endPfn) return `free_area[${o}] has a cycle`;
      }
      if (n !== this.nrFreeArea(zone, o)) return `free_area[${o}].nr_free ${this.nrFreeArea(zone, o)} but ${n} listed`;
      free += n << o;
    }
    if (free !== this.nrFreePages(zone)) return `NR_FREE_PAGES ${this.nrFreePages(zone)} but ${free} on the lists`;
    return '';
  }
}

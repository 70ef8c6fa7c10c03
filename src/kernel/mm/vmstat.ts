// VM counters (Linux's mm/vmstat.c and include/linux/vm_event_item.h, mmzone.h), as
// Linux 6.1 names them for this kernel's config: one node, riscv64 zones (DMA32, Normal,
// Movable), CONFIG_SWAP=y; NUMA, migration, compaction, THP, hugetlb, CMA, balloon, KSM,
// zsmalloc off (their lines would be absent from a Linux built so).
//
// Shared memory (one SharedArrayBuffer, `vmstatBytes(cpus)`):
//   Int32 zone stats   [zone * ZSTAT_STRIDE + item]  Atomics (zone_stat_item; NR_FREE_PAGES
//                      lives in the zone struct, next to its lock, and is read from there)
//   Int32 node stats   [NODE_BASE + item]            Atomics (node_stat_item, pages)
//   Float64 events     per CPU, a row of EVENT_STRIDE doubles at a 128-byte multiple;
//                      written only by the CPU that counts (count_vm_events), summed on read.

import { MAX_NR_ZONES } from './mmzone.ts';

export const ZONE_STAT_NAMES = [
  'nr_free_pages',
  'nr_zone_inactive_anon',
  'nr_zone_active_anon',
  'nr_zone_inactive_file',
  'nr_zone_active_file',
  'nr_zone_unevictable',
  'nr_zone_write_pending',
  'nr_mlock',
  'nr_bounce',
  'nr_free_cma',
] as const;
export const NR_FREE_PAGES = 0;

export const NODE_STAT_NAMES = [
  'nr_inactive_anon',
  'nr_active_anon',
  'nr_inactive_file',
  'nr_active_file',
  'nr_unevictable',
  'nr_slab_reclaimable',
  'nr_slab_unreclaimable',
  'nr_isolated_anon',
  'nr_isolated_file',
  'workingset_nodes',
  'workingset_refault_anon',
  'workingset_refault_file',
  'workingset_activate_anon',
  'workingset_activate_file',
  'workingset_restore_anon',
  'workingset_restore_file',
  'workingset_nodereclaim',
  'nr_anon_pages',
  'nr_mapped',
  'nr_file_pages',
  'nr_dirty',
  'nr_writeback',
  'nr_writeback_temp',
  'nr_shmem',
  'nr_shmem_hugepages',
  'nr_shmem_pmdmapped',
  'nr_file_hugepages',
  'nr_file_pmdmapped',
  'nr_anon_transparent_hugepages',
  'nr_vmscan_write',
  'nr_vmscan_immediate_reclaim',
  'nr_dirtied',
  'nr_written',
  'nr_throttled_written',
  'nr_kernel_misc_reclaimable',
  'nr_foll_pin_acquired',
  'nr_foll_pin_released',
  'nr_kernel_stack',
  'nr_page_table_pages',
  'nr_sec_page_table_pages',
  'nr_swapcached',
] as const;
export type NodeStatItem = (typeof NODE_STAT_NAMES)[number];

/** vm_stat_item: computed when /proc/vmstat is read. */
export const VM_STAT_NAMES = ['nr_dirty_threshold', 'nr_dirty_background_threshold'] as const;

const zones = (s: string): string[] => [`${s}_dma32`, `${s}_normal`, `${s}_movable`];

export const EVENT_NAMES: readonly string[] = [
  'pgpgin', 'pgpgout', 'pswpin', 'pswpout',
  ...zones('pgalloc'),
  ...zones('allocstall'),
  ...zones('pgskip'),
  'pgfree', 'pgactivate', 'pgdeactivate', 'pglazyfree',
  'pgfault', 'pgmajfault', 'pglazyfreed',
  'pgrefill', 'pgreuse',
  'pgsteal_kswapd', 'pgsteal_direct', 'pgdemote_kswapd', 'pgdemote_direct',
  'pgscan_kswapd', 'pgscan_direct', 'pgscan_direct_throttle', 'pgscan_anon', 'pgscan_file',
  'pgsteal_anon', 'pgsteal_file',
  'pginodesteal', 'slabs_scanned', 'kswapd_inodesteal',
  'kswapd_low_wmark_hit_quickly', 'kswapd_high_wmark_hit_quickly', 'pageoutrun',
  'pgrotated', 'drop_pagecache', 'drop_slab', 'oom_kill',
  'unevictable_pgs_culled', 'unevictable_pgs_scanned', 'unevictable_pgs_rescued',
  'unevictable_pgs_mlocked', 'unevictable_pgs_munlocked', 'unevictable_pgs_cleared',
  'unevictable_pgs_stranded',
  'swap_ra', 'swap_ra_hit',
];

/** Event index by name; throws on a name this kernel does not count (a typo). */
export function vmEvent(name: string): number {
  const i = EVENT_NAMES.indexOf(name);
  if (i < 0) throw new RangeError(`vmstat: no event named ${name}`);
  return i;
}

export const PGALLOC_BASE = vmEvent('pgalloc_dma32');
export const ALLOCSTALL_BASE = vmEvent('allocstall_dma32');
export const PGFREE = vmEvent('pgfree');
export const PGFAULT = vmEvent('pgfault');
export const PGMAJFAULT = vmEvent('pgmajfault');

const ZSTAT_STRIDE = 16;
const NODE_BASE = MAX_NR_ZONES * ZSTAT_STRIDE;
const INT_WORDS = NODE_BASE + 64;
const EVENT_STRIDE = Math.ceil(EVENT_NAMES.length / 16) * 16;
// Event rows start on a 128-byte boundary so CPUs counting on their own rows share no host line.
const EVENT_BYTE_BASE = Math.ceil((INT_WORDS * 4) / 128) * 128;

export function vmstatBytes(cpus: number): number {
  return EVENT_BYTE_BASE + cpus * EVENT_STRIDE * 8;
}

/** One worker's views of the counters. */
export class VmStat {
  readonly ints: Int32Array;
  readonly events: Float64Array;
  readonly cpus: number;

  constructor(sab: SharedArrayBuffer, cpus: number) {
    this.cpus = cpus;
    this.ints = new Int32Array(sab, 0, INT_WORDS);
    this.events = new Float64Array(sab, EVENT_BYTE_BASE, cpus * EVENT_STRIDE);
  }

  /** count_vm_events: only `cpu` itself calls this for its own row. */
  countEvents(cpu: number, item: number, delta: number): void {
    this.events[cpu * EVENT_STRIDE + item] += delta;
  }

  /** Sum of an event over all CPUs (all_vm_events). */
  event(item: number): number {
    let s = 0;
    for (let c = 0; c < this.cpus; c++) s += this.events[c * EVENT_STRIDE + item];
    return s;
  }

  modZoneState(zone: number, item: number, delta: number): void {
    Atomics.add(this.ints, zone * ZSTAT_STRIDE + item, delta);
  }

  zoneState(zone: number, item: number): number {
    return Atomics.load(this.ints, zone * ZSTAT_STRIDE + item);
  }

  modNodeState(item: NodeStatItem, delta: number): void {
    Atomics.add(this.ints, NODE_BASE + NODE_STAT_NAMES.indexOf(item), delta);
  }

  nodeStateByIndex(i: number): number {
    return Atomics.load(this.ints, NODE_BASE + i);
  }

  nodeState(item: NodeStatItem): number {
    return this.nodeStateByIndex(NODE_STAT_NAMES.indexOf(item));
  }
}

// /proc/vmstat (Linux 6.1 mm/vmstat.c vmstat_start/vmstat_show): "name value" per line —
// zone stats, node stats, the dirty thresholds, the events — then the deprecated
// "nr_unstable 0". The names are this kernel's config (see mm/vmstat.ts).

import { PAGE_SIZE } from '../mm/mm_types.ts';
import { MAX_NR_ZONES } from '../mm/mmzone.ts';
import type { PageAlloc } from '../mm/page_alloc.ts';
import { EVENT_NAMES, NODE_STAT_NAMES, ZONE_STAT_NAMES } from '../mm/vmstat.ts';
import { zoneStat } from './zoneinfo.ts';

/** vm_dirty_ratio and dirty_background_ratio defaults (percent). */
const VM_DIRTY_RATIO = 20;
const DIRTY_BACKGROUND_RATIO = 10;

/** global_dirty_limits for the ratio defaults: [thresh, bg_thresh] in pages. */
export function globalDirtyLimits(mm: PageAlloc): [number, number] {
  let free = 0;
  for (let z = 0; z < MAX_NR_ZONES; z++) free += mm.nrFreePages(z);
  // global_dirtyable_memory: free minus the reserves, plus the file LRU.
  let avail = free - Math.min(free, mm.totalreservePages);
  avail += mm.vmstat.nodeState('nr_inactive_file') + mm.vmstat.nodeState('nr_active_file');
  const ratio = Math.floor((VM_DIRTY_RATIO * PAGE_SIZE) / 100);
  const bgRatio = Math.floor((DIRTY_BACKGROUND_RATIO * PAGE_SIZE) / 100);
  const thresh = Math.floor((ratio * avail) / PAGE_SIZE);
  let bg = Math.floor((bgRatio * avail) / PAGE_SIZE);
  if (bg >= thresh) bg = Math.floor(thresh / 2);
  return [thresh, bg];
}

export function vmstat(mm: PageAlloc): string {
  const lines: string[] = [];
  for (let i = 0; i < ZONE_STAT_NAMES.length; i++) {
    let v = 0;
    for (let z = 0; z < MAX_NR_ZONES; z++) v += zoneStat(mm, z, i);
    lines.push(`${ZONE_STAT_NAMES[i]} ${v}`);
  }
  for (let i = 0; i < NODE_STAT_NAMES.length; i++) lines.push(`${NODE_STAT_NAMES[i]} ${mm.vmstat.nodeStateByIndex(i)}`);
  const [thresh, bg] = globalDirtyLimits(mm);
  lines.push(`nr_dirty_threshold ${thresh}`, `nr_dirty_background_threshold ${bg}`);
  for (let i = 0; i < EVENT_NAMES.length; i++) lines.push(`${EVENT_NAMES[i]} ${mm.vmstat.event(i)}`);
  lines.push('nr_unstable 0');
  return lines.join('\n') + '\n';
}

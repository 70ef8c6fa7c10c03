// /proc/zoneinfo (Linux 6.1 mm/vmstat.c zoneinfo_show_print). Every zone of the node is
// printed, populated or not; the first populated one carries the per-node stats; an
// unpopulated zone stops after its protection line. 6.1 has no "promo" line and prints
// pagesets as count/high/batch (high_min/high_max came later). CONFIG_NUMA off: no numa_*.

import { MAX_NR_ZONES, ZONE_NAMES, Z_MANAGED, Z_PRESENT, Z_SPANNED, Z_START_PFN, Z_STAT_THRESHOLD, Z_WMARK_BOOST } from '../mm/mmzone.ts';
import { WMARK_HIGH, WMARK_LOW, WMARK_MIN, type PageAlloc } from '../mm/page_alloc.ts';
import { NODE_STAT_NAMES, NR_FREE_PAGES, ZONE_STAT_NAMES } from '../mm/vmstat.ts';

function item(name: string, v: number): string {
  return `\n      ${name.padEnd(12)} ${v}`;
}

/** Zone stat item i of zone z (NR_FREE_PAGES lives in the zone struct). */
export function zoneStat(mm: PageAlloc, z: number, i: number): number {
  return i === NR_FREE_PAGES ? mm.nrFreePages(z) : mm.vmstat.zoneState(z, i);
}

export function zoneinfo(mm: PageAlloc): string {
  let out = '';
  let firstPopulated = -1;
  for (let z = 0; z < MAX_NR_ZONES; z++) if (firstPopulated < 0 && mm.populated(z)) firstPopulated = z;
  for (let z = 0; z < MAX_NR_ZONES; z++) {
    out += `Node 0, zone ${ZONE_NAMES[z].padStart(8)}`;
    if (z === firstPopulated) {
      out += '\n  per-node stats';
      for (let i = 0; i < NODE_STAT_NAMES.length; i++) out += item(NODE_STAT_NAMES[i], mm.vmstat.nodeStateByIndex(i));
    }
    out +=
      `\n  pages free     ${mm.nrFreePages(z)}` +
      `\n        boost    ${mm.zoneField(z, Z_WMARK_BOOST)}` +
      `\n        min      ${mm.wmark(z, WMARK_MIN)}` +
      `\n        low      ${mm.wmark(z, WMARK_LOW)}` +
      `\n        high     ${mm.wmark(z, WMARK_HIGH)}` +
      `\n        spanned  ${mm.zoneField(z, Z_SPANNED)}` +
      `\n        present  ${mm.zoneField(z, Z_PRESENT)}` +
      `\n        managed  ${mm.zoneField(z, Z_MANAGED)}` +
      `\n        cma      0`;
    const prot: number[] = [];
    for (let j = 0; j < MAX_NR_ZONES; j++) prot.push(mm.lowmemReserve(z, j));
    out += `\n        protection: (${prot.join(', ')})`;
    if (!mm.populated(z)) {
      out += '\n';
      continue;
    }
    for (let i = 0; i < ZONE_STAT_NAMES.length; i++) out += item(ZONE_STAT_NAMES[i], zoneStat(mm, z, i));
    out += '\n  pagesets';
    for (let cpu = 0; cpu < mm.layout.cpus; cpu++) {
      out +=
        `\n    cpu: ${cpu}` +
        `\n              count: ${mm.pcpField(cpu, z, 'count')}` +
        `\n              high:  ${mm.pcpField(cpu, z, 'high')}` +
        `\n              batch: ${mm.pcpField(cpu, z, 'batch')}` +
        `\n  vm stats threshold: ${mm.zoneField(z, Z_STAT_THRESHOLD)}`;
    }
    out += `\n  node_unreclaimable:  0\n  start_pfn:           ${mm.zoneField(z, Z_START_PFN)}\n`;
  }
  return out;
}

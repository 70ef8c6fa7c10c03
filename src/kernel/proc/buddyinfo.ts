// /proc/buddyinfo (Linux 6.1 mm/vmstat.c frag_show_print): per populated zone,
// "Node %d, zone %8s " then "%6lu " free blocks per order 0..MAX_ORDER-1 (note the
// trailing space), then "\n". Read without the zone lock, as Linux's is a racy snapshot.

import { MAX_NR_ZONES, MAX_ORDER, ZONE_NAMES } from '../mm/mmzone.ts';
import type { PageAlloc } from '../mm/page_alloc.ts';

export function buddyinfo(mm: PageAlloc): string {
  let out = '';
  for (let z = 0; z < MAX_NR_ZONES; z++) {
    if (!mm.populated(z)) continue;
    out += `Node 0, zone ${ZONE_NAMES[z].padStart(8)} `;
    for (let o = 0; o < MAX_ORDER; o++) out += `${String(mm.nrFreeArea(z, o)).padStart(6)} `;
    out += '\n';
  }
  return out;
}

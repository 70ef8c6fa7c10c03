// /proc/meminfo (Linux 6.1 fs/proc/meminfo.c meminfo_proc_show): "Key:" padded to 16
// columns, the value in kB right-aligned in 8 (show_val_kb), then " kB". Lines absent
// from this kernel's config (HIGHMEM, zswap, THP, CMA, hugetlb, memory-failure) are left
// out as Linux leaves them out; values that later work fills (page cache, anon, slab,
// swap, commit) read their counters, which are 0 until then.

import { MAX_NR_ZONES } from '../mm/mmzone.ts';
import { WMARK_LOW, type PageAlloc } from '../mm/page_alloc.ts';

/** riscv64 Sv39 VMALLOC_TOTAL >> 10, as Linux 6.1 prints it. */
export const VMALLOC_TOTAL_KB = 67108863;
/** sysctl_overcommit_ratio default (percent). */
const OVERCOMMIT_RATIO = 50;

function kb(label: string, pages: number): string {
  return `${label.padEnd(16)}${String(pages * 4).padStart(8)} kB\n`;
}
function kbRaw(label: string, kbytes: number): string {
  return `${label.padEnd(16)}${String(kbytes).padStart(8)} kB\n`;
}

/** si_mem_available: free minus reserves, plus the reclaimable half of file and slab pages. */
export function si_mem_available(mm: PageAlloc): number {
  const s = mm.vmstat;
  let wmarkLow = 0;
  let free = 0;
  for (let z = 0; z < MAX_NR_ZONES; z++) {
    wmarkLow += mm.wmark(z, WMARK_LOW);
    free += mm.nrFreePages(z);
  }
  let available = free - mm.totalreservePages;
  let pagecache = s.nodeState('nr_active_file') + s.nodeState('nr_inactive_file');
  pagecache -= Math.min(Math.floor(pagecache / 2), wmarkLow);
  available += pagecache;
  const reclaimable = s.nodeState('nr_slab_reclaimable') + s.nodeState('nr_kernel_misc_reclaimable');
  available += reclaimable - Math.min(Math.floor(reclaimable / 2), wmarkLow);
  return Math.max(0, available);
}

export function meminfo(mm: PageAlloc): string {
  const s = mm.vmstat;
  const n = (k: Parameters<typeof s.nodeState>[0]): number => s.nodeState(k);
  let free = 0;
  for (let z = 0; z < MAX_NR_ZONES; z++) free += mm.nrFreePages(z);
  const totalram = mm.totalramPages();
  const swapcache = n('nr_swapcached');
  const buffers = 0;
  const cached = Math.max(0, n('nr_file_pages') - swapcache - buffers);
  const activeAnon = n('nr_active_anon');
  const inactiveAnon = n('nr_inactive_anon');
  const activeFile = n('nr_active_file');
  const inactiveFile = n('nr_inactive_file');
  const sreclaimable = n('nr_slab_reclaimable');
  const sunreclaim = n('nr_slab_unreclaimable');
  const commitLimit = Math.floor((totalram * OVERCOMMIT_RATIO) / 100);
  let mlock = 0;
  let bounce = 0;
  for (let z = 0; z < MAX_NR_ZONES; z++) {
    mlock += s.zoneState(z, 7);
    bounce += s.zoneState(z, 8);
  }
  return (
    kb('MemTotal:', totalram) +
    kb('MemFree:', free) +
    kb('MemAvailable:', si_mem_available(mm)) +
    kb('Buffers:', buffers) +
    kb('Cached:', cached) +
    kb('SwapCached:', swapcache) +
    kb('Active:', activeAnon + activeFile) +
    kb('Inactive:', inactiveAnon + inactiveFile) +
    kb('Active(anon):', activeAnon) +
    kb('Inactive(anon):', inactiveAnon) +
    kb('Active(file):', activeFile) +
    kb('Inactive(file):', inactiveFile) +
    kb('Unevictable:', n('nr_unevictable')) +
    kb('Mlocked:', mlock) +
    kb('SwapTotal:', 0) +
    kb('SwapFree:', 0) +
    kb('Dirty:', n('nr_dirty')) +
    kb('Writeback:', n('nr_writeback')) +
    kb('AnonPages:', n('nr_anon_pages')) +
    kb('Mapped:', n('nr_mapped')) +
    kb('Shmem:', n('nr_shmem')) +
    kb('KReclaimable:', sreclaimable + n('nr_kernel_misc_reclaimable')) +
    kb('Slab:', sreclaimable + sunreclaim) +
    kb('SReclaimable:', sreclaimable) +
    kb('SUnreclaim:', sunreclaim) +
    kbRaw('KernelStack:', n('nr_kernel_stack')) +
    kb('PageTables:', n('nr_page_table_pages')) +
    kb('SecPageTables:', n('nr_sec_page_table_pages')) +
    kb('NFS_Unstable:', 0) +
    kb('Bounce:', bounce) +
    kb('WritebackTmp:', n('nr_writeback_temp')) +
    kb('CommitLimit:', commitLimit) +
    kb('Committed_AS:', 0) +
    kbRaw('VmallocTotal:', VMALLOC_TOTAL_KB) +
    kb('VmallocUsed:', 0) +
    kb('VmallocChunk:', 0) +
    kb('Percpu:', 0)
  );
}

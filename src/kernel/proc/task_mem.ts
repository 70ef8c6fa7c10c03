// The Vm*/Rss* block of /proc/PID/status (fs/proc/task_mmu.c task_mem): each value in kB,
// right-aligned in 8 columns after "Key:\t" (seq_put_decimal_ull_width(..., 8)).
// The address-space figures come from the mm (taskMemVm); RSS, HWM, page-table bytes and
// swap come from the page side, which passes them in.

import {
  F_HIWATER_RSS, MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS, type MmTable, get_mm_counter, taskMemVm,
} from '../mm/mm_struct.ts';

/** Page-side figures, in pages (pteBytes in bytes), as get_mm_counter and mm_pgtables_bytes give them. */
export interface TaskMemRss {
  anon: number;
  file: number;
  shmem: number;
  /** hiwater_rss, in pages (task_mem takes max(hiwater_rss, current rss)). */
  hiwaterRss: number;
  pteBytes: number;
  swap: number;
}

/** The page-side figures of mm m from its rss_stat; pteBytes is PageTables.mm_pgtables_bytes(pgd). */
export function mmTaskMemRss(t: MmTable, m: number, pteBytes: number): TaskMemRss {
  return {
    anon: get_mm_counter(t, m, MM_ANONPAGES),
    file: get_mm_counter(t, m, MM_FILEPAGES),
    shmem: get_mm_counter(t, m, MM_SHMEMPAGES),
    hiwaterRss: t.get(m, F_HIWATER_RSS),
    pteBytes,
    swap: get_mm_counter(t, m, MM_SWAPENTS),
  };
}

export function taskMemText(t: MmTable, m: number, rss: TaskMemRss): string {
  const vm = taskMemVm(t, m);
  const kb = (pages: number) => pages * 4;
  const total = rss.anon + rss.file + rss.shmem;
  const rows: [string, number][] = [
    ['VmPeak', vm.VmPeak], ['VmSize', vm.VmSize], ['VmLck', vm.VmLck], ['VmPin', vm.VmPin],
    ['VmHWM', kb(Math.max(rss.hiwaterRss, total))], ['VmRSS', kb(total)], ['RssAnon', kb(rss.anon)],
    ['RssFile', kb(rss.file)], ['RssShmem', kb(rss.shmem)], ['VmData', vm.VmData], ['VmStk', vm.VmStk],
    ['VmExe', vm.VmExe], ['VmLib', vm.VmLib], ['VmPTE', Math.floor(rss.pteBytes / 1024)], ['VmSwap', kb(rss.swap)],
  ];
  return rows.map(([k, v]) => `${k}:\t${String(v).padStart(8, ' ')} kB\n`).join('');
}

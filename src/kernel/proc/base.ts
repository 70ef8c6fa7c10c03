// The /proc files of the memory and process views (Linux's fs/proc/base.c tgid_base_stuff
// and the global files of mm/vmstat.c and fs/proc/meminfo.c), registered in a PseudoFs over
// a KernelProcView: the one interface the process code implements. The same providers
// answer the guest's open/read and the CLI's --proc PATH (readProcPath).
//
// Locking: as Linux's m_start, every file that reads an mm takes its mmap lock for reading
// while it reads (unless the view says every writer is stopped: lockMm false).

import { F_ARG_END, F_ARG_START, F_ENV_END, F_ENV_START, type MmTable } from '../mm/mm_struct.ts';
import { PAGE_SIZE, PAGE_WORDS } from '../mm/mm_types.ts';
import type { PageAlloc } from '../mm/page_alloc.ts';
import { walkVirtToPhys } from '../mm/pagewalk.ts';
import { PT_NR_TABLES } from '../mm/pgtable.ts';
import type { PhysAccess } from '../mm/phys_access.ts';
import { PseudoFs, type ProcContext, type PseudoRef } from '../fs/procfs.ts';
import { doTaskStat, procPidStatm, procPidStatus, type ProcessView, type TaskMm } from './array.ts';
import { buddyinfo } from './buddyinfo.ts';
import { type MapsFile, showMaps } from './maps.ts';
import { meminfo } from './meminfo.ts';
import { procSchedShowTask } from './sched.ts';
import { memSizes, mmCounters, showSmaps, showSmapsRollup, type MemSizes, type MmWalk } from './smaps.ts';
import { vmstat } from './vmstat.ts';
import { zoneinfo } from './zoneinfo.ts';

/** What the process code gives /proc: its tasks, and handles on the memory manager. */
export interface KernelProcView {
  /** The thread-group ids that exist (the /proc/PID directories). */
  pids(): number[];
  /** The task behind /proc/PID, or undefined if it is gone. */
  task(pid: number): ProcessView | undefined;
  /** The thread ids of group `pid` (/proc/PID/task; default: the leader alone). */
  tids?(pid: number): number[];
  /** Thread `tid` of group `pid` as /proc/PID/task/TID shows it (pid = tid, its own times and switches). */
  thread?(pid: number, tid: number): ProcessView | undefined;
  /** The page allocator: zones, the page array, vmstat. */
  alloc: PageAlloc;
  mmTable: MmTable;
  /** How this reader reaches physical memory: through its core's caches (or RAM with every core stopped). */
  phys: PhysAccess;
  /** Page-table levels: 3 (Sv39) or 4 (Sv48). */
  levels: number;
  /** nr_cpu_ids: the width of Cpus_allowed. */
  nrCpuIds: number;
  /** maps' device, inode and path of a mapped file, by VMA file id. */
  fileInfo(id: number): MapsFile | undefined;
  /** Take each mm's mmap lock for reading while reading it (default true). */
  lockMm?: boolean;
}

/** The walk context of p's mm, or null when it has none. */
export function taskMmWalk(view: KernelProcView, p: ProcessView): MmWalk | null {
  if (p.mm < 0) return null;
  return { t: view.mmTable, m: p.mm, pgd: p.pgd, levels: view.levels, phys: view.phys, pages: view.alloc.pages };
}

/** mm_pgtables_bytes: kept in the pgd page's record (pgtable.ts). */
function pgtablesBytes(w: MmWalk): number {
  return Atomics.load(w.pages, (w.pgd / PAGE_SIZE) * PAGE_WORDS + PT_NR_TABLES) * PAGE_SIZE;
}

function taskMm(view: KernelProcView, p: ProcessView): TaskMm | null {
  const w = taskMmWalk(view, p);
  if (w === null) return null;
  const pteBytes = pgtablesBytes(w);
  if (p.rss !== undefined) return { w, rss: { ...p.rss, pteBytes } };
  const c = mmCounters(w);
  return { w, rss: { ...c, hiwaterRss: c.anon + c.file + c.shmem, pteBytes, swap: 0 } };
}

/** Runs fn with p's mm read-locked (if it has one and the view locks). */
function withMm<T>(view: KernelProcView, p: ProcessView, fn: () => T): T {
  const lock = p.mm >= 0 && view.lockMm !== false;
  if (lock) view.mmTable.mmapReadLock(p.mm);
  try {
    return fn();
  } finally {
    if (lock) view.mmTable.mmapReadUnlock(p.mm);
  }
}

/** VSS/RSS/PSS/USS of a process, in bytes (all 0 without an mm); undefined if no such pid. */
export function processMemSizes(view: KernelProcView, pid: number): MemSizes | undefined {
  const p = view.task(pid);
  if (p === undefined) return undefined;
  const w = taskMmWalk(view, p);
  if (w === null) return { vss: 0, rss: 0, pss: 0, uss: 0 };
  return withMm(view, p, () => memSizes(w));
}

/**
 * access_remote_vm for reading: `len` bytes of p's memory at addr, through its page tables,
 * stopping early at a page that is not mapped (Linux would fault it in; argv and envp are
 * always resident, exec wrote them).
 */
export function accessRemoteVm(w: MmWalk, addr: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let i = 0;
  while (i < len) {
    const va = addr + i;
    const pa = walkVirtToPhys(w.phys, w.levels, w.pgd, va);
    if (pa < 0) return out.subarray(0, i);
    const pageEnd = Math.min(len, i + (PAGE_SIZE - (va % PAGE_SIZE)));
    for (; i < pageEnd; ) {
      const pb = pa + (addr + i - va);
      const lo = w.phys.read64(pb - (pb % 8));
      const hi = w.phys.hi;
      for (let b = pb % 8; b < 8 && i < pageEnd; b++, i++) out[i] = (b < 4 ? lo >>> (8 * b) : hi >>> (8 * (b - 4))) & 0xff;
    }
  }
  return out;
}

/**
 * get_mm_cmdline: the argument area [arg_start, arg_end) as the program left it. If the NUL
 * ending it was overwritten (setproctitle), the string from arg_start up to its first NUL,
 * which may run on into the environment area (get_mm_proctitle).
 */
export function getMmCmdline(w: MmWalk): Uint8Array {
  const { t, m } = w;
  const argStart = t.get(m, F_ARG_START);
  const argEnd = t.get(m, F_ARG_END);
  let envStart = t.get(m, F_ENV_START);
  let envEnd = t.get(m, F_ENV_END);
  if (envEnd === 0 || argStart >= argEnd) return new Uint8Array(0);
  if (envStart !== argEnd || envEnd < envStart) envStart = envEnd = argEnd;
  const last = accessRemoteVm(w, argEnd - 1, 1);
  if (last.length === 1 && last[0] !== 0) {
    const s = accessRemoteVm(w, argStart, envEnd - argStart);
    const nul = s.indexOf(0);
    return nul < 0 ? s : s.subarray(0, nul);
  }
  return accessRemoteVm(w, argStart, argEnd - argStart);
}

/**
 * Registers /proc/{meminfo,vmstat,buddyinfo,zoneinfo}, /proc/PID/{status,stat,statm,maps,
 * smaps,smaps_rollup,cmdline,comm,sched} and /proc/PID/task/TID/{stat,status,comm,sched}
 * (/proc/self is PseudoFs's own link), and makes the view's pids the /proc/PID directories.
 */
export function registerProcFiles(pseudo: PseudoFs, view: KernelProcView): void {
  pseudo.pids = () => view.pids();
  pseudo.tids = (pid) => view.tids?.(pid) ?? [pid];
  pseudo.register('/proc/meminfo', () => meminfo(view.alloc));
  pseudo.register('/proc/vmstat', () => vmstat(view.alloc));
  pseudo.register('/proc/buddyinfo', () => buddyinfo(view.alloc));
  pseudo.register('/proc/zoneinfo', () => zoneinfo(view.alloc), 0o400);
  const perTask = (name: string, show: (p: ProcessView) => string | Uint8Array, mode = 0o444): void => {
    pseudo.register(`/proc/[pid]/${name}`, (ctx: ProcContext) => {
      const p = view.task(ctx.pid ?? ctx.self);
      return p === undefined ? '' : withMm(view, p, () => show(p));
    }, mode);
  };
  perTask('status', (p) => procPidStatus(p, taskMm(view, p), view.nrCpuIds));
  perTask('stat', (p) => doTaskStat(p, taskMm(view, p)));
  perTask('statm', (p) => procPidStatm(taskMm(view, p)));
  perTask('maps', (p) => (p.mm < 0 ? '' : showMaps(view.mmTable, p.mm, (id) => view.fileInfo(id))));
  perTask('smaps', (p) => {
    const w = taskMmWalk(view, p);
    return w === null ? '' : showSmaps(w, (id) => view.fileInfo(id));
  });
  perTask('smaps_rollup', (p) => {
    const w = taskMmWalk(view, p);
    return w === null ? '' : showSmapsRollup(w);
  });
  perTask('cmdline', (p) => {
    const w = taskMmWalk(view, p);
    return w === null ? new Uint8Array(0) : getMmCmdline(w);
  });
  perTask('comm', (p) => `${p.comm}\n`, 0o644);
  const sched = (p: ProcessView): string => (p.sched === undefined ? '' : procSchedShowTask(p.comm, p.pid, p.threads, p.sched));
  perTask('sched', sched, 0o644);
  // fs/proc/base.c tid_base_stuff: a thread's own view; stat is do_task_stat(whole = 0).
  const perThread = (name: string, show: (p: ProcessView) => string, mode = 0o444): void => {
    pseudo.register(`/proc/[pid]/task/[tid]/${name}`, (ctx: ProcContext) => {
      const pid = ctx.pid ?? ctx.self;
      const p = view.thread !== undefined ? view.thread(pid, ctx.tid ?? pid) : ctx.tid === undefined || ctx.tid === pid ? view.task(pid) : undefined;
      return p === undefined ? '' : withMm(view, p, () => show(p));
    }, mode);
  };
  perThread('stat', (p) => doTaskStat(p, taskMm(view, p)));
  perThread('status', (p) => procPidStatus(p, taskMm(view, p), view.nrCpuIds));
  perThread('comm', (p) => `${p.comm}\n`, 0o644);
  perThread('sched', sched, 0o644);
}

/**
 * The text of a /proc file for the CLI (--proc PATH, --proc-at CYCLES): the same providers the
 * guest reads, resolved from an absolute path; /proc/self is `self` (default: the lowest pid).
 * Undefined when the path names no file.
 */
export function readProcPath(view: KernelProcView, path: string, self?: number): string | undefined {
  const pseudo = new PseudoFs();
  registerProcFiles(pseudo, view);
  const ctx: ProcContext = { self: self ?? Math.min(...view.pids()) };
  const comps = path.split('/').filter((c) => c !== '' && c !== '.');
  if (comps[0] !== 'proc') return undefined;
  let ref: PseudoRef = pseudo.mountRoot('proc');
  const rest = comps.slice(1);
  for (let hops = 0; rest.length > 0; ) {
    const name = rest.shift()!;
    const next = name === '..' ? undefined : pseudo.child(ref, name);
    if (next === undefined) return undefined;
    if (next.node.type === 'link') {
      if (++hops > 40) return undefined; // ELOOP
      const target = next.node.target({ ...ctx, pid: next.pid });
      if (target.startsWith('/')) return readProcPath(view, [target, ...rest].join('/'), ctx.self);
      rest.unshift(...target.split('/').filter((c) => c !== ''));
      continue;
    }
    ref = next;
  }
  if (ref.node.type !== 'file') return undefined;
  const v = ref.node.provider({ ...ctx, pid: ref.pid ?? ctx.pid, tid: ref.tid ?? ctx.tid });
  return typeof v === 'string' ? v : Buffer.from(v).toString('latin1');
}

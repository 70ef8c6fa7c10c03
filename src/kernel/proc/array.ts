// /proc/PID/status, /proc/PID/stat and /proc/PID/statm (Linux 6.1 fs/proc/array.c:
// proc_pid_status, do_task_stat, proc_pid_statm) from a ProcessView, the few facts of a task
// the process code fills in, and the task's mm. The config these lines assume is riscv64's
// as this kernel models it: CONFIG_PID_NS, CONFIG_SECCOMP_FILTER, CONFIG_CPUSETS on; no NUMA
// (Ngid 0, one memory node), no THP (THP_enabled 0), no hugetlb (no HugetlbPages line);
// riscv has no speculation controls (arch_prctl_spec_ctrl_get's -EINVAL: "unknown",
// "unsupported").

import { F_ARG_END, F_ARG_START, F_DATA_VM, F_END_CODE, F_END_DATA, F_ENV_END, F_ENV_START, F_START_BRK, F_START_CODE,
  F_START_DATA, F_START_STACK, F_STACK_VM, F_TOTAL_VM, pageAlign } from '../mm/mm_struct.ts';
import { PAGE_SIZE } from '../mm/mm_types.ts';
import { nsec_to_clock_t } from '../time/tick.ts';
import type { MmWalk } from './smaps.ts';
import type { TaskSchedView } from './sched.ts';
import { taskMemText, type TaskMemRss } from './task_mem.ts';

/** The state letter get_task_state reports (task_state_array). */
export type TaskState = 'R' | 'S' | 'D' | 'T' | 't' | 'X' | 'Z' | 'P' | 'I';

const TASK_STATE_NAMES: Record<TaskState, string> = {
  R: 'R (running)', S: 'S (sleeping)', D: 'D (disk sleep)', T: 'T (stopped)', t: 't (tracing stop)',
  X: 'X (dead)', Z: 'Z (zombie)', P: 'P (parked)', I: 'I (idle)',
};

/** What /proc needs to know of one task that is not in its mm. Times in ns; masks as 64-bit sets. */
export interface ProcessView {
  /** The pid of the /proc/PID directory (the thread-group leader's). */
  pid: number;
  tgid: number;
  ppid: number;
  pgid: number;
  sid: number;
  tracerPid: number;
  /** task->comm (at most 15 bytes: TASK_COMM_LEN - 1). */
  comm: string;
  state: TaskState;
  umask: number;
  /** real, effective, saved, filesystem. */
  uid: readonly [number, number, number, number];
  gid: readonly [number, number, number, number];
  /** Supplementary groups. */
  groups: readonly number[];
  /** The fd table's size (fdt->max_fds): 64 until it grows. */
  fdSize: number;
  threads: number;
  /** SigQ: signals queued for the user, and RLIMIT_SIGPENDING. */
  sigQueued: number;
  sigQueueLimit: number;
  /** Bit n-1 is signal n. Ignored/caught: handlers SIG_IGN / neither SIG_IGN nor SIG_DFL. */
  sigPending: bigint;
  shdPending: bigint;
  sigBlocked: bigint;
  sigIgnored: bigint;
  sigCaught: bigint;
  capInh: bigint;
  capPrm: bigint;
  capEff: bigint;
  capBnd: bigint;
  capAmb: bigint;
  noNewPrivs: boolean;
  /** seccomp.mode (0 disabled, 1 strict, 2 filter) and filter_count. */
  seccomp: number;
  seccompFilters: number;
  cpusAllowed: readonly number[];
  /** nvcsw and nivcsw. */
  voluntaryCtxtSwitches: number;
  nonvoluntaryCtxtSwitches: number;
  coreDumping: boolean;
  /** task->flags (PF_*). */
  flags: number;
  /** Faults of the whole thread group (do_task_stat's whole = 1), and of waited-for children. */
  minFlt: number;
  cminFlt: number;
  majFlt: number;
  cmajFlt: number;
  utimeNs: number;
  stimeNs: number;
  cutimeNs: number;
  cstimeNs: number;
  gtimeNs: number;
  cgtimeNs: number;
  /** task->prio (0..139; 120 is nice 0 under SCHED_NORMAL) and the nice value. */
  prio: number;
  nice: number;
  /** start_boottime: when the task was forked, ns after boot. */
  startTimeNs: number;
  /** RLIMIT_RSS soft limit in bytes (RLIM_INFINITY = 2^64 - 1). */
  rsslim: bigint;
  exitSignal: number;
  /** The CPU the task last ran on. */
  processor: number;
  rtPriority: number;
  policy: number;
  exitCode: number;
  /** The mm id in the MmTable, -1 for none (a zombie). */
  mm: number;
  /** Physical address of the mm's root page table (meaningless when mm is -1). */
  pgd: number;
  /**
   * The rss_stat counters and hiwater_rss, if the fault path keeps them. When absent they are
   * counted off the page tables, and VmHWM shows the current RSS (no history).
   */
  rss?: Omit<TaskMemRss, 'pteBytes'>;
  /** The scheduler's record of the task, for /proc/PID/sched (absent: no such file's content). */
  sched?: TaskSchedView;
}

/** RLIM_INFINITY as an unsigned long. */
export const RLIM_INFINITY_ULL = 2n ** 64n - 1n;
/** CAP_FULL_SET for Linux 6.1 (CAP_LAST_CAP = CAP_CHECKPOINT_RESTORE = 40): root's permitted set. */
export const CAP_FULL_SET = (1n << 41n) - 1n;
/** NR_OPEN_DEFAULT (BITS_PER_LONG): max_fds of a fresh fd table. */
export const NR_OPEN_DEFAULT = 64;
/** riscv64 THREAD_SIZE (16 KiB), which max_threads is computed from. */
const THREAD_SIZE = 16384;
/** SIGCHLD: the exit signal of a forked process. */
export const SIGCHLD = 17;

/**
 * The default RLIMIT_SIGPENDING (kernel/fork.c fork_init: max_threads / 2, where
 * set_max_threads takes totalram * PAGE_SIZE / (THREAD_SIZE * 8), clamped to [20, 2^30 - 1]).
 */
export function rlimitSigpendingDefault(totalramPages: number): number {
  const threads = Math.min(Math.max(Math.floor((totalramPages * PAGE_SIZE) / (THREAD_SIZE * 8)), 20), 0x3fffffff);
  return Math.floor(threads / 2);
}

/** A process as the emulator starts one: root, umask 022, SCHED_NORMAL nice 0, no signals, every CPU allowed. */
export function defaultProcessView(o: { pid: number; ppid: number; comm: string; mm: number; pgd: number; ncpus: number; totalramPages: number }): ProcessView {
  return {
    pid: o.pid, tgid: o.pid, ppid: o.ppid, pgid: o.pid, sid: o.pid, tracerPid: 0, comm: o.comm, state: 'R', umask: 0o022,
    uid: [0, 0, 0, 0], gid: [0, 0, 0, 0], groups: [], fdSize: NR_OPEN_DEFAULT, threads: 1,
    sigQueued: 0, sigQueueLimit: rlimitSigpendingDefault(o.totalramPages),
    sigPending: 0n, shdPending: 0n, sigBlocked: 0n, sigIgnored: 0n, sigCaught: 0n,
    capInh: 0n, capPrm: CAP_FULL_SET, capEff: CAP_FULL_SET, capBnd: CAP_FULL_SET, capAmb: 0n,
    noNewPrivs: false, seccomp: 0, seccompFilters: 0,
    cpusAllowed: Array.from({ length: o.ncpus }, (_, i) => i), voluntaryCtxtSwitches: 0, nonvoluntaryCtxtSwitches: 0,
    coreDumping: false, flags: 0, minFlt: 0, cminFlt: 0, majFlt: 0, cmajFlt: 0,
    utimeNs: 0, stimeNs: 0, cutimeNs: 0, cstimeNs: 0, gtimeNs: 0, cgtimeNs: 0,
    prio: 120, nice: 0, startTimeNs: 0, rsslim: RLIM_INFINITY_ULL, exitSignal: SIGCHLD, processor: 0,
    rtPriority: 0, policy: 0, exitCode: 0, mm: o.mm, pgd: o.pgd,
  };
}

/** A task's mm as the views read it: the walk and the page counters. */
export interface TaskMm {
  w: MmWalk;
  rss: TaskMemRss;
}

/** "%*pb": 32-bit chunks in hex, most significant first, comma-separated; the top chunk only as wide as its bits. */
export function bitmapString(bits: readonly number[], nbits: number): string {
  const chunks: string[] = [];
  for (let base = Math.ceil(nbits / 32) * 32 - 32; base >= 0; base -= 32) {
    let v = 0;
    for (const b of bits) if (b >= base && b < base + 32 && b < nbits) v += 2 ** (b - base);
    const width = base + 32 > nbits ? Math.ceil((nbits - base) / 4) : 8;
    chunks.push(v.toString(16).padStart(width, '0'));
  }
  return chunks.join(',');
}

/** "%*pbl": ranges "0-3,5". */
export function bitmapList(bits: readonly number[]): string {
  const s = [...new Set(bits)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    out.push(i === j ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return out.join(',');
}

/** proc_task_name's escaping for status (ESCAPE_SPACE | ESCAPE_SPECIAL, only "\n" and "\\"). */
function escapeComm(comm: string): string {
  return comm.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** seq_printf("%#04o"): octal with a leading 0, zero-padded to 4. */
function octal04(n: number): string {
  return (n === 0 ? '0' : '0' + n.toString(8)).padStart(4, '0');
}

const hex16 = (x: bigint): string => BigInt.asUintN(64, x).toString(16).padStart(16, '0');

/** proc_pid_status. `nrCpuIds` is the width of the Cpus_allowed mask. */
export function procPidStatus(p: ProcessView, mm: TaskMm | null, nrCpuIds: number): string {
  let s = `Name:\t${escapeComm(p.comm)}\n` +
    `Umask:\t${octal04(p.umask)}\n` +
    `State:\t${TASK_STATE_NAMES[p.state]}\n` +
    `Tgid:\t${p.tgid}\nNgid:\t0\nPid:\t${p.pid}\nPPid:\t${p.ppid}\nTracerPid:\t${p.tracerPid}\n` +
    `Uid:\t${p.uid.join('\t')}\nGid:\t${p.gid.join('\t')}\n` +
    `FDSize:\t${p.fdSize}\n` +
    `Groups:\t${p.groups.join(' ')} \n` + // task_state's trailing space, kept for compatibility
    `NStgid:\t${p.tgid}\nNSpid:\t${p.pid}\nNSpgid:\t${p.pgid}\nNSsid:\t${p.sid}\n`;
  if (mm !== null) {
    s += taskMemText(mm.w.t, mm.w.m, mm.rss) + `CoreDumping:\t${p.coreDumping ? 1 : 0}\nTHP_enabled:\t0\n`;
  }
  s += `Threads:\t${p.threads}\nSigQ:\t${p.sigQueued}/${p.sigQueueLimit}\n` +
    `SigPnd:\t${hex16(p.sigPending)}\nShdPnd:\t${hex16(p.shdPending)}\nSigBlk:\t${hex16(p.sigBlocked)}\n` +
    `SigIgn:\t${hex16(p.sigIgnored)}\nSigCgt:\t${hex16(p.sigCaught)}\n` +
    `CapInh:\t${hex16(p.capInh)}\nCapPrm:\t${hex16(p.capPrm)}\nCapEff:\t${hex16(p.capEff)}\n` +
    `CapBnd:\t${hex16(p.capBnd)}\nCapAmb:\t${hex16(p.capAmb)}\n` +
    `NoNewPrivs:\t${p.noNewPrivs ? 1 : 0}\nSeccomp:\t${p.seccomp}\nSeccomp_filters:\t${p.seccompFilters}\n` +
    'Speculation_Store_Bypass:\tunknown\nSpeculationIndirectBranch:\tunsupported\n' +
    `Cpus_allowed:\t${bitmapString(p.cpusAllowed, nrCpuIds)}\nCpus_allowed_list:\t${bitmapList(p.cpusAllowed)}\n` +
    'Mems_allowed:\t1\nMems_allowed_list:\t0\n' +
    `voluntary_ctxt_switches:\t${p.voluntaryCtxtSwitches}\nnonvoluntary_ctxt_switches:\t${p.nonvoluntaryCtxtSwitches}\n`;
  return s;
}


/**
 * do_task_stat(whole = 1): the 52 fields of /proc/PID/stat. The reader is taken to be
 * permitted (ptrace_may_access); kstkesp/kstkeip are 0 as Linux prints them for a live task.
 */
export function doTaskStat(p: ProcessView, mm: TaskMm | null): string {
  const t = mm?.w.t;
  const m = mm?.w.m ?? -1;
  const f = (field: number): number => (t !== undefined ? t.get(m, field) : 0);
  const rss = mm !== null ? mm.rss.anon + mm.rss.file + mm.rss.shmem : 0;
  const sig0 = (x: bigint): bigint => x & 0x7fffffffn;
  const fields: Array<number | bigint | string> = [
    p.pid, `(${p.comm})`, p.state, p.ppid, p.pgid, p.sid,
    0, -1, // tty_nr, tty_pgrp: no controlling terminal
    p.flags, p.minFlt, p.cminFlt, p.majFlt, p.cmajFlt,
    nsec_to_clock_t(p.utimeNs), nsec_to_clock_t(p.stimeNs), nsec_to_clock_t(p.cutimeNs), nsec_to_clock_t(p.cstimeNs),
    p.prio - 100, p.nice, p.threads, 0, nsec_to_clock_t(p.startTimeNs),
    f(F_TOTAL_VM) * PAGE_SIZE, rss, p.rsslim,
    mm !== null ? f(F_START_CODE) : 0, mm !== null ? f(F_END_CODE) : 0, f(F_START_STACK),
    0, 0, // kstkesp, kstkeip
    sig0(p.sigPending), sig0(p.sigBlocked), sig0(p.sigIgnored), sig0(p.sigCaught),
    p.state === 'R' ? 0 : 1, // wchan: !task_is_running
    0, 0, p.exitSignal, p.processor, p.rtPriority, p.policy,
    0, // delayacct_blkio_ticks
    nsec_to_clock_t(p.gtimeNs), nsec_to_clock_t(p.cgtimeNs),
    f(F_START_DATA), f(F_END_DATA), f(F_START_BRK), f(F_ARG_START), f(F_ARG_END), f(F_ENV_START), f(F_ENV_END),
    p.exitCode,
  ];
  return fields.join(' ') + '\n';
}

/** proc_pid_statm: size resident shared text lib(0) data dt(0), in pages. */
export function procPidStatm(mm: TaskMm | null): string {
  if (mm === null) return '0 0 0 0 0 0 0\n';
  const { t, m } = mm.w;
  const shared = mm.rss.file + mm.rss.shmem;
  const startCode = t.get(m, F_START_CODE);
  const text = (pageAlign(t.get(m, F_END_CODE)) - (startCode - (startCode % PAGE_SIZE))) / PAGE_SIZE;
  const data = t.get(m, F_DATA_VM) + t.get(m, F_STACK_VM);
  return `${t.get(m, F_TOTAL_VM)} ${shared + mm.rss.anon} ${shared} ${text} 0 ${data} 0\n`;
}

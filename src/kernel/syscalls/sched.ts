// The scheduling syscalls as the guest makes them (the SYSCALL_DEFINEs of kernel/sched/core.c,
// and kernel/sys.c's setpriority, getpriority, getrusage, times): arguments from a0..a3, pointers
// through the process's user access (a bad one is -EFAULT, never a host exception), pids found in
// the task table (0 = the caller; any live or zombie thread of the machine by its tid; -ESRCH
// otherwise). The checks and the changes are sched/syscalls.ts's; CPU time is sched/cputime.ts's.
//
// After a change the caller's core may need to reschedule (a task it woke to FIFO, say): the trap
// handler's syscall return tests need_resched. A change to a task queued on another core sets
// that core's need_resched, and `kick` (when given) sends it the reschedule IPI.

import type { TaskRegs } from '../sched/task_regs.ts';
import { EXIT_ZOMBIE, TASK_FREE, W_STATE, W_TGID, W_TID } from '../sched/task_regs.ts';
import { task_times, ThreadGroupTimes, utimeOf, type GroupTimes } from '../sched/cputime.ts';
import { R_IDLE, Sched, test_need_resched } from '../sched/sched.ts';
import {
  PRIO_PGRP, PRIO_USER, sys_getpriority, sys_sched_get_priority_max, sys_sched_get_priority_min, sys_sched_getattr,
  sys_sched_getparam, sys_sched_getscheduler, sys_sched_rr_get_interval, sys_sched_setattr, sys_sched_setparam,
  sys_sched_setscheduler, sys_setpriority, type SchedSyscallCtx,
} from '../sched/syscalls.ts';
import { EFAULT, EINVAL } from './numbers.ts';
import { NOT_MINE, type SyscallGroup, type SyscallTask } from './task_context.ts';
import { F_HIWATER_RSS, get_mm_rss, type MmTable } from '../mm/mm_struct.ts';
import { argInt, argUInt, argULong, putStruct, struct } from './uaccess.ts';

export const SYS_sched_setparam = 118;
export const SYS_sched_setscheduler = 119;
export const SYS_sched_getscheduler = 120;
export const SYS_sched_getparam = 121;
export const SYS_sched_get_priority_max = 125;
export const SYS_sched_get_priority_min = 126;
export const SYS_sched_rr_get_interval = 127;
export const SYS_setpriority = 140;
export const SYS_getpriority = 141;
export const SYS_getrusage = 165;
export const SYS_sched_setattr = 274;
export const SYS_sched_getattr = 275;

export const RUSAGE_SELF = 0;
export const RUSAGE_CHILDREN = -1;
export const RUSAGE_THREAD = 1;
/** struct rusage on riscv64: two timevals, then 14 longs. */
export const RUSAGE_SIZE = 144;

/** A thread group's page-fault counts (counted per process here, in the mm's fault path). */
export interface GroupFaults {
  minFlt: number;
  majFlt: number;
  /** The reaped children's (signal->cmin_flt, cmaj_flt). */
  cminFlt: number;
  cmajFlt: number;
  /** The group's address space (ru_maxrss is its high-water RSS), when it has one. */
  mm?: { t: MmTable; m: number };
}

export interface SchedCallsOptions {
  s: Sched;
  /** The task table: tid, tgid and state of every slot. */
  regs: TaskRegs;
  clockHz: number;
  /** The dead threads' and reaped children's CPU time (the trap handler reports exits and reaps). */
  times: ThreadGroupTimes;
  /** Fault counts of thread group `tgid`. */
  faults(tgid: number): GroupFaults;
  /** The uid of thread group `tgid` (PRIO_USER); default: every task is root's. */
  uid?(tgid: number): number;
  /** Send core `cpu` a reschedule IPI (a change queued a task there that must preempt). */
  kick?(cpu: number): void;
}

/** The group, with the CPU-time readers the time group and times() use. */
export interface SchedCalls {
  group: SyscallGroup;
  /** CPU time in ns of the caller's thread or whole thread group (pid 0), of thread `pid` of its
   *  group, or of process `pid` (CLOCK_*_CPUTIME_ID and pid-encoded CPU clocks); -1: no such task. */
  cpuNs(t: SyscallTask, thread: boolean, pid: number): number;
  /** times()'s tms in ns: [utime, stime, cutime, cstime]. */
  tms(t: SyscallTask): [number, number, number, number];
}

export function schedCalls(o: SchedCallsOptions): SchedCalls {
  const { s, regs } = o;
  const nowOf = (t: SyscallTask): number => Math.floor((t.cpu.cycle * 1e9) / o.clockHz);

  /** find_task_by_vpid: the slot of live or zombie thread `tid` (the idle tasks have none). */
  const findTid = (tid: number): number => {
    if (tid <= 0) return -1;
    for (let p = s.config.cpus; p < regs.nrTasks; p++) {
      if (regs.get(p, W_STATE) !== TASK_FREE && regs.get(p, W_TID) === tid) return p;
    }
    return -1;
  };
  /** The slots of thread group `tgid`: its live threads and its zombie leader (the exited group). */
  const threadsOf = (tgid: number): number[] => {
    const out: number[] = [];
    for (let p = s.config.cpus; p < regs.nrTasks; p++) {
      const st = regs.get(p, W_STATE);
      if (st !== TASK_FREE && regs.get(p, W_TGID) === tgid) out.push(p);
    }
    return out;
  };
  const allTasks = (pred: (tgid: number) => boolean): number[] => {
    const out: number[] = [];
    for (let p = s.config.cpus; p < regs.nrTasks; p++) {
      const st = regs.get(p, W_STATE);
      if (st !== TASK_FREE && st !== EXIT_ZOMBIE && pred(regs.get(p, W_TGID))) out.push(p);
    }
    return out;
  };

  const ctxOf = (t: SyscallTask): SchedSyscallCtx => ({
    s,
    now: nowOf(t),
    lookup: (pid) => findTid(pid === 0 ? t.tid : pid),
    // Every process is in pid 1's process group and session (no setpgid yet).
    tasksOf: (which, who) => {
      if (which === PRIO_PGRP) return who === 0 || who === 1 ? allTasks(() => true) : [];
      if (which === PRIO_USER) {
        const uidOf = o.uid ?? (() => 0);
        const uid = who === 0 ? uidOf(t.pid) : who;
        return allTasks((g) => uidOf(g) === uid);
      }
      return [];
    },
    read: (addr, len) => t.user.copyFromUser(addr, len),
    write: (addr, data) => t.user.copyToUser(addr, data),
  });

  /** Reschedule IPIs to the other cores a change left with need_resched set. */
  const kickOthers = (t: SyscallTask): void => {
    if (!o.kick) return;
    for (let c = 0; c < s.config.cpus; c++) if (c !== t.cpu.hartId && s.rget(c, R_IDLE) >= 0 && test_need_resched(s, c)) o.kick(c);
  };

  const selfTimes = (t: SyscallTask): GroupTimes => o.times.group(t.pid, threadsOf(t.pid), nowOf(t));
  // lookup_task: a thread clock names a thread of the caller's group; a process clock a process
  // by its pid (the leader's tid).
  const cpuNs = (t: SyscallTask, thread: boolean, pid: number): number => {
    const p = findTid(pid === 0 ? (thread ? t.tid : t.pid) : pid);
    if (p < 0) return -1;
    const tgid = regs.get(p, W_TGID);
    if (thread) return tgid === t.pid ? task_times(s, p, nowOf(t)).sumExec : -1;
    if (regs.get(p, W_TID) !== tgid) return -1;
    return o.times.group(tgid, threadsOf(tgid), nowOf(t)).sumExec;
  };

  const getrusage = (t: SyscallTask): number => {
    const who = argInt(t.cpu, 0);
    let times: GroupTimes;
    let minFlt = 0;
    let majFlt = 0;
    const f = o.faults(t.pid);
    // get_mm_hiwater_rss in KiB (pages of 4 KiB); reaped children's (signal->cmaxrss) are not kept.
    const maxRss = f.mm ? Math.max(f.mm.t.get(f.mm.m, F_HIWATER_RSS), get_mm_rss(f.mm.t, f.mm.m)) * 4 : 0;
    if (who === RUSAGE_SELF) {
      times = selfTimes(t);
      minFlt = f.minFlt;
      majFlt = f.majFlt;
    } else if (who === RUSAGE_THREAD) {
      const p = findTid(t.tid);
      times = p < 0 ? { sumExec: 0, stime: 0, nvcsw: 0, nivcsw: 0 } : task_times(s, p, nowOf(t));
      // Faults are counted per process: the thread's share is not known, so its group's is given.
      minFlt = f.minFlt;
      majFlt = f.majFlt;
    } else if (who === RUSAGE_CHILDREN) {
      times = o.times.reaped(t.pid);
      minFlt = f.cminFlt;
      majFlt = f.cmajFlt;
    } else return -EINVAL;
    return putStruct(t.user, argULong(t.cpu, 1), encodeRusage(times, minFlt, majFlt, who === RUSAGE_CHILDREN ? 0 : maxRss)) < 0 ? -EFAULT : 0;
  };

  const group: SyscallGroup = (t, nr) => {
    switch (nr) {
      case SYS_sched_setscheduler: return changed(t, sys_sched_setscheduler(ctxOf(t), argInt(t.cpu, 0), argInt(t.cpu, 1), argULong(t.cpu, 2)));
      case SYS_sched_setparam: return changed(t, sys_sched_setparam(ctxOf(t), argInt(t.cpu, 0), argULong(t.cpu, 1)));
      case SYS_sched_getscheduler: return sys_sched_getscheduler(ctxOf(t), argInt(t.cpu, 0));
      case SYS_sched_getparam: return sys_sched_getparam(ctxOf(t), argInt(t.cpu, 0), argULong(t.cpu, 1));
      case SYS_sched_setattr: return changed(t, sys_sched_setattr(ctxOf(t), argInt(t.cpu, 0), argULong(t.cpu, 1), argUInt(t.cpu, 2)));
      case SYS_sched_getattr: return sys_sched_getattr(ctxOf(t), argInt(t.cpu, 0), argULong(t.cpu, 1), argUInt(t.cpu, 2), argUInt(t.cpu, 3));
      case SYS_sched_get_priority_max: return sys_sched_get_priority_max(argInt(t.cpu, 0));
      case SYS_sched_get_priority_min: return sys_sched_get_priority_min(argInt(t.cpu, 0));
      case SYS_sched_rr_get_interval: return sys_sched_rr_get_interval(ctxOf(t), argInt(t.cpu, 0), argULong(t.cpu, 1));
      case SYS_setpriority: return changed(t, sys_setpriority(ctxOf(t), argInt(t.cpu, 0), argInt(t.cpu, 1), argInt(t.cpu, 2)));
      case SYS_getpriority: return sys_getpriority(ctxOf(t), argInt(t.cpu, 0), argInt(t.cpu, 1));
      case SYS_getrusage: return getrusage(t);
      default: return NOT_MINE;
    }
  };
  const changed = (t: SyscallTask, r: number): number => {
    if (r === 0) kickOthers(t);
    return r;
  };

  const tms = (t: SyscallTask): [number, number, number, number] => {
    const self = selfTimes(t);
    const reaped = o.times.reaped(t.pid);
    return [utimeOf(self), self.stime, utimeOf(reaped), reaped.stime];
  };
  return { group, cpuNs, tms };
}

/** struct rusage: ru_utime, ru_stime (timeval), then maxrss, ixrss, idrss, isrss, minflt, majflt,
 *  nswap, inblock, oublock, msgsnd, msgrcv, nsignals, nvcsw, nivcsw. */
export function encodeRusage(t: GroupTimes, minFlt: number, majFlt: number, maxRssKb = 0): Uint8Array {
  const { bytes, dv } = struct(RUSAGE_SIZE);
  const timeval = (off: number, ns: number): void => {
    const us = Math.floor(ns / 1000);
    dv.setBigInt64(off, BigInt(Math.floor(us / 1e6)), true);
    dv.setBigInt64(off + 8, BigInt(us % 1e6), true);
  };
  timeval(0, utimeOf(t));
  timeval(16, t.stime);
  const long = (i: number, v: number): void => dv.setBigInt64(32 + 8 * i, BigInt(v), true);
  long(0, maxRssKb);
  long(4, minFlt);
  long(5, majFlt);
  long(12, t.nvcsw);
  long(13, t.nivcsw);
  return bytes;
}


// CPU time of tasks and thread groups (kernel/sched/cputime.c, core.c's task_sched_runtime, the
// signal_struct sums of kernel/exit.c): what getrusage, times and the CPU-time clocks report.
//
// A task's CPU time is its sum_exec_runtime (F_SUM_EXEC), in simulated ns of its core's clock;
// task_sched_runtime brings a running task's sum up to `now` first (update_curr under the rq
// lock), so a thread reading its own clock sees every ns it ran. A thread group's time is the
// sum over its live threads plus what its dead threads left (signal->sum_sched_runtime, nvcsw,
// nivcsw); a reaped child's time goes to the parent's c* sums (wait_task_zombie).
//
// User and system time as VIRT_CPU_ACCOUNTING_GEN splits it (context tracking's vtime): the
// kernel stamps a task's entry into the kernel (a syscall, a fault, an interrupt, or being
// switched in) with its core's clock and, when it goes back to user mode or is switched out,
// adds the stretch to the task's system time (F_STIME). System time is thus the cycles the
// kernel charged to the core while it served that task; user time is the rest of its
// sum_exec_runtime (utime + stime = sum_exec, both on the core's clock).
//
// The per-group sums are this worker's objects (the kernel's home worker keeps the processes).

import { update_curr, update_rq_clock } from './core.ts';
import { F_STIME, F_SUM_EXEC, F_VTIME_START, R_CURR, rq_lock, rq_unlock, Sched, T_CPU, T_NR_INVOLUNTARY, T_NR_VOLUNTARY } from './sched.ts';

/** What a thread group (or its reaped children) used: ns of CPU (stime of it in the kernel) and context switches. */
export interface GroupTimes {
  sumExec: number;
  stime: number;
  nvcsw: number;
  nivcsw: number;
}

const zero = (): GroupTimes => ({ sumExec: 0, stime: 0, nvcsw: 0, nivcsw: 0 });

/** utime: what of sum_exec was not spent in the kernel. */
export function utimeOf(t: GroupTimes): number {
  return t.sumExec - t.stime;
}

/** vtime_user_exit (kernel entry from user mode, or a switch-in): p is in the kernel from `now` on. */
export function vtime_user_exit(s: Sched, p: number, now: number): void {
  s.fset(p, F_VTIME_START, now);
}

/** vtime_user_enter (back to user mode) and vtime_task_switch's account of prev: the stretch since the entry is system time. */
export function vtime_user_enter(s: Sched, p: number, now: number): void {
  const start = s.fget(p, F_VTIME_START);
  if (start < 0) return;
  s.fset(p, F_STIME, s.fget(p, F_STIME) + Math.max(0, now - start));
  s.fset(p, F_VTIME_START, -1);
}

/** p's system time up to `now`: the closed stretches and, if it is in the kernel, the open one. */
export function task_stime(s: Sched, p: number, now: number): number {
  const start = s.fget(p, F_VTIME_START);
  return s.fget(p, F_STIME) + (start >= 0 ? Math.max(0, now - start) : 0);
}

/**
 * task_sched_runtime: p's sum_exec_runtime, with the time it has run since its last update
 * when it is some core's current task (that run queue's clock is brought to `now` first).
 */
export function task_sched_runtime(s: Sched, p: number, now: number): number {
  const cpu = s.tget(p, T_CPU);
  if (cpu < 0) return s.fget(p, F_SUM_EXEC);
  rq_lock(s, cpu);
  try {
    if (s.rget(cpu, R_CURR) === p) {
      update_rq_clock(s, cpu, now);
      update_curr(s, cpu);
    }
    return s.fget(p, F_SUM_EXEC);
  } finally {
    rq_unlock(s, cpu);
  }
}

/**
 * One task's numbers (sum_exec and stime up to `now`, voluntary and involuntary switches). A
 * reader on another core may see a sum_exec last updated before the kernel stretch it counts
 * (up to the task's last tick): stime is held to sum_exec, as cputime_adjust keeps utime >= 0.
 */
export function task_times(s: Sched, p: number, now: number): GroupTimes {
  const sumExec = task_sched_runtime(s, p, now);
  return { sumExec, stime: Math.min(sumExec, task_stime(s, p, now)), nvcsw: s.tget(p, T_NR_VOLUNTARY), nivcsw: s.tget(p, T_NR_INVOLUNTARY) };
}

/** signal_struct's sums, per thread group id. */
export class ThreadGroupTimes {
  /** Dead threads' totals (__exit_signal adds them). */
  private readonly dead = new Map<number, GroupTimes>();
  /** Reaped children's totals, their own children's included (cutime, cnvcsw, cnivcsw). */
  private readonly children = new Map<number, GroupTimes>();

  constructor(private readonly s: Sched) {}

  /** __exit_signal for a thread of `tgid` whose record is about to be freed. */
  threadGone(tgid: number, p: number): void {
    add(this.entry(this.dead, tgid), task_times(this.s, p, 0));
  }

  /** thread_group_cputime: the live threads' tasks plus the dead threads' totals. */
  group(tgid: number, tasks: readonly number[], now: number): GroupTimes {
    const t = { ...(this.dead.get(tgid) ?? zero()) };
    for (const p of tasks) add(t, task_times(this.s, p, now));
    return t;
  }

  /** The reaped children's totals of `tgid` (RUSAGE_CHILDREN, times' cutime). */
  reaped(tgid: number): GroupTimes {
    return { ...(this.children.get(tgid) ?? zero()) };
  }

  /** RUSAGE_BOTH: the group's own time and its reaped children's (what wait4 reports of a child). */
  both(tgid: number, tasks: readonly number[]): GroupTimes {
    const t = this.group(tgid, tasks, 0);
    add(t, this.reaped(tgid));
    return t;
  }

  /**
   * wait_task_zombie: `parent` reaps `child`, whose remaining task records are `tasks` (the
   * zombie leader's): the child's own time and its reaped children's go to the parent; the
   * child's sums are dropped.
   */
  reap(parent: number, child: number, tasks: readonly number[]): void {
    add(this.entry(this.children, parent), this.both(child, tasks));
    this.dead.delete(child);
    this.children.delete(child);
  }

  private entry(m: Map<number, GroupTimes>, tgid: number): GroupTimes {
    let e = m.get(tgid);
    if (!e) {
      e = zero();
      m.set(tgid, e);
    }
    return e;
  }
}

function add(into: GroupTimes, t: GroupTimes): void {
  into.sumExec += t.sumExec;
  into.stime += t.stime;
  into.nvcsw += t.nvcsw;
  into.nivcsw += t.nivcsw;
}

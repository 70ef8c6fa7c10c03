// /proc/PID/sched and /proc/PID/task/TID/sched (Linux 6.1 kernel/sched/debug.c
// proc_sched_show_task), from the task's scheduler record. Left out, as Linux prints them only
// under config or sysctl this kernel does not model: the schedstats block (sched_schedstats is
// off by default), the PELT averages se.avg.* (CONFIG_SMP; no PELT here), uclamp
// (CONFIG_UCLAMP_TASK) and NUMA balancing (sched_show_numa). clock-delta is two reads of the
// simulated clock within one kernel step: 0.

import { Sched, F_DEADLINE, F_EXEC_START, F_RUNTIME, F_SUM_EXEC, F_VRUNTIME, SCHED_DEADLINE, T_NR_INVOLUNTARY,
  T_NR_MIGRATIONS, T_NR_VOLUNTARY, T_POLICY, T_PRIO, T_WEIGHT } from '../sched/sched.ts';

/** What proc_sched_show_task prints of one task. Times in ns. */
export interface TaskSchedView {
  execStart: number;
  vruntime: number;
  sumExecRuntime: number;
  nrMigrations: number;
  nvcsw: number;
  nivcsw: number;
  /** se.load.weight as the user sees it (1024 for nice 0). */
  weight: number;
  policy: number;
  prio: number;
  /** dl.runtime and dl.deadline (printed only for SCHED_DEADLINE). */
  dlRuntime: number;
  dlDeadline: number;
}

/** The record of task slot p (the caller holds nothing: a reader's snapshot, as Linux's is lockless). */
export function taskSchedView(s: Sched, p: number): TaskSchedView {
  return {
    execStart: s.fget(p, F_EXEC_START), vruntime: s.fget(p, F_VRUNTIME), sumExecRuntime: s.fget(p, F_SUM_EXEC),
    nrMigrations: s.tget(p, T_NR_MIGRATIONS), nvcsw: s.tget(p, T_NR_VOLUNTARY), nivcsw: s.tget(p, T_NR_INVOLUNTARY),
    weight: s.tget(p, T_WEIGHT), policy: s.tget(p, T_POLICY), prio: s.tget(p, T_PRIO),
    dlRuntime: s.fget(p, F_RUNTIME), dlDeadline: s.fget(p, F_DEADLINE),
  };
}

/** scale_load: 64-bit kernels keep se.load.weight with SCHED_FIXEDPOINT_SHIFT (10) more bits. */
const SCHED_FIXEDPOINT_SHIFT = 10;

/** __PS: "%-45s:%21Ld". */
const ps = (name: string, v: number): string => `${name.padEnd(45)}:${String(Math.trunc(v)).padStart(21)}\n`;

/** __PSN: "%-45s:%14Ld.%06ld" of SPLIT_NS (ms and the ns left, the sign on the ms part). */
function psn(name: string, ns: number): string {
  const n = Math.trunc(ns);
  const a = Math.abs(n);
  const ms = Math.floor(a / 1e6);
  const high = n < 0 ? `-${ms}` : `${ms}`;
  return `${name.padEnd(45)}:${high.padStart(14)}.${String(a % 1e6).padStart(6, '0')}\n`;
}

/** proc_sched_show_task: `pid` is the task's id (the thread's for task/TID/sched), `threads` its group's size. */
export function procSchedShowTask(comm: string, pid: number, threads: number, v: TaskSchedView): string {
  let s = `${comm} (${pid}, #threads: ${threads})\n`;
  s += '-'.repeat(67) + '\n';
  s += psn('se.exec_start', v.execStart) + psn('se.vruntime', v.vruntime) + psn('se.sum_exec_runtime', v.sumExecRuntime);
  s += ps('se.nr_migrations', v.nrMigrations);
  s += ps('nr_switches', v.nvcsw + v.nivcsw) + ps('nr_voluntary_switches', v.nvcsw) + ps('nr_involuntary_switches', v.nivcsw);
  s += ps('se.load.weight', v.weight * 2 ** SCHED_FIXEDPOINT_SHIFT);
  s += ps('policy', v.policy) + ps('prio', v.prio);
  if (v.policy === SCHED_DEADLINE) s += ps('dl.runtime', v.dlRuntime) + ps('dl.deadline', v.dlDeadline);
  s += ps('clock-delta', 0);
  return s;
}

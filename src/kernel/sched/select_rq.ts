// Where a new or waking task goes (select_task_rq, kernel/sched/core.c, and fair.c's
// select_task_rq_fair with its fork balancing and select_idle_sibling), simplified to one
// scheduling domain spanning the active CPUs (the cores the kernel runs tasks on):
//
//   fork / clone (WF_FORK), find_idlest_cpu: the allowed CPU with the fewest runnable tasks,
//     then the smallest CFS load; ties go to the parent's CPU, then to the next CPU after it
//     (circularly). An idle CPU (0 runnable) therefore always wins over a busy one.
//   wakeup, select_idle_sibling: the task's previous CPU if allowed and idle; else the first
//     idle allowed CPU after it (circularly); else the previous CPU if allowed; else, its CPU
//     having left its mask, the idlest allowed CPU as at fork.
//
//   an rt task (fork or wakeup), select_task_rq_rt (rt_push.ts): the parent's or its previous
//     CPU unless that one runs an rt task it cannot preempt; then the lowest-priority allowed CPU
//     (cpupri). A CPU out of its mask falls back to the idlest allowed, as select_fallback_rq.
//
// Not modelled: wake_affine (pulling the wakee to the waker's CPU), PELT utilisation, SMT and
// cache topology (every CPU shares one LLC domain here), energy-aware placement, cpudl for
// SCHED_DEADLINE (placed as fair tasks are).

import { task_allowed_on_cpu } from './cpumask.ts';
import { select_task_rq_rt } from './rt_push.ts';
import { CLASS_RT, R_CFS_LOAD, R_CURR, R_IDLE, R_NR_RUNNING, Sched, T_CLASS, T_CPU } from './sched.ts';

/** idle_cpu: the CPU runs its idle task and has nothing queued. */
export function idle_cpu(s: Sched, cpu: number): boolean {
  return s.rget(cpu, R_CURR) === s.rget(cpu, R_IDLE) && s.rget(cpu, R_NR_RUNNING) === 0;
}

/**
 * find_idlest_cpu over `active` (ascending CPU ids) for p, starting the tie-break at `from`.
 * Returns -1 when p may run on none of them.
 */
export function find_idlest_cpu(s: Sched, p: number, active: readonly number[], from: number): number {
  const n = active.length;
  let start = active.indexOf(from);
  if (start < 0) start = 0;
  let best = -1;
  let bestNr = Infinity;
  let bestLoad = Infinity;
  for (let k = 0; k < n; k++) {
    const c = active[(start + k) % n]!;
    if (!task_allowed_on_cpu(s, p, c)) continue;
    const nr = s.rget(c, R_NR_RUNNING);
    const load = s.rget(c, R_CFS_LOAD);
    if (nr < bestNr || (nr === bestNr && load < bestLoad)) {
      best = c;
      bestNr = nr;
      bestLoad = load;
    }
  }
  return best;
}

/** select_task_rq for a new task (fork or clone) whose parent runs on `parentCpu`. */
export function select_task_rq_fork(s: Sched, p: number, active: readonly number[], parentCpu: number): number {
  if (s.tget(p, T_CLASS) === CLASS_RT) return allowed_or_fallback(s, p, active, select_task_rq_rt(s, p, parentCpu), parentCpu);
  return find_idlest_cpu(s, p, active, parentCpu);
}

/** select_task_rq's is_cpu_allowed check; select_fallback_rq is the idlest allowed CPU here. */
function allowed_or_fallback(s: Sched, p: number, active: readonly number[], cpu: number, from: number): number {
  if (active.includes(cpu) && task_allowed_on_cpu(s, p, cpu)) return cpu;
  return find_idlest_cpu(s, p, active, from);
}

/** select_task_rq for a waking task (its previous CPU is T_CPU). */
export function select_task_rq_wake(s: Sched, p: number, active: readonly number[]): number {
  const prev = s.tget(p, T_CPU);
  if (s.tget(p, T_CLASS) === CLASS_RT && prev >= 0) return allowed_or_fallback(s, p, active, select_task_rq_rt(s, p, prev), prev);
  const n = active.length;
  const at = active.indexOf(prev);
  const prevOk = at >= 0 && task_allowed_on_cpu(s, p, prev);
  if (prevOk && idle_cpu(s, prev)) return prev;
  for (let k = 1; k <= n; k++) {
    const c = active[((at < 0 ? 0 : at) + k) % n]!;
    if (task_allowed_on_cpu(s, p, c) && idle_cpu(s, c)) return c;
  }
  if (prevOk) return prev;
  return find_idlest_cpu(s, p, active, prev);
}

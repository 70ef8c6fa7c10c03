// The core scheduler (kernel/sched/core.c, Linux 6.1): per-core run queues, the class walk in
// pick order Deadline > RT > Fair > Idle, wakeups, __schedule, the tick. Not yet wired into the
// machine: the caller (a hart's kernel path) passes the core's clock in simulated ns.
//
// Caller contract. Every function here, except the set-up ones, wants the caller to hold
// rq_lock(s, cpu) of the run queue it names, and to have called update_rq_clock(s, cpu, now)
// under that lock. The hart polls test_need_resched(s, cpu) at its preemption points (return to
// user, end of a time slice of instructions) and then calls __schedule. Work on another core's
// run queue (a remote wakeup) takes that queue's lock; the caller then sends that core a
// reschedule IPI if need_resched got set there.

import { EAGAIN } from '../syscalls/numbers.ts';
import { dl_sched_class, dl_timer_next, dl_timers_run } from './deadline.ts';
import { fair_sched_class, migrate_task_rq_fair, task_fork_fair } from './fair.ts';
import { cpumask_first_n, set_task_cpumask, task_cpumask, type Cpumask } from './cpumask.ts';
import { idle_sched_class } from './idle.ts';
import { sched_prio_to_weight, sched_prio_to_wmult, WEIGHT_IDLEPRIO, WMULT_IDLEPRIO } from './prio.ts';
import { rt_period_timer, rt_period_timer_next, rt_sched_class } from './rt.ts';
import { cpupri_update } from './cpupri.ts';
import { active_load_balance_cpu_stop } from './fair_balance.ts';
import { balance_rt, rq_online_rt, rt_class_changed, rt_cpus_allowed_changed, run_balance_callbacks, task_woken_rt } from './rt_push.ts';
import {
  allocSchedBuffers, CLASS_DL, CLASS_FAIR, CLASS_IDLE, CLASS_RT, DEFAULT_PRIO, DEQUEUE_MOVE, DEQUEUE_SAVE,
  DEQUEUE_SLEEP, ENQUEUE_HEAD, ENQUEUE_MIGRATED, ENQUEUE_MOVE, ENQUEUE_RESTORE, ENQUEUE_WAKEUP, F_EXEC_START,
  F_CFS_TASKS_STAMP, F_PREV_SUM_EXEC, F_STIME, F_SUM_EXEC, F_VRUNTIME, F_VTIME_START, makeSchedConfig, MAX_PRIO, MAX_RT_PRIO, NICE_TO_PRIO, PRIO_TO_NICE,
  R_CURR, R_DL_NR_RUNNING, R_IDLE, R_NEED_RESCHED, R_NR_RUNNING, R_NR_SWITCHES, R_PUSH_CPU, RF_CLOCK, RQ_F64, RQ_F64_BASE, RQ_WORDS, Sched,
  SCHED_BATCH, SCHED_DEADLINE, SCHED_FIFO, SCHED_IDLE, SCHED_NORMAL, SCHED_RR, T_CLASS, T_CPU, T_FLAGS,
  T_INV_WEIGHT, T_NORMAL_PRIO, T_NR_INVOLUNTARY, T_NR_MIGRATIONS, T_NR_SWITCHES, T_NR_VOLUNTARY, T_ON_RQ,
  T_POLICY, T_PRIO, T_RT_PRIORITY, T_STATIC_PRIO, T_TIME_SLICE, T_WEIGHT, TF_IN_USE, TF_RESET_ON_FORK, WF_FORK,
  type SchedClass,
} from './sched.ts';

export * from './sched.ts';

/** The classes, indexed by CLASS_*, which is also the pick order. */
export const sched_classes: readonly SchedClass[] = [dl_sched_class, rt_sched_class, fair_sched_class, idle_sched_class];

/** Boot-time set-up: buffers and views for `cpus` run queues and `nrTasks` task records. */
export function sched_init(o: { cpus: number; nrTasks: number; hz?: number; rtRuntimeUs?: number; rtPeriodUs?: number }): Sched {
  return new Sched(allocSchedBuffers(makeSchedConfig(o), o.nrTasks));
}

export const fair_policy = (policy: number): boolean => policy === SCHED_NORMAL || policy === SCHED_BATCH || policy === SCHED_IDLE;
export const rt_policy = (policy: number): boolean => policy === SCHED_FIFO || policy === SCHED_RR;
export const dl_policy = (policy: number): boolean => policy === SCHED_DEADLINE;
export const valid_policy = (policy: number): boolean => fair_policy(policy) || rt_policy(policy) || dl_policy(policy);

/** set_load_weight: se.load from static_prio (SCHED_IDLE: weight 3). */
export function set_load_weight(s: Sched, p: number): void {
  if (s.tget(p, T_POLICY) === SCHED_IDLE) {
    s.tset(p, T_WEIGHT, WEIGHT_IDLEPRIO);
    s.tset(p, T_INV_WEIGHT, WMULT_IDLEPRIO);
  } else {
    const i = s.tget(p, T_STATIC_PRIO) - MAX_RT_PRIO;
    s.tset(p, T_WEIGHT, sched_prio_to_weight[i]!);
    s.tset(p, T_INV_WEIGHT, sched_prio_to_wmult[i]!);
  }
}

/** __setscheduler_params + __setscheduler_prio for a non-deadline policy (deadline parameters are
 *  set by deadline.ts's __setparam_dl before this). The class follows the priority. */
export function __setscheduler_params(s: Sched, p: number, policy: number, rtPriority: number, nice: number): void {
  s.tset(p, T_POLICY, policy);
  if (fair_policy(policy)) s.tset(p, T_STATIC_PRIO, NICE_TO_PRIO(nice));
  s.tset(p, T_RT_PRIORITY, rtPriority);
  const normal = dl_policy(policy) ? -1 : rt_policy(policy) ? MAX_RT_PRIO - 1 - rtPriority : s.tget(p, T_STATIC_PRIO);
  s.tset(p, T_NORMAL_PRIO, normal);
  s.tset(p, T_PRIO, normal);
  set_load_weight(s, p);
  s.tset(p, T_CLASS, normal < 0 ? CLASS_DL : normal < MAX_RT_PRIO ? CLASS_RT : CLASS_FAIR);
}

/** A fresh task record (a new task with no parent, e.g. init): SCHED_NORMAL at `nice`, not queued. */
export function sched_task_init(s: Sched, p: number, nice = 0): void {
  s.tset(p, T_FLAGS, TF_IN_USE);
  s.tset(p, T_STATIC_PRIO, NICE_TO_PRIO(nice));
  __setscheduler_params(s, p, SCHED_NORMAL, 0, nice);
  s.tset(p, T_ON_RQ, 0);
  s.tset(p, T_CPU, -1);
  s.tset(p, T_TIME_SLICE, s.config.rrTimeslice);
  set_task_cpumask(s, p, cpumask_first_n(s.config.cpus));
  for (const f of [T_NR_SWITCHES, T_NR_VOLUNTARY, T_NR_INVOLUNTARY, T_NR_MIGRATIONS]) s.tset(p, f, 0);
  for (const f of [F_VRUNTIME, F_EXEC_START, F_SUM_EXEC, F_PREV_SUM_EXEC, F_STIME]) s.fset(p, f, 0);
  s.fset(p, F_VTIME_START, -1);
}

/** init_idle: task record `p` becomes cpu's idle task (swapper/N) and its current task. */
export function init_idle(s: Sched, cpu: number, p: number): void {
  sched_task_init(s, p);
  s.tset(p, T_CLASS, CLASS_IDLE);
  s.tset(p, T_PRIO, MAX_PRIO);
  s.tset(p, T_CPU, cpu);
  s.rset(cpu, R_IDLE, p);
  s.rset(cpu, R_CURR, p);
}

/**
 * sched_fork: child `p` inherits parent's policy and priority (SCHED_RESET_ON_FORK drops rt/dl
 * to SCHED_NORMAL and negative nice to 0); a fair child is placed on the parent's queue `cpu`
 * (rq lock held). Returns 0, or -EAGAIN for a SCHED_DEADLINE parent (deadline tasks cannot fork).
 */
export function sched_fork(s: Sched, cpu: number, parent: number, p: number): number {
  if (s.tget(parent, T_CLASS) === CLASS_DL && (s.tget(parent, T_FLAGS) & TF_RESET_ON_FORK) === 0) return -EAGAIN;
  sched_task_init(s, p);
  set_task_cpumask(s, p, task_cpumask(s, parent)); // dup_task_struct copies cpus_mask
  let policy = s.tget(parent, T_POLICY);
  let nice = PRIO_TO_NICE(s.tget(parent, T_STATIC_PRIO));
  let rtPriority = s.tget(parent, T_RT_PRIORITY);
  if ((s.tget(parent, T_FLAGS) & TF_RESET_ON_FORK) !== 0) {
    if (!fair_policy(policy)) {
      policy = SCHED_NORMAL;
      rtPriority = 0;
      nice = 0;
    } else if (nice < 0) nice = 0;
  } else if (s.tget(parent, T_CLASS) === CLASS_IDLE) {
    policy = SCHED_NORMAL;
    nice = PRIO_TO_NICE(DEFAULT_PRIO);
  }
  s.tset(p, T_STATIC_PRIO, NICE_TO_PRIO(nice));
  __setscheduler_params(s, p, policy, rtPriority, nice);
  s.tset(p, T_CPU, cpu);
  if (s.tget(p, T_CLASS) === CLASS_FAIR) task_fork_fair(s, cpu, s.tget(parent, T_CLASS) === CLASS_FAIR ? parent : -1, p);
  return 0;
}

/** update_rq_clock: the core's clock moves to `now` (never backwards). */
export function update_rq_clock(s: Sched, cpu: number, now: number): void {
  const i = cpu * RQ_F64 + RQ_F64_BASE + RF_CLOCK;
  if (now > s.rf[i]!) s.rf[i] = now;
}

function classOf(s: Sched, p: number): SchedClass {
  return sched_classes[s.tget(p, T_CLASS)]!;
}

/** enqueue_task / activate_task */
export function enqueue_task(s: Sched, cpu: number, p: number, flags: number): void {
  s.fset(p, F_CFS_TASKS_STAMP, s.clock(cpu)); // list_add to the head of rq->cfs_tasks
  const cls = s.tget(p, T_CLASS);
  sched_classes[cls]!.enqueue_task(s, cpu, p, flags);
  s.tset(p, T_ON_RQ, 1);
  s.rset(cpu, R_NR_RUNNING, s.rget(cpu, R_NR_RUNNING) + 1);
  if (cls <= CLASS_RT) cpupri_update(s, cpu); // inc_rt_prio / inc_dl_deadline
}

/** dequeue_task / deactivate_task (the class clears T_ON_RQ where Linux clears se->on_rq). */
export function dequeue_task(s: Sched, cpu: number, p: number, flags: number): void {
  const cls = classOf(s, p);
  if (cls !== fair_sched_class) s.tset(p, T_ON_RQ, 0);
  cls.dequeue_task(s, cpu, p, flags);
  s.tset(p, T_ON_RQ, 0);
  s.rset(cpu, R_NR_RUNNING, s.rget(cpu, R_NR_RUNNING) - 1);
  if (cls === rt_sched_class || cls === dl_sched_class) cpupri_update(s, cpu); // dec_rt_prio / dec_dl_deadline
}

/** set_cpus_allowed_ptr's mask change (__do_set_cpus_allowed): a queued rt task's migratory count
 *  and pushable state follow it. Moving p off a CPU the mask dropped is the caller's. */
export function set_cpus_allowed(s: Sched, p: number, mask: Cpumask): void {
  set_task_cpumask(s, p, mask);
  if (s.tget(p, T_ON_RQ) !== 0 && s.tget(p, T_CLASS) === CLASS_RT) rt_cpus_allowed_changed(s, s.tget(p, T_CPU), p);
}

/** The CPU joins the scheduling domain (rq_online: its cpupri and rt overload count from now). */
export function sched_rq_online(s: Sched, cpu: number): void {
  rq_online_rt(s, cpu);
}

/** check_preempt_curr: same class asks the class; a higher class always preempts. */
export function check_preempt_curr(s: Sched, cpu: number, p: number, flags: number): void {
  const curr = s.rget(cpu, R_CURR);
  if (curr < 0) return;
  const pc = s.tget(p, T_CLASS);
  const cc = s.tget(curr, T_CLASS);
  if (pc === cc) sched_classes[pc]!.check_preempt_curr(s, cpu, p, flags);
  else if (pc < cc) Atomics.store(s.ri, cpu * RQ_WORDS + R_NEED_RESCHED, 1);
}

/**
 * wake_up_new_task: queue a new task on `cpu` (its fair vruntime, relative after sched_fork, or 0
 * after sched_task_init, becomes absolute on this queue) and see whether it preempts. Returns
 * need_resched of `cpu`.
 */
export function wake_up_new_task(s: Sched, cpu: number, p: number): boolean {
  s.tset(p, T_CPU, cpu);
  enqueue_task(s, cpu, p, 0);
  check_preempt_curr(s, cpu, p, WF_FORK);
  if (s.tget(p, T_CLASS) === CLASS_RT) task_woken_rt(s, cpu, p);
  return Atomics.load(s.ri, cpu * RQ_WORDS + R_NEED_RESCHED) !== 0;
}

/**
 * try_to_wake_up for a sleeping task (T_ON_RQ 0) onto run queue `cpu`: enqueue with
 * ENQUEUE_WAKEUP (a fair task moving cores carries its vruntime over, ENQUEUE_MIGRATED) and
 * check preemption. A task still queued (it has not scheduled out yet) is left alone: the caller
 * only marks it running. Returns need_resched of `cpu`.
 */
export function try_to_wake_up(s: Sched, cpu: number, p: number, wakeFlags = 0): boolean {
  if (s.tget(p, T_ON_RQ) !== 0) return false;
  let flags = ENQUEUE_WAKEUP;
  if (set_task_cpu(s, p, cpu, true)) flags |= ENQUEUE_MIGRATED;
  enqueue_task(s, cpu, p, flags);
  check_preempt_curr(s, cpu, p, wakeFlags);
  if (s.tget(p, T_CLASS) === CLASS_RT) task_woken_rt(s, cpu, p);
  return Atomics.load(s.ri, cpu * RQ_WORDS + R_NEED_RESCHED) !== 0;
}

/**
 * set_task_cpu: p (not queued) moves to run queue `cpu`; a change of CPU counts in
 * nr_migrations. A waking fair task leaves its old queue's vruntime frame here
 * (migrate_task_rq_fair: the waking enqueue then needs ENQUEUE_MIGRATED); a queued task moved
 * by the balancer or for affinity was dequeued without DEQUEUE_SLEEP, relative already.
 * Returns whether the CPU changed.
 */
export function set_task_cpu(s: Sched, p: number, cpu: number, waking = false): boolean {
  const old = s.tget(p, T_CPU);
  s.tset(p, T_CPU, cpu);
  if (old < 0 || old === cpu) return false;
  s.tset(p, T_NR_MIGRATIONS, s.tget(p, T_NR_MIGRATIONS) + 1);
  if (waking && s.tget(p, T_CLASS) === CLASS_FAIR) migrate_task_rq_fair(s, old, p);
  return waking && s.tget(p, T_CLASS) === CLASS_FAIR;
}

/**
 * move_queued_task: p, queued on `from` and not running there, goes to `to` (deactivate,
 * set_task_cpu, activate) and may preempt there. Returns need_resched of `to`.
 */
export function move_queued_task(s: Sched, from: number, p: number, to: number): boolean {
  dequeue_task(s, from, p, DEQUEUE_MOVE);
  set_task_cpu(s, p, to);
  enqueue_task(s, to, p, ENQUEUE_MOVE);
  check_preempt_curr(s, to, p, 0);
  return Atomics.load(s.ri, to * RQ_WORDS + R_NEED_RESCHED) !== 0;
}

/** pick_next_task: put prev back, then the first class in order with a task wins. */
export function pick_next_task(s: Sched, cpu: number, prev: number): number {
  if (prev >= 0) classOf(s, prev).put_prev_task(s, cpu, prev);
  for (let c = CLASS_DL; c <= CLASS_IDLE; c++) {
    const p = sched_classes[c]!.pick_next_task(s, cpu);
    if (p >= 0) return p;
  }
  throw new Error(`sched: cpu ${cpu}: no class, not even idle, had a task`);
}

/** How __schedule was entered: preempted (need_resched), or prev blocks (it is going to sleep). */
export const SM_PREEMPT = 0;
export const SM_SLEEP = 1;
/** sched_yield: prev stays runnable; Linux counts it as an involuntary switch. */
export const SM_YIELD = 2;
/** The running prev leaves this run queue (migration_cpu_stop: its CPU left its mask): it is
 *  dequeued without DEQUEUE_SLEEP (relative vruntime); the caller enqueues it elsewhere. */
export const SM_MIGRATE = 3;

/**
 * __schedule: deactivate prev if it sleeps, pick the next task, count the switch. Returns the
 * task to run (maybe prev again). The caller then saves prev's registers and loads next's.
 */
export function __schedule(s: Sched, cpu: number, mode: number, newidle?: (cpu: number) => void): number {
  const prev = s.rget(cpu, R_CURR);
  Atomics.store(s.ri, cpu * RQ_WORDS + R_NEED_RESCHED, 0);
  let voluntary = false;
  if (mode === SM_SLEEP && prev >= 0 && s.tget(prev, T_CLASS) !== CLASS_IDLE) {
    dequeue_task(s, cpu, prev, DEQUEUE_SLEEP);
    voluntary = true;
  }
  if (mode === SM_MIGRATE && prev >= 0 && s.tget(prev, T_ON_RQ) !== 0) dequeue_task(s, cpu, prev, DEQUEUE_MOVE);
  if (mode === SM_YIELD && prev >= 0) classOf(s, prev).yield_task(s, cpu);
  // put_prev_task_balance: from prev's class down (a dl prev stops there while dl tasks remain);
  // rt's balance pulls when prev left the rt queue.
  if (prev >= 0) {
    const pc = s.tget(prev, T_CLASS);
    if (pc === CLASS_RT || (pc === CLASS_DL && s.rget(cpu, R_DL_NR_RUNNING) === 0)) balance_rt(s, cpu, prev);
  }
  // pick_next_task_fair's newidle_balance: nothing left here, pull from a busier queue first.
  if (newidle && s.rget(cpu, R_NR_RUNNING) === 0) newidle(cpu);
  let next: number;
  if (s.rget(cpu, R_PUSH_CPU) >= 0) {
    // The stopper's turn (an active balance asked for it): prev goes back on the queue, then
    // active_load_balance_cpu_stop may move it (or another fair task) to push_cpu.
    if (prev >= 0) classOf(s, prev).put_prev_task(s, cpu, prev);
    active_load_balance_cpu_stop(s, cpu);
    next = pick_next_task(s, cpu, -1);
  } else next = pick_next_task(s, cpu, prev);
  if (next !== prev) {
    s.rset(cpu, R_NR_SWITCHES, s.rget(cpu, R_NR_SWITCHES) + 1);
    if (prev >= 0) {
      s.tset(prev, T_NR_SWITCHES, s.tget(prev, T_NR_SWITCHES) + 1);
      const f = voluntary ? T_NR_VOLUNTARY : T_NR_INVOLUNTARY;
      s.tset(prev, f, s.tget(prev, f) + 1);
    }
    s.rset(cpu, R_CURR, next);
  }
  s.fset(next, F_CFS_TASKS_STAMP, s.clock(cpu)); // set_next_entity's list_move to the head
  run_balance_callbacks(s, cpu); // finish_task_switch's __balance_callbacks (rt push)
  return next;
}

/** scheduler_tick: the running task's class accounts the tick and may set need_resched. */
export function scheduler_tick(s: Sched, cpu: number): void {
  const curr = s.rget(cpu, R_CURR);
  if (curr >= 0) classOf(s, curr).task_tick(s, cpu, curr);
}

/** When the scheduler's own timers (rt period, dl replenishment) next need this core: the core's
 *  timer fires at min(next tick, this). Infinity when none is armed. */
export function sched_timer_next(s: Sched, cpu: number): number {
  return Math.min(rt_period_timer_next(s, cpu), dl_timer_next(s, cpu));
}

/** Run the scheduler timers of `cpu` that are due at the rq clock. */
export function sched_timers_run(s: Sched, cpu: number): void {
  rt_period_timer(s, cpu);
  dl_timers_run(s, cpu);
}

/** Runtime accounting of the running task up to the rq clock (update_curr of its class). */
export function update_curr(s: Sched, cpu: number): void {
  const curr = s.rget(cpu, R_CURR);
  if (curr >= 0) classOf(s, curr).update_curr(s, cpu);
}

/** sched_yield's scheduler part: the caller then calls __schedule(s, cpu, SM_YIELD). */
export function do_sched_yield(s: Sched, cpu: number): void {
  Atomics.store(s.ri, cpu * RQ_WORDS + R_NEED_RESCHED, 1);
}

/**
 * Change p's scheduling state under its run queue's lock (the body of __sched_setscheduler and
 * set_user_nice): dequeue/put, run `change`, enqueue/set, then preempt as the new class and
 * priority say. `cpu` is T_CPU of p, locked, clock updated.
 */
export function sched_change_task(s: Sched, cpu: number, p: number, change: () => void): void {
  const queued = s.tget(p, T_ON_RQ) !== 0;
  const running = s.rget(cpu, R_CURR) === p;
  const oldClass = s.tget(p, T_CLASS);
  const oldPrio = s.tget(p, T_PRIO);
  if (queued) dequeue_task(s, cpu, p, DEQUEUE_SAVE | DEQUEUE_MOVE);
  if (running) classOf(s, p).put_prev_task(s, cpu, p);
  change();
  const newPrio = s.tget(p, T_PRIO);
  const newClass = s.tget(p, T_CLASS);
  // "enqueue to tail when the priority is raised": a lowered task goes to the head
  if (queued) enqueue_task(s, cpu, p, ENQUEUE_RESTORE | ENQUEUE_MOVE | (oldPrio < newPrio ? ENQUEUE_HEAD : 0));
  if (running) {
    classOf(s, p).set_next_task(s, cpu, p, false);
    if (newClass > oldClass || (newClass === oldClass && newPrio > oldPrio) || (newClass === CLASS_RT && oldClass === CLASS_RT && newPrio !== oldPrio)) {
      Atomics.store(s.ri, cpu * RQ_WORDS + R_NEED_RESCHED, 1);
    }
  } else if (queued) {
    check_preempt_curr(s, cpu, p, 0);
  }
  // switched_from/to_rt, prio_changed_rt; then balance_callbacks, as __sched_setscheduler ends
  if (oldClass === CLASS_RT || newClass === CLASS_RT) rt_class_changed(s, cpu, p, oldClass, oldPrio, queued);
  run_balance_callbacks(s, cpu);
}

/** The task's /proc/PID/sched counters (ns for times). */
export interface TaskSchedStats {
  sum_exec_runtime: number;
  vruntime: number;
  nr_switches: number;
  nr_voluntary_switches: number;
  nr_involuntary_switches: number;
  nr_migrations: number;
  policy: number;
  prio: number;
  weight: number;
}

export function task_sched_stats(s: Sched, p: number): TaskSchedStats {
  return {
    sum_exec_runtime: s.fget(p, F_SUM_EXEC),
    vruntime: s.fget(p, F_VRUNTIME),
    nr_switches: s.tget(p, T_NR_SWITCHES),
    nr_voluntary_switches: s.tget(p, T_NR_VOLUNTARY),
    nr_involuntary_switches: s.tget(p, T_NR_INVOLUNTARY),
    nr_migrations: s.tget(p, T_NR_MIGRATIONS),
    policy: s.tget(p, T_POLICY),
    prio: s.tget(p, T_PRIO),
    weight: s.tget(p, T_WEIGHT),
  };
}

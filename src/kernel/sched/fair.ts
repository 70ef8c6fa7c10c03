// The fair class (kernel/sched/fair.c, Linux 6.1 CFS): SCHED_NORMAL, SCHED_BATCH, SCHED_IDLE.
// cfs_rq is a red-black tree of queued tasks ordered by vruntime; the running task (cfs_rq->curr)
// is kept out of the tree. Tunables come from SchedConfig (scaled by 1 + ilog2(min(cpus, 8))).
// No group scheduling, no PELT, no next/last buddies (LAST_BUDDY only biases picks after wakeup
// preemption); the skip buddy of sched_yield is kept. Every function needs the rq lock.

import { __calc_delta, inv_weight_of, NICE_0_LOAD } from './prio.ts';
import { RbTree } from './rbtree.ts';
import {
  account_exec, DEQUEUE_SLEEP, ENQUEUE_MIGRATED, ENQUEUE_WAKEUP, F_PREV_SUM_EXEC, F_SUM_EXEC, F_VRUNTIME, F_EXEC_START,
  NSEC_PER_SEC, R_CFS_CURR, R_CFS_LOAD, R_CFS_NR_RUNNING, R_CFS_ROOT, R_CFS_SKIP, R_CURR, resched_curr, RF_MIN_VRUNTIME,
  RQ_WORDS, Sched, SCHED_BATCH, SCHED_IDLE, SCHED_NORMAL, T_F64_BASE, T_INV_WEIGHT, T_ON_RQ, T_POLICY, T_RB_PARENT, T_WEIGHT, TASK_F64,
  TASK_WORDS, test_need_resched, T_CLASS, CLASS_FAIR, type SchedClass,
} from './sched.ts';

const trees = new WeakMap<Sched, RbTree[]>();

/** cfs_rq->tasks_timeline of `cpu` (views cached per Sched and core). */
export function cfsTree(s: Sched, cpu: number): RbTree {
  let a = trees.get(s);
  if (a === undefined) {
    a = [];
    for (let c = 0; c < s.config.cpus; c++) {
      a.push(new RbTree(s.ti, TASK_WORDS, T_RB_PARENT, s.tf, TASK_F64, T_F64_BASE + F_VRUNTIME, s.ri, c * RQ_WORDS + R_CFS_ROOT));
    }
    trees.set(s, a);
  }
  return a[cpu]!;
}

/** calc_delta_fair: real ns to p's virtual ns (delta * NICE_0_LOAD / weight). */
export function calc_delta_fair(s: Sched, delta: number, p: number): number {
  if (s.tget(p, T_WEIGHT) === NICE_0_LOAD) return delta;
  return __calc_delta(delta, NICE_0_LOAD, s.tget(p, T_INV_WEIGHT));
}

/** __sched_period: the latency target, stretched to nr * min_granularity past sched_nr_latency. */
export function __sched_period(s: Sched, nr: number): number {
  return nr > s.config.nrLatency ? nr * s.config.minGranularity : s.config.latency;
}

/** sched_slice: p's wall-time share of the period, weight / cfs load (p counted if not queued),
 *  at least min_granularity (BASE_SLICE). */
export function sched_slice(s: Sched, cpu: number, p: number): number {
  const onRq = s.tget(p, T_ON_RQ) !== 0;
  const nr = s.rget(cpu, R_CFS_NR_RUNNING) + (onRq ? 0 : 1);
  let load = s.rget(cpu, R_CFS_LOAD);
  if (!onRq) load += s.tget(p, T_WEIGHT);
  const slice = __calc_delta(__sched_period(s, nr), s.tget(p, T_WEIGHT), inv_weight_of(load));
  return Math.max(slice, s.config.minGranularity);
}

/** sched_vslice: the slice in p's virtual time. */
export function sched_vslice(s: Sched, cpu: number, p: number): number {
  return calc_delta_fair(s, sched_slice(s, cpu, p), p);
}

/** update_min_vruntime: monotonic; min(curr, leftmost). */
function update_min_vruntime(s: Sched, cpu: number): void {
  let curr = s.rget(cpu, R_CFS_CURR);
  const left = cfsTree(s, cpu).leftmost();
  let v = s.rfget(cpu, RF_MIN_VRUNTIME);
  if (curr >= 0) {
    if (s.tget(curr, T_ON_RQ) !== 0) v = s.fget(curr, F_VRUNTIME);
    else curr = -1;
  }
  if (left >= 0) {
    const lv = s.fget(left, F_VRUNTIME);
    v = curr < 0 ? lv : Math.min(v, lv);
  }
  s.rfset(cpu, RF_MIN_VRUNTIME, Math.max(s.rfget(cpu, RF_MIN_VRUNTIME), v));
}

/** update_curr: charge the running fair task its runtime and vruntime. */
export function update_curr_fair(s: Sched, cpu: number): void {
  const curr = s.rget(cpu, R_CFS_CURR);
  if (curr < 0) return;
  const delta = account_exec(s, cpu, curr);
  if (delta === 0) return;
  s.fset(curr, F_VRUNTIME, s.fget(curr, F_VRUNTIME) + calc_delta_fair(s, delta, curr));
  update_min_vruntime(s, cpu);
}

/** place_entity: new tasks start one vslice after min_vruntime (START_DEBIT); waking tasks get
 *  at most half a latency of credit (GENTLE_FAIR_SLEEPERS; min_granularity for SCHED_IDLE);
 *  never moved backwards. */
export function place_entity(s: Sched, cpu: number, p: number, initial: boolean): void {
  let v = s.rfget(cpu, RF_MIN_VRUNTIME);
  if (initial) v += sched_vslice(s, cpu, p);
  else {
    const thresh = s.tget(p, T_POLICY) === SCHED_IDLE ? s.config.minGranularity : s.config.latency;
    v -= thresh / 2;
  }
  s.fset(p, F_VRUNTIME, Math.max(s.fget(p, F_VRUNTIME), v));
}

function enqueue_task_fair(s: Sched, cpu: number, p: number, flags: number): void {
  const isCurr = s.rget(cpu, R_CFS_CURR) === p;
  // A task that is not waking on its own queue carries a vruntime relative to min_vruntime.
  const renorm = (flags & ENQUEUE_WAKEUP) === 0 || (flags & ENQUEUE_MIGRATED) !== 0;
  if (renorm && isCurr) s.fset(p, F_VRUNTIME, s.fget(p, F_VRUNTIME) + s.rfget(cpu, RF_MIN_VRUNTIME));
  update_curr_fair(s, cpu);
  if (renorm && !isCurr) s.fset(p, F_VRUNTIME, s.fget(p, F_VRUNTIME) + s.rfget(cpu, RF_MIN_VRUNTIME));
  s.rset(cpu, R_CFS_LOAD, s.rget(cpu, R_CFS_LOAD) + s.tget(p, T_WEIGHT));
  s.rset(cpu, R_CFS_NR_RUNNING, s.rget(cpu, R_CFS_NR_RUNNING) + 1);
  if ((flags & ENQUEUE_WAKEUP) !== 0) place_entity(s, cpu, p, false);
  if (!isCurr) cfsTree(s, cpu).insert(p);
}

function dequeue_task_fair(s: Sched, cpu: number, p: number, flags: number): void {
  update_curr_fair(s, cpu);
  s.tset(p, T_ON_RQ, 0); // se->on_rq = 0: update_min_vruntime below no longer counts a departing curr
  if (s.rget(cpu, R_CFS_SKIP) === p) s.rset(cpu, R_CFS_SKIP, -1);
  if (s.rget(cpu, R_CFS_CURR) !== p) cfsTree(s, cpu).erase(p);
  s.rset(cpu, R_CFS_LOAD, s.rget(cpu, R_CFS_LOAD) - s.tget(p, T_WEIGHT));
  s.rset(cpu, R_CFS_NR_RUNNING, s.rget(cpu, R_CFS_NR_RUNNING) - 1);
  // Sleepers keep an absolute vruntime; anything else leaves relative to this queue.
  if ((flags & DEQUEUE_SLEEP) === 0) s.fset(p, F_VRUNTIME, s.fget(p, F_VRUNTIME) - s.rfget(cpu, RF_MIN_VRUNTIME));
  update_min_vruntime(s, cpu);
}

/** wakeup_preempt_entity: 1 if `se` (vruntime smaller by more than its wakeup_gran) should
 *  preempt `curr`, -1 if it is not ahead at all, 0 within the granularity. */
export function wakeup_preempt_entity(s: Sched, curr: number, se: number): number {
  const vdiff = s.fget(curr, F_VRUNTIME) - s.fget(se, F_VRUNTIME);
  if (vdiff <= 0) return -1;
  return vdiff > calc_delta_fair(s, s.config.wakeupGranularity, se) ? 1 : 0;
}

/** check_preempt_wakeup: a waking SCHED_NORMAL task preempts when wakeup_preempt_entity says so;
 *  SCHED_BATCH and SCHED_IDLE wakers never do; anything non-idle preempts a SCHED_IDLE task. */
function check_preempt_wakeup(s: Sched, cpu: number, p: number): void {
  const curr = s.rget(cpu, R_CURR);
  if (curr === p || curr < 0) return;
  if (test_need_resched(s, cpu)) return;
  const currIdle = s.tget(curr, T_POLICY) === SCHED_IDLE;
  const pIdle = s.tget(p, T_POLICY) === SCHED_IDLE;
  if (currIdle && !pIdle) {
    resched_curr(s, cpu);
    return;
  }
  if (s.tget(p, T_POLICY) !== SCHED_NORMAL) return;
  update_curr_fair(s, cpu);
  if (wakeup_preempt_entity(s, curr, p) === 1) resched_curr(s, cpu);
}

/** pick_next_entity: the leftmost, unless it is the skip buddy and the second is close enough. */
function pick_next_entity(s: Sched, cpu: number): number {
  const t = cfsTree(s, cpu);
  const left = t.leftmost();
  let se = left;
  const skip = s.rget(cpu, R_CFS_SKIP);
  if (skip >= 0 && skip === se) {
    const second = t.next(se);
    if (second >= 0 && wakeup_preempt_entity(s, second, left) < 1) se = second;
  }
  if (skip === se) s.rset(cpu, R_CFS_SKIP, -1); // clear_buddies
  return se;
}

/** set_next_entity: take p out of the tree and start its slice. */
function set_next_task_fair(s: Sched, cpu: number, p: number): void {
  if (s.tget(p, T_ON_RQ) !== 0) cfsTree(s, cpu).erase(p);
  s.fset(p, F_EXEC_START, s.clock(cpu));
  s.rset(cpu, R_CFS_CURR, p);
  s.fset(p, F_PREV_SUM_EXEC, s.fget(p, F_SUM_EXEC));
}

function pick_next_task_fair(s: Sched, cpu: number): number {
  if (s.rget(cpu, R_CFS_NR_RUNNING) === 0) return -1;
  const p = pick_next_entity(s, cpu);
  set_next_task_fair(s, cpu, p);
  return p;
}

/** put_prev_entity: a still-queued task goes back into the tree. */
function put_prev_task_fair(s: Sched, cpu: number, p: number): void {
  if (s.tget(p, T_ON_RQ) !== 0) {
    update_curr_fair(s, cpu);
    cfsTree(s, cpu).insert(p);
  }
  s.rset(cpu, R_CFS_CURR, -1);
}

/** check_preempt_tick: preempt when the slice is used up, or (past min_granularity) when the
 *  leftmost is behind by more than a slice. Linux 6.1: the slice is not capped at latency. */
function check_preempt_tick(s: Sched, cpu: number, curr: number): void {
  const ideal = sched_slice(s, cpu, curr);
  const deltaExec = s.fget(curr, F_SUM_EXEC) - s.fget(curr, F_PREV_SUM_EXEC);
  if (deltaExec > ideal) {
    resched_curr(s, cpu);
    return;
  }
  if (deltaExec < s.config.minGranularity) return;
  const se = cfsTree(s, cpu).leftmost();
  const delta = s.fget(curr, F_VRUNTIME) - s.fget(se, F_VRUNTIME);
  if (delta < 0) return;
  if (delta > ideal) resched_curr(s, cpu);
}

function task_tick_fair(s: Sched, cpu: number, p: number): void {
  update_curr_fair(s, cpu);
  if (s.rget(cpu, R_CFS_NR_RUNNING) > 1) check_preempt_tick(s, cpu, p);
}

/** yield_task_fair: become the skip buddy (SCHED_BATCH skips the runtime update). */
function yield_task_fair(s: Sched, cpu: number): void {
  const curr = s.rget(cpu, R_CURR);
  if (s.rget(cpu, R_CFS_NR_RUNNING) <= 1) return;
  if (s.tget(curr, T_POLICY) !== SCHED_BATCH) update_curr_fair(s, cpu);
  s.rset(cpu, R_CFS_SKIP, curr);
}

/** get_rr_interval_fair: the slice, whole jiffies, when the queue has load. */
function get_rr_interval_fair(s: Sched, cpu: number, p: number): number {
  if (s.rget(cpu, R_CFS_LOAD) === 0) return 0;
  const tick = NSEC_PER_SEC / s.config.hz;
  return Math.floor(sched_slice(s, cpu, p) / tick) * tick;
}

/** task_fork_fair: the child starts at the parent's vruntime (or min_vruntime), placed with
 *  START_DEBIT, and leaves relative to min_vruntime for wake_up_new_task to renormalize. */
export function task_fork_fair(s: Sched, cpu: number, parent: number, p: number): void {
  const curr = s.rget(cpu, R_CFS_CURR);
  if (curr >= 0) update_curr_fair(s, cpu);
  if (parent >= 0 && s.tget(parent, T_CLASS) === CLASS_FAIR) s.fset(p, F_VRUNTIME, s.fget(parent, F_VRUNTIME));
  else s.fset(p, F_VRUNTIME, 0);
  place_entity(s, cpu, p, true);
  s.fset(p, F_VRUNTIME, s.fget(p, F_VRUNTIME) - s.rfget(cpu, RF_MIN_VRUNTIME));
}

/** migrate_task_rq_fair for a waking task: leave the old queue's frame (lockless read of its
 *  min_vruntime, as Linux does); the enqueue on the new queue adds that queue's. */
export function migrate_task_rq_fair(s: Sched, oldCpu: number, p: number): void {
  s.fset(p, F_VRUNTIME, s.fget(p, F_VRUNTIME) - s.rfget(oldCpu, RF_MIN_VRUNTIME));
}

export const fair_sched_class: SchedClass = {
  name: 'fair',
  enqueue_task: enqueue_task_fair,
  dequeue_task: dequeue_task_fair,
  yield_task: yield_task_fair,
  check_preempt_curr: (s, cpu, p) => check_preempt_wakeup(s, cpu, p),
  pick_next_task: pick_next_task_fair,
  put_prev_task: put_prev_task_fair,
  set_next_task: (s, cpu, p) => set_next_task_fair(s, cpu, p),
  task_tick: task_tick_fair,
  get_rr_interval: get_rr_interval_fair,
  update_curr: update_curr_fair,
};

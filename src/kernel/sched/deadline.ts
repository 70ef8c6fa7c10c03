// The deadline class (kernel/sched/deadline.c, Linux 6.1): SCHED_DEADLINE under EDF with the
// Constant Bandwidth Server. dl_rq is a red-black tree of runnable tasks by absolute deadline (the
// running task stays in it). A task runs with `runtime` budget until `deadline`; when the budget is
// gone it is throttled until its next period (the dl timer), then replenished. Admission control
// keeps the sum of runtime/period of all deadline tasks within the root domain's dl_bw (cpus x
// sched_rt_runtime/sched_rt_period). Not modelled: GRUB reclaiming, the inactive timer (bandwidth
// is released when the task leaves SCHED_DEADLINE), priority inheritance, push/pull between cores.

import { EBUSY } from '../syscalls/numbers.ts';
import { RbTree } from './rbtree.ts';
import { rt_charge } from './rt.ts';
import {
  account_exec, BW_SHIFT, CLASS_DL, dl_bw_lock, dl_bw_unlock, DLB_BW, DLB_CPUS, DLB_TOTAL_BW, ENQUEUE_REPLENISH,
  ENQUEUE_RESTORE, ENQUEUE_WAKEUP, F_DEADLINE, F_DL_BW, F_DL_DEADLINE, F_DL_DENSITY, F_DL_PERIOD, F_DL_RUNTIME,
  F_DL_TIMER, F_EXEC_START, F_RUNTIME, R_CURR, R_DL_NR_RUNNING, R_DL_ROOT, R_DL_TIMERS, resched_curr, RQ_WORDS, Sched,
  SCHED_CAPACITY_SHIFT, SCHED_DEADLINE, T_CLASS, T_DL_FLAGS, T_DL_TIMER_NEXT, T_F64_BASE, T_FLAGS, T_ON_RQ, T_POLICY,
  T_CPU, T_RB_PARENT, TASK_F64, TASK_WORDS, TF_DL_THROTTLED, TF_DL_TIMER, TF_DL_YIELDED, to_ratio, type SchedClass,
} from './sched.ts';

const DL_SCALE = 10;

const trees = new WeakMap<Sched, RbTree[]>();

/** dl_rq->root of `cpu`. */
export function dlTree(s: Sched, cpu: number): RbTree {
  let a = trees.get(s);
  if (a === undefined) {
    a = [];
    for (let c = 0; c < s.config.cpus; c++) {
      a.push(new RbTree(s.ti, TASK_WORDS, T_RB_PARENT, s.tf, TASK_F64, T_F64_BASE + F_DEADLINE, s.ri, c * RQ_WORDS + R_DL_ROOT));
    }
    trees.set(s, a);
  }
  return a[cpu]!;
}

const flag = (s: Sched, p: number, f: number): boolean => (s.tget(p, T_FLAGS) & f) !== 0;
const setFlag = (s: Sched, p: number, f: number, on: boolean): void =>
  s.tset(p, T_FLAGS, on ? s.tget(p, T_FLAGS) | f : s.tget(p, T_FLAGS) & ~f);

/** __setparam_dl: store the parameters (ns; period 0 means period = deadline). */
export function __setparam_dl(s: Sched, p: number, runtime: number, deadline: number, period: number, flags: number): void {
  const per = period === 0 ? deadline : period;
  s.fset(p, F_DL_RUNTIME, runtime);
  s.fset(p, F_DL_DEADLINE, deadline);
  s.fset(p, F_DL_PERIOD, per);
  s.tset(p, T_DL_FLAGS, flags);
  s.fset(p, F_DL_BW, to_ratio(per, runtime));
  s.fset(p, F_DL_DENSITY, to_ratio(deadline, runtime));
}

/**
 * sched_dl_overflow: admission control for p moving to `policy` with these parameters. Takes
 * the dl_bw lock. Returns 0 (and books the bandwidth) or -EBUSY.
 */
export function sched_dl_overflow(s: Sched, p: number, policy: number, runtime: number, deadline: number, period: number): number {
  const per = period === 0 ? deadline : period;
  const newBw = policy === SCHED_DEADLINE ? to_ratio(per, runtime) : 0;
  const isDl = s.tget(p, T_POLICY) === SCHED_DEADLINE;
  const oldBw = isDl ? s.fget(p, F_DL_BW) : 0;
  if (isDl && newBw === oldBw) return 0;
  dl_bw_lock(s);
  const bw = s.bf[DLB_BW]!;
  const total = s.bf[DLB_TOTAL_BW]!;
  const cap = s.bi[DLB_CPUS]! << SCHED_CAPACITY_SHIFT;
  // __dl_overflow: cap_scale(bw, cap) < total - old + new
  const overflow = (oldW: number): boolean => bw !== -1 && Math.floor((bw * cap) / (1 << SCHED_CAPACITY_SHIFT)) < total - oldW + newBw;
  let err = -EBUSY;
  if (policy === SCHED_DEADLINE && !isDl && !overflow(0)) {
    s.bf[DLB_TOTAL_BW] = total + newBw;
    err = 0;
  } else if (policy === SCHED_DEADLINE && isDl && !overflow(oldBw)) {
    s.bf[DLB_TOTAL_BW] = total - oldBw + newBw;
    err = 0;
  } else if (policy !== SCHED_DEADLINE && isDl) {
    s.bf[DLB_TOTAL_BW] = total - oldBw; // Linux frees it at the 0-lag time; here at once
    err = 0;
  }
  dl_bw_unlock(s);
  return err;
}

/** Booked deadline bandwidth of the root domain (BW_SHIFT fixed point). */
export function dl_total_bw(s: Sched): number {
  return s.bf[DLB_TOTAL_BW]!;
}

/** task_dead_dl: release p's bandwidth (at exit), and drop its replenishment timer (hrtimer_cancel
 *  in Linux's task_non_contending path) so a reused task slot is not left on the timer list. The
 *  task is off every run queue; its policy stays, so a second call releases nothing. */
export function task_dead_dl(s: Sched, p: number): void {
  if (s.tget(p, T_POLICY) !== SCHED_DEADLINE) return;
  const cpu = s.tget(p, T_CPU);
  if (cpu >= 0) dl_timer_cancel(s, cpu, p);
  dl_bw_lock(s);
  s.bf[DLB_TOTAL_BW] = s.bf[DLB_TOTAL_BW]! - s.fget(p, F_DL_BW);
  dl_bw_unlock(s);
  s.fset(p, F_DL_BW, 0);
}

function replenish_dl_new_period(s: Sched, cpu: number, p: number): void {
  s.fset(p, F_DEADLINE, s.clock(cpu) + s.fget(p, F_DL_DEADLINE));
  s.fset(p, F_RUNTIME, s.fget(p, F_DL_RUNTIME));
}

/** dl_entity_overflow: would the left budget, used by the current deadline, exceed the
 *  reserved bandwidth (runtime / (deadline - t) > dl_runtime / dl_deadline)? */
function dl_entity_overflow(s: Sched, p: number, t: number): boolean {
  const sc = (x: number): number => Math.floor(x / (1 << DL_SCALE));
  const left = sc(s.fget(p, F_DL_DEADLINE)) * sc(s.fget(p, F_RUNTIME));
  const right = sc(s.fget(p, F_DEADLINE) - t) * sc(s.fget(p, F_DL_RUNTIME));
  return right < left;
}

/** update_dl_entity (wakeup): keep the current deadline and budget only if they fit the
 *  bandwidth; constrained tasks (deadline < period) get the revised wakeup rule. */
function update_dl_entity(s: Sched, cpu: number, p: number): void {
  const now = s.clock(cpu);
  if (s.fget(p, F_DEADLINE) < now || dl_entity_overflow(s, p, now)) {
    const implicit = s.fget(p, F_DL_DEADLINE) === s.fget(p, F_DL_PERIOD);
    if (!implicit && !(s.fget(p, F_DEADLINE) < now)) {
      const laxity = s.fget(p, F_DEADLINE) - now;
      s.fset(p, F_RUNTIME, Math.floor((s.fget(p, F_DL_DENSITY) * laxity) / 2 ** BW_SHIFT));
      return;
    }
    replenish_dl_new_period(s, cpu, p);
  }
}

/** replenish_dl_entity: add periods until the budget is positive; a lag past the deadline
 *  starts a fresh period. Clears throttled and yielded. */
function replenish_dl_entity(s: Sched, cpu: number, p: number): void {
  if (s.fget(p, F_DL_DEADLINE) === 0) replenish_dl_new_period(s, cpu, p);
  if (flag(s, p, TF_DL_YIELDED) && s.fget(p, F_RUNTIME) > 0) s.fset(p, F_RUNTIME, 0);
  while (s.fget(p, F_RUNTIME) <= 0) {
    s.fset(p, F_DEADLINE, s.fget(p, F_DEADLINE) + s.fget(p, F_DL_PERIOD));
    s.fset(p, F_RUNTIME, s.fget(p, F_RUNTIME) + s.fget(p, F_DL_RUNTIME));
  }
  if (s.fget(p, F_DEADLINE) < s.clock(cpu)) replenish_dl_new_period(s, cpu, p);
  setFlag(s, p, TF_DL_YIELDED, false);
  setFlag(s, p, TF_DL_THROTTLED, false);
}

/** dl_next_period: the start of p's next period. */
function dl_next_period(s: Sched, p: number): number {
  return s.fget(p, F_DEADLINE) - s.fget(p, F_DL_DEADLINE) + s.fget(p, F_DL_PERIOD);
}

/** start_dl_timer: arm the replenishment timer for the next period; false if that is not in
 *  the future (the caller replenishes at once). */
function start_dl_timer(s: Sched, cpu: number, p: number): boolean {
  const act = dl_next_period(s, p);
  if (act <= s.clock(cpu)) return false;
  s.fset(p, F_DL_TIMER, act);
  if (!flag(s, p, TF_DL_TIMER)) {
    setFlag(s, p, TF_DL_TIMER, true);
    s.tset(p, T_DL_TIMER_NEXT, s.rget(cpu, R_DL_TIMERS));
    s.rset(cpu, R_DL_TIMERS, p);
  }
  return true;
}

function __enqueue_dl(s: Sched, cpu: number, p: number): void {
  dlTree(s, cpu).insert(p);
  s.rset(cpu, R_DL_NR_RUNNING, s.rget(cpu, R_DL_NR_RUNNING) + 1);
}
function __dequeue_dl(s: Sched, cpu: number, p: number): void {
  const t = dlTree(s, cpu);
  if (!t.linked(p)) return;
  t.erase(p);
  s.rset(cpu, R_DL_NR_RUNNING, s.rget(cpu, R_DL_NR_RUNNING) - 1);
}

/** dl_check_constrained_dl: a constrained task waking after its deadline but inside its period
 *  waits, throttled, for the next period. */
function dl_check_constrained_dl(s: Sched, cpu: number, p: number): void {
  const now = s.clock(cpu);
  if (s.fget(p, F_DEADLINE) < now && now < dl_next_period(s, p)) {
    if (!start_dl_timer(s, cpu, p)) return;
    setFlag(s, p, TF_DL_THROTTLED, true);
    if (s.fget(p, F_RUNTIME) > 0) s.fset(p, F_RUNTIME, 0);
  }
}

function enqueue_task_dl(s: Sched, cpu: number, p: number, flags: number): void {
  const implicit = s.fget(p, F_DL_DEADLINE) === s.fget(p, F_DL_PERIOD);
  if (!flag(s, p, TF_DL_THROTTLED) && !implicit) dl_check_constrained_dl(s, cpu, p);
  if (flag(s, p, TF_DL_THROTTLED) && (flags & ENQUEUE_REPLENISH) === 0) return; // the timer enqueues it
  if ((flags & ENQUEUE_WAKEUP) !== 0) update_dl_entity(s, cpu, p);
  else if ((flags & ENQUEUE_REPLENISH) !== 0) replenish_dl_entity(s, cpu, p);
  else if ((flags & ENQUEUE_RESTORE) !== 0 && s.fget(p, F_DEADLINE) < s.clock(cpu)) replenish_dl_new_period(s, cpu, p);
  else if (s.fget(p, F_DEADLINE) <= s.clock(cpu)) replenish_dl_new_period(s, cpu, p); // first queued (no fork into dl in Linux)
  __enqueue_dl(s, cpu, p);
}

function dequeue_task_dl(s: Sched, cpu: number, p: number): void {
  update_curr_dl(s, cpu);
  __dequeue_dl(s, cpu, p);
}

/** update_curr_dl: burn the budget; at zero (or after sched_yield) throttle until the next
 *  period, replenishing at once when that has already begun. */
export function update_curr_dl(s: Sched, cpu: number): void {
  const curr = s.rget(cpu, R_CURR);
  if (curr < 0 || s.tget(curr, T_CLASS) !== CLASS_DL) return;
  const delta = account_exec(s, cpu, curr);
  if (delta === 0 && !flag(s, curr, TF_DL_YIELDED)) return;
  if (flag(s, curr, TF_DL_THROTTLED)) return; // already waiting for its timer
  s.fset(curr, F_RUNTIME, s.fget(curr, F_RUNTIME) - delta);
  if (s.fget(curr, F_RUNTIME) <= 0 || flag(s, curr, TF_DL_YIELDED)) {
    setFlag(s, curr, TF_DL_THROTTLED, true);
    if (flag(s, curr, TF_DL_YIELDED) && s.fget(curr, F_RUNTIME) > 0) s.fset(curr, F_RUNTIME, 0);
    __dequeue_dl(s, cpu, curr);
    if (!start_dl_timer(s, cpu, curr)) enqueue_task_dl(s, cpu, curr, ENQUEUE_REPLENISH);
    if (dlTree(s, cpu).leftmost() !== curr) resched_curr(s, cpu);
  }
  if (delta > 0) rt_charge(s, cpu, delta, true);
}

function check_preempt_curr_dl(s: Sched, cpu: number, p: number): void {
  const curr = s.rget(cpu, R_CURR);
  if (curr >= 0 && s.fget(p, F_DEADLINE) < s.fget(curr, F_DEADLINE)) resched_curr(s, cpu);
}

function pick_next_task_dl(s: Sched, cpu: number): number {
  if (s.rget(cpu, R_DL_NR_RUNNING) === 0) return -1;
  const p = dlTree(s, cpu).leftmost();
  s.fset(p, F_EXEC_START, s.clock(cpu));
  return p;
}

function yield_task_dl(s: Sched, cpu: number): void {
  setFlag(s, s.rget(cpu, R_CURR), TF_DL_YIELDED, true);
  update_curr_dl(s, cpu);
}

/** When the earliest armed dl timer of `cpu` fires, or Infinity. */
export function dl_timer_next(s: Sched, cpu: number): number {
  let t = Infinity;
  for (let p = s.rget(cpu, R_DL_TIMERS); p >= 0; p = s.tget(p, T_DL_TIMER_NEXT)) t = Math.min(t, s.fget(p, F_DL_TIMER));
  return t;
}

/** Run the dl timers of `cpu` that are due at the rq clock (dl_task_timer for each). */
export function dl_timers_run(s: Sched, cpu: number): void {
  const now = s.clock(cpu);
  let prev = -1;
  let p = s.rget(cpu, R_DL_TIMERS);
  while (p >= 0) {
    const next = s.tget(p, T_DL_TIMER_NEXT);
    if (s.fget(p, F_DL_TIMER) <= now) {
      if (prev < 0) s.rset(cpu, R_DL_TIMERS, next);
      else s.tset(prev, T_DL_TIMER_NEXT, next);
      s.tset(p, T_DL_TIMER_NEXT, -1);
      setFlag(s, p, TF_DL_TIMER, false);
      dl_task_timer(s, cpu, p);
    } else prev = p;
    p = next;
  }
}

/** dl_task_timer: replenish a throttled task; if it is queued, put it back and preempt as EDF says. */
function dl_task_timer(s: Sched, cpu: number, p: number): void {
  if (s.tget(p, T_POLICY) !== SCHED_DEADLINE || !flag(s, p, TF_DL_THROTTLED)) return;
  if (s.tget(p, T_ON_RQ) === 0) {
    replenish_dl_entity(s, cpu, p);
    return;
  }
  enqueue_task_dl(s, cpu, p, ENQUEUE_REPLENISH);
  const curr = s.rget(cpu, R_CURR);
  if (curr >= 0 && s.tget(curr, T_CLASS) === CLASS_DL) check_preempt_curr_dl(s, cpu, p);
  else resched_curr(s, cpu);
}

/** Drop p from the armed timer list of `cpu` (it leaves SCHED_DEADLINE or exits). */
export function dl_timer_cancel(s: Sched, cpu: number, p: number): void {
  if (!flag(s, p, TF_DL_TIMER)) return;
  let prev = -1;
  for (let q = s.rget(cpu, R_DL_TIMERS); q >= 0; prev = q, q = s.tget(q, T_DL_TIMER_NEXT)) {
    if (q !== p) continue;
    if (prev < 0) s.rset(cpu, R_DL_TIMERS, s.tget(q, T_DL_TIMER_NEXT));
    else s.tset(prev, T_DL_TIMER_NEXT, s.tget(q, T_DL_TIMER_NEXT));
    break;
  }
  s.tset(p, T_DL_TIMER_NEXT, -1);
  setFlag(s, p, TF_DL_TIMER, false);
  setFlag(s, p, TF_DL_THROTTLED, false);
}

export const dl_sched_class: SchedClass = {
  name: 'dl',
  enqueue_task: enqueue_task_dl,
  dequeue_task: (s, cpu, p) => dequeue_task_dl(s, cpu, p),
  yield_task: yield_task_dl,
  check_preempt_curr: (s, cpu, p) => check_preempt_curr_dl(s, cpu, p),
  pick_next_task: pick_next_task_dl,
  put_prev_task: (s, cpu) => update_curr_dl(s, cpu),
  set_next_task: (s, cpu, p) => s.fset(p, F_EXEC_START, s.clock(cpu)),
  task_tick: (s, cpu) => update_curr_dl(s, cpu),
  get_rr_interval: () => 0,
  update_curr: update_curr_dl,
};

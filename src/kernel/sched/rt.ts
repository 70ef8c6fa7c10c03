// The real-time class (kernel/sched/rt.c, Linux 6.1): SCHED_FIFO and SCHED_RR. rt_rq keeps 100
// priority lists (prio 0 = rt_priority 99 is the highest) and a bitmap of the non-empty ones;
// the running task stays on its list. RR tasks get sched_rr_timeslice ticks and go to the tail.
// RT throttling: the rt tasks of a core may run sched_rt_runtime per sched_rt_period; past it the
// rt_rq is throttled (picks skip it) until the period timer pays the time back. One period timer
// per core, started when the first rt task is queued (Linux has one for all cores; RT_RUNTIME_SHARE
// is off in 6.1, so each core's budget is its own either way). Every function needs the rq lock.
// Moving rt tasks between CPUs (push, pull, select_task_rq_rt, cpupri) is rt_push.ts.

import {
  account_exec, ENQUEUE_HEAD, F_EXEC_START, MAX_RT_PRIO, NSEC_PER_SEC, R_CURR, R_RT_BITMAP, R_RT_HEAD, R_RT_NR_RUNNING,
  R_RT_PERIOD_ACTIVE, R_RT_TAIL, R_RT_THROTTLED, resched_curr, RF_RT_EXPIRES, RF_RT_TIME, Sched, SCHED_RR, T_CLASS,
  T_ON_RQ, T_POLICY, T_PRIO, T_RT_NEXT, T_RT_PREV, T_TIME_SLICE, CLASS_RT, type SchedClass,
} from './sched.ts';
import {
  dec_rt_migration, dequeue_pushable_task, enqueue_pushable_task, inc_rt_migration, nr_cpus_allowed, rt_queue_push_tasks,
} from './rt_push.ts';

/** sched_find_first_bit over the rt bitmap: the highest-priority non-empty list, or MAX_RT_PRIO. */
export function rt_highest_prio(s: Sched, cpu: number): number {
  for (let w = 0; w < 4; w++) {
    const bits = s.rget(cpu, R_RT_BITMAP + w);
    if (bits !== 0) return w * 32 + (31 - Math.clz32(bits & -bits));
  }
  return MAX_RT_PRIO;
}

function listAdd(s: Sched, cpu: number, p: number, head: boolean): void {
  const prio = s.tget(p, T_PRIO);
  const first = s.rget(cpu, R_RT_HEAD + prio);
  if (first < 0) {
    s.rset(cpu, R_RT_HEAD + prio, p);
    s.rset(cpu, R_RT_TAIL + prio, p);
    s.tset(p, T_RT_NEXT, -1);
    s.tset(p, T_RT_PREV, -1);
    const w = prio >> 5;
    s.rset(cpu, R_RT_BITMAP + w, s.rget(cpu, R_RT_BITMAP + w) | (1 << (prio & 31)));
  } else if (head) {
    s.tset(p, T_RT_NEXT, first);
    s.tset(p, T_RT_PREV, -1);
    s.tset(first, T_RT_PREV, p);
    s.rset(cpu, R_RT_HEAD + prio, p);
  } else {
    const last = s.rget(cpu, R_RT_TAIL + prio);
    s.tset(p, T_RT_PREV, last);
    s.tset(p, T_RT_NEXT, -1);
    s.tset(last, T_RT_NEXT, p);
    s.rset(cpu, R_RT_TAIL + prio, p);
  }
}

function listDel(s: Sched, cpu: number, p: number): void {
  const prio = s.tget(p, T_PRIO);
  const next = s.tget(p, T_RT_NEXT);
  const prev = s.tget(p, T_RT_PREV);
  if (prev >= 0) s.tset(prev, T_RT_NEXT, next);
  else s.rset(cpu, R_RT_HEAD + prio, next);
  if (next >= 0) s.tset(next, T_RT_PREV, prev);
  else s.rset(cpu, R_RT_TAIL + prio, prev);
  s.tset(p, T_RT_NEXT, -1);
  s.tset(p, T_RT_PREV, -1);
  if (s.rget(cpu, R_RT_HEAD + prio) < 0) {
    const w = prio >> 5;
    s.rset(cpu, R_RT_BITMAP + w, s.rget(cpu, R_RT_BITMAP + w) & ~(1 << (prio & 31)));
  }
}

/** The tasks on priority list `prio`, head first (for checks and views; allocates). */
export function rt_list(s: Sched, cpu: number, prio: number): number[] {
  const out: number[] = [];
  for (let p = s.rget(cpu, R_RT_HEAD + prio); p >= 0; p = s.tget(p, T_RT_NEXT)) out.push(p);
  return out;
}

/** start_rt_bandwidth: arm the period timer (fires at once, then every period). */
function start_rt_bandwidth(s: Sched, cpu: number): void {
  if (s.config.rtRuntime === -1 || s.rget(cpu, R_RT_PERIOD_ACTIVE) !== 0) return;
  s.rset(cpu, R_RT_PERIOD_ACTIVE, 1);
  s.rfset(cpu, RF_RT_EXPIRES, s.clock(cpu));
}

/** Charge `delta` ns of rt (or dl) time to the rt_rq; rt time past the runtime throttles it
 *  (returns true: reschedule). */
export function rt_charge(s: Sched, cpu: number, delta: number, dl: boolean): boolean {
  const runtime = s.config.rtRuntime;
  if (runtime === -1) return false;
  const rtTime = s.rfget(cpu, RF_RT_TIME);
  if (dl) {
    // update_curr_dl: dl time counts (sched_rt_bandwidth_account) but throttles only rt.
    if (s.rget(cpu, R_RT_PERIOD_ACTIVE) !== 0 || rtTime < runtime) s.rfset(cpu, RF_RT_TIME, rtTime + delta);
    return false;
  }
  s.rfset(cpu, RF_RT_TIME, rtTime + delta);
  return sched_rt_runtime_exceeded(s, cpu);
}

function sched_rt_runtime_exceeded(s: Sched, cpu: number): boolean {
  if (s.rget(cpu, R_RT_THROTTLED) !== 0) return true;
  const runtime = s.config.rtRuntime;
  if (runtime >= s.config.rtPeriod) return false;
  if (s.rfget(cpu, RF_RT_TIME) > runtime) {
    s.rset(cpu, R_RT_THROTTLED, 1);
    return true;
  }
  return false;
}

/** update_curr_rt */
function update_curr_rt(s: Sched, cpu: number): void {
  const curr = s.rget(cpu, R_CURR);
  if (curr < 0 || s.tget(curr, T_CLASS) !== CLASS_RT) return;
  const delta = account_exec(s, cpu, curr);
  if (delta === 0) return;
  if (rt_charge(s, cpu, delta, false)) resched_curr(s, cpu);
}

function enqueue_task_rt(s: Sched, cpu: number, p: number, flags: number): void {
  listAdd(s, cpu, p, (flags & ENQUEUE_HEAD) !== 0);
  s.rset(cpu, R_RT_NR_RUNNING, s.rget(cpu, R_RT_NR_RUNNING) + 1);
  inc_rt_migration(s, cpu, p);
  start_rt_bandwidth(s, cpu);
  if (s.rget(cpu, R_CURR) !== p && nr_cpus_allowed(s, p) > 1) enqueue_pushable_task(s, cpu, p);
}

function dequeue_task_rt(s: Sched, cpu: number, p: number): void {
  update_curr_rt(s, cpu);
  listDel(s, cpu, p);
  s.rset(cpu, R_RT_NR_RUNNING, s.rget(cpu, R_RT_NR_RUNNING) - 1);
  dec_rt_migration(s, cpu, p);
  dequeue_pushable_task(s, cpu, p);
}

/** requeue_task_rt: to the tail (or head) of its list. */
function requeue_task_rt(s: Sched, cpu: number, p: number, head: boolean): void {
  listDel(s, cpu, p);
  listAdd(s, cpu, p, head);
}

function yield_task_rt(s: Sched, cpu: number): void {
  requeue_task_rt(s, cpu, s.rget(cpu, R_CURR), false);
}

/** check_preempt_curr_rt: a strictly higher priority preempts. */
function check_preempt_curr_rt(s: Sched, cpu: number, p: number): void {
  const curr = s.rget(cpu, R_CURR);
  if (curr >= 0 && s.tget(p, T_PRIO) < s.tget(curr, T_PRIO)) resched_curr(s, cpu);
}

/** sched_rt_runnable: queued and not throttled. */
export function rt_runnable(s: Sched, cpu: number): boolean {
  return s.rget(cpu, R_RT_NR_RUNNING) > 0 && s.rget(cpu, R_RT_THROTTLED) === 0;
}

function pick_next_task_rt(s: Sched, cpu: number): number {
  if (!rt_runnable(s, cpu)) return -1;
  const p = s.rget(cpu, R_RT_HEAD + rt_highest_prio(s, cpu));
  set_next_task_rt(s, cpu, p, true);
  return p;
}

/** The running task is never pushable; a first pick queues a push of the ones left waiting. */
function set_next_task_rt(s: Sched, cpu: number, p: number, first: boolean): void {
  s.fset(p, F_EXEC_START, s.clock(cpu));
  dequeue_pushable_task(s, cpu, p);
  if (first) rt_queue_push_tasks(s, cpu);
}

/** A preempted rt task still queued becomes pushable again. */
function put_prev_task_rt(s: Sched, cpu: number, p: number): void {
  update_curr_rt(s, cpu);
  if (s.tget(p, T_ON_RQ) !== 0 && nr_cpus_allowed(s, p) > 1) enqueue_pushable_task(s, cpu, p);
}

/** task_tick_rt: RR tasks lose a tick of slice; at zero they refill and go to the tail if
 *  another task shares their priority. */
function task_tick_rt(s: Sched, cpu: number, p: number): void {
  update_curr_rt(s, cpu);
  if (s.tget(p, T_POLICY) !== SCHED_RR) return;
  const left = s.tget(p, T_TIME_SLICE) - 1;
  s.tset(p, T_TIME_SLICE, left);
  if (left > 0) return;
  s.tset(p, T_TIME_SLICE, s.config.rrTimeslice);
  if (s.tget(p, T_RT_NEXT) >= 0 || s.tget(p, T_RT_PREV) >= 0) {
    requeue_task_rt(s, cpu, p, false);
    resched_curr(s, cpu);
  }
}

function get_rr_interval_rt(s: Sched, _cpu: number, p: number): number {
  return s.tget(p, T_POLICY) === SCHED_RR ? s.config.rrTimeslice * (NSEC_PER_SEC / s.config.hz) : 0;
}

/** When the rt period timer fires next, or Infinity when it is not armed. */
export function rt_period_timer_next(s: Sched, cpu: number): number {
  return s.rget(cpu, R_RT_PERIOD_ACTIVE) !== 0 ? s.rfget(cpu, RF_RT_EXPIRES) : Infinity;
}

/**
 * sched_rt_period_timer + do_sched_rt_period_timer for this core, if due at `now` (rq clock):
 * pay back min(rt_time, overrun * runtime), unthrottle when under the runtime (rescheduling if an
 * rt task now outranks curr), and disarm when the rt_rq is idle.
 */
export function rt_period_timer(s: Sched, cpu: number): void {
  if (s.rget(cpu, R_RT_PERIOD_ACTIVE) === 0) return;
  const now = s.clock(cpu);
  let expires = s.rfget(cpu, RF_RT_EXPIRES);
  if (now < expires) return;
  const period = s.config.rtPeriod;
  const overrun = Math.floor((now - expires) / period) + 1;
  expires += overrun * period;
  s.rfset(cpu, RF_RT_EXPIRES, expires);
  const runtime = s.config.rtRuntime;
  let idle = true;
  let rtTime = s.rfget(cpu, RF_RT_TIME);
  let enqueue = false;
  const nr = s.rget(cpu, R_RT_NR_RUNNING);
  if (rtTime > 0) {
    rtTime -= Math.min(rtTime, overrun * runtime);
    s.rfset(cpu, RF_RT_TIME, rtTime);
    if (s.rget(cpu, R_RT_THROTTLED) !== 0 && rtTime < runtime) {
      s.rset(cpu, R_RT_THROTTLED, 0);
      enqueue = true;
    }
    if (rtTime > 0 || nr > 0) idle = false;
  } else if (nr > 0) {
    idle = false;
    if (s.rget(cpu, R_RT_THROTTLED) === 0) enqueue = true;
  }
  if (s.rget(cpu, R_RT_THROTTLED) !== 0) idle = false;
  if (enqueue && nr > 0) {
    // sched_rt_rq_enqueue: resched if the rt_rq's best now outranks curr.
    const curr = s.rget(cpu, R_CURR);
    if (curr < 0 || rt_highest_prio(s, cpu) < s.tget(curr, T_PRIO)) resched_curr(s, cpu);
  }
  if (idle) s.rset(cpu, R_RT_PERIOD_ACTIVE, 0);
}

export const rt_sched_class: SchedClass = {
  name: 'rt',
  enqueue_task: enqueue_task_rt,
  dequeue_task: (s, cpu, p) => dequeue_task_rt(s, cpu, p),
  yield_task: yield_task_rt,
  check_preempt_curr: (s, cpu, p) => check_preempt_curr_rt(s, cpu, p),
  pick_next_task: pick_next_task_rt,
  put_prev_task: put_prev_task_rt,
  set_next_task: set_next_task_rt,
  task_tick: task_tick_rt,
  get_rr_interval: get_rr_interval_rt,
  update_curr: update_curr_rt,
};

// RT balancing across CPUs (the CONFIG_SMP half of kernel/sched/rt.c, Linux 6.1): an rt task
// should run on some CPU as soon as one it may use runs something of lower priority.
//
//   select_task_rq_rt   a waking or new rt task whose CPU runs an rt task of higher or equal
//                       priority goes to the lowest-priority CPU of its mask instead (cpupri),
//                       its last CPU first, then this CPU, then the first of them.
//   push_rt_tasks       a CPU with queued rt tasks it does not run (overloaded: two or more rt
//                       tasks, one of them migratory) pushes the best pushable one to a CPU
//                       running lower priority, and sends that CPU a reschedule IPI. Run when a
//                       task is woken there behind a higher-priority one (task_woken_rt), after
//                       the CPU picks an rt task (set_next_task_rt's balance callback), and when
//                       a task is made rt there (switched_to_rt).
//   pull_rt_task        a CPU whose priority drops (its rt task blocks, exits, or is made lower:
//                       balance_rt in __schedule, switched_from_rt, prio_changed_rt) takes the
//                       best pushable task of every overloaded CPU that would run here.
//
// The running task is never moved (it is not on pushable_tasks). Affinity holds: find_lowest_rq
// looks only at p's mask, pull only at tasks allowed here. Counts as Linux keeps them:
// rt_nr_total, rt_nr_migratory (nr_cpus_allowed > 1 at enqueue), the overload flag per queue and
// the root domain's rto_mask / rto_count.
//
// Departures: pull takes the tasks itself (sched_feat RT_PUSH_IPI off; Linux 6.1 defaults it on
// and has the overloaded CPUs push through an irq_work IPI chain instead — the same moves,
// without the IPIs); there are no lock drops, so find_lock_lowest_rq's retries never happen;
// migrate_disable and capacity fitness (uclamp, asymmetric CPUs) are not modelled; select for a
// SCHED_DEADLINE task stays the fair placement (no cpudl).

import { cpumask_test, task_allowed_on_cpu } from './cpumask.ts';
import { cpupri_find, cpupri_update, rt_highest_prio_curr } from './cpupri.ts';
import { dequeue_task, enqueue_task, set_task_cpu } from './core.ts';
import {
  BALANCE_PULL_RT, BALANCE_PUSH_RT, CLASS_DL, CLASS_RT, MAX_RT_PRIO, R_BALANCE_CB, R_CURR, R_ONLINE, R_RT_NR_MIGRATORY,
  R_RT_NR_RUNNING, R_RT_NR_TOTAL, R_RT_OVERLOADED, R_RT_PUSHABLE, RD_RTO_COUNT, RD_RTO_HI, RD_RTO_LO, resched_curr, resched_curr_ipi, Sched,
  T_CLASS, T_CPUS_HI, T_CPUS_LO, T_CPU, T_FLAGS, T_ON_RQ, T_PRIO, T_PUSH_NEXT, T_PUSH_PREV, test_need_resched, TF_PUSHABLE,
  TF_RT_MIGRATORY,
} from './sched.ts';

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** p->nr_cpus_allowed */
export function nr_cpus_allowed(s: Sched, p: number): number {
  return popcount(s.tget(p, T_CPUS_LO)) + popcount(s.tget(p, T_CPUS_HI));
}

/** rt_task(): prio below MAX_RT_PRIO (deadline tasks included, as in Linux). */
function rt_prio_task(s: Sched, p: number): boolean {
  return s.tget(p, T_PRIO) < MAX_RT_PRIO;
}

// ---- pushable_tasks: a plist by prio of the queued, not running rt tasks that may migrate ----

export function enqueue_pushable_task(s: Sched, cpu: number, p: number): void {
  dequeue_pushable_task(s, cpu, p);
  const prio = s.tget(p, T_PRIO);
  // plist_add: after every node of the same or a better prio
  let prev = -1;
  let q = s.rget(cpu, R_RT_PUSHABLE);
  while (q >= 0 && s.tget(q, T_PRIO) <= prio) {
    prev = q;
    q = s.tget(q, T_PUSH_NEXT);
  }
  s.tset(p, T_PUSH_PREV, prev);
  s.tset(p, T_PUSH_NEXT, q);
  if (prev >= 0) s.tset(prev, T_PUSH_NEXT, p);
  else s.rset(cpu, R_RT_PUSHABLE, p);
  if (q >= 0) s.tset(q, T_PUSH_PREV, p);
  s.tset(p, T_FLAGS, s.tget(p, T_FLAGS) | TF_PUSHABLE);
}

export function dequeue_pushable_task(s: Sched, cpu: number, p: number): void {
  if ((s.tget(p, T_FLAGS) & TF_PUSHABLE) === 0) return;
  const next = s.tget(p, T_PUSH_NEXT);
  const prev = s.tget(p, T_PUSH_PREV);
  if (prev >= 0) s.tset(prev, T_PUSH_NEXT, next);
  else s.rset(cpu, R_RT_PUSHABLE, next);
  if (next >= 0) s.tset(next, T_PUSH_PREV, prev);
  s.tset(p, T_PUSH_NEXT, -1);
  s.tset(p, T_PUSH_PREV, -1);
  s.tset(p, T_FLAGS, s.tget(p, T_FLAGS) & ~TF_PUSHABLE);
}

export function has_pushable_tasks(s: Sched, cpu: number): boolean {
  return s.rget(cpu, R_RT_PUSHABLE) >= 0;
}

/** The pushable list, best first (for checks and views; allocates). */
export function pushable_tasks(s: Sched, cpu: number): number[] {
  const out: number[] = [];
  for (let p = s.rget(cpu, R_RT_PUSHABLE); p >= 0; p = s.tget(p, T_PUSH_NEXT)) out.push(p);
  return out;
}

/** rt_rq->highest_prio.next: the best pushable prio, MAX_RT_PRIO-1 when none. */
export function rt_highest_prio_next(s: Sched, cpu: number): number {
  const p = s.rget(cpu, R_RT_PUSHABLE);
  return p >= 0 ? s.tget(p, T_PRIO) : MAX_RT_PRIO - 1;
}

// ---- overload: rt_nr_total, rt_nr_migratory, rto_mask ----

function rt_set_overload(s: Sched, cpu: number): void {
  if (s.rget(cpu, R_ONLINE) === 0) return;
  const w = cpu < 32 ? RD_RTO_LO : RD_RTO_HI;
  s.rd[w] = s.rd[w]! | (1 << (cpu & 31));
  s.rd[RD_RTO_COUNT] = s.rd[RD_RTO_COUNT]! + 1;
}

function rt_clear_overload(s: Sched, cpu: number): void {
  if (s.rget(cpu, R_ONLINE) === 0) return;
  const w = cpu < 32 ? RD_RTO_LO : RD_RTO_HI;
  s.rd[RD_RTO_COUNT] = s.rd[RD_RTO_COUNT]! - 1;
  s.rd[w] = s.rd[w]! & ~(1 << (cpu & 31));
}

function update_rt_migration(s: Sched, cpu: number): void {
  if (s.rget(cpu, R_RT_NR_MIGRATORY) > 0 && s.rget(cpu, R_RT_NR_TOTAL) > 1) {
    if (s.rget(cpu, R_RT_OVERLOADED) === 0) {
      rt_set_overload(s, cpu);
      s.rset(cpu, R_RT_OVERLOADED, 1);
    }
  } else if (s.rget(cpu, R_RT_OVERLOADED) !== 0) {
    rt_clear_overload(s, cpu);
    s.rset(cpu, R_RT_OVERLOADED, 0);
  }
}

/** inc_rt_migration, at enqueue: whether p counts as migratory is kept with it (TF_RT_MIGRATORY),
 *  so a mask changed while it is queued cannot unbalance the count. */
export function inc_rt_migration(s: Sched, cpu: number, p: number): void {
  s.rset(cpu, R_RT_NR_TOTAL, s.rget(cpu, R_RT_NR_TOTAL) + 1);
  if (nr_cpus_allowed(s, p) > 1) {
    s.rset(cpu, R_RT_NR_MIGRATORY, s.rget(cpu, R_RT_NR_MIGRATORY) + 1);
    s.tset(p, T_FLAGS, s.tget(p, T_FLAGS) | TF_RT_MIGRATORY);
  }
  update_rt_migration(s, cpu);
}

export function dec_rt_migration(s: Sched, cpu: number, p: number): void {
  s.rset(cpu, R_RT_NR_TOTAL, s.rget(cpu, R_RT_NR_TOTAL) - 1);
  if ((s.tget(p, T_FLAGS) & TF_RT_MIGRATORY) !== 0) {
    s.rset(cpu, R_RT_NR_MIGRATORY, s.rget(cpu, R_RT_NR_MIGRATORY) - 1);
    s.tset(p, T_FLAGS, s.tget(p, T_FLAGS) & ~TF_RT_MIGRATORY);
  }
  update_rt_migration(s, cpu);
}

/** set_cpus_allowed of a queued rt task (__do_set_cpus_allowed's dequeue/enqueue, SAVE/RESTORE:
 *  its list place stays): its migratory count and pushable state follow the new mask. */
export function rt_cpus_allowed_changed(s: Sched, cpu: number, p: number): void {
  dec_rt_migration(s, cpu, p);
  inc_rt_migration(s, cpu, p);
  if (s.rget(cpu, R_CURR) !== p && nr_cpus_allowed(s, p) > 1) enqueue_pushable_task(s, cpu, p);
  else dequeue_pushable_task(s, cpu, p);
}

/** rd->rto_mask's CPUs, ascending. */
export function rto_cpus(s: Sched): number[] {
  const out: number[] = [];
  for (let c = 0; c < s.config.cpus; c++) if (((c < 32 ? s.rd[RD_RTO_LO]! >>> c : s.rd[RD_RTO_HI]! >>> (c - 32)) & 1) !== 0) out.push(c);
  return out;
}

/** rq_online_rt: the CPU joins the root domain (attach): its overload and cpupri count from now. */
export function rq_online_rt(s: Sched, cpu: number): void {
  if (s.rget(cpu, R_ONLINE) !== 0) return;
  s.rset(cpu, R_ONLINE, 1);
  if (s.rget(cpu, R_RT_OVERLOADED) !== 0) rt_set_overload(s, cpu);
  cpupri_update(s, cpu);
}

// ---- placement ----

/**
 * find_lowest_rq: a CPU of p's mask at the lowest cpupri below p's, or -1. p's last CPU if it
 * is one of them (cache-hot), else this CPU (cheaper to preempt than a remote one), else the
 * first (one scheduling domain spans every CPU here).
 */
export function find_lowest_rq(s: Sched, p: number): number {
  if (nr_cpus_allowed(s, p) === 1) return -1;
  const lowest = cpupri_find(s, p);
  if (lowest === null) return -1;
  const cpu = s.tget(p, T_CPU);
  if (cpu >= 0 && cpumask_test(lowest, cpu)) return cpu;
  const thisCpu = s.hooks?.this_cpu() ?? -1;
  if (thisCpu >= 0 && cpumask_test(lowest, thisCpu)) return thisCpu;
  if (lowest.lo !== 0) return 31 - Math.clz32(lowest.lo & -lowest.lo);
  return 32 + 31 - Math.clz32(lowest.hi & -lowest.hi);
}

/**
 * select_task_rq_rt for a wakeup or a fork that would put rt task p on `cpu` (its last CPU, or
 * the parent's): if that CPU runs an rt (or dl) task p cannot preempt, or one that cannot move,
 * the lowest-priority CPU of p's mask instead, when it runs something below p.
 */
export function select_task_rq_rt(s: Sched, p: number, cpu: number): number {
  const curr = s.rget(cpu, R_CURR);
  const test = curr >= 0 && rt_prio_task(s, curr) && (nr_cpus_allowed(s, curr) < 2 || s.tget(curr, T_PRIO) <= s.tget(p, T_PRIO));
  if (test) {
    const target = find_lowest_rq(s, p);
    if (target !== -1 && s.tget(p, T_PRIO) < rt_highest_prio_curr(s, target)) return target;
  }
  return cpu;
}

// ---- push ----

function pick_next_pushable_task(s: Sched, cpu: number): number {
  return s.rget(cpu, R_RT_PUSHABLE);
}

/** find_lock_lowest_rq without the lock drops: a CPU running below p, or -1. */
function find_lock_lowest_rq(s: Sched, p: number, cpu: number): number {
  const lowest = find_lowest_rq(s, p);
  if (lowest === -1 || lowest === cpu) return -1;
  // The target runs (or has queued) p's priority or better: retrying would find the same.
  if (rt_highest_prio_curr(s, lowest) <= s.tget(p, T_PRIO)) return -1;
  return lowest;
}

/**
 * push_rt_task: if this queue is overloaded, move its best pushable task to a CPU running lower
 * priority and reschedule that CPU (an IPI when it is not this one). Returns whether it moved one.
 */
export function push_rt_task(s: Sched, cpu: number): boolean {
  if (s.rget(cpu, R_RT_OVERLOADED) === 0) return false;
  const next = pick_next_pushable_task(s, cpu);
  if (next < 0) return false;
  const curr = s.rget(cpu, R_CURR);
  if (next === curr) return false;
  // It slipped in above the running task: this CPU runs it next instead.
  if (curr >= 0 && s.tget(next, T_PRIO) < s.tget(curr, T_PRIO)) {
    resched_curr(s, cpu);
    return false;
  }
  const lowest = find_lock_lowest_rq(s, next, cpu);
  if (lowest < 0) return false;
  move_rt_task(s, next, cpu, lowest);
  resched_curr_ipi(s, lowest);
  return true;
}

/** deactivate_task, set_task_cpu, activate_task (flags 0, as push and pull do). */
function move_rt_task(s: Sched, p: number, from: number, to: number): void {
  dequeue_task(s, from, p, 0);
  s.hooks?.update_rq_clock(to);
  set_task_cpu(s, p, to);
  enqueue_task(s, to, p, 0);
}

export function push_rt_tasks(s: Sched, cpu: number): number {
  let n = 0;
  while (push_rt_task(s, cpu)) n++;
  return n;
}

// ---- pull ----

/** pick_highest_pushable_task: the best pushable task of `src` allowed on `cpu`, or -1. */
function pick_highest_pushable_task(s: Sched, src: number, cpu: number): number {
  for (let p = s.rget(src, R_RT_PUSHABLE); p >= 0; p = s.tget(p, T_PUSH_NEXT)) {
    if (s.rget(src, R_CURR) !== p && task_allowed_on_cpu(s, p, cpu)) return p;
  }
  return -1;
}

/**
 * pull_rt_task for `cpu`: from every other overloaded CPU, the best pushable task allowed here
 * that beats this queue's best rt priority and does not outrank what its own CPU runs (that one
 * is about to run there). Returns the tasks pulled; this CPU then reschedules.
 */
export function pull_rt_task(s: Sched, cpu: number): number[] {
  const count = s.rd[RD_RTO_COUNT]!;
  if (count === 0) return [];
  const rto = rto_cpus(s);
  if (count === 1 && rto[0] === cpu) return [];
  const pulled: number[] = [];
  for (const src of rto) {
    if (src === cpu) continue;
    if (rt_highest_prio_next(s, src) >= rt_highest_prio_curr(s, cpu)) continue;
    const p = pick_highest_pushable_task(s, src, cpu);
    if (p < 0 || s.tget(p, T_PRIO) >= rt_highest_prio_curr(s, cpu)) continue;
    const srcCurr = s.rget(src, R_CURR);
    if (srcCurr >= 0 && s.tget(p, T_PRIO) < s.tget(srcCurr, T_PRIO)) continue;
    move_rt_task(s, p, src, cpu);
    pulled.push(p);
  }
  if (pulled.length > 0) resched_curr(s, cpu);
  return pulled;
}

// ---- the class's SMP hooks ----

/** task_woken_rt: p was queued behind a task it does not preempt: push now rather than wait. */
export function task_woken_rt(s: Sched, cpu: number, p: number): void {
  const curr = s.rget(cpu, R_CURR);
  if (curr === p || curr < 0 || test_need_resched(s, cpu) || nr_cpus_allowed(s, p) < 2) return;
  const cc = s.tget(curr, T_CLASS);
  if (cc !== CLASS_RT && cc !== CLASS_DL) return;
  if (nr_cpus_allowed(s, curr) < 2 || s.tget(curr, T_PRIO) <= s.tget(p, T_PRIO)) push_rt_tasks(s, cpu);
}

/** balance_rt: prev has left the rt queue (it blocks or is not rt) and the queue's best rt
 *  priority is now below prev's: pull before picking. */
export function balance_rt(s: Sched, cpu: number, prev: number): void {
  const onRtRq = s.tget(prev, T_ON_RQ) !== 0 && s.tget(prev, T_CLASS) === CLASS_RT;
  if (!onRtRq && rt_highest_prio_curr(s, cpu) > s.tget(prev, T_PRIO)) pull_rt_task(s, cpu);
}

/** queue_balance_callback */
export function queue_balance_callback(s: Sched, cpu: number, what: number): void {
  s.rset(cpu, R_BALANCE_CB, s.rget(cpu, R_BALANCE_CB) | what);
}

/** rt_queue_push_tasks (set_next_task_rt of a first pick). */
export function rt_queue_push_tasks(s: Sched, cpu: number): void {
  if (has_pushable_tasks(s, cpu)) queue_balance_callback(s, cpu, BALANCE_PUSH_RT);
}

/** __balance_callbacks: the pushes and pulls queued while the queue changed, run once it is
 *  consistent again (end of __schedule, of a policy change). */
export function run_balance_callbacks(s: Sched, cpu: number): void {
  const cb = s.rget(cpu, R_BALANCE_CB);
  if (cb === 0) return;
  s.rset(cpu, R_BALANCE_CB, 0);
  if ((cb & BALANCE_PUSH_RT) !== 0) push_rt_tasks(s, cpu);
  if ((cb & BALANCE_PULL_RT) !== 0) pull_rt_task(s, cpu);
}

/**
 * The class-change hooks of __sched_setscheduler for a task p on `cpu` (queued: still on the run
 * queue): switched_from_rt (the last rt task left: pull), switched_to_rt (a queued, not running
 * task became rt: push if overloaded), prio_changed_rt (the running task lowered its priority:
 * pull; a queued one may now preempt curr — check_preempt handles that).
 */
export function rt_class_changed(s: Sched, cpu: number, p: number, oldClass: number, oldPrio: number, queued: boolean): void {
  const newClass = s.tget(p, T_CLASS);
  const running = s.rget(cpu, R_CURR) === p;
  if (oldClass === CLASS_RT && newClass !== CLASS_RT) {
    if (queued && s.rget(cpu, R_RT_NR_RUNNING) === 0) queue_balance_callback(s, cpu, BALANCE_PULL_RT);
  } else if (newClass === CLASS_RT && oldClass !== CLASS_RT) {
    if (queued && !running && s.rget(cpu, R_RT_OVERLOADED) !== 0) rt_queue_push_tasks(s, cpu);
  } else if (newClass === CLASS_RT && queued && running && oldPrio < s.tget(p, T_PRIO)) {
    queue_balance_callback(s, cpu, BALANCE_PULL_RT);
  }
}

// CFS load balancing (kernel/sched/fair.c, Linux 6.1: run_rebalance_domains, rebalance_domains,
// load_balance, detach_tasks / attach_tasks, can_migrate_task, newidle_balance), simplified to
// one scheduling domain spanning the active CPUs, with one sched_group per CPU:
//
//   Periodic: each CPU's tick, once its rq->next_balance is due, raises the SCHED softirq,
//     whose work is run_rebalance_domains; idle CPUs whose tick is stopped (nohz) are balanced
//     by one of them, kicked from a busy CPU's tick (irq/entry.ts). The domain's balance_interval starts at min_interval =
//     sd_weight ms (the number of CPUs), doubles up to max_interval = 2 * sd_weight ms while
//     the domain is balanced and drops back to min_interval when an imbalance is found; a busy
//     CPU waits busy_factor times longer; at most max_load_balance_interval (HZ * cpus / 10
//     jiffies, i.e. 0.1 s per CPU).
//   Newidle: a CPU about to run its idle task balances first (no interval).
//   load_balance: the busiest queue is the one with the largest CFS load (sum of the queued
//     and running fair tasks' weights) among those with at least two fair tasks (for a CPU with
//     no fair task, also those with one fair task and something else queued); a CPU with no
//     fair task takes half of the busiest's tasks (at least one: migrate_task), any other the
//     imbalance min(busiest - average, average - local) in load (migrate_load); detach_tasks
//     walks the busiest's queued tasks, the most served first (below), and moves each that can_migrate_task allows (allowed on
//     this CPU, not running there) and whose weight, shifted right by nr_balance_failed, fits
//     in what is left of the imbalance (so a 3-vs-2 split, which no single move improves, still
//     rotates a task after a failed attempt, as Linux's shr_bound(load, nr_balance_failed)
//     does); at most sysctl_sched_nr_migrate (32) per attempt.
//
// Two deliberate departures, for global fairness without PELT: detach_tasks takes the task with
// the most sum_exec_runtime first (Linux takes the tail of rq->cfs_tasks, the least recently
// run), and busy_factor is 4 (Linux: 16). With N + k CPU-bound tasks on N CPUs (10 on 4) a
// moved task only turns its new CPU into the crowded one, so shares even out only as far as the
// rotation picks different tasks: measured over one simulated second (10 threads on 4 cores,
// flat and caches, 20 MHz), Linux's order and factor gave 35-46% per task, Linux's order with
// factor 4 38-43%, these 38.8-42.4% (test/machine/linux_smp.test.ts asserts 40 ± 3).
//
// Active balancing (need_active_balance's imbalanced_active_balance, active_load_balance_cpu_stop):
// detach_tasks never takes the task running on the busiest CPU (can_migrate_task). When an idle
// CPU's balance fails more than cache_nice_tries + 2 times in a row (sd_init gives the MC level
// cache_nice_tries 1) because the only task it could take is the one running there, it asks that
// CPU's stopper to push it: rq->push_cpu is set and the busiest CPU gets a reschedule IPI; its
// __schedule, before picking, puts the running task back and moves one fair task allowed on
// push_cpu (the least recently run first, as detach_one_task walks cfs_tasks), which preempts
// there. Linux runs this work in the stop class's per-CPU task (migration/N); here it runs inside
// that __schedule, so the switch prev → stopper → next is one switch prev → next.
// A busiest CPU may also have a single fair task when something above it (an rt task) runs
// there: an idle CPU takes it (load_balance counts rq->nr_running > 1, not fair tasks only).
//
// Not modelled: PELT (load is the instantaneous weight sum), task_hot's migration cost, NUMA and
// SMT/cache levels, the capacity and misfit reasons for an active balance. RT tasks move by
// rt_push.ts (push/pull), never here.

import { cpumask_test, task_allowed_on_cpu, task_cpumask } from './cpumask.ts';
import { check_preempt_curr, dequeue_task, enqueue_task, set_task_cpu } from './core.ts';
import { cfsTree } from './fair.ts';
import {
  CLASS_FAIR, DEQUEUE_MOVE, ENQUEUE_MOVE, F_CFS_TASKS_STAMP, F_SUM_EXEC, R_CFS_LOAD, R_CFS_NR_RUNNING, R_CURR, R_NR_BALANCE_FAILED,
  R_NR_RUNNING, R_PUSH_CPU, resched_curr_ipi, RF_BALANCE_INTERVAL, RF_NEXT_BALANCE, Sched, send_resched_ipi, T_CLASS, T_WEIGHT,
  test_need_resched,
} from './sched.ts';

/** enum cpu_idle_type */
export const CPU_IDLE = 0;
export const CPU_NOT_IDLE = 1;
export const CPU_NEWLY_IDLE = 2;

/** sd->busy_factor (sd_init) and sysctl_sched_nr_migrate. */
export const BUSY_FACTOR = 4;
export const SCHED_NR_MIGRATE = 32;
/** sd->cache_nice_tries of the one (MC-like) level: active balance after more than 3 failures. */
export const CACHE_NICE_TRIES = 1;

const NSEC_PER_MSEC = 1_000_000;

/**
 * load_balance for `cpu` over the domain `active` (ascending CPU ids): pull fair tasks from the
 * busiest queue. Returns the tasks moved (each now queued on `cpu`, which may need_resched).
 */
export function load_balance(s: Sched, cpu: number, active: readonly number[], idle: number): number[] {
  const n = active.length;
  let total = 0;
  let busiest = -1;
  let busiestLoad = -1;
  const at = active.indexOf(cpu);
  // An idle CPU (no fair task here) may also take a lone fair task that waits behind a task of a
  // higher class on its CPU; any other needs two fair tasks there to find an imbalance.
  const localNr = s.rget(cpu, R_CFS_NR_RUNNING);
  for (let k = 1; k < n; k++) {
    const c = active[(at + k) % n]!;
    const load = s.rget(c, R_CFS_LOAD);
    total += load;
    const nr = s.rget(c, R_CFS_NR_RUNNING);
    const candidate = nr >= 2 || (nr === 1 && localNr === 0 && s.rget(c, R_NR_RUNNING) >= 2);
    if (candidate && load > busiestLoad) {
      busiest = c;
      busiestLoad = load;
    }
  }
  const local = s.rget(cpu, R_CFS_LOAD);
  total += local;
  const avg = total / n;
  // calculate_imbalance: a local CPU with no fair task has spare capacity and takes half the
  // busiest's tasks (migrate_task); otherwise the load above and below the average (migrate_load).
  const migrateTask = busiest >= 0 && s.rget(cpu, R_CFS_NR_RUNNING) === 0;
  let imbalance = busiest < 0 ? 0 : migrateTask ? Math.max(1, s.rget(busiest, R_CFS_NR_RUNNING) >> 1) : Math.min(busiestLoad - avg, avg - local);
  if (imbalance <= 0) {
    s.rset(cpu, R_NR_BALANCE_FAILED, 0);
    return [];
  }
  // detach_tasks: candidates first (the tree changes as they leave), in vruntime order.
  const failed = s.rget(cpu, R_NR_BALANCE_FAILED);
  const tree = cfsTree(s, busiest);
  const queued: number[] = [];
  for (let p = tree.leftmost(); p >= 0; p = tree.next(p)) queued.push(p);
  // The task this queue has served most leaves first (sum_exec_runtime; ties: least recently
  // queued or run, the tail of rq->cfs_tasks, then vruntime order). See the header: not Linux's order.
  queued.sort((a, b) => s.fget(b, F_SUM_EXEC) - s.fget(a, F_SUM_EXEC) || s.fget(a, F_CFS_TASKS_STAMP) - s.fget(b, F_CFS_TASKS_STAMP));
  const moved: number[] = [];
  let loops = 0;
  for (const p of queued) {
    if (imbalance <= 0 || loops++ >= SCHED_NR_MIGRATE) break;
    if (!can_migrate_task(s, p, busiest, cpu)) continue;
    const load = migrateTask ? 1 : s.tget(p, T_WEIGHT);
    if (!migrateTask && Math.floor(load / 2 ** Math.min(failed, 31)) > imbalance) continue;
    moved.push(p);
    imbalance -= load;
  }
  for (const p of moved) {
    dequeue_task(s, busiest, p, DEQUEUE_MOVE);
    set_task_cpu(s, p, cpu);
  }
  // attach_tasks
  for (const p of moved) {
    enqueue_task(s, cpu, p, ENQUEUE_MOVE);
    check_preempt_curr(s, cpu, p, 0);
  }
  if (moved.length === 0) {
    if (idle !== CPU_NEWLY_IDLE) s.rset(cpu, R_NR_BALANCE_FAILED, failed + 1);
    // need_active_balance (imbalanced_active_balance): the running task is the one to move.
    if (migrateTask && idle !== CPU_NEWLY_IDLE && failed + 1 > CACHE_NICE_TRIES + 2) {
      const curr = s.rget(busiest, R_CURR);
      if (curr >= 0 && s.tget(curr, T_CLASS) === CLASS_FAIR && task_allowed_on_cpu(s, curr, cpu) && s.rget(busiest, R_PUSH_CPU) < 0) {
        s.rset(busiest, R_PUSH_CPU, cpu); // stop_one_cpu_nowait(busiest, active_load_balance_cpu_stop)
        resched_curr_ipi(s, busiest);
        s.rset(cpu, R_NR_BALANCE_FAILED, CACHE_NICE_TRIES + 1);
      }
    }
  } else s.rset(cpu, R_NR_BALANCE_FAILED, 0);
  return moved;
}

/**
 * active_load_balance_cpu_stop on `cpu` (its __schedule, prev already put back): move one fair
 * task allowed on rq->push_cpu there, the least recently run first. Returns it, or -1.
 */
export function active_load_balance_cpu_stop(s: Sched, cpu: number): number {
  const target = s.rget(cpu, R_PUSH_CPU);
  if (target < 0) return -1;
  s.rset(cpu, R_PUSH_CPU, -1);
  if (s.rget(cpu, R_NR_RUNNING) === 0) return -1; // (Linux's count includes the stopper itself)
  const tree = cfsTree(s, cpu);
  let best = -1;
  for (let p = tree.leftmost(); p >= 0; p = tree.next(p)) {
    if (!task_allowed_on_cpu(s, p, target)) continue;
    if (best < 0 || s.fget(p, F_CFS_TASKS_STAMP) < s.fget(best, F_CFS_TASKS_STAMP)) best = p;
  }
  if (best < 0) return -1;
  dequeue_task(s, cpu, best, DEQUEUE_MOVE);
  s.hooks?.update_rq_clock(target);
  set_task_cpu(s, best, target);
  enqueue_task(s, target, best, ENQUEUE_MOVE);
  const had = test_need_resched(s, target);
  check_preempt_curr(s, target, best, 0); // attach_one_task
  if (!had && test_need_resched(s, target)) send_resched_ipi(s, target);
  return best;
}

/** can_migrate_task: p may run on `to` and is not the task running on `from`. */
export function can_migrate_task(s: Sched, p: number, from: number, to: number): boolean {
  if (!cpumask_test(task_cpumask(s, p), to)) return false;
  return s.rget(from, R_CURR) !== p;
}

/**
 * rebalance_domains from the tick (the SCHED softirq's work): when cpu's next_balance is due at
 * its rq clock, balance and set the next one. `idle`: the CPU runs its idle task. Returns the
 * tasks pulled.
 */
export function rebalance_domains(s: Sched, cpu: number, active: readonly number[], idle: boolean): number[] {
  const now = s.clock(cpu);
  if (active.length < 2 || now < s.rfget(cpu, RF_NEXT_BALANCE)) return [];
  const minInterval = active.length; // sd_weight, ms
  const maxInterval = 2 * active.length;
  let interval = s.rfget(cpu, RF_BALANCE_INTERVAL) || minInterval;
  const failedBefore = s.rget(cpu, R_NR_BALANCE_FAILED);
  const moved = load_balance(s, cpu, active, idle ? CPU_IDLE : CPU_NOT_IDLE);
  const imbalanced = moved.length > 0 || s.rget(cpu, R_NR_BALANCE_FAILED) > failedBefore;
  interval = imbalanced ? minInterval : Math.min(maxInterval, interval * 2);
  s.rfset(cpu, RF_BALANCE_INTERVAL, interval);
  const hz = s.config.hz;
  const maxLb = ((hz * active.length) / 10) * (1_000 / hz); // max_load_balance_interval, ms
  const wait = Math.min(idle ? interval : interval * BUSY_FACTOR, maxLb);
  s.rfset(cpu, RF_NEXT_BALANCE, now + wait * NSEC_PER_MSEC);
  return moved;
}

/** newidle_balance: cpu is about to go idle; pull what the balance allows. */
export function newidle_balance(s: Sched, cpu: number, active: readonly number[]): number[] {
  if (active.length < 2) return [];
  return load_balance(s, cpu, active, CPU_NEWLY_IDLE);
}

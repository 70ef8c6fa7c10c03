// The scheduler's shared state (Linux's kernel/sched/sched.h): the per-core run queues and the
// scheduling fields of every task, as fixed layouts over SharedArrayBuffers addressed by index,
// so any worker can run any core's scheduler on the same memory (DESIGN §5). Follows Linux 6.1
// (CFS, before EEVDF). Time is simulated nanoseconds, passed in by the caller; no host clock.
//
// Task record p (TASK_BYTES = 256 per task; i32 word p*64 + T_*, f64 p*32 + 16 + F_*):
//   i32 T_POLICY, T_PRIO, T_STATIC_PRIO, T_NORMAL_PRIO, T_RT_PRIORITY   policy and priorities
//       T_CLASS      CLASS_DL/RT/FAIR/IDLE (follows the policy; the idle task is CLASS_IDLE)
//       T_ON_RQ      1 while queued on a run queue (the running task too), 0 while asleep
//       T_CPU        the run queue it is on or last ran on
//       T_RB_*       intrusive red-black node (cfs timeline or dl tree; a task is in at most one);
//                    T_RB_COLOR = RB_NONE while in no tree
//       T_RT_NEXT/PREV  rt priority-list links (-1 ends)
//       T_TIME_SLICE SCHED_RR ticks left
//       T_NR_SWITCHES, T_NR_VOLUNTARY, T_NR_INVOLUNTARY, T_NR_MIGRATIONS   /proc/PID/sched counters
//       T_WEIGHT, T_INV_WEIGHT   se.load (user-visible weight, 2^32/weight)
//       T_FLAGS      TF_* bits;  T_DL_FLAGS  sched_attr flags kept for SCHED_DEADLINE
//       T_DL_TIMER_NEXT  link in the run queue's list of armed dl timers
//       T_CPUS_LO/HI cpus_mask, CPUs 0-31 and 32-63 (sched/cpumask.ts)
//       T_PUSH_NEXT/PREV  link in its run queue's pushable_tasks list (rt_push.ts; TF_PUSHABLE while on it)
//   f64 F_VRUNTIME, F_EXEC_START, F_SUM_EXEC, F_PREV_SUM_EXEC      se.*
//       F_DL_RUNTIME, F_DL_DEADLINE, F_DL_PERIOD, F_DL_BW, F_DL_DENSITY   dl parameters
//       F_RUNTIME, F_DEADLINE    dl budget left, absolute deadline
//       F_DL_TIMER   when the dl replenishment timer fires (armed while TF_DL_TIMER)
//       F_CFS_TASKS_STAMP  last enqueue or pick: rq->cfs_tasks order for the balancer
//       F_STIME, F_VTIME_START  kernel-mode ns and the start of the current kernel stretch (vtime)
//   Every field changes only under the lock of the run queue T_CPU names (task_rq_lock), except
//   the RB/RT links, which belong to the run queue the task is queued on (same lock).
//
// Run queue c (RQ_BYTES = 2048; i32 word c*512 + R_*, f64 c*256 + 32 + RF_*):
//   i32 [0]       rq->lock (shared/sync/spinlock.ts), alone on its 128-byte line (words 0..31)
//       R_NEED_RESCHED   TIF_NEED_RESCHED of rq->curr; Atomics, read by the hart without the lock
//       R_* other fields below, under the lock
//       R_RT_HEAD+prio / R_RT_TAIL+prio   the 100 rt priority lists
//   f64 RF_CLOCK (rq->clock), RF_MIN_VRUNTIME, RF_RT_TIME, RF_RT_EXPIRES, RF_NEXT_BALANCE,
//       RF_BALANCE_INTERVAL; i32 R_NR_BALANCE_FAILED (the load balancer's, fair_balance.ts)
//       R_ONLINE, R_RT_NR_TOTAL, R_RT_NR_MIGRATORY, R_RT_OVERLOADED, R_RT_PUSHABLE, R_BALANCE_CB
//       (rt push/pull, rt_push.ts); R_PUSH_CPU (active balance, fair_balance.ts)
//
// Root domain (one per machine, rd): the rt overload mask and count (rto_mask, rto_count) and
//   cpupri (cpupri.ts): per-CPU priority and, per priority, the count and mask of its CPUs.
//
// dl_bw (the root domain's deadline bandwidth, one per machine): i32 [0] lock on its own line,
//   f64 [16] total_bw, [17] bw (BW_SHIFT fixed point); i32 [36] cpus.

import { spinLock, spinUnlock } from '../../../shared/sync/spinlock.ts';

// ---- policies and priorities (include/uapi/linux/sched.h, include/linux/sched/prio.h) ----
export const SCHED_NORMAL = 0;
export const SCHED_FIFO = 1;
export const SCHED_RR = 2;
export const SCHED_BATCH = 3;
export const SCHED_IDLE = 5;
export const SCHED_DEADLINE = 6;
export const SCHED_RESET_ON_FORK = 0x40000000;

export const MAX_NICE = 19;
export const MIN_NICE = -20;
export const MAX_RT_PRIO = 100;
export const MAX_DL_PRIO = 0;
export const MAX_PRIO = MAX_RT_PRIO + 40;
export const DEFAULT_PRIO = MAX_RT_PRIO + 20;
export const NICE_TO_PRIO = (nice: number): number => nice + DEFAULT_PRIO;
export const PRIO_TO_NICE = (prio: number): number => prio - DEFAULT_PRIO;

/** Classes in pick order (Linux's for_each_class: dl, rt, fair, idle; stop is not modelled). */
export const CLASS_DL = 0;
export const CLASS_RT = 1;
export const CLASS_FAIR = 2;
export const CLASS_IDLE = 3;

// enqueue/dequeue flags (kernel/sched/sched.h, 6.1)
export const DEQUEUE_SLEEP = 0x01;
export const DEQUEUE_SAVE = 0x02;
export const DEQUEUE_MOVE = 0x04;
export const ENQUEUE_WAKEUP = 0x01;
export const ENQUEUE_RESTORE = 0x02;
export const ENQUEUE_MOVE = 0x04;
export const ENQUEUE_HEAD = 0x10;
export const ENQUEUE_REPLENISH = 0x20;
export const ENQUEUE_MIGRATED = 0x40;
export const ENQUEUE_INITIAL = 0x80;
/** wake flags */
export const WF_FORK = 0x08;

export const NSEC_PER_SEC = 1_000_000_000;
export const NSEC_PER_USEC = 1_000;

// ---- task record ----
export const TASK_BYTES = 256;
export const TASK_WORDS = 64;
export const TASK_F64 = 32;
export const T_POLICY = 0;
export const T_PRIO = 1;
export const T_STATIC_PRIO = 2;
export const T_NORMAL_PRIO = 3;
export const T_RT_PRIORITY = 4;
export const T_CLASS = 5;
export const T_ON_RQ = 6;
export const T_CPU = 7;
export const T_RB_PARENT = 8;
export const T_RB_LEFT = 9;
export const T_RB_RIGHT = 10;
export const T_RB_COLOR = 11;
export const T_RT_NEXT = 12;
export const T_RT_PREV = 13;
export const T_TIME_SLICE = 14;
export const T_NR_SWITCHES = 15;
export const T_NR_VOLUNTARY = 16;
export const T_NR_INVOLUNTARY = 17;
export const T_NR_MIGRATIONS = 18;
export const T_WEIGHT = 19;
export const T_INV_WEIGHT = 20;
export const T_FLAGS = 21;
export const T_DL_FLAGS = 22;
export const T_DL_TIMER_NEXT = 23;
/** cpus_mask: the CPUs the task may run on, bit c of word (c < 32 ? LO : HI) (sched/cpumask.ts). */
export const T_CPUS_LO = 24;
export const T_CPUS_HI = 25;
/** The run queue's pushable_tasks list (a plist by prio), rt_push.ts. */
export const T_PUSH_NEXT = 26;
export const T_PUSH_PREV = 27;
/** f64 fields start at byte 128 of the record. */
export const T_F64_BASE = 16;
export const F_VRUNTIME = 0;
export const F_EXEC_START = 1;
export const F_SUM_EXEC = 2;
export const F_PREV_SUM_EXEC = 3;
export const F_DL_RUNTIME = 4;
export const F_DL_DEADLINE = 5;
export const F_DL_PERIOD = 6;
export const F_DL_BW = 7;
export const F_DL_DENSITY = 8;
export const F_RUNTIME = 9;
export const F_DEADLINE = 10;
export const F_DL_TIMER = 11;
/** When the task was last queued or picked (rq clock ns): its place in rq->cfs_tasks, whose
 *  least recent end the load balancer detaches from first (fair_balance.ts). */
export const F_CFS_TASKS_STAMP = 12;
/** vtime (VIRT_CPU_ACCOUNTING_GEN, sched/cputime.ts): ns spent in the kernel for this task, and when
 *  its current stretch in the kernel began (-1: in user mode, or not running). */
export const F_STIME = 13;
export const F_VTIME_START = 14;

/** T_FLAGS bits. */
export const TF_RESET_ON_FORK = 0x1;
export const TF_DL_THROTTLED = 0x2;
export const TF_DL_YIELDED = 0x4;
export const TF_DL_TIMER = 0x8;
export const TF_IN_USE = 0x10;
/** On its run queue's pushable_tasks list. */
export const TF_PUSHABLE = 0x20;
/** Counted in its run queue's rt_nr_migratory (nr_cpus_allowed > 1 when it was queued). */
export const TF_RT_MIGRATORY = 0x40;

/** T_RB_COLOR values. */
export const RB_RED = 0;
export const RB_BLACK = 1;
export const RB_NONE = -1;

// ---- run queue ----
export const RQ_BYTES = 2048;
export const RQ_WORDS = 512;
export const RQ_F64 = 256;
export const R_LOCK = 0;
export const R_NR_RUNNING = 32;
export const R_CURR = 33;
export const R_IDLE = 34;
export const R_NEED_RESCHED = 35;
export const R_CPU = 36;
export const R_NR_SWITCHES = 37;
export const R_CFS_NR_RUNNING = 38;
export const R_CFS_LOAD = 39;
export const R_CFS_ROOT = 40; // + 1: leftmost
export const R_CFS_CURR = 42;
export const R_CFS_SKIP = 43;
export const R_RT_NR_RUNNING = 44;
export const R_RT_THROTTLED = 45;
export const R_RT_PERIOD_ACTIVE = 46;
export const R_RT_BITMAP = 48; // 4 words, bit prio % 32 of word prio >> 5
export const R_DL_NR_RUNNING = 52;
export const R_DL_ROOT = 53; // + 1: leftmost
export const R_DL_TIMERS = 55; // head of the armed dl timer list
export const R_RT_HEAD = 128;
export const R_RT_TAIL = 256;
export const RQ_F64_BASE = 32;
export const RF_CLOCK = 0;
export const RF_MIN_VRUNTIME = 1;
export const RF_RT_TIME = 2;
export const RF_RT_EXPIRES = 3;
/** rq->next_balance (ns of this queue's clock) and the domain's balance_interval (ms), fair_balance.ts. */
export const RF_NEXT_BALANCE = 4;
export const RF_BALANCE_INTERVAL = 5;
/** sd->nr_balance_failed of this CPU's domain (fair_balance.ts). */
export const R_NR_BALANCE_FAILED = 56;
/** rq->online: the CPU is in the root domain (its cpupri is valid, it may be pushed to). */
export const R_ONLINE = 57;
/** rt_rq->rt_nr_total, rt_nr_migratory, overloaded; the head of rt_rq->pushable_tasks (-1: empty). */
export const R_RT_NR_TOTAL = 58;
export const R_RT_NR_MIGRATORY = 59;
export const R_RT_OVERLOADED = 60;
export const R_RT_PUSHABLE = 61;
/** Queued balance callbacks (queue_balance_callback): BALANCE_PUSH_RT | BALANCE_PULL_RT, run by
 *  __schedule and sched_change_task before they return. */
export const R_BALANCE_CB = 62;
export const BALANCE_PUSH_RT = 1;
export const BALANCE_PULL_RT = 2;
/** rq->push_cpu while rq->active_balance (fair_balance.ts), else -1. Word 63 is the last before
 *  the f64 fields (RQ_F64_BASE: i32 words 64 on). */
export const R_PUSH_CPU = 63;

/** Tunables, in nanoseconds unless noted. Defaults are Linux 6.1's. */
export interface SchedConfig {
  cpus: number;
  /** CONFIG_HZ: ticks per simulated second (default 250). */
  hz: number;
  /** sysctl_sched_latency after scaling: 6 ms * (1 + ilog2(min(cpus, 8))). */
  latency: number;
  /** sysctl_sched_min_granularity after scaling: 0.75 ms * factor. */
  minGranularity: number;
  /** sysctl_sched_wakeup_granularity after scaling: 1 ms * factor. */
  wakeupGranularity: number;
  /** sched_nr_latency = DIV_ROUND_UP(latency, min_granularity) = 8. */
  nrLatency: number;
  /** sched_rt_period_us * 1000 (default 1 s). */
  rtPeriod: number;
  /** sched_rt_runtime_us * 1000 (default 0.95 s); -1 = RUNTIME_INF (no throttling). */
  rtRuntime: number;
  /** sched_rr_timeslice in ticks: RR_TIMESLICE = 100 * HZ / 1000. */
  rrTimeslice: number;
}

/** fair.c get_update_sysctl_factor under SCHED_TUNABLESCALING_LOG: 1 + ilog2(min(cpus, 8)). */
export function sysctlFactor(cpus: number): number {
  return 1 + Math.floor(Math.log2(Math.min(Math.max(cpus, 1), 8)));
}

export function makeSchedConfig(o: { cpus: number; hz?: number; rtRuntimeUs?: number; rtPeriodUs?: number }): SchedConfig {
  const hz = o.hz ?? 250;
  if (!Number.isInteger(o.cpus) || o.cpus < 1) throw new RangeError(`sched: cpus must be a positive integer, not ${o.cpus}`);
  if (!Number.isInteger(hz) || hz < 1) throw new RangeError(`sched: HZ must be a positive integer, not ${hz}`);
  const f = sysctlFactor(o.cpus);
  const latency = 6_000_000 * f;
  const minGranularity = 750_000 * f;
  const rtRuntimeUs = o.rtRuntimeUs ?? 950_000;
  return {
    cpus: o.cpus,
    hz,
    latency,
    minGranularity,
    wakeupGranularity: 1_000_000 * f,
    nrLatency: Math.ceil(latency / minGranularity),
    rtPeriod: (o.rtPeriodUs ?? 1_000_000) * NSEC_PER_USEC,
    rtRuntime: rtRuntimeUs < 0 ? -1 : rtRuntimeUs * NSEC_PER_USEC,
    rrTimeslice: Math.floor((100 * hz) / 1000),
  };
}

/** The buffers, as handed to every worker (structured-clone safe). */
export interface SchedBuffers {
  config: SchedConfig;
  tasks: SharedArrayBuffer;
  rqs: SharedArrayBuffer;
  dlBw: SharedArrayBuffer;
  /** The root domain: rto mask and count, cpupri. */
  rd: SharedArrayBuffer;
}

// ---- root domain (i32 words) ----
export const RD_RTO_COUNT = 0;
export const RD_RTO_LO = 1;
export const RD_RTO_HI = 2;
/** cpu_to_pri[64] */
export const RD_CPU_TO_PRI = 4;
/** pri_to_cpu[CPUPRI_NR_PRIORITIES]: count, mask lo, mask hi. */
export const RD_PRI_TO_CPU = 68;
export const RD_WORDS = RD_PRI_TO_CPU + 3 * (100 + 1);

export const DLB_LOCK = 0;
export const DLB_TOTAL_BW = 16; // f64 index
export const DLB_BW = 17; // f64 index
export const DLB_CPUS = 36; // i32 index
export const BW_SHIFT = 20;
export const BW_UNIT = 1 << BW_SHIFT;
export const SCHED_CAPACITY_SHIFT = 10;

/** to_ratio(period, runtime): runtime/period in BW_SHIFT fixed point (RUNTIME_INF -> 1.0). */
export function to_ratio(period: number, runtime: number): number {
  if (runtime === -1) return BW_UNIT;
  if (period === 0) return 0;
  return Math.floor((runtime * BW_UNIT) / period);
}

/** The kernel's simulated rq->__lock (rq_lock.ts), taken by whichever core the kernel runs for. */
export interface RqLockHook {
  lock(cpu: number): void;
  unlock(cpu: number): void;
}

/** Per-worker views over the scheduler buffers. Allocation-free accessors. */
export class Sched {
  readonly ti: Int32Array;
  readonly tf: Float64Array;
  readonly ri: Int32Array;
  readonly rf: Float64Array;
  readonly bi: Int32Array;
  readonly bf: Float64Array;
  /** The root domain's words (RD_*). */
  readonly rd: Int32Array;
  readonly config: SchedConfig;
  readonly nrTasks: number;
  /** The kernel around the scheduler, for the moves it makes on its own (rt push/pull, active
   *  balance); null in module tests (no clock to bring along, no IPI to send). */
  hooks: SchedHooks | null = null;
  /** --boot linux: each rq_lock/rq_unlock also takes/releases the lock word in simulated memory
   *  through the acting core's caches (rq_lock.ts); null (unit tests): the host word alone. */
  rqLockHook: RqLockHook | null = null;

  constructor(readonly buffers: SchedBuffers) {
    this.config = buffers.config;
    this.ti = new Int32Array(buffers.tasks);
    this.tf = new Float64Array(buffers.tasks);
    this.ri = new Int32Array(buffers.rqs);
    this.rf = new Float64Array(buffers.rqs);
    this.bi = new Int32Array(buffers.dlBw);
    this.bf = new Float64Array(buffers.dlBw);
    this.rd = new Int32Array(buffers.rd);
    this.nrTasks = buffers.tasks.byteLength / TASK_BYTES;
  }

  // task fields
  tget(p: number, f: number): number {
    return this.ti[p * TASK_WORDS + f]!;
  }
  tset(p: number, f: number, v: number): void {
    this.ti[p * TASK_WORDS + f] = v;
  }
  fget(p: number, f: number): number {
    return this.tf[p * TASK_F64 + T_F64_BASE + f]!;
  }
  fset(p: number, f: number, v: number): void {
    this.tf[p * TASK_F64 + T_F64_BASE + f] = v;
  }
  // run queue fields
  rget(cpu: number, f: number): number {
    return this.ri[cpu * RQ_WORDS + f]!;
  }
  rset(cpu: number, f: number, v: number): void {
    this.ri[cpu * RQ_WORDS + f] = v;
  }
  rfget(cpu: number, f: number): number {
    return this.rf[cpu * RQ_F64 + RQ_F64_BASE + f]!;
  }
  rfset(cpu: number, f: number, v: number): void {
    this.rf[cpu * RQ_F64 + RQ_F64_BASE + f] = v;
  }
  /** rq->clock (rq_clock / rq_clock_task: no irq time is split off here). */
  clock(cpu: number): number {
    return this.rf[cpu * RQ_F64 + RQ_F64_BASE + RF_CLOCK]!;
  }
  curr(cpu: number): number {
    return this.ri[cpu * RQ_WORDS + R_CURR]!;
  }
}

/** What the scheduler needs from the kernel when it moves a task to another core by itself. */
export interface SchedHooks {
  /** smp_processor_id: the core running this kernel code. */
  this_cpu(): number;
  /** update_rq_clock of another core before a task is queued there (an idle core behind this one
   *  in simulated time catches up to it first: the task cannot run there before it was moved). */
  update_rq_clock(cpu: number): void;
  /** The reschedule IPI to `cpu` (not this_cpu), whose need_resched was just set. */
  smp_send_reschedule(cpu: number): void;
}

/** Allocate the buffers for `nrTasks` task records and `config.cpus` run queues. */
export function allocSchedBuffers(config: SchedConfig, nrTasks: number): SchedBuffers {
  const tasks = new SharedArrayBuffer(nrTasks * TASK_BYTES);
  const rqs = new SharedArrayBuffer(config.cpus * RQ_BYTES);
  const dlBw = new SharedArrayBuffer(256);
  const ti = new Int32Array(tasks);
  for (let p = 0; p < nrTasks; p++) {
    const b = p * TASK_WORDS;
    ti[b + T_RB_PARENT] = -1;
    ti[b + T_RB_LEFT] = -1;
    ti[b + T_RB_RIGHT] = -1;
    ti[b + T_RB_COLOR] = RB_NONE;
    ti[b + T_RT_NEXT] = -1;
    ti[b + T_RT_PREV] = -1;
    ti[b + T_CPU] = -1;
    ti[b + T_DL_TIMER_NEXT] = -1;
    ti[b + T_PUSH_NEXT] = -1;
    ti[b + T_PUSH_PREV] = -1;
  }
  const ri = new Int32Array(rqs);
  for (let c = 0; c < config.cpus; c++) {
    const b = c * RQ_WORDS;
    ri[b + R_CPU] = c;
    ri[b + R_CURR] = -1;
    ri[b + R_IDLE] = -1;
    ri[b + R_CFS_ROOT] = -1;
    ri[b + R_CFS_ROOT + 1] = -1;
    ri[b + R_CFS_CURR] = -1;
    ri[b + R_CFS_SKIP] = -1;
    ri[b + R_DL_ROOT] = -1;
    ri[b + R_DL_ROOT + 1] = -1;
    ri[b + R_DL_TIMERS] = -1;
    ri[b + R_RT_PUSHABLE] = -1;
    ri[b + R_PUSH_CPU] = -1;
    for (let i = 0; i < MAX_RT_PRIO; i++) {
      ri[b + R_RT_HEAD + i] = -1;
      ri[b + R_RT_TAIL + i] = -1;
    }
  }
  const bi = new Int32Array(dlBw);
  const bf = new Float64Array(dlBw);
  bi[DLB_CPUS] = config.cpus;
  // def_dl_bandwidth: to_ratio(global_rt_period, global_rt_runtime) (-1 when unlimited).
  bf[DLB_BW] = config.rtRuntime === -1 ? -1 : to_ratio(config.rtPeriod, config.rtRuntime);
  bf[DLB_TOTAL_BW] = 0;
  const rd = new SharedArrayBuffer(RD_WORDS * 4);
  new Int32Array(rd).fill(-1, RD_CPU_TO_PRI, RD_CPU_TO_PRI + 64); // CPUPRI_INVALID until online
  return { config, tasks, rqs, dlBw, rd };
}

/** raw_spin_rq_lock: the caller then owns every field of run queue `cpu`. */
export function rq_lock(s: Sched, cpu: number): void {
  spinLock(s.ri, cpu * RQ_WORDS + R_LOCK);
  s.rqLockHook?.lock(cpu);
}
export function rq_unlock(s: Sched, cpu: number): void {
  s.rqLockHook?.unlock(cpu);
  spinUnlock(s.ri, cpu * RQ_WORDS + R_LOCK);
}
/** double_rq_lock: both queues, the lower CPU first (Linux's order, no ABBA); one lock when a == b. */
export function double_rq_lock(s: Sched, a: number, b: number): void {
  if (a === b) return rq_lock(s, a);
  rq_lock(s, Math.min(a, b));
  rq_lock(s, Math.max(a, b));
}
export function double_rq_unlock(s: Sched, a: number, b: number): void {
  rq_unlock(s, a);
  if (a !== b) rq_unlock(s, b);
}
export function dl_bw_lock(s: Sched): void {
  spinLock(s.bi, DLB_LOCK);
}
export function dl_bw_unlock(s: Sched): void {
  spinUnlock(s.bi, DLB_LOCK);
}

/** resched_curr: set TIF_NEED_RESCHED for the core's current task. A remote core also needs a
 *  reschedule IPI, which the caller sends (this only sets the flag the hart polls). */
export function resched_curr(s: Sched, cpu: number): void {
  Atomics.store(s.ri, cpu * RQ_WORDS + R_NEED_RESCHED, 1);
}
/** resched_curr as Linux's, IPI included: a core whose flag was clear and is not this_cpu gets
 *  the reschedule IPI through the hooks (the scheduler's own moves: push, pull, active balance). */
export function resched_curr_ipi(s: Sched, cpu: number): void {
  if (test_need_resched(s, cpu)) return;
  resched_curr(s, cpu);
  send_resched_ipi(s, cpu);
}
/** The IPI half of resched_curr: to `cpu` unless it is this_cpu (the flag is the caller's). */
export function send_resched_ipi(s: Sched, cpu: number): void {
  const h = s.hooks;
  if (h !== null && cpu !== h.this_cpu()) h.smp_send_reschedule(cpu);
}
export function test_need_resched(s: Sched, cpu: number): boolean {
  return Atomics.load(s.ri, cpu * RQ_WORDS + R_NEED_RESCHED) !== 0;
}

/** One scheduling class's operations (struct sched_class). Every call holds the rq lock. */
export interface SchedClass {
  readonly name: string;
  enqueue_task(s: Sched, cpu: number, p: number, flags: number): void;
  dequeue_task(s: Sched, cpu: number, p: number, flags: number): void;
  yield_task(s: Sched, cpu: number): void;
  check_preempt_curr(s: Sched, cpu: number, p: number, flags: number): void;
  /** The task to run next, already set as this class's current (set_next_task), or -1. */
  pick_next_task(s: Sched, cpu: number): number;
  put_prev_task(s: Sched, cpu: number, p: number): void;
  set_next_task(s: Sched, cpu: number, p: number, first: boolean): void;
  task_tick(s: Sched, cpu: number, p: number): void;
  /** sched_rr_get_interval's answer in ns (0 = none). */
  get_rr_interval(s: Sched, cpu: number, p: number): number;
  /** The class's time accounting for the running task (update_curr). */
  update_curr(s: Sched, cpu: number): void;
}

/** Time the running task `p` has run since exec_start; advances exec_start and sum_exec_runtime
 *  (the part of update_curr every class shares). Returns the delta, or 0 when none. */
export function account_exec(s: Sched, cpu: number, p: number): number {
  const now = s.clock(cpu);
  const delta = now - s.fget(p, F_EXEC_START);
  if (delta <= 0) return 0;
  s.fset(p, F_EXEC_START, now);
  s.fset(p, F_SUM_EXEC, s.fget(p, F_SUM_EXEC) + delta);
  return delta;
}

/** Byte offset, within the run-queue buffer, of run queue `cpu`'s lock line (128 bytes; the rest
 *  of its fields follow from +128). The kernel charges its touches of these lines through the
 *  core's caches at (its kernel region's base for the buffer) + this offset (DESIGN §5). */
export function rq_line_offset(cpu: number): number {
  return cpu * RQ_BYTES;
}
/** Byte offset, within the task buffer, of task `p`'s scheduling record (TASK_BYTES long). */
export function task_sched_offset(p: number): number {
  return p * TASK_BYTES;
}

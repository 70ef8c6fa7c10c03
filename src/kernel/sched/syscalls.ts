// The scheduling syscalls (kernel/sched/core.c and kernel/sys.c, Linux 6.1): argument checks and
// errno exactly as Linux orders them, then the change under the task's run-queue lock. Results
// are >= 0 or -errno. Permissions: the guest runs as root with CAP_SYS_NICE, so none of Linux's
// EPERM/EACCES rules for unprivileged callers apply (the only EPERM left is SCHED_DEADLINE when
// RT bandwidth is 0). Not modelled: uclamp (sched_util_min/max read back as 0), priority
// inheritance, SCHED_FLAG_RECLAIM/DL_OVERRUN behaviour (the flags are accepted and kept).
//
// The caller must hold no run-queue lock. After a change, a task on another core may need that
// core rescheduled: the caller checks test_need_resched(s, T_CPU of the task) and sends the IPI.

import { dl_timer_cancel, sched_dl_overflow, __setparam_dl } from './deadline.ts';
import { sched_classes, sched_change_task, __setscheduler_params, dl_policy, fair_policy, rt_policy, update_rq_clock, valid_policy } from './core.ts';
import {
  DLB_BW, F_DL_DEADLINE, F_DL_PERIOD, F_DL_RUNTIME, MAX_NICE, MAX_RT_PRIO, MIN_NICE, NICE_TO_PRIO, NSEC_PER_SEC, NSEC_PER_USEC,
  PRIO_TO_NICE, R_IDLE, rq_lock, rq_unlock, Sched, SCHED_BATCH, SCHED_DEADLINE, SCHED_FIFO, SCHED_IDLE, SCHED_NORMAL,
  SCHED_RESET_ON_FORK, SCHED_RR, T_CLASS, T_CPU, T_DL_FLAGS, T_FLAGS, T_POLICY, T_PRIO, T_RT_PRIORITY, T_STATIC_PRIO,
  T_WEIGHT, TF_RESET_ON_FORK, CLASS_IDLE,
} from './sched.ts';
import { PAGE_SIZE } from '../mm/mm_types.ts';
import { E2BIG, EBUSY, EFAULT, EINVAL, EPERM, ESRCH } from '../syscalls/numbers.ts';


// include/uapi/linux/sched.h
export const SCHED_FLAG_RESET_ON_FORK = 0x01;
export const SCHED_FLAG_RECLAIM = 0x02;
export const SCHED_FLAG_DL_OVERRUN = 0x04;
export const SCHED_FLAG_KEEP_POLICY = 0x08;
export const SCHED_FLAG_KEEP_PARAMS = 0x10;
export const SCHED_FLAG_UTIL_CLAMP_MIN = 0x20;
export const SCHED_FLAG_UTIL_CLAMP_MAX = 0x40;
export const SCHED_FLAG_KEEP_ALL = SCHED_FLAG_KEEP_POLICY | SCHED_FLAG_KEEP_PARAMS;
export const SCHED_FLAG_UTIL_CLAMP = SCHED_FLAG_UTIL_CLAMP_MIN | SCHED_FLAG_UTIL_CLAMP_MAX;
export const SCHED_FLAG_ALL = SCHED_FLAG_RESET_ON_FORK | SCHED_FLAG_RECLAIM | SCHED_FLAG_DL_OVERRUN | SCHED_FLAG_KEEP_ALL | SCHED_FLAG_UTIL_CLAMP;
/** Kernel-internal (schedutil's worker); userspace asking for it gets EINVAL. */
export const SCHED_FLAG_SUGOV = 0x10000000;
/** sched_setparam's "keep the policy" (kernel-internal). */
const SETPARAM_POLICY = -1;

export const SCHED_ATTR_SIZE_VER0 = 48;
export const SCHED_ATTR_SIZE_VER1 = 56;
/** sysctl_sched_dl_period_max / _min (us). */
export const SCHED_DL_PERIOD_MAX_US = 1 << 22;
export const SCHED_DL_PERIOD_MIN_US = 100;
const DL_SCALE = 10;

export const PRIO_PROCESS = 0;
export const PRIO_PGRP = 1;
export const PRIO_USER = 2;

/**
 * struct sched_attr (include/uapi/linux/sched/types.h), little-endian:
 *   0 u32 size   4 u32 sched_policy   8 u64 sched_flags   16 s32 sched_nice   20 u32 sched_priority
 *   24 u64 sched_runtime   32 u64 sched_deadline   40 u64 sched_period   (VER1:) 48 u32 util_min  52 u32 util_max
 * u64 fields are numbers (exact below 2^53); `big` notes one with bit 63 set.
 */
export interface SchedAttr {
  size: number;
  policy: number;
  flags: number;
  nice: number;
  priority: number;
  runtime: number;
  deadline: number;
  period: number;
  utilMin: number;
  utilMax: number;
  /** sched_deadline or sched_period had bit 63 set. */
  big: boolean;
}

export function emptyAttr(): SchedAttr {
  return { size: 0, policy: 0, flags: 0, nice: 0, priority: 0, runtime: 0, deadline: 0, period: 0, utilMin: 0, utilMax: 0, big: false };
}

function u64(v: DataView, off: number): number {
  return v.getUint32(off + 4, true) * 4294967296 + v.getUint32(off, true);
}
function putU64(v: DataView, off: number, x: number): void {
  v.setUint32(off, x % 4294967296, true);
  v.setUint32(off + 4, Math.floor(x / 4294967296), true);
}

/** Decode the first min(bytes, 56) bytes of a struct sched_attr (missing fields are 0). */
export function decodeSchedAttr(bytes: Uint8Array): SchedAttr {
  const buf = new Uint8Array(SCHED_ATTR_SIZE_VER1);
  buf.set(bytes.subarray(0, SCHED_ATTR_SIZE_VER1));
  const v = new DataView(buf.buffer);
  return {
    size: v.getUint32(0, true),
    policy: v.getInt32(4, true),
    flags: u64(v, 8),
    nice: v.getInt32(16, true),
    priority: v.getUint32(20, true),
    runtime: u64(v, 24),
    deadline: u64(v, 32),
    period: u64(v, 40),
    utilMin: v.getUint32(48, true),
    utilMax: v.getUint32(52, true),
    big: v.getUint32(36, true) >= 0x80000000 || v.getUint32(44, true) >= 0x80000000,
  };
}

/** Encode a struct sched_attr (56 bytes). */
export function encodeSchedAttr(a: SchedAttr): Uint8Array {
  const out = new Uint8Array(SCHED_ATTR_SIZE_VER1);
  const v = new DataView(out.buffer);
  v.setUint32(0, a.size, true);
  v.setUint32(4, a.policy >>> 0, true);
  putU64(v, 8, a.flags);
  v.setInt32(16, a.nice, true);
  v.setUint32(20, a.priority >>> 0, true);
  putU64(v, 24, a.runtime);
  putU64(v, 32, a.deadline);
  putU64(v, 40, a.period);
  v.setUint32(48, a.utilMin, true);
  v.setUint32(52, a.utilMax, true);
  return out;
}

/** What the syscalls need from the rest of the kernel. */
export interface SchedSyscallCtx {
  s: Sched;
  /** The caller core's clock (ns): run queues touched are brought at least this far. */
  now: number;
  /** find_process_by_pid: pid 0 is the caller; the task index, or -1 (ESRCH). */
  lookup(pid: number): number;
  /** Tasks of a process group / user for setpriority/getpriority (who 0 = the caller's). */
  tasksOf(which: number, who: number): number[];
  /** copy_from_user: the bytes, or null (EFAULT). */
  read(addr: number, len: number): Uint8Array | null;
  /** copy_to_user: false on EFAULT. */
  write(addr: number, data: Uint8Array): boolean;
}

/** task_rq_lock: lock the run queue p is on (retrying if it moved meanwhile); -1 when p was
 *  never placed on a core (no lock needed). */
function task_rq_lock(ctx: SchedSyscallCtx, p: number): number {
  const s = ctx.s;
  for (;;) {
    const cpu = s.tget(p, T_CPU);
    if (cpu < 0) return -1;
    rq_lock(s, cpu);
    if (s.tget(p, T_CPU) === cpu) {
      update_rq_clock(s, cpu, ctx.now);
      return cpu;
    }
    rq_unlock(s, cpu);
  }
}
function task_rq_unlock(ctx: SchedSyscallCtx, cpu: number): void {
  if (cpu >= 0) rq_unlock(ctx.s, cpu);
}

/** __checkparam_dl: deadline != 0, runtime >= 1024 ns, runtime <= deadline <= period, period
 *  within [100 us, 2^22 us], no bit 63. */
export function __checkparam_dl(a: SchedAttr): boolean {
  if ((a.flags & SCHED_FLAG_SUGOV) !== 0) return true;
  if (a.deadline === 0) return false;
  if (a.runtime < 1 << DL_SCALE) return false;
  if (a.big) return false;
  const period = a.period === 0 ? a.deadline : a.period;
  if (period < a.deadline || a.deadline < a.runtime) return false;
  return period >= SCHED_DL_PERIOD_MIN_US * NSEC_PER_USEC && period <= SCHED_DL_PERIOD_MAX_US * NSEC_PER_USEC;
}

/** get_params: p's current parameters into attr (policy untouched). */
function get_params(s: Sched, p: number, a: SchedAttr): void {
  const policy = s.tget(p, T_POLICY);
  if (dl_policy(policy)) {
    a.priority = 0;
    a.runtime = s.fget(p, F_DL_RUNTIME);
    a.deadline = s.fget(p, F_DL_DEADLINE);
    a.period = s.fget(p, F_DL_PERIOD);
    a.flags |= s.tget(p, T_DL_FLAGS);
  } else if (rt_policy(policy)) a.priority = s.tget(p, T_RT_PRIORITY);
  else a.nice = PRIO_TO_NICE(s.tget(p, T_STATIC_PRIO));
}

/**
 * __sched_setscheduler (user = true, the caller being root): validate `a`, then change p under
 * its run queue's lock, with admission control for SCHED_DEADLINE. Returns 0 or -errno.
 */
export function __sched_setscheduler(ctx: SchedSyscallCtx, p: number, a: SchedAttr): number {
  const s = ctx.s;
  let policy = a.policy;
  let reset: boolean;
  if (policy < 0) {
    reset = (s.tget(p, T_FLAGS) & TF_RESET_ON_FORK) !== 0;
    policy = s.tget(p, T_POLICY);
  } else {
    reset = (a.flags & SCHED_FLAG_RESET_ON_FORK) !== 0;
    if (!valid_policy(policy)) return -EINVAL;
  }
  if ((a.flags & ~(SCHED_FLAG_ALL | SCHED_FLAG_SUGOV)) !== 0) return -EINVAL;
  // Valid priorities: 1..MAX_RT_PRIO-1 for SCHED_FIFO/RR, 0 for the others.
  if (a.priority < 0 || a.priority > MAX_RT_PRIO - 1) return -EINVAL;
  if ((dl_policy(policy) && !__checkparam_dl(a)) || rt_policy(policy) !== (a.priority !== 0)) return -EINVAL;
  if ((a.flags & SCHED_FLAG_SUGOV) !== 0) return -EINVAL; // user callers may not ask for it
  const cpu = task_rq_lock(ctx, p);
  try {
    if (cpu >= 0 && s.rget(cpu, R_IDLE) === p) return -EINVAL; // the idle task stays idle
    if (policy === s.tget(p, T_POLICY)) {
      const changed =
        (fair_policy(policy) && a.nice !== PRIO_TO_NICE(s.tget(p, T_STATIC_PRIO))) ||
        (rt_policy(policy) && a.priority !== s.tget(p, T_RT_PRIORITY)) ||
        (dl_policy(policy) && dl_param_changed(s, p, a));
      if (!changed) {
        setReset(s, p, reset);
        return 0;
      }
    }
    if (dl_policy(policy) && s.bf[DLB_BW] === 0) return -EPERM; // no rt bandwidth to give
    if (dl_policy(policy) || dl_policy(s.tget(p, T_POLICY))) {
      if (sched_dl_overflow(s, p, policy, a.runtime, a.deadline, a.period) !== 0) return -EBUSY;
    }
    setReset(s, p, reset);
    const change = (): void => {
      if ((a.flags & SCHED_FLAG_KEEP_PARAMS) !== 0) return;
      if (dl_policy(s.tget(p, T_POLICY)) && !dl_policy(policy) && cpu >= 0) dl_timer_cancel(s, cpu, p);
      if (dl_policy(policy)) __setparam_dl(s, p, a.runtime, a.deadline, a.period, a.flags & SCHED_FLAG_ALL);
      __setscheduler_params(s, p, policy, a.priority, fair_policy(policy) ? a.nice : PRIO_TO_NICE(s.tget(p, T_STATIC_PRIO)));
    };
    if (cpu >= 0) sched_change_task(s, cpu, p, change);
    else change();
    return 0;
  } finally {
    task_rq_unlock(ctx, cpu);
  }
}

function dl_param_changed(s: Sched, p: number, a: SchedAttr): boolean {
  const period = a.period === 0 ? a.deadline : a.period;
  return s.fget(p, F_DL_RUNTIME) !== a.runtime || s.fget(p, F_DL_DEADLINE) !== a.deadline ||
    s.fget(p, F_DL_PERIOD) !== period || s.tget(p, T_DL_FLAGS) !== (a.flags & SCHED_FLAG_ALL);
}

function setReset(s: Sched, p: number, on: boolean): void {
  const f = s.tget(p, T_FLAGS);
  s.tset(p, T_FLAGS, on ? f | TF_RESET_ON_FORK : f & ~TF_RESET_ON_FORK);
}

/** _sched_setscheduler: the sched_param API (policy may carry SCHED_RESET_ON_FORK). */
function _sched_setscheduler(ctx: SchedSyscallCtx, p: number, policy: number, priority: number): number {
  const a = emptyAttr();
  a.policy = policy;
  a.priority = priority;
  a.nice = PRIO_TO_NICE(ctx.s.tget(p, T_STATIC_PRIO));
  if (policy !== SETPARAM_POLICY && (policy & SCHED_RESET_ON_FORK) !== 0) {
    a.flags |= SCHED_FLAG_RESET_ON_FORK;
    a.policy = policy & ~SCHED_RESET_ON_FORK;
  }
  return __sched_setscheduler(ctx, p, a);
}

/** do_sched_setscheduler: EINVAL for a NULL param or negative pid, EFAULT, ESRCH, then the change. */
function do_sched_setscheduler(ctx: SchedSyscallCtx, pid: number, policy: number, param: number): number {
  if (param === 0 || pid < 0) return -EINVAL;
  const b = ctx.read(param, 4);
  if (b === null) return -EFAULT;
  const prio = new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true);
  const p = ctx.lookup(pid);
  if (p < 0) return -ESRCH;
  return _sched_setscheduler(ctx, p, policy, prio);
}

/** sched_setscheduler(pid, policy, struct sched_param *param) */
export function sys_sched_setscheduler(ctx: SchedSyscallCtx, pid: number, policy: number, param: number): number {
  if (policy < 0) return -EINVAL;
  return do_sched_setscheduler(ctx, pid, policy, param);
}

/** sched_setparam(pid, struct sched_param *param) */
export function sys_sched_setparam(ctx: SchedSyscallCtx, pid: number, param: number): number {
  return do_sched_setscheduler(ctx, pid, SETPARAM_POLICY, param);
}

/** sched_getscheduler(pid): the policy, | SCHED_RESET_ON_FORK when set. */
export function sys_sched_getscheduler(ctx: SchedSyscallCtx, pid: number): number {
  if (pid < 0) return -EINVAL;
  const p = ctx.lookup(pid);
  if (p < 0) return -ESRCH;
  const s = ctx.s;
  return s.tget(p, T_POLICY) | ((s.tget(p, T_FLAGS) & TF_RESET_ON_FORK) !== 0 ? SCHED_RESET_ON_FORK : 0);
}

/** sched_getparam(pid, struct sched_param *param): rt_priority for rt tasks, else 0. */
export function sys_sched_getparam(ctx: SchedSyscallCtx, pid: number, param: number): number {
  if (param === 0 || pid < 0) return -EINVAL;
  const p = ctx.lookup(pid);
  if (p < 0) return -ESRCH;
  const prio = rt_policy(ctx.s.tget(p, T_POLICY)) ? ctx.s.tget(p, T_RT_PRIORITY) : 0;
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, prio, true);
  return ctx.write(param, out) ? 0 : -EFAULT;
}

/** sched_copy_attr: size 0 means VER0; under VER0 or over a page -> E2BIG (the kernel's size
 *  written back); bytes past what we know must be zero; nice clamped to -20..19. */
function sched_copy_attr(ctx: SchedSyscallCtx, uattr: number): SchedAttr | number {
  const head = ctx.read(uattr, 4);
  if (head === null) return -EFAULT;
  let size = new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
  if (size === 0) size = SCHED_ATTR_SIZE_VER0;
  const e2big = (): number => {
    const out = new Uint8Array(4);
    new DataView(out.buffer).setUint32(0, SCHED_ATTR_SIZE_VER1, true);
    ctx.write(uattr, out);
    return -E2BIG;
  };
  if (size < SCHED_ATTR_SIZE_VER0 || size > PAGE_SIZE) return e2big();
  const bytes = ctx.read(uattr, size);
  if (bytes === null) return -EFAULT;
  for (let i = SCHED_ATTR_SIZE_VER1; i < size; i++) if (bytes[i] !== 0) return e2big();
  const a = decodeSchedAttr(bytes);
  if ((a.flags & SCHED_FLAG_UTIL_CLAMP) !== 0 && size < SCHED_ATTR_SIZE_VER1) return -EINVAL;
  a.nice = Math.min(MAX_NICE, Math.max(MIN_NICE, a.nice));
  return a;
}

/** sched_setattr(pid, struct sched_attr *uattr, unsigned int flags) */
export function sys_sched_setattr(ctx: SchedSyscallCtx, pid: number, uattr: number, flags: number): number {
  if (uattr === 0 || pid < 0 || flags !== 0) return -EINVAL;
  const a = sched_copy_attr(ctx, uattr);
  if (typeof a === 'number') return a;
  if (a.policy < 0) return -EINVAL;
  if ((a.flags & SCHED_FLAG_KEEP_POLICY) !== 0) a.policy = SETPARAM_POLICY;
  const p = ctx.lookup(pid);
  if (p < 0) return -ESRCH;
  if ((a.flags & SCHED_FLAG_KEEP_PARAMS) !== 0) get_params(ctx.s, p, a);
  return __sched_setscheduler(ctx, p, a);
}

/** sched_getattr(pid, struct sched_attr *uattr, unsigned int usize, unsigned int flags):
 *  writes min(usize, 56) bytes with size = that. */
export function sys_sched_getattr(ctx: SchedSyscallCtx, pid: number, uattr: number, usize: number, flags: number): number {
  if (uattr === 0 || pid < 0 || usize > PAGE_SIZE || usize < SCHED_ATTR_SIZE_VER0 || flags !== 0) return -EINVAL;
  const p = ctx.lookup(pid);
  if (p < 0) return -ESRCH;
  const s = ctx.s;
  const a = emptyAttr();
  a.policy = s.tget(p, T_POLICY);
  if ((s.tget(p, T_FLAGS) & TF_RESET_ON_FORK) !== 0) a.flags |= SCHED_FLAG_RESET_ON_FORK;
  get_params(s, p, a);
  a.flags &= SCHED_FLAG_ALL;
  a.size = Math.min(usize, SCHED_ATTR_SIZE_VER1);
  return ctx.write(uattr, encodeSchedAttr(a).subarray(0, a.size)) ? 0 : -EFAULT;
}

/** sched_get_priority_max(policy): 99 for FIFO/RR, 0 for the others, EINVAL for unknown. */
export function sys_sched_get_priority_max(policy: number): number {
  switch (policy) {
    case SCHED_FIFO:
    case SCHED_RR:
      return MAX_RT_PRIO - 1;
    case SCHED_DEADLINE:
    case SCHED_NORMAL:
    case SCHED_BATCH:
    case SCHED_IDLE:
      return 0;
    default:
      return -EINVAL;
  }
}

/** sched_get_priority_min(policy): 1 for FIFO/RR, 0 for the others, EINVAL for unknown. */
export function sys_sched_get_priority_min(policy: number): number {
  switch (policy) {
    case SCHED_FIFO:
    case SCHED_RR:
      return 1;
    case SCHED_DEADLINE:
    case SCHED_NORMAL:
    case SCHED_BATCH:
    case SCHED_IDLE:
      return 0;
    default:
      return -EINVAL;
  }
}

/** sched_rr_get_interval(pid, struct __kernel_timespec *interval): the RR slice (100 ms), the CFS
 *  slice in whole jiffies, or 0 (FIFO, deadline). */
export function sys_sched_rr_get_interval(ctx: SchedSyscallCtx, pid: number, interval: number): number {
  if (pid < 0) return -EINVAL;
  const p = ctx.lookup(pid);
  if (p < 0) return -ESRCH;
  const s = ctx.s;
  const cpu = task_rq_lock(ctx, p);
  let ns: number;
  try {
    ns = sched_classes[s.tget(p, T_CLASS)]!.get_rr_interval(s, cpu < 0 ? 0 : cpu, p);
  } finally {
    task_rq_unlock(ctx, cpu);
  }
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  putU64(v, 0, Math.floor(ns / NSEC_PER_SEC));
  putU64(v, 8, ns % NSEC_PER_SEC);
  return ctx.write(interval, out) ? 0 : -EFAULT;
}

/** set_user_nice: rt and dl tasks only remember it; fair tasks are reweighted at once. */
export function set_user_nice(ctx: SchedSyscallCtx, p: number, nice: number): void {
  const s = ctx.s;
  if (PRIO_TO_NICE(s.tget(p, T_STATIC_PRIO)) === nice || nice < MIN_NICE || nice > MAX_NICE) return;
  const cpu = task_rq_lock(ctx, p);
  try {
    if (!fair_policy(s.tget(p, T_POLICY)) || s.tget(p, T_CLASS) === CLASS_IDLE) {
      s.tset(p, T_STATIC_PRIO, NICE_TO_PRIO(nice));
      return;
    }
    const change = (): void => __setscheduler_params(s, p, s.tget(p, T_POLICY), 0, nice);
    if (cpu >= 0) sched_change_task(s, cpu, p, change);
    else change();
  } finally {
    task_rq_unlock(ctx, cpu);
  }
}

function tasksFor(ctx: SchedSyscallCtx, which: number, who: number): number[] {
  if (which === PRIO_PROCESS) {
    const p = ctx.lookup(who);
    return p < 0 ? [] : [p];
  }
  return ctx.tasksOf(which, who);
}

/** setpriority(which, who, niceval): nice clamped to -20..19; ESRCH when no task matched. */
export function sys_setpriority(ctx: SchedSyscallCtx, which: number, who: number, niceval: number): number {
  if (which > PRIO_USER || which < PRIO_PROCESS) return -EINVAL;
  const nice = Math.min(MAX_NICE, Math.max(MIN_NICE, niceval));
  const ps = tasksFor(ctx, which, who);
  for (const p of ps) set_user_nice(ctx, p, nice);
  return ps.length === 0 ? -ESRCH : 0;
}

/** getpriority(which, who): the syscall returns 20 - nice (1..40) of the highest-priority match,
 *  so negative results are errors; glibc turns it back into a nice value. */
export function sys_getpriority(ctx: SchedSyscallCtx, which: number, who: number): number {
  if (which > PRIO_USER || which < PRIO_PROCESS) return -EINVAL;
  let best = -ESRCH;
  for (const p of tasksFor(ctx, which, who)) {
    const v = MAX_NICE - PRIO_TO_NICE(ctx.s.tget(p, T_STATIC_PRIO)) + 1; // nice_to_rlimit
    if (v > best) best = v;
  }
  return best;
}

/** Current task state for tests and views: policy, prio, nice, weight. */
export function task_sched_params(s: Sched, p: number): { policy: number; prio: number; nice: number; weight: number } {
  return { policy: s.tget(p, T_POLICY), prio: s.tget(p, T_PRIO), nice: PRIO_TO_NICE(s.tget(p, T_STATIC_PRIO)), weight: s.tget(p, T_WEIGHT) };
}

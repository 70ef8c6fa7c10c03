// CPU priority management (kernel/sched/cpupri.c, Linux 6.1): each online CPU's priority for rt
// placement, and per priority the CPUs at it, so "which CPUs run something below this task" is a
// scan of at most 100 masks. A CPU's value follows its run queue (cpupri_update after every rt or
// dl enqueue and dequeue, as inc/dec_rt_prio and inc/dec_dl_deadline do):
//
//   offline                                  CPUPRI_INVALID (-1): never a target
//   no rt task queued (CFS or idle running)  CPUPRI_NORMAL (0)
//   rt: highest queued prio 98..0            1..99 (= MAX_RT_PRIO-1 - prio; rt_priority)
//   a dl task queued                         CPUPRI_HIGHER (100): above every rt task
//
// Linux 6.1 folds idle into NORMAL (there is no CPUPRI_IDLE any more), so a CPU running CFS is as
// good a target as an idle one; find_lowest_rq then prefers the task's last CPU.

import { type Cpumask } from './cpumask.ts';
import {
  MAX_RT_PRIO, R_DL_NR_RUNNING, R_ONLINE, R_RT_BITMAP, RD_CPU_TO_PRI, RD_PRI_TO_CPU, Sched, T_CPUS_HI, T_CPUS_LO, T_PRIO,
} from './sched.ts';

export const CPUPRI_NR_PRIORITIES = MAX_RT_PRIO + 1;
export const CPUPRI_INVALID = -1;
export const CPUPRI_NORMAL = 0;
export const CPUPRI_HIGHER = 100;

/** convert_prio: a task prio (or MAX_RT_PRIO-1 for "no rt", MAX_RT_PRIO for dl) to a cpupri. */
export function convert_prio(prio: number): number {
  if (prio === CPUPRI_INVALID) return CPUPRI_INVALID;
  if (prio >= 0 && prio <= MAX_RT_PRIO - 2) return MAX_RT_PRIO - 1 - prio;
  if (prio === MAX_RT_PRIO - 1) return CPUPRI_NORMAL;
  if (prio === MAX_RT_PRIO) return CPUPRI_HIGHER;
  throw new RangeError(`cpupri: no cpupri for prio ${prio}`);
}

/** cpu_to_pri[cpu] */
export function cpupri_get(s: Sched, cpu: number): number {
  return s.rd[RD_CPU_TO_PRI + cpu]!;
}

const vec = (pri: number): number => RD_PRI_TO_CPU + 3 * pri;

/** cpupri_set with an already converted value: move cpu from its old vector to `pri`'s. */
function cpupri_set_converted(s: Sched, cpu: number, pri: number): void {
  const old = s.rd[RD_CPU_TO_PRI + cpu]!;
  if (pri === old) return;
  const w = cpu < 32 ? 1 : 2;
  const bit = 1 << (cpu & 31);
  if (pri !== CPUPRI_INVALID) {
    const v = vec(pri);
    s.rd[v + w] = s.rd[v + w]! | bit;
    s.rd[v] = s.rd[v]! + 1;
  }
  if (old !== CPUPRI_INVALID) {
    const v = vec(old);
    s.rd[v] = s.rd[v]! - 1;
    s.rd[v + w] = s.rd[v + w]! & ~bit;
  }
  s.rd[RD_CPU_TO_PRI + cpu] = pri;
}

/** cpupri_set(cp, cpu, prio): prio as convert_prio takes it. */
export function cpupri_set(s: Sched, cpu: number, prio: number): void {
  cpupri_set_converted(s, cpu, convert_prio(prio));
}

/** rt_rq->highest_prio.curr: the best queued rt prio (the running rt task is queued too), or
 *  MAX_RT_PRIO-1 when none (6.1's value for "no rt task"). */
export function rt_highest_prio_curr(s: Sched, cpu: number): number {
  for (let w = 0; w < 4; w++) {
    const bits = s.rget(cpu, R_RT_BITMAP + w);
    if (bits !== 0) return w * 32 + (31 - Math.clz32(bits & -bits));
  }
  return MAX_RT_PRIO - 1;
}

/** The CPU's cpupri from its run queue now (what the incremental updates of rt.c and deadline.c
 *  arrive at), set if it changed. */
export function cpupri_update(s: Sched, cpu: number): void {
  if (s.rget(cpu, R_ONLINE) === 0) cpupri_set_converted(s, cpu, CPUPRI_INVALID);
  else if (s.rget(cpu, R_DL_NR_RUNNING) > 0) cpupri_set_converted(s, cpu, CPUPRI_HIGHER);
  else cpupri_set(s, cpu, rt_highest_prio_curr(s, cpu));
}

/**
 * cpupri_find (no fitness function: every CPU has the same capacity): the CPUs in p's mask at the
 * lowest cpupri below p's own, or null when every allowed CPU runs at p's priority or above.
 */
export function cpupri_find(s: Sched, p: number): Cpumask | null {
  const taskPri = convert_prio(s.tget(p, T_PRIO));
  const lo = s.tget(p, T_CPUS_LO);
  const hi = s.tget(p, T_CPUS_HI);
  for (let idx = 0; idx < taskPri; idx++) {
    const v = vec(idx);
    if (s.rd[v] === 0) continue;
    const mlo = s.rd[v + 1]! & lo;
    const mhi = s.rd[v + 2]! & hi;
    if (mlo !== 0 || mhi !== 0) return { lo: mlo, hi: mhi };
  }
  return null;
}

/** The CPUs at cpupri `pri` (pri_to_cpu[pri].mask), for checks and views. */
export function cpupri_mask(s: Sched, pri: number): Cpumask {
  const v = vec(pri);
  return { lo: s.rd[v + 1]!, hi: s.rd[v + 2]! };
}

/** pri_to_cpu[pri].count */
export function cpupri_count(s: Sched, pri: number): number {
  return s.rd[vec(pri)]!;
}

// A task's cpus_mask (task_struct.cpus_mask): the CPUs it may run on, up to 64, two i32 words of
// its scheduling record (T_CPUS_LO: CPUs 0-31, T_CPUS_HI: 32-63). Set at fork from the parent,
// changed by sched_setaffinity (--affinity for the first task); placement, wakeups and the load
// balancer read it (select_rq.ts, fair_balance.ts).

import { Sched, T_CPUS_HI, T_CPUS_LO } from './sched.ts';

/** A cpumask as two 32-bit words (the value of a task's two mask fields). */
export interface Cpumask {
  lo: number;
  hi: number;
}

export function cpumask_test(m: Cpumask, cpu: number): boolean {
  return ((cpu < 32 ? m.lo >>> cpu : m.hi >>> (cpu - 32)) & 1) !== 0;
}

/** The mask of CPUs in `cpus`. */
export function cpumask_of(cpus: Iterable<number>): Cpumask {
  let lo = 0;
  let hi = 0;
  for (const c of cpus) {
    if (c < 32) lo |= 1 << c;
    else hi |= 1 << (c - 32);
  }
  return { lo, hi };
}

/** CPUs 0..n-1. */
export function cpumask_first_n(n: number): Cpumask {
  return cpumask_of(Array.from({ length: n }, (_, i) => i));
}

export function cpumask_list(m: Cpumask, nrCpuIds: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < nrCpuIds; c++) if (cpumask_test(m, c)) out.push(c);
  return out;
}

export function task_cpumask(s: Sched, p: number): Cpumask {
  return { lo: s.tget(p, T_CPUS_LO), hi: s.tget(p, T_CPUS_HI) };
}

export function set_task_cpumask(s: Sched, p: number, m: Cpumask): void {
  s.tset(p, T_CPUS_LO, m.lo | 0);
  s.tset(p, T_CPUS_HI, m.hi | 0);
}

/** is_cpu_allowed without the hotplug states: cpu is in p's mask. */
export function task_allowed_on_cpu(s: Sched, p: number, cpu: number): boolean {
  return ((cpu < 32 ? s.tget(p, T_CPUS_LO) >>> cpu : s.tget(p, T_CPUS_HI) >>> (cpu - 32)) & 1) !== 0;
}

/**
 * taskset's list syntax ("0-1,3"): the CPUs it names, ascending; a string for a malformed list
 * or a CPU at or past nrCpuIds.
 */
export function cpulist_parse(text: string, nrCpuIds: number): number[] | string {
  const out = new Set<number>();
  if (text.trim() === '') return 'an empty CPU list';
  for (const part of text.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) return `'${part}' is not a CPU or a range of CPUs`;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) return `range '${part}' runs backwards`;
    if (b >= nrCpuIds) return `CPU ${b} does not exist (the machine has ${nrCpuIds})`;
    for (let c = a; c <= b; c++) out.add(c);
  }
  return [...out].sort((x, y) => x - y);
}

// /proc/softirqs (Linux 6.1 fs/proc/softirqs.c show_softirqs): a header of 20 spaces and
// "CPU%-8d" per cpu, then per vector "%12s:" and " %10u" per cpu.

import { NR_SOFTIRQS, type Softirq, softirq_to_name } from '../softirq.ts';

/** The text for counts[vector][cpu] (kstat_softirqs_cpu). */
export function show_softirqs(counts: readonly (readonly number[])[], cpus: number): string {
  let s = ' '.repeat(20);
  for (let c = 0; c < cpus; c++) s += `CPU${String(c).padEnd(8)}`;
  s += '\n';
  for (let nr = 0; nr < NR_SOFTIRQS; nr++) {
    s += `${softirq_to_name[nr]!.padStart(12)}:`;
    for (let c = 0; c < cpus; c++) s += ' ' + String(counts[nr]![c]! >>> 0).padStart(10);
    s += '\n';
  }
  return s;
}

/** kstat_softirqs_cpu for every vector and cpu. */
export function softirqCounts(sq: Softirq): number[][] {
  const out: number[][] = [];
  for (let nr = 0; nr < NR_SOFTIRQS; nr++) {
    const row: number[] = [];
    for (let c = 0; c < sq.cpus; c++) row.push(sq.kstat_softirqs_cpu(nr, c));
    out.push(row);
  }
  return out;
}

export function softirqs(sq: Softirq): string {
  return show_softirqs(softirqCounts(sq), sq.cpus);
}

// /proc/stat (Linux 6.1 fs/proc/stat.c show_stat):
//   "cpu  " then the ten sums, each " %llu" in USER_HZ (nsec_to_clock_t of the ns sum):
//      user nice system idle iowait irq softirq steal guest guest_nice
//   "cpu%d" and the same per cpu
//   "intr %llu" (every irq line's count summed, plus arch_irq_stat_cpu: the LOC, RES, CAL and
//      TLB rows of /proc/interrupts, as x86 adds them) then " %u" per irq 0..nr_irqs-1 (the
//      timer line's slot is 0: its count is LOC, as on x86, see proc/interrupts.ts)
//   "ctxt %llu", "btime %llu", "processes %lu", "procs_running %u", "procs_blocked %u"
//   "softirq %llu" (all vectors summed) then " %u" per vector
// idle and iowait are the nohz idle sleep times (get_idle_time/get_iowait_time), not cpustat.
// So "intr"'s total is the sum of every row /proc/interrupts shows.

import { NR_SOFTIRQS, type Softirq } from '../softirq.ts';
import { type IrqDescs, RISCV_TIMER_IRQ } from '../irq/irqdesc.ts';
import { IPI_CALL_FUNC, IPI_RESCHEDULE, type Ipi } from '../irq/ipi.ts';
import {
  CPUTIME_GUEST, CPUTIME_GUEST_NICE, CPUTIME_IDLE, CPUTIME_IOWAIT, CPUTIME_IRQ, CPUTIME_NICE, CPUTIME_SOFTIRQ,
  CPUTIME_STEAL, CPUTIME_SYSTEM, CPUTIME_USER, NR_STATS, type Cputime,
} from '../time/cputime.ts';
import { nsec_to_clock_t, type Tick } from '../time/tick.ts';

export interface StatSnapshot {
  /** cpustat[cpu][CPUTIME_*] in ns, idle and iowait already the nohz sleep times. */
  cpustat: readonly (readonly number[])[];
  /** irqs[irq] summed over cpus, for irq 0..nr_irqs-1. */
  irqs: readonly number[];
  /** arch_irq_stat_cpu summed over cpus (LOC + RES + CAL + TLB). */
  archIrqs: number;
  /** softirqs[vector] summed over cpus. */
  softirqs: readonly number[];
  ctxt: number;
  btime: number;
  processes: number;
  procs_running: number;
  procs_blocked: number;
}

const FIELDS = [CPUTIME_USER, CPUTIME_NICE, CPUTIME_SYSTEM, CPUTIME_IDLE, CPUTIME_IOWAIT, CPUTIME_IRQ, CPUTIME_SOFTIRQ, CPUTIME_STEAL, CPUTIME_GUEST, CPUTIME_GUEST_NICE];

export function show_stat(s: StatSnapshot): string {
  const sum = new Array<number>(NR_STATS).fill(0);
  for (const row of s.cpustat) for (let k = 0; k < NR_STATS; k++) sum[k]! += row[k]!;
  let out = 'cpu ';
  for (const k of FIELDS) out += ' ' + nsec_to_clock_t(sum[k]!);
  out += '\n';
  s.cpustat.forEach((row, c) => {
    out += `cpu${c}`;
    for (const k of FIELDS) out += ' ' + nsec_to_clock_t(row[k]!);
    out += '\n';
  });
  out += `intr ${s.irqs.reduce((a, b) => a + b, 0) + s.archIrqs}`;
  for (const v of s.irqs) out += ' ' + v;
  out += `\nctxt ${s.ctxt}\nbtime ${s.btime}\nprocesses ${s.processes}\nprocs_running ${s.procs_running}\nprocs_blocked ${s.procs_blocked}\n`;
  out += `softirq ${s.softirqs.reduce((a, b) => a + b, 0)}`;
  for (const v of s.softirqs) out += ' ' + v;
  return out + '\n';
}

/** What /proc/stat needs from the scheduler and fork (not kept by the interrupt side). */
export interface StatExtras {
  ctxt: number;
  btime: number;
  processes: number;
  procs_running: number;
  procs_blocked: number;
  /** Each core's clock in ns, to include a running idle stretch (omit: settled values only). */
  now?: readonly number[];
}

export function statSnapshot(cputime: Cputime, tick: Tick, irqs: IrqDescs, sq: Softirq, x: StatExtras, ipi?: Ipi): StatSnapshot {
  const cpus = irqs.cpus;
  const cpustat: number[][] = [];
  for (let c = 0; c < cpus; c++) {
    const row: number[] = [];
    for (let k = 0; k < NR_STATS; k++) row.push(cputime.stat(c, k));
    row[CPUTIME_IDLE] = tick.get_idle_time(c, x.now?.[c]);
    row[CPUTIME_IOWAIT] = tick.get_iowait_time(c, x.now?.[c]);
    cpustat.push(row);
  }
  const irqSums: number[] = [];
  let archIrqs = 0;
  for (let irq = 0; irq < irqs.nrIrqs; irq++) {
    let v = 0;
    for (let c = 0; c < cpus; c++) v += irqs.kstat_irqs_cpu(irq, c);
    if (irq === RISCV_TIMER_IRQ) {
      archIrqs += v; // LOC
      v = 0;
    }
    irqSums.push(v);
  }
  if (ipi) for (let c = 0; c < cpus; c++) archIrqs += ipi.stats(c, IPI_RESCHEDULE) + ipi.stats(c, IPI_CALL_FUNC) + ipi.tlb_count(c);
  const softirqs: number[] = [];
  for (let nr = 0; nr < NR_SOFTIRQS; nr++) {
    let v = 0;
    for (let c = 0; c < cpus; c++) v += sq.kstat_softirqs_cpu(nr, c);
    softirqs.push(v);
  }
  return { cpustat, irqs: irqSums, archIrqs, softirqs, ctxt: x.ctxt, btime: x.btime, processes: x.processes, procs_running: x.procs_running, procs_blocked: x.procs_blocked };
}

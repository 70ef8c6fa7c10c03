// /proc/interrupts (Linux 6.1 kernel/irq/proc.c show_interrupts, then arch_show_interrupts),
// field by field:
//   header      "%*s" of prec + 8 spaces, then "CPU%-8d" per cpu
//   irq line    "%*d: " (prec), "%10u " per cpu, " %8s" chip name, " %*lu" hwirq (prec),
//               " %-8s" Level/Edge (GENERIC_IRQ_SHOW_LEVEL), "  %s" action name
//   arch rows   x86's arch_show_interrupts: "%*s: " (prec), "%10u " per cpu, "  " + description:
//               LOC (Local timer interrupts), RES (Rescheduling), CAL (Function call), TLB
//               (TLB shootdowns), in x86's order.
// The per-core timer and the IPIs are shown as x86 shows them (the rows the issue and the
// seeds name), not as riscv 6.1's "5: RISC-V INTC riscv-timer" line and IPI0..IPI5 rows: the
// counts are the same (LOC is the riscv-timer line's kstat_irqs, RES and CAL the IPI stats),
// and like x86's LOC the timer line is not listed among the numbered lines. Device lines (the
// NIC's queues behind the PLIC) are. prec = 3 while nr_irqs < 1000.

import { type IrqDescs, type IrqLine, RISCV_TIMER_IRQ } from '../irq/irqdesc.ts';
import { IPI_CALL_FUNC, IPI_MAX, IPI_RESCHEDULE, type Ipi } from '../irq/ipi.ts';

export interface InterruptsSnapshot {
  cpus: number;
  nrIrqs: number;
  lines: readonly IrqLine[];
  /** irqCounts[k][cpu] for lines[k]. */
  irqCounts: readonly (readonly number[])[];
  /** ipiCounts[op][cpu]. */
  ipiCounts: readonly (readonly number[])[];
  /** tlbCounts[cpu]. */
  tlbCounts: readonly number[];
}

const u10 = (v: number): string => String(v >>> 0).padStart(10) + ' ';

/** The arch rows of a snapshot, x86's names and descriptions, in x86's order. */
export function archRows(s: InterruptsSnapshot): { name: string; counts: readonly number[]; desc: string }[] {
  const k = s.lines.findIndex((l) => l.irq === RISCV_TIMER_IRQ);
  const loc = k >= 0 ? s.irqCounts[k]! : new Array<number>(s.cpus).fill(0);
  return [
    { name: 'LOC', counts: loc, desc: 'Local timer interrupts' },
    { name: 'RES', counts: s.ipiCounts[IPI_RESCHEDULE]!, desc: 'Rescheduling interrupts' },
    { name: 'CAL', counts: s.ipiCounts[IPI_CALL_FUNC]!, desc: 'Function call interrupts' },
    { name: 'TLB', counts: s.tlbCounts, desc: 'TLB shootdowns' },
  ];
}

export function show_interrupts(s: InterruptsSnapshot): string {
  let prec = 3;
  for (let j = 1000; prec < 10 && j <= s.nrIrqs; prec++) j *= 10;
  let out = ' '.repeat(prec + 8);
  for (let c = 0; c < s.cpus; c++) out += `CPU${String(c).padEnd(8)}`;
  out += '\n';
  const order = s.lines.map((l, k) => k).filter((k) => s.lines[k]!.irq !== RISCV_TIMER_IRQ).sort((a, b) => s.lines[a]!.irq - s.lines[b]!.irq);
  for (const k of order) {
    const l = s.lines[k]!;
    out += `${String(l.irq).padStart(prec)}: `;
    for (let c = 0; c < s.cpus; c++) out += u10(s.irqCounts[k]![c]!);
    out += ` ${l.chip.padStart(8)} ${String(l.hwirq).padStart(prec)} ${(l.level ? 'Level' : 'Edge').padEnd(8)}  ${l.name}\n`;
  }
  for (const r of archRows(s)) {
    out += `${r.name.padStart(prec)}: `;
    for (let c = 0; c < s.cpus; c++) out += u10(r.counts[c]!);
    out += `  ${r.desc}\n`;
  }
  return out;
}

export function interruptsSnapshot(irqs: IrqDescs, ipi: Ipi): InterruptsSnapshot {
  const cpus = irqs.cpus;
  const range = [...Array(cpus).keys()];
  return {
    cpus,
    nrIrqs: irqs.nrIrqs,
    lines: irqs.lines,
    irqCounts: irqs.lines.map((l) => range.map((c) => irqs.kstat_irqs_cpu(l.irq, c))),
    ipiCounts: [...Array(IPI_MAX).keys()].map((op) => range.map((c) => ipi.stats(c, op))),
    tlbCounts: range.map((c) => ipi.tlb_count(c)),
  };
}

export function interrupts(irqs: IrqDescs, ipi: Ipi): string {
  return show_interrupts(interruptsSnapshot(irqs, ipi));
}

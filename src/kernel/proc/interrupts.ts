// /proc/interrupts (Linux 6.1 kernel/irq/proc.c show_interrupts, riscv arch_show_interrupts →
// arch/riscv/kernel/smp.c show_ipi_stats), field by field:
//   header      "%*s" of prec + 8 spaces, then "CPU%-8d" per cpu
//   irq line    "%*d: " (prec), "%10u " per cpu, " %8s" chip name, " %*lu" hwirq (prec),
//               " %-8s" Level/Edge (GENERIC_IRQ_SHOW_LEVEL), "  %s" action name
//               (every configured line has an action, so every line is shown)
//   IPI lines   "%*s%u:%s" ("IPI" in prec - 1, number, a space only when prec >= 4),
//               "%10lu " per cpu, " %s" name
//   TLB line    x86's "%*s: " (prec), "%10u " per cpu, "  TLB shootdowns" — riscv 6.1 has no
//               such row (see irq/ipi.ts); it follows the IPI rows here.
// prec = 3 while nr_irqs < 1000 (one more digit per power of ten).

import { type IrqDescs, type IrqLine } from '../irq/irqdesc.ts';
import { IPI_MAX, ipi_names, type Ipi } from '../irq/ipi.ts';

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

export function show_interrupts(s: InterruptsSnapshot): string {
  let prec = 3;
  for (let j = 1000; prec < 10 && j <= s.nrIrqs; prec++) j *= 10;
  let out = ' '.repeat(prec + 8);
  for (let c = 0; c < s.cpus; c++) out += `CPU${String(c).padEnd(8)}`;
  out += '\n';
  const order = s.lines.map((l, k) => k).sort((a, b) => s.lines[a]!.irq - s.lines[b]!.irq);
  for (const k of order) {
    const l = s.lines[k]!;
    out += `${String(l.irq).padStart(prec)}: `;
    for (let c = 0; c < s.cpus; c++) out += u10(s.irqCounts[k]![c]!);
    out += ` ${l.chip.padStart(8)} ${String(l.hwirq).padStart(prec)} ${(l.level ? 'Level' : 'Edge').padEnd(8)}  ${l.name}\n`;
  }
  for (let op = 0; op < IPI_MAX; op++) {
    out += `${'IPI'.padStart(prec - 1)}${op}:${prec >= 4 ? ' ' : ''}`;
    for (let c = 0; c < s.cpus; c++) out += u10(s.ipiCounts[op]![c]!);
    out += ` ${ipi_names[op]}\n`;
  }
  out += `${'TLB'.padStart(prec)}: `;
  for (let c = 0; c < s.cpus; c++) out += u10(s.tlbCounts[c]!);
  out += '  TLB shootdowns\n';
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

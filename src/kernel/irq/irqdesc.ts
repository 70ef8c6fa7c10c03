// Interrupt descriptors (Linux 6.1 kernel/irq/irqdesc.c, handle.c): the machine's interrupt
// lines as /proc/interrupts lists them, per-core counts (kstat_irqs), and the top-half entry
// generic_handle_arch_irq = irq_enter → the line's action → irq_exit (softirqs run there).
//
// The lines are fixed at boot and the same in every worker (a plain structured-clone-safe
// array); actions are host functions registered per worker with request_irq. This machine has
// the per-core supervisor timer of the RISC-V local interrupt controller, Linux irq 5 on
// "RISC-V INTC" hwirq 5 (IRQ_S_TIMER), as riscv Linux 6.1 shows it ("riscv-timer"); devices
// (a simulated NIC) add lines behind a PLIC.
//
// Layout of the counts: one SharedArrayBuffer, per core a block of nr_irqs u32 rounded up to
// 128 bytes; block c written by core c only (Atomics.add, so a reader never sees a torn value).

import type { Softirq } from '../softirq.ts';

export interface IrqLine {
  /** Linux irq number (/proc/interrupts' first column, /proc/stat's intr position). */
  irq: number;
  /** irq_chip name, e.g. "RISC-V INTC", "SiFive PLIC". */
  chip: string;
  /** Hardware irq number in the chip's domain. */
  hwirq: number;
  /** irqd_is_level_type: "Level", else "Edge". */
  level: boolean;
  /** The action's name (request_irq's name), e.g. "riscv-timer". */
  name: string;
}

/** nr_irqs: /proc/stat's intr line lists this many. */
export const NR_IRQS = 64;
export const RISCV_TIMER_IRQ = 5;
export const IRQ_S_TIMER = 5;

export const riscvTimerLine: IrqLine = { irq: RISCV_TIMER_IRQ, chip: 'RISC-V INTC', hwirq: IRQ_S_TIMER, level: false, name: 'riscv-timer' };

/** An interrupt line's top half: runs in hardirq context on `cpu`. `userMode`: user_mode(regs). */
export type IrqAction = (cpu: number, userMode: boolean) => void;

function blockWords(nrIrqs: number): number {
  return Math.ceil(nrIrqs / 32) * 32;
}

export function allocIrqStatBuffer(cpus: number, nrIrqs = NR_IRQS): SharedArrayBuffer {
  return new SharedArrayBuffer(cpus * blockWords(nrIrqs) * 4);
}

export function checkLines(lines: readonly IrqLine[], nrIrqs: number): void {
  const seen = new Set<number>();
  for (const l of lines) {
    if (!Number.isInteger(l.irq) || l.irq < 0 || l.irq >= nrIrqs) throw new RangeError(`irq: line "${l.name}" has irq ${l.irq}, outside 0..${nrIrqs - 1}`);
    if (seen.has(l.irq)) throw new RangeError(`irq: irq ${l.irq} given twice`);
    seen.add(l.irq);
  }
}

export class IrqDescs {
  readonly counts: Int32Array;
  readonly cpus: number;
  private readonly block: number;
  private readonly actions = new Map<number, IrqAction>();

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly lines: readonly IrqLine[],
    readonly softirq: Softirq,
    readonly nrIrqs = NR_IRQS,
  ) {
    checkLines(lines, nrIrqs);
    this.counts = new Int32Array(buffer);
    this.block = blockWords(nrIrqs);
    this.cpus = buffer.byteLength / (this.block * 4);
  }

  /** request_irq / request_percpu_irq: this worker's handler for `irq`. */
  request_irq(irq: number, action: IrqAction): void {
    if (!this.lines.some((l) => l.irq === irq)) throw new RangeError(`irq: no line ${irq}`);
    this.actions.set(irq, action);
  }

  /** kstat_irqs_cpu(irq, cpu) (unsigned). */
  kstat_irqs_cpu(irq: number, cpu: number): number {
    return Atomics.load(this.counts, cpu * this.block + irq) >>> 0;
  }
  /** kstat_cpu_irqs_sum(cpu): every line's count on `cpu`. */
  kstat_cpu_irqs_sum(cpu: number): number {
    let s = 0;
    for (let irq = 0; irq < this.nrIrqs; irq++) s += this.kstat_irqs_cpu(irq, cpu);
    return s;
  }

  /**
   * generic_handle_arch_irq for one pending line: irq_enter, count it (kstat_incr_irqs_this_cpu),
   * run its action, irq_exit (which runs the softirqs the top half raised, see softirq.ts). The
   * caller charges the top half's cost to the core inside the action.
   */
  handle_irq(cpu: number, irq: number, userMode: boolean): void {
    const action = this.actions.get(irq);
    if (action === undefined) throw new RangeError(`irq: cpu ${cpu}: irq ${irq} has no action (request_irq)`);
    this.softirq.irq_enter(cpu);
    Atomics.add(this.counts, cpu * this.block + irq, 1);
    action(cpu, userMode);
    this.softirq.irq_exit(cpu);
  }
}

// Inter-processor interrupts as riscv Linux 6.1 has them (arch/riscv/kernel/smp.c): per core a
// word of pending message bits (ipi_data[cpu].bits) that senders set and the target takes with
// one exchange, and per-message counts (ipi_data[cpu].stats) that /proc/interrupts prints as the
// IPI0..IPI5 rows. The TLB shootdown count (mm/tlb_shootdown.ts) sits here too: riscv 6.1 flushes
// remote TLBs by SBI and has no such row; this machine sends function-call IPIs for it and
// counts them in a row worded as x86's ("TLB: ... TLB shootdowns").
//
// A pending bit is a level, like the hart's SSIP: two sends before the target looks make one
// interrupt. The target notices at its next poll (the hart polls between instruction blocks
// and in idle) and handles all pending messages in one interrupt (irq_enter ... irq_exit).
//
// Layout: one SharedArrayBuffer, IPI_BYTES = 128 per core (its own host line):
//   i32 [0]       pending bits (bit = enum ipi_message_type), Atomics: senders or, target exchange
//   i32 [1 + k]   stats[k]: messages of type k handled by this core          (this core only)
//   i32 [8 + k]   raises[k]: sends that found bit k clear (each one interrupt) (senders, Atomics)
//   i32 [16]      TLB shootdowns this core applied for another core           (this core only)

import type { Softirq } from '../softirq.ts';

// enum ipi_message_type (6.1)
export const IPI_RESCHEDULE = 0;
export const IPI_CALL_FUNC = 1;
export const IPI_CPU_STOP = 2;
export const IPI_CPU_CRASH_STOP = 3;
export const IPI_IRQ_WORK = 4;
export const IPI_TIMER = 5;
export const IPI_MAX = 6;

export const ipi_names: readonly string[] = [
  'Rescheduling interrupts',
  'Function call interrupts',
  'CPU stop interrupts',
  'CPU stop (for crash dump) interrupts',
  'IRQ work interrupts',
  'Timer broadcast interrupts',
];

export const IPI_BYTES = 128;
const SLOT = IPI_BYTES / 4;
const I_BITS = 0;
const I_STATS = 1;
const I_RAISES = 8;
const I_TLB = 16;

export function allocIpiBuffer(cpus: number): SharedArrayBuffer {
  return new SharedArrayBuffer(cpus * IPI_BYTES);
}

/** What the messages do on the target (per worker). */
export interface IpiHooks {
  /** scheduler_ipi: the target's need_resched was set by the sender; nothing else to do here. */
  scheduler_ipi?(cpu: number): void;
  /** ipi_stop: the core stops (machine shutdown or crash). */
  ipi_stop?(cpu: number): void;
  irq_work_run?(cpu: number): void;
  tick_broadcast?(cpu: number): void;
}

export class Ipi {
  readonly i: Int32Array;
  readonly cpus: number;
  /** generic_smp_call_function_interrupt, set by smp.ts. */
  onCallFunc: ((cpu: number) => void) | null = null;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly softirq: Softirq,
    readonly hooks: IpiHooks = {},
  ) {
    this.i = new Int32Array(buffer);
    this.cpus = buffer.byteLength / IPI_BYTES;
  }

  /** send_ipi_single: post message `op` to `cpu`, from any worker. */
  send_ipi_single(cpu: number, op: number): void {
    if (!(cpu >= 0 && cpu < this.cpus)) throw new RangeError(`ipi: no cpu ${cpu}`);
    const b = cpu * SLOT;
    const bit = 1 << op;
    const old = Atomics.or(this.i, b + I_BITS, bit);
    if ((old & bit) === 0) Atomics.add(this.i, b + I_RAISES + op, 1);
    if (old === 0) Atomics.notify(this.i, b + I_BITS, 1); // a parked idle worker wakes
  }
  /** send_ipi_mask */
  send_ipi_mask(cpus: Iterable<number>, op: number): void {
    for (const c of cpus) this.send_ipi_single(c, op);
  }
  /** smp_send_reschedule */
  smp_send_reschedule(cpu: number): void {
    this.send_ipi_single(cpu, IPI_RESCHEDULE);
  }

  /** An IPI is pending on `cpu` (one Atomics.load: cheap enough for every block boundary). */
  ipi_pending(cpu: number): boolean {
    return Atomics.load(this.i, cpu * SLOT + I_BITS) !== 0;
  }

  /**
   * handle_IPI: take every pending message of `cpu` and act on each, counting it. Runs in
   * hardirq context (handle_ipi_irq wraps it); returns the bits it handled.
   */
  handle_IPI(cpu: number): number {
    const b = cpu * SLOT;
    const ops = Atomics.exchange(this.i, b + I_BITS, 0);
    const h = this.hooks;
    for (let op = 0; op < IPI_MAX; op++) {
      if ((ops & (1 << op)) === 0) continue;
      Atomics.add(this.i, b + I_STATS + op, 1);
      switch (op) {
        case IPI_RESCHEDULE:
          h.scheduler_ipi?.(cpu);
          break;
        case IPI_CALL_FUNC:
          this.onCallFunc?.(cpu);
          break;
        case IPI_CPU_STOP:
        case IPI_CPU_CRASH_STOP:
          h.ipi_stop?.(cpu);
          break;
        case IPI_IRQ_WORK:
          h.irq_work_run?.(cpu);
          break;
        case IPI_TIMER:
          h.tick_broadcast?.(cpu);
          break;
      }
    }
    return ops;
  }

  /** The software interrupt as the hart takes it: irq_enter, handle_IPI, irq_exit. */
  handle_ipi_irq(cpu: number): number {
    this.softirq.irq_enter(cpu);
    const ops = this.handle_IPI(cpu);
    this.softirq.irq_exit(cpu);
    return ops;
  }

  /** The hart's poll: take the interrupt if one is pending. Returns the bits handled (0: none). */
  poll(cpu: number): number {
    if (Atomics.load(this.i, cpu * SLOT + I_BITS) === 0) return 0;
    return this.handle_ipi_irq(cpu);
  }

  /** An idle worker with nothing else to do parks until a send (or `timeoutMs`). */
  wait_for_ipi(cpu: number, timeoutMs: number): void {
    Atomics.wait(this.i, cpu * SLOT + I_BITS, 0, timeoutMs);
  }

  /** Wake `cpu`'s worker if it is parked in wait_for_ipi (a waiter whose call completed). */
  wake(cpu: number): void {
    Atomics.notify(this.i, cpu * SLOT + I_BITS, 1);
  }

  /** ipi_data[cpu].stats[op] (unsigned). */
  stats(cpu: number, op: number): number {
    return Atomics.load(this.i, cpu * SLOT + I_STATS + op) >>> 0;
  }
  /** Sends to `cpu` of `op` that raised an interrupt (found the bit clear). */
  raises(cpu: number, op: number): number {
    return Atomics.load(this.i, cpu * SLOT + I_RAISES + op) >>> 0;
  }
  /** TLB shootdowns `cpu` applied for other cores (x86's irq_tlb_count). */
  tlb_count(cpu: number): number {
    return Atomics.load(this.i, cpu * SLOT + I_TLB) >>> 0;
  }
  inc_tlb_count(cpu: number): void {
    Atomics.add(this.i, cpu * SLOT + I_TLB, 1);
  }
}

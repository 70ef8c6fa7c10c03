// TLB shootdowns (riscv Linux 6.1 arch/riscv/mm/tlbflush.c names; the IPI path is x86's
// arch/x86/mm/tlb.c): a core that changes a mapping flushes its own TLB and asks every other
// core that may cache the mm to flush too, through function-call IPIs (smp.ts), waiting until
// all have. riscv 6.1 asks the SBI firmware instead; this machine has no firmware, so it does
// what x86 does and counts each remote flush in /proc/interrupts' TLB row (irq_tlb_count).
//
// A request is (mm id, start, end): the virtual range [start, end) of one address space, or
// end = TLB_FLUSH_ALL for the whole mm, or mm = FLUSH_ALL_MM for every address space. The
// hart applies it to its own TLB through `local_flush` (per worker).

import type { Ipi } from '../irq/ipi.ts';
import type { Smp } from '../smp.ts';

/** The smp.ts function id of a remote flush. */
export const SMP_FN_FLUSH_TLB = 1;
export const TLB_FLUSH_ALL = -1;
export const FLUSH_ALL_MM = -1;

/** Flush [start, end) of `mm` (end TLB_FLUSH_ALL: all of it; mm FLUSH_ALL_MM: every mm) here. */
export type LocalFlush = (cpu: number, mm: number, start: number, end: number) => void;

export class TlbFlush {
  constructor(
    readonly smp: Smp,
    readonly ipi: Ipi,
    private readonly local_flush: LocalFlush,
  ) {
    // flush_tlb_func, remote side: counts as a shootdown received
    smp.smp_register(SMP_FN_FLUSH_TLB, (cpu, mm, start, end) => {
      this.ipi.inc_tlb_count(cpu);
      this.local_flush(cpu, mm, start, end);
    });
  }

  /**
   * flush_tlb_range: core `src` changed [start, end) of `mm`; `cpus` is mm_cpumask (the cores
   * that may hold its translations). Flushes here if src is one of them, and waits for the rest.
   */
  flush_tlb_range(src: number, cpus: Iterable<number>, mm: number, start: number, end: number): void {
    const list = [...cpus];
    if (list.includes(src)) this.local_flush(src, mm, start, end);
    this.smp.smp_call_function_many(src, list, SMP_FN_FLUSH_TLB, mm, start, end, 0, true);
  }

  /** flush_tlb_mm: the whole address space `mm`. */
  flush_tlb_mm(src: number, cpus: Iterable<number>, mm: number): void {
    this.flush_tlb_range(src, cpus, mm, 0, TLB_FLUSH_ALL);
  }

  /** flush_tlb_all: every address space on every core in `cpus`. */
  flush_tlb_all(src: number, cpus: Iterable<number>): void {
    this.flush_tlb_range(src, cpus, FLUSH_ALL_MM, 0, TLB_FLUSH_ALL);
  }
}

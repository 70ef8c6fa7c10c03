// TLB shootdowns (riscv Linux 6.1 arch/riscv/mm/tlbflush.c names; the IPI path is x86's
// arch/x86/mm/tlb.c): a core that changes a mapping flushes its own TLB and asks every other
// core that may cache the mm to flush too, through function-call IPIs (smp.ts), waiting until
// all have. riscv 6.1 asks the SBI firmware instead; this machine has no firmware, so it does
// what x86 does and counts each remote flush in /proc/interrupts' TLB row (irq_tlb_count).
//
// A request is (mm id, start, end): the virtual range [start, end) of one address space, or
// end = TLB_FLUSH_ALL for the whole mm, or mm = FLUSH_ALL_MM for every address space. The
// hart applies it to its own TLB through `local_flush` (per worker).
//
// MmTlbFlush (below) is what the mm code calls: the local flush by the mm's ASID, the
// targets from mm_cpumask (context.ts), counted per core, over a transport: the cores of
// this worker directly, or these IPIs.

import type { Ipi } from '../irq/ipi.ts';
import type { Smp } from '../smp.ts';
import type { AsidAllocator } from './context.ts';
import type { CpuMmu } from './tlbflush.ts';

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

/**
 * How a shootdown reaches other cores: returns once every target has flushed (Linux waits
 * for its flush IPIs). `targets` never holds the sender.
 */
export interface ShootdownTransport {
  shootdown(src: number, targets: number[], mm: number, start: number, end: number): void;
}

/**
 * Pages a range flush drops one by one; a longer range drops the whole ASID (Linux 6.8's
 * riscv tlb_flush_all_threshold, 64; 6.1 flushed the ASID for anything over a page).
 */
export const TLB_FLUSH_ALL_THRESHOLD = 64;

/**
 * flush_tlb_page / _range / _mm of one mm as the kernel's mm code calls them: the local core
 * flushes by the mm's ASID (context.ts), and every other core of mm_cpumask gets a shootdown
 * through the transport, counted as sent here and received there. The flush on a core
 * (local_flush) needs that core's MMU, so it runs in the worker that hosts the core.
 */
export class MmTlbFlush {
  constructor(
    readonly asids: AsidAllocator,
    /** The MMU of a core this worker hosts (undefined: another worker's). */
    private readonly mmuOf: (cpu: number) => CpuMmu | undefined,
    /** Default: cores of this worker directly (the IPI path, smpShootdown, reaches the others). */
    private transport: ShootdownTransport = directShootdown((cpu, mm, s, e) => this.remote_flush(cpu, mm, s, e)),
  ) {}

  setTransport(t: ShootdownTransport): void {
    this.transport = t;
  }

  flush_tlb_page(cpu: number, m: number, va: number): void {
    const page = va - (((va % 4096) + 4096) % 4096);
    this.flush_tlb_range(cpu, m, page, page + 4096);
  }

  flush_tlb_mm(cpu: number, m: number): void {
    this.flush_tlb_range(cpu, m, 0, TLB_FLUSH_ALL);
  }

  /** [start, end) of mm m changed on core `cpu` (end TLB_FLUSH_ALL: all of m). */
  flush_tlb_range(cpu: number, m: number, start: number, end: number): void {
    const cpus = this.asids.mm_cpumask(m);
    const targets = cpus.filter((c) => c !== cpu);
    if (cpus.includes(cpu)) this.local_flush(cpu, m, start, end);
    if (targets.length === 0) return;
    this.asids.countSent(cpu, targets.length);
    this.transport.shootdown(cpu, targets, m, start, end);
  }

  /** A shootdown arriving on `cpu` (the IPI handler's work). */
  remote_flush(cpu: number, m: number, start: number, end: number): void {
    this.asids.countReceived(cpu);
    this.local_flush(cpu, m, start, end);
  }

  /** sfence.vma on `cpu` for [start, end) of m by its ASID (mm FLUSH_ALL_MM: everything). */
  local_flush(cpu: number, m: number, start: number, end: number): void {
    const mmu = this.mmuOf(cpu);
    if (!mmu) throw new Error(`BUG: TLB flush for core ${cpu}, which this worker does not host`);
    if (m === FLUSH_ALL_MM) return mmu.flushTlbAll();
    const asid = this.asids.asid(m);
    if (asid === 0) return; // never ran: nothing cached under it
    if (end === TLB_FLUSH_ALL || (end - start) / 4096 > TLB_FLUSH_ALL_THRESHOLD) return mmu.flushTlbAsid(asid);
    for (let a = start; a < end; a += 4096) mmu.flushTlbPageAsid(a, asid);
  }
}

/**
 * The transport inside one worker: each target flushes at once (the worker runs its cores
 * one at a time, so a target is between instructions now). A core of another worker needs
 * the IPI path (smpShootdown): refused as a bug, never skipped.
 */
export function directShootdown(flush: LocalFlush, hosted?: (cpu: number) => boolean): ShootdownTransport {
  return {
    shootdown(src, targets, mm, start, end) {
      for (const c of targets) {
        if (hosted && !hosted(c)) throw new Error(`BUG: TLB shootdown from core ${src} to core ${c} in another worker without the IPI path (smpShootdown)`);
        flush(c, mm, start, end);
      }
    },
  };
}

/**
 * The transport over function-call IPIs (smp.ts, irq/ipi.ts): irq's TlbFlush handler runs
 * `flush.remote_flush` on each target and counts it in /proc/interrupts' TLB row; the
 * sender waits for all (csd_lock_wait) while taking its own IPIs.
 */
export function smpShootdown(smp: Smp, ipi: Ipi, flush: MmTlbFlush): ShootdownTransport {
  new TlbFlush(smp, ipi, (cpu, mm, start, end) => flush.remote_flush(cpu, mm, start, end));
  return {
    shootdown(src, targets, mm, start, end) {
      smp.smp_call_function_many(src, targets, SMP_FN_FLUSH_TLB, mm, start, end, 0, true);
    },
  };
}

// CPU time accounting (Linux 6.1 kernel/sched/cputime.c with CONFIG_IRQ_TIME_ACCOUNTING): the
// per-core kernel_cpustat buckets /proc/stat and top print. Kept under time/ (Linux has it in
// kernel/sched/) so the scheduler's folder stays with the scheduler branch.
//
// How time reaches a bucket, as on Linux:
//   - hardirq and softirq time is exact: irqtime_account_irq charges the simulated ns between
//     context changes (irq_enter, irq_exit, softirq entry and exit) to IRQ or SOFTIRQ, except
//     softirq time run by ksoftirqd/N, which stays the thread's own;
//   - the rest is sampled by the tick: each tick charges TICK_NSEC, minus the irq time charged
//     since the previous tick, to USER (NICE for a task with nice > 0), SYSTEM, or SOFTIRQ when
//     the current task is ksoftirqd/N (irqtime_account_process_tick);
//   - idle and iowait are the exact nohz idle sleep times kept by time/tick.ts (get_idle_time in
//     fs/proc/stat.c reads those, not cpustat[CPUTIME_IDLE], when NO_HZ is on — it always is here).
//
// Layout: one SharedArrayBuffer, CPUTIME_BYTES = 256 per core (two 128-byte host lines).
//   f64 c*32 + k (k < NR_STATS)   cpustat[k] in ns          written by core c only
//   f64 c*32 + 10                  irqtime.irq_start_time    core c only
//   f64 c*32 + 11                  irqtime.tick_delta        core c only
//   i32 c*64 + 32                  rq->nr_iowait             Atomics (the waker may be another core)
// Readers on other cores read the f64 fields without a lock; a value may lag, never tears.

import { HARDIRQ_MASK, type PreemptCount, SOFTIRQ_OFFSET } from '../irq/preempt.ts';

// enum cpu_usage_stat (include/linux/kernel_stat.h)
export const CPUTIME_USER = 0;
export const CPUTIME_NICE = 1;
export const CPUTIME_SYSTEM = 2;
export const CPUTIME_SOFTIRQ = 3;
export const CPUTIME_IRQ = 4;
export const CPUTIME_IDLE = 5;
export const CPUTIME_IOWAIT = 6;
export const CPUTIME_STEAL = 7;
export const CPUTIME_GUEST = 8;
export const CPUTIME_GUEST_NICE = 9;
export const NR_STATS = 10;

export const CPUTIME_BYTES = 256;
const F_SLOT = CPUTIME_BYTES / 8;
const I_SLOT = CPUTIME_BYTES / 4;
const F_IRQ_START = 10;
const F_TICK_DELTA = 11;
const I_NR_IOWAIT = 32;

/** What the tick found running (irqtime_account_process_tick's cases). */
export const TICK_TASK = 0;
export const TICK_IDLE = 1;
export const TICK_KSOFTIRQD = 2;

export function allocCputimeBuffer(cpus: number): SharedArrayBuffer {
  return new SharedArrayBuffer(cpus * CPUTIME_BYTES);
}

export class Cputime {
  readonly f: Float64Array;
  readonly i: Int32Array;
  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly preempt: PreemptCount,
    /** TICK_NSEC of the configured HZ. */
    readonly tickNsec: number,
  ) {
    this.f = new Float64Array(buffer);
    this.i = new Int32Array(buffer);
  }

  /** cpustat[index] of `cpu`, ns. */
  stat(cpu: number, index: number): number {
    return this.f[cpu * F_SLOT + index]!;
  }
  private add(cpu: number, index: number, ns: number): void {
    this.f[cpu * F_SLOT + index] += ns;
  }

  /**
   * irqtime_account_irq: charge the time since the last context change of `cpu` to the context
   * being left. `offset` is what the caller is about to add (irq_enter: HARDIRQ_OFFSET; softirq
   * entry: SOFTIRQ_OFFSET) or 0 when it has just left (called before the count drops, as Linux).
   * `ksoftirqd`: the current task is ksoftirqd/N, whose softirq time stays its own.
   */
  irqtime_account_irq(cpu: number, now: number, offset: number, ksoftirqd: boolean): void {
    const b = cpu * F_SLOT;
    const delta = now - this.f[b + F_IRQ_START]!;
    this.f[b + F_IRQ_START] = now;
    if (delta <= 0) return;
    const pc = this.preempt.irq_count(cpu) - offset;
    if ((pc & HARDIRQ_MASK) !== 0) {
      this.f[b + CPUTIME_IRQ] += delta;
      this.f[b + F_TICK_DELTA] += delta;
    } else if ((pc & SOFTIRQ_OFFSET) !== 0 && !ksoftirqd) {
      this.f[b + CPUTIME_SOFTIRQ] += delta;
      this.f[b + F_TICK_DELTA] += delta;
    }
  }

  /**
   * irqtime_account_process_tick: `ticks` ticks elapsed on `cpu`; the part not already charged
   * as irq time goes to the bucket of what was running: `kind` TICK_TASK (user or system by
   * `userTick`, NICE when `nice` > 0), TICK_KSOFTIRQD (SOFTIRQ) or TICK_IDLE (nothing: idle
   * time is the exact nohz sleep time, see the header).
   */
  account_process_tick(cpu: number, ticks: number, userTick: boolean, kind: number, nice: number): void {
    let cputime = this.tickNsec * ticks;
    const b = cpu * F_SLOT;
    const other = Math.min(this.f[b + F_TICK_DELTA]!, cputime);
    this.f[b + F_TICK_DELTA] -= other;
    if (other >= cputime) return;
    cputime -= other;
    if (kind === TICK_KSOFTIRQD) this.add(cpu, CPUTIME_SOFTIRQ, cputime);
    else if (kind === TICK_IDLE) return;
    else if (userTick) this.add(cpu, nice > 0 ? CPUTIME_NICE : CPUTIME_USER, cputime);
    else this.add(cpu, CPUTIME_SYSTEM, cputime);
  }

  /** Start the irqtime clock of `cpu` at boot (its first context change measures from here). */
  irqtime_start(cpu: number, now: number): void {
    this.f[cpu * F_SLOT + F_IRQ_START] = now;
  }

  /** rq->nr_iowait: tasks that went to sleep on `cpu` waiting for I/O (io_schedule). */
  nr_iowait(cpu: number): number {
    return Atomics.load(this.i, cpu * I_SLOT + I_NR_IOWAIT);
  }
  /** io_schedule_prepare / a waking task: +1 / -1 on the run queue it slept on. */
  nr_iowait_add(cpu: number, v: number): void {
    Atomics.add(this.i, cpu * I_SLOT + I_NR_IOWAIT, v);
  }
}

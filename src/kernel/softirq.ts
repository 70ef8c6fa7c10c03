// Soft interrupts (Linux 6.1 kernel/softirq.c): the ten vectors, per-core pending bits, the
// bottom half run at irq_exit by __do_softirq with Linux's limits, and the hand-off to the
// per-core thread ksoftirqd/N. irq_enter/irq_exit live here too, as in Linux.
//
// Simulated time. The caller's clock (hooks.now: the core's cycle counter in ns) is the only
// clock. A handler charges its own simulated cost to the core (it advances the core's cycles);
// __do_softirq reads the clock after each pass to apply MAX_SOFTIRQ_TIME. Linux 6.1 measures
// that limit in jiffies (msecs_to_jiffies(2): one jiffy at HZ=250); here it is 2 ms of the
// core's ns clock, as the sched_clock-based rework proposed upstream does.
//
// Layout: one SharedArrayBuffer, SOFTIRQ_BYTES = 256 per core (two 128-byte host lines):
//   i32 c*64 + 0          pending bits (bit nr = vector), Atomics; changed only by core c
//   i32 c*64 + 1          wakeup_softirqd calls (hand-offs to ksoftirqd/c)
//   i32 c*64 + 2          __do_softirq restarts (goto restart taken)
//   i32 c*64 + 8 + nr     kstat softirqs[nr]: handler runs, /proc/softirqs (u32, wraps as Linux)
//   f64 c*32 + 16 + nr    simulated ns spent in vector nr's handler
// Written by core c's worker only; read by anyone (/proc readers) without a lock.
//
// Handlers are host functions, registered per worker with open_softirq (every worker registers
// the same ones at boot, as every Linux CPU runs the same code).

import type { Cputime } from './time/cputime.ts';
import { HARDIRQ_OFFSET, type PreemptCount, SOFTIRQ_DISABLE_OFFSET, SOFTIRQ_OFFSET } from './irq/preempt.ts';

export const HI_SOFTIRQ = 0;
export const TIMER_SOFTIRQ = 1;
export const NET_TX_SOFTIRQ = 2;
export const NET_RX_SOFTIRQ = 3;
export const BLOCK_SOFTIRQ = 4;
export const IRQ_POLL_SOFTIRQ = 5;
export const TASKLET_SOFTIRQ = 6;
export const SCHED_SOFTIRQ = 7;
export const HRTIMER_SOFTIRQ = 8;
export const RCU_SOFTIRQ = 9;
export const NR_SOFTIRQS = 10;

/** softirq_to_name (kernel/softirq.c). */
export const softirq_to_name: readonly string[] = ['HI', 'TIMER', 'NET_TX', 'NET_RX', 'BLOCK', 'IRQ_POLL', 'TASKLET', 'SCHED', 'HRTIMER', 'RCU'];

/** Vectors that are never deferred to ksoftirqd (SOFTIRQ_NOW_MASK). */
export const SOFTIRQ_NOW_MASK = (1 << HI_SOFTIRQ) | (1 << TASKLET_SOFTIRQ);
/** __do_softirq restarts at most this many passes (the first pass included: --max_restart). */
export const MAX_SOFTIRQ_RESTART = 10;
/** ...and for at most 2 ms of the core's simulated time. */
export const MAX_SOFTIRQ_TIME_NS = 2_000_000;

export const SOFTIRQ_BYTES = 256;
const I_SLOT = SOFTIRQ_BYTES / 4;
const F_SLOT = SOFTIRQ_BYTES / 8;
const I_PENDING = 0;
const I_WAKEUPS = 1;
const I_RESTARTS = 2;
const I_COUNT = 8;
const F_TIME = 16;

export function allocSoftirqBuffer(cpus: number): SharedArrayBuffer {
  return new SharedArrayBuffer(cpus * SOFTIRQ_BYTES);
}

/** What softirq.c needs from the rest of the kernel, per core. */
export interface SoftirqHooks {
  /** The core's simulated clock in ns. */
  now(cpu: number): number;
  /** need_resched() of the core's current task. */
  need_resched(cpu: number): boolean;
  /** wakeup_softirqd: wake ksoftirqd/cpu (wake_up_process on its run queue). */
  wakeup_softirqd(cpu: number): void;
  /** task_is_running(ksoftirqd/cpu): its state is TASK_RUNNING (woken, not yet back asleep). */
  ksoftirqd_task_running(cpu: number): boolean;
  /** The core's current task is ksoftirqd/cpu. */
  current_is_ksoftirqd(cpu: number): boolean;
}

/** The nohz idle hooks irq_enter/irq_exit call (time/tick.ts implements them). */
export interface TickIrqHooks {
  tick_irq_enter(cpu: number, now: number): void;
  tick_irq_exit(cpu: number, now: number): void;
}

export type SoftirqAction = (cpu: number) => void;

export class Softirq {
  readonly i: Int32Array;
  readonly f: Float64Array;
  readonly cpus: number;
  private readonly actions: (SoftirqAction | null)[] = new Array<SoftirqAction | null>(NR_SOFTIRQS).fill(null);
  /** Set by time/tick.ts when it is set up. */
  tick: TickIrqHooks | null = null;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly preempt: PreemptCount,
    readonly cputime: Cputime,
    readonly hooks: SoftirqHooks,
  ) {
    this.i = new Int32Array(buffer);
    this.f = new Float64Array(buffer);
    this.cpus = buffer.byteLength / SOFTIRQ_BYTES;
  }

  /** open_softirq: this worker's handler for vector `nr`. */
  open_softirq(nr: number, action: SoftirqAction): void {
    if (!(nr >= 0 && nr < NR_SOFTIRQS)) throw new RangeError(`softirq: no vector ${nr}`);
    this.actions[nr] = action;
  }

  local_softirq_pending(cpu: number): number {
    return Atomics.load(this.i, cpu * I_SLOT + I_PENDING);
  }

  /** kstat_softirqs_cpu(nr, cpu): handler runs of vector nr on cpu (unsigned). */
  kstat_softirqs_cpu(nr: number, cpu: number): number {
    return this.i[cpu * I_SLOT + I_COUNT + nr]! >>> 0;
  }
  /** Simulated ns core `cpu` spent in vector nr's handler. */
  softirq_time(nr: number, cpu: number): number {
    return this.f[cpu * F_SLOT + F_TIME + nr]!;
  }
  /** How often __do_softirq on `cpu` left work to ksoftirqd, and took its restart branch. */
  wakeups(cpu: number): number {
    return this.i[cpu * I_SLOT + I_WAKEUPS]!;
  }
  restarts(cpu: number): number {
    return this.i[cpu * I_SLOT + I_RESTARTS]!;
  }

  /** __raise_softirq_irqoff: set the pending bit only. */
  __raise_softirq_irqoff(cpu: number, nr: number): void {
    if (this.actions[nr] == null) throw new RangeError(`softirq: raise of ${softirq_to_name[nr] ?? nr} with no handler (open_softirq)`);
    Atomics.or(this.i, cpu * I_SLOT + I_PENDING, 1 << nr);
  }

  /** raise_softirq_irqoff: mark pending; outside interrupt context nobody runs it at irq exit,
   *  so wake ksoftirqd (should_wake_ksoftirqd is true without PREEMPT_RT). Local core only. */
  raise_softirq_irqoff(cpu: number, nr: number): void {
    this.__raise_softirq_irqoff(cpu, nr);
    if (!this.preempt.in_interrupt(cpu)) this.wakeup_softirqd(cpu);
  }
  /** raise_softirq: the same with interrupts saved and restored (no difference here). */
  raise_softirq(cpu: number, nr: number): void {
    this.raise_softirq_irqoff(cpu, nr);
  }

  private wakeup_softirqd(cpu: number): void {
    this.i[cpu * I_SLOT + I_WAKEUPS]!++;
    this.hooks.wakeup_softirqd(cpu);
  }

  /** ksoftirqd_running (6.1): a runnable ksoftirqd/N takes the work, except HI and TASKLET. */
  ksoftirqd_running(cpu: number, pending: number): boolean {
    if ((pending & SOFTIRQ_NOW_MASK) !== 0) return false;
    return this.hooks.ksoftirqd_task_running(cpu);
  }

  /**
   * __do_softirq: run the pending vectors lowest first, each pass clearing the bits it took;
   * restart while more got raised, for at most MAX_SOFTIRQ_RESTART passes, 2 ms of simulated
   * time and until need_resched; then leave the rest to ksoftirqd/N. Time is charged to
   * SOFTIRQ (or stays ksoftirqd's, see time/cputime.ts).
   */
  __do_softirq(cpu: number): void {
    const hooks = this.hooks;
    const start = hooks.now(cpu);
    const end = start + MAX_SOFTIRQ_TIME_NS;
    let maxRestart = MAX_SOFTIRQ_RESTART;
    const ksoftirqd = hooks.current_is_ksoftirqd(cpu);
    const base = cpu * I_SLOT;
    this.preempt.add(cpu, SOFTIRQ_OFFSET); // softirq_handle_begin
    this.cputime.irqtime_account_irq(cpu, start, SOFTIRQ_OFFSET, ksoftirqd); // account_softirq_enter
    let pending = 0;
    for (;;) {
      pending = Atomics.exchange(this.i, base + I_PENDING, 0); // set_softirq_pending(0)
      for (let nr = 0; pending !== 0; nr++, pending >>>= 1) {
        if ((pending & 1) === 0) continue;
        this.i[base + I_COUNT + nr]!++; // kstat_incr_softirqs_this_cpu
        const t0 = hooks.now(cpu);
        this.actions[nr]!(cpu);
        this.f[cpu * F_SLOT + F_TIME + nr] += hooks.now(cpu) - t0;
      }
      pending = Atomics.load(this.i, base + I_PENDING);
      if (pending === 0) break;
      if (hooks.now(cpu) < end && !hooks.need_resched(cpu) && --maxRestart !== 0) {
        this.i[base + I_RESTARTS]!++;
        continue;
      }
      this.wakeup_softirqd(cpu);
      break;
    }
    this.cputime.irqtime_account_irq(cpu, hooks.now(cpu), 0, ksoftirqd); // account_softirq_exit
    this.preempt.sub(cpu, SOFTIRQ_OFFSET); // softirq_handle_end
  }

  /** invoke_softirq (irq exit): unless ksoftirqd/N is already runnable, run them here. */
  private invoke_softirq(cpu: number): void {
    if (this.ksoftirqd_running(cpu, this.local_softirq_pending(cpu))) return;
    this.__do_softirq(cpu);
  }

  /** do_softirq: run pending softirqs from task context (not from interrupt context). */
  do_softirq(cpu: number): void {
    if (this.preempt.in_interrupt(cpu)) return;
    const pending = this.local_softirq_pending(cpu);
    if (pending !== 0 && !this.ksoftirqd_running(cpu, pending)) this.__do_softirq(cpu);
  }

  /** local_bh_disable / local_bh_enable: a bh-disabled section; pending work runs on enable. */
  local_bh_disable(cpu: number): void {
    this.preempt.add(cpu, SOFTIRQ_DISABLE_OFFSET);
  }
  local_bh_enable(cpu: number): void {
    this.preempt.sub(cpu, SOFTIRQ_DISABLE_OFFSET);
    if (!this.preempt.in_interrupt(cpu) && this.local_softirq_pending(cpu) !== 0) this.do_softirq(cpu);
  }

  /**
   * irq_enter (irq_enter_rcu): enter hardirq context on `cpu`. The time since the last context
   * change goes to the context left; an interrupt into the idle loop ends its idle sleep time.
   */
  irq_enter(cpu: number): void {
    const now = this.hooks.now(cpu);
    this.preempt.add(cpu, HARDIRQ_OFFSET);
    if (this.preempt.irq_count(cpu) === HARDIRQ_OFFSET) this.tick?.tick_irq_enter(cpu, now);
    this.cputime.irqtime_account_irq(cpu, now, HARDIRQ_OFFSET, this.hooks.current_is_ksoftirqd(cpu));
  }

  /**
   * irq_exit (__irq_exit_rcu): charge the top half's time to IRQ, leave hardirq context, run the
   * pending softirqs unless nested or ksoftirqd/N has them, then let an idle core sleep again.
   */
  irq_exit(cpu: number): void {
    this.cputime.irqtime_account_irq(cpu, this.hooks.now(cpu), 0, this.hooks.current_is_ksoftirqd(cpu));
    this.preempt.sub(cpu, HARDIRQ_OFFSET);
    if (!this.preempt.in_interrupt(cpu) && this.local_softirq_pending(cpu) !== 0) this.invoke_softirq(cpu);
    if (!this.preempt.in_interrupt(cpu)) this.tick?.tick_irq_exit(cpu, this.hooks.now(cpu));
  }

  /** ksoftirqd_should_run: the thread has work (smpboot's thread_should_run). */
  ksoftirqd_should_run(cpu: number): boolean {
    return this.local_softirq_pending(cpu) !== 0;
  }

  /**
   * run_ksoftirqd: the body of ksoftirqd/N for one wake-up, run in its task context on `cpu`
   * (hooks.current_is_ksoftirqd(cpu) true). The caller's thread loop (smpboot_thread_fn) is:
   * while should_run: run_ksoftirqd, cond_resched; else set TASK_INTERRUPTIBLE and schedule.
   */
  run_ksoftirqd(cpu: number): void {
    if (this.local_softirq_pending(cpu) !== 0) this.__do_softirq(cpu);
  }
}

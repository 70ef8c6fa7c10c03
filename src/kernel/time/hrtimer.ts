// High-resolution timers (Linux 6.1 kernel/time/hrtimer.c, reduced): per-core queues of
// (expiry ns, kind, arg) for nanosleep, futex timeouts and deadline timers. Hard timers run in
// the timer interrupt (hrtimer_interrupt); soft ones (HRTIMER_MODE_SOFT) in HRTIMER_SOFTIRQ.
// Expiry is the core's simulated clock in ns; two i32 arguments (e.g. task and futex wait seq).
//
// Layout: time/timerqueue.ts queues, two per core: 2c = hard, 2c + 1 = soft; each under its own
// lock (hrtimer_cpu_base->lock), so another core may start or cancel a timer on this core.
// Handles: the queue's handle, plus HRTIMER_SOFT_BIT for the soft queue.
//
// Callbacks are host functions registered per worker by kind (every worker registers the same
// ones). A callback returns the expiry to re-arm at (HRTIMER_RESTART), or nothing.

import { HRTIMER_SOFTIRQ, type Softirq } from '../softirq.ts';
import { allocTimerQueues, TimerQueues } from './timerqueue.ts';

export const HRTIMER_SOFT_BIT = 0x40000000;
/** Default queue capacity per core and mode. */
export const HRTIMER_CAP = 256;

/** Timer kinds (the callback functions' identities). The wiring may register more from 16 on. */
export const HRTIMER_NANOSLEEP = 1; // hrtimer_wakeup: arg = task
export const HRTIMER_FUTEX = 2; // futex_wait timeout: arg = task, arg2 = wait seq (futex_timeout)
export const HRTIMER_DL = 3; // dl_task_timer: arg = task
export const HRTIMER_DL_INACTIVE = 4; // inactive_task_timer: arg = task
export const HRTIMER_RT_PERIOD = 5; // sched_rt_period_timer: arg = cpu

export type HrtimerFn = (cpu: number, arg: number, expires: number, arg2: number) => number | void;

export function allocHrtimerBuffer(cpus: number, cap = HRTIMER_CAP): SharedArrayBuffer {
  return allocTimerQueues(cpus * 2, cap);
}

export class Hrtimer {
  readonly q: TimerQueues;
  private readonly fns = new Map<number, HrtimerFn>();
  private readonly out = new Float64Array(4);

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly softirq: Softirq,
    cap = HRTIMER_CAP,
  ) {
    this.q = new TimerQueues(buffer, cap);
    softirq.open_softirq(HRTIMER_SOFTIRQ, (cpu) => this.hrtimer_run_softirq(cpu));
  }

  /** The callback of timers of `kind` (this worker). */
  hrtimer_register(kind: number, fn: HrtimerFn): void {
    this.fns.set(kind, fn);
  }

  /** hrtimer_start (HRTIMER_MODE_ABS[_SOFT]) on `cpu`'s base. Returns the handle. */
  hrtimer_start(cpu: number, expires: number, kind: number, arg: number, soft = false, arg2 = 0): number {
    if (!this.fns.has(kind)) throw new RangeError(`hrtimer: kind ${kind} has no callback (hrtimer_register)`);
    const qi = cpu * 2 + (soft ? 1 : 0);
    this.q.lock(qi);
    const h = this.q.add_locked(qi, expires, kind, arg, arg2);
    this.q.unlock(qi);
    if (h < 0) throw new RangeError(`hrtimer: cpu ${cpu}: all ${this.q.cap} ${soft ? 'soft' : 'hard'} timers in use`);
    return soft ? h | HRTIMER_SOFT_BIT : h;
  }

  /** hrtimer_try_to_cancel: true when the timer was queued and now is not (it will not fire). */
  hrtimer_cancel(cpu: number, handle: number): boolean {
    const soft = (handle & HRTIMER_SOFT_BIT) !== 0;
    const qi = cpu * 2 + (soft ? 1 : 0);
    this.q.lock(qi);
    const ok = this.q.del_locked(qi, handle & ~HRTIMER_SOFT_BIT);
    this.q.unlock(qi);
    return ok;
  }

  /** The earliest expiry on `cpu` (hard or soft), Infinity when none. */
  hrtimer_next_event(cpu: number): number {
    let t = Infinity;
    for (let m = 0; m < 2; m++) {
      this.q.lock(cpu * 2 + m);
      t = Math.min(t, this.q.first_expiry_locked(cpu * 2 + m));
      this.q.unlock(cpu * 2 + m);
    }
    return t;
  }

  /** Run the due timers of one queue; a callback runs without the lock (as __run_hrtimer). */
  private run(cpu: number, qi: number, now: number): number {
    const out = this.out;
    let n = 0;
    for (;;) {
      this.q.lock(qi);
      const due = this.q.pop_due_locked(qi, now, out);
      this.q.unlock(qi);
      if (!due) return n;
      const expires = out[0]!;
      const kind = out[1]!;
      const arg = out[2]!;
      const arg2 = out[3]!;
      n++;
      const again = this.fns.get(kind)!(cpu, arg, expires, arg2);
      if (typeof again === 'number') {
        if (!(again > expires)) throw new RangeError(`hrtimer: kind ${kind} re-armed at ${again}, not after ${expires}`);
        this.q.lock(qi);
        const h = this.q.add_locked(qi, again, kind, arg, arg2);
        this.q.unlock(qi);
        if (h < 0) throw new RangeError(`hrtimer: cpu ${cpu}: queue full on restart`);
      }
    }
  }

  /**
   * hrtimer_interrupt (from the timer interrupt, in hardirq context): run the due hard timers at
   * `now`; due soft timers raise HRTIMER_SOFTIRQ. Returns how many hard timers ran.
   */
  hrtimer_interrupt(cpu: number, now: number): number {
    const n = this.run(cpu, cpu * 2, now);
    this.q.lock(cpu * 2 + 1);
    const soft = this.q.first_expiry_locked(cpu * 2 + 1);
    this.q.unlock(cpu * 2 + 1);
    if (soft <= now) this.softirq.__raise_softirq_irqoff(cpu, HRTIMER_SOFTIRQ);
    return n;
  }

  /** hrtimer_run_softirq: the soft timers due at the core's clock. */
  hrtimer_run_softirq(cpu: number): void {
    this.run(cpu, cpu * 2 + 1, this.softirq.hooks.now(cpu));
  }
}

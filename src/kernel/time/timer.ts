// The timer wheel's job (Linux 6.1 kernel/time/timer.c, reduced to a heap): timer_list timers
// with expiry in jiffies (schedule_timeout, poll and friends), checked at every tick by
// run_local_timers, which raises TIMER_SOFTIRQ when one is due; run_timer_softirq runs them.
//
// Layout: one time/timerqueue.ts queue per core (timer_base), under its lock, so another core
// may add or delete a timer on this core's base.

import { TIMER_SOFTIRQ, type Softirq } from '../softirq.ts';
import { allocTimerQueues, TimerQueues } from './timerqueue.ts';

export const TIMER_CAP = 256;
/** timer_list kinds (the callback functions' identities). */
export const TIMER_PROCESS_TIMEOUT = 1; // process_timeout: arg = task

export type TimerFn = (cpu: number, arg: number, expires: number) => void;

export function allocTimerBuffer(cpus: number, cap = TIMER_CAP): SharedArrayBuffer {
  return allocTimerQueues(cpus, cap);
}

export class Timers {
  readonly q: TimerQueues;
  private readonly fns = new Map<number, TimerFn>();
  private readonly out = new Float64Array(4);

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly softirq: Softirq,
    /** The current jiffies (time/tick.ts). */
    private readonly jiffies: () => number,
    cap = TIMER_CAP,
  ) {
    this.q = new TimerQueues(buffer, cap);
    softirq.open_softirq(TIMER_SOFTIRQ, (cpu) => this.run_timer_softirq(cpu));
  }

  timer_register(kind: number, fn: TimerFn): void {
    this.fns.set(kind, fn);
  }

  /** add_timer_on: a timer on `cpu`'s base expiring at jiffy `expires`. Returns its handle. */
  add_timer_on(cpu: number, expires: number, kind: number, arg: number): number {
    if (!this.fns.has(kind)) throw new RangeError(`timer: kind ${kind} has no callback (timer_register)`);
    this.q.lock(cpu);
    const h = this.q.add_locked(cpu, expires, kind, arg);
    this.q.unlock(cpu);
    if (h < 0) throw new RangeError(`timer: cpu ${cpu}: all ${this.q.cap} timers in use`);
    return h;
  }

  /** del_timer: true when the timer was pending. */
  del_timer(cpu: number, handle: number): boolean {
    this.q.lock(cpu);
    const ok = this.q.del_locked(cpu, handle);
    this.q.unlock(cpu);
    return ok;
  }

  /** The earliest pending expiry on `cpu` in jiffies, Infinity when none (base->next_expiry). */
  next_expiry(cpu: number): number {
    this.q.lock(cpu);
    const t = this.q.first_expiry_locked(cpu);
    this.q.unlock(cpu);
    return t;
  }

  /** run_local_timers (tick, hardirq): raise TIMER_SOFTIRQ when a timer is due. */
  run_local_timers(cpu: number): void {
    if (this.next_expiry(cpu) <= this.jiffies()) this.softirq.__raise_softirq_irqoff(cpu, TIMER_SOFTIRQ);
  }

  /** run_timer_softirq: every timer due at the current jiffies, earliest first. */
  run_timer_softirq(cpu: number): void {
    const now = this.jiffies();
    const out = this.out;
    for (;;) {
      this.q.lock(cpu);
      const due = this.q.pop_due_locked(cpu, now, out);
      this.q.unlock(cpu);
      if (!due) return;
      this.fns.get(out[1]!)!(cpu, out[2]!, out[0]!);
    }
  }
}

// The tick (Linux 6.1 kernel/time/tick-common.c, tick-sched.c, timer.c update_process_times):
// CONFIG_HZ, jiffies, the per-core periodic tick and the nohz idle state, in simulated ns.
//
// The caller (the hart loop) owns the core's clock. It asks next_event(cpu) when the core's
// timer must fire, and calls the timer interrupt (irq/irqdesc.ts handle_irq with the
// riscv-timer irq, whose action is timer_interrupt here) when its clock reaches it. An idle
// core calls tick_nohz_idle_enter, tick_nohz_idle_stop_tick, then jumps its clock to
// next_event(cpu) (or to an IPI) instead of spinning, and tick_nohz_idle_exit when it leaves
// the idle loop.
//
// Layout: one SharedArrayBuffer. Bytes 0..127: i32 [0] jiffies (Atomics; raised to
// floor(now / TICK_NSEC) by any core's tick, never lowered; an i32 lasts 2^31 ticks, 24 days of
// simulated time at HZ=1000). Then TICK_BYTES = 128 per core, written by that core only:
//   f64 [0] next_tick (ns; Infinity while stopped)   [1] idle_entrytime   [2] idle_sleeptime
//       [3] iowait_sleeptime   [4] ticks handled (count of periods)
//   i32 [12] inidle   [13] idle_active   [14] tick_stopped

import type { Cputime } from './cputime.ts';
import type { Hrtimer } from './hrtimer.ts';
import type { Timers } from './timer.ts';
import type { Softirq, TickIrqHooks } from '../softirq.ts';

export const NSEC_PER_SEC = 1_000_000_000;
/** CONFIG_HZ choices (kernel/Kconfig.hz). */
export const HZ_CHOICES: readonly number[] = [100, 250, 300, 1000];
/** CONFIG_HZ of Debian's riscv64 kernel: the tick the COARSE clocks and jiffies follow. */
export const DEFAULT_HZ = 250;
/** USER_HZ, CLOCKS_PER_SEC on every Linux port: the clock_t of times(), /proc and AT_CLKTCK. */
export const USER_HZ = 100;

/** TICK_NSEC: (NSEC_PER_SEC + HZ/2) / HZ, integer division (include/linux/jiffies.h). */
export function tick_nsec(hz: number): number {
  return Math.floor((NSEC_PER_SEC + Math.floor(hz / 2)) / hz);
}
/** nsec_to_clock_t: ns to USER_HZ ticks, rounded down (kernel/time/time.c). */
export function nsec_to_clock_t(ns: number): number {
  return Math.floor(ns / (NSEC_PER_SEC / USER_HZ));
}
/** Validate a CONFIG_HZ value: one clear line on bad input. */
export function checkHz(hz: number): number {
  if (!HZ_CHOICES.includes(hz)) throw new RangeError(`HZ must be one of ${HZ_CHOICES.join(', ')}, not ${hz}`);
  return hz;
}

const HDR_WORDS = 32;
export const TICK_BYTES = 128;
const F_SLOT = TICK_BYTES / 8;
const I_SLOT = TICK_BYTES / 4;
const F_BASE = HDR_WORDS / 2;
const F_NEXT_TICK = 0;
const F_IDLE_ENTRY = 1;
const F_IDLE_SLEEP = 2;
const F_IOWAIT_SLEEP = 3;
const F_TICKS = 4;
const I_INIDLE = 12;
const I_IDLE_ACTIVE = 13;
const I_TICK_STOPPED = 14;

/** Boot: every core's first tick at TICK_NSEC of `hz` (clocks start at 0). */
export function allocTickBuffer(cpus: number, hz = DEFAULT_HZ): SharedArrayBuffer {
  const buf = new SharedArrayBuffer(HDR_WORDS * 4 + cpus * TICK_BYTES);
  const f = new Float64Array(buf);
  for (let c = 0; c < cpus; c++) f[F_BASE + c * F_SLOT + F_NEXT_TICK] = tick_nsec(checkHz(hz));
  return buf;
}

/** What the tick needs from the scheduler, per core. */
export interface TickHooks {
  /** scheduler_tick (kernel/sched/core.c); should also raise SCHED_SOFTIRQ when a balance is due. */
  scheduler_tick(cpu: number): void;
  /** What is running: TICK_TASK, TICK_IDLE or TICK_KSOFTIRQD (time/cputime.ts). */
  curr_kind(cpu: number): number;
  /** nice of the running task (user time with nice > 0 is NICE). */
  curr_nice(cpu: number): number;
  /** Other timers the core must wake for (the scheduler's rt/dl timers): ns, Infinity for none. */
  timer_next?(cpu: number): number;
}

export class Tick implements TickIrqHooks {
  readonly i: Int32Array;
  readonly f: Float64Array;
  readonly tickNsec: number;

  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly hz: number,
    readonly softirq: Softirq,
    readonly cputime: Cputime,
    readonly hrtimer: Hrtimer,
    readonly timers: Timers,
    readonly hooks: TickHooks,
  ) {
    checkHz(hz);
    this.i = new Int32Array(buffer);
    this.f = new Float64Array(buffer);
    this.tickNsec = tick_nsec(hz);
    if (cputime.tickNsec !== this.tickNsec) throw new RangeError(`tick: cputime built for TICK_NSEC ${cputime.tickNsec}, not ${this.tickNsec}`);
    softirq.tick = this;
  }

  private fi(cpu: number, k: number): number {
    return F_BASE + cpu * F_SLOT + k;
  }
  private ii(cpu: number, k: number): number {
    return HDR_WORDS + cpu * I_SLOT + k;
  }

  /** tick_setup_periodic (a core started late): its next tick is the first period boundary after `now`. */
  tick_setup(cpu: number, now: number): void {
    this.f[this.fi(cpu, F_NEXT_TICK)] = (Math.floor(now / this.tickNsec) + 1) * this.tickNsec;
    this.cputime.irqtime_start(cpu, now);
  }

  jiffies(): number {
    return Atomics.load(this.i, 0);
  }

  /** tick_do_update_jiffies64: jiffies catch up with `now` (monotonic across cores). */
  tick_do_update_jiffies64(now: number): void {
    const target = Math.floor(now / this.tickNsec) | 0;
    let cur = Atomics.load(this.i, 0);
    while (target > cur) {
      const seen = Atomics.compareExchange(this.i, 0, cur, target);
      if (seen === cur) return;
      cur = seen;
    }
  }

  next_tick(cpu: number): number {
    return this.f[this.fi(cpu, F_NEXT_TICK)]!;
  }
  tick_stopped(cpu: number): boolean {
    return this.i[this.ii(cpu, I_TICK_STOPPED)] !== 0;
  }
  /** Ticks (periods) this core has accounted. */
  ticks(cpu: number): number {
    return this.f[this.fi(cpu, F_TICKS)]!;
  }

  /**
   * The riscv-timer interrupt's action (riscv_timer_interrupt → the clock event handler), in
   * hardirq context at the core's clock: due hrtimers, then the tick when one is due.
   * `userTick`: the core was in user mode when the interrupt came.
   */
  timer_interrupt(cpu: number, userTick: boolean): void {
    const now = this.softirq.hooks.now(cpu);
    this.hrtimer.hrtimer_interrupt(cpu, now);
    // a stopped tick (nohz idle) is not armed: the idle periods are not ticks
    if (!this.tick_stopped(cpu) && now >= this.next_tick(cpu)) this.tick_handle_periodic(cpu, now, userTick);
  }

  /**
   * tick_handle_periodic: the periods elapsed since the last tick (more than one when the core
   * was held up) are handled as one tick of that many periods, and the next tick is programmed.
   */
  tick_handle_periodic(cpu: number, now: number, userTick: boolean): void {
    const nt = this.next_tick(cpu);
    const ticks = Math.floor((now - nt) / this.tickNsec) + 1;
    this.f[this.fi(cpu, F_NEXT_TICK)] = nt + ticks * this.tickNsec;
    this.f[this.fi(cpu, F_TICKS)] += ticks;
    this.tick_do_update_jiffies64(now);
    this.update_process_times(cpu, ticks, userTick);
  }

  /**
   * update_process_times: account the tick to what was running, raise TIMER_SOFTIRQ for due
   * timer_list timers, and tick the scheduler.
   */
  update_process_times(cpu: number, ticks: number, userTick: boolean): void {
    const h = this.hooks;
    this.cputime.account_process_tick(cpu, ticks, userTick, h.curr_kind(cpu), h.curr_nice(cpu));
    this.timers.run_local_timers(cpu);
    h.scheduler_tick(cpu);
  }

  /**
   * next_event: when `cpu`'s timer must next fire — the next tick (unless stopped), the earliest
   * hrtimer, the earliest timer_list timer, the scheduler's own timers. Infinity when nothing is
   * armed (an idle core then waits for an IPI).
   */
  next_event(cpu: number): number {
    let t = this.tick_stopped(cpu) ? Infinity : this.next_tick(cpu);
    t = Math.min(t, this.hrtimer.hrtimer_next_event(cpu));
    t = Math.min(t, this.timers.next_expiry(cpu) * this.tickNsec);
    if (this.hooks.timer_next) t = Math.min(t, this.hooks.timer_next(cpu));
    return t;
  }

  // ---- nohz idle (tick-sched.c) ----

  private start_idle(cpu: number, now: number): void {
    this.f[this.fi(cpu, F_IDLE_ENTRY)] = now;
    this.i[this.ii(cpu, I_IDLE_ACTIVE)] = 1;
  }
  /** tick_nohz_stop_idle: the idle stretch ends; it was iowait when tasks sleep on I/O here. */
  private stop_idle(cpu: number, now: number): void {
    const delta = now - this.f[this.fi(cpu, F_IDLE_ENTRY)]!;
    if (delta > 0) {
      const k = this.cputime.nr_iowait(cpu) > 0 ? F_IOWAIT_SLEEP : F_IDLE_SLEEP;
      this.f[this.fi(cpu, k)] += delta;
    }
    this.f[this.fi(cpu, F_IDLE_ENTRY)] = now;
    this.i[this.ii(cpu, I_IDLE_ACTIVE)] = 0;
  }

  /** tick_nohz_idle_enter: the idle task starts its loop on `cpu`. */
  tick_nohz_idle_enter(cpu: number, now: number): void {
    this.i[this.ii(cpu, I_INIDLE)] = 1;
    this.start_idle(cpu, now);
  }

  /**
   * tick_nohz_idle_stop_tick: stop the periodic tick when no timer needs the core within the
   * next tick, so the idle core's clock may jump to next_event. Returns true when stopped.
   */
  tick_nohz_idle_stop_tick(cpu: number): boolean {
    if (this.tick_stopped(cpu)) return true;
    const nt = this.next_tick(cpu);
    this.i[this.ii(cpu, I_TICK_STOPPED)] = 1;
    if (this.next_event(cpu) <= nt) {
      this.i[this.ii(cpu, I_TICK_STOPPED)] = 0;
      return false;
    }
    return true;
  }

  /** tick_nohz_idle_exit: leave the idle loop; restart a stopped tick on the period grid. */
  tick_nohz_idle_exit(cpu: number, now: number): void {
    this.i[this.ii(cpu, I_INIDLE)] = 0;
    if (this.i[this.ii(cpu, I_IDLE_ACTIVE)] !== 0) this.stop_idle(cpu, now);
    if (this.tick_stopped(cpu)) {
      this.i[this.ii(cpu, I_TICK_STOPPED)] = 0;
      this.tick_do_update_jiffies64(now);
      this.f[this.fi(cpu, F_NEXT_TICK)] = (Math.floor(now / this.tickNsec) + 1) * this.tickNsec;
    }
  }

  /** tick_irq_enter (irq_enter into the idle loop): idle time stops; jiffies catch up. */
  tick_irq_enter(cpu: number, now: number): void {
    if (this.i[this.ii(cpu, I_IDLE_ACTIVE)] !== 0) this.stop_idle(cpu, now);
    if (this.tick_stopped(cpu)) this.tick_do_update_jiffies64(now);
  }

  /** tick_irq_exit: back to the idle loop (unless a reschedule is pending): idle time restarts. */
  tick_irq_exit(cpu: number, now: number): void {
    if (this.i[this.ii(cpu, I_INIDLE)] !== 0 && !this.softirq.hooks.need_resched(cpu)) this.start_idle(cpu, now);
  }

  /** get_cpu_idle_time_us in ns: idle sleep time of `cpu`, with the running stretch up to `now`. */
  get_idle_time(cpu: number, now?: number): number {
    let t = this.f[this.fi(cpu, F_IDLE_SLEEP)]!;
    if (now !== undefined && this.i[this.ii(cpu, I_IDLE_ACTIVE)] !== 0 && this.cputime.nr_iowait(cpu) === 0) {
      t += Math.max(0, now - this.f[this.fi(cpu, F_IDLE_ENTRY)]!);
    }
    return t;
  }
  /** get_cpu_iowait_time_us in ns. */
  get_iowait_time(cpu: number, now?: number): number {
    let t = this.f[this.fi(cpu, F_IOWAIT_SLEEP)]!;
    if (now !== undefined && this.i[this.ii(cpu, I_IDLE_ACTIVE)] !== 0 && this.cputime.nr_iowait(cpu) > 0) {
      t += Math.max(0, now - this.f[this.fi(cpu, F_IDLE_ENTRY)]!);
    }
    return t;
  }
}


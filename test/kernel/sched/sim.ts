// A small discrete-event driver for the scheduler tests: N fake cores, each with a tick every
// 1/HZ s and the scheduler's own timers, running scripted tasks in simulated nanoseconds.
// A task either burns CPU forever ('hog'), or alternates bursts of CPU with sleeps ('cycle'), or
// is a periodic job (a 'job' of `work` ns released every `period`, sleeping until the next
// release when done). Tasks stay on the core they were started on (no balancing yet).
import {
  __schedule, F_SUM_EXEC, init_idle, R_CURR, rq_lock, rq_unlock, sched_init, sched_task_init, sched_timer_next,
  sched_timers_run, scheduler_tick, SM_PREEMPT, SM_SLEEP, test_need_resched, try_to_wake_up, update_curr,
  update_rq_clock, wake_up_new_task, type Sched,
} from '../../../src/kernel/sched/core.ts';

export type Script =
  | { kind: 'hog' }
  | { kind: 'cycle'; run: number; sleep: number }
  | { kind: 'job'; work: number; period: number; release: number; deadline?: number };

export interface SimTask {
  p: number;
  cpu: number;
  script: Script;
  /** CPU ns still to burn in the current burst (Infinity for a hog). */
  left: number;
  /** When a sleeping task wakes, or -1 while runnable. */
  wakeAt: number;
  /** When it last woke. */
  lastWake: number;
  /** Wall time this task was curr, as the driver saw it. */
  ran: number;
  /** 'job': release and absolute deadline of the current job, and how the jobs ended. */
  jobRelease: number;
  jobDeadline: number;
  jobsDone: number;
  missed: number;
}

export interface Switch {
  t: number;
  cpu: number;
  prev: number;
  next: number;
}

export class Sim {
  readonly s: Sched;
  readonly tick: number;
  now = 0;
  readonly tasks: SimTask[] = [];
  readonly byIndex = new Map<number, SimTask>();
  readonly switches: Switch[] = [];
  private nextTick: number[];
  private nextIndex: number;
  /** Called after every pick, for checks (EDF order etc.). */
  onPick: ((cpu: number, next: number) => void) | undefined;

  constructor(readonly cpus: number, o: { hz?: number; rtRuntimeUs?: number; nrTasks?: number } = {}) {
    this.s = sched_init({ cpus, nrTasks: o.nrTasks ?? 64, hz: o.hz, rtRuntimeUs: o.rtRuntimeUs });
    this.tick = 1e9 / this.s.config.hz;
    this.nextTick = new Array<number>(cpus).fill(this.tick);
    for (let c = 0; c < cpus; c++) init_idle(this.s, c, c);
    this.nextIndex = cpus;
  }

  /** A new SCHED_NORMAL task at `nice` on `cpu`; `setup` may change its policy before it is queued. */
  spawn(cpu: number, script: Script, nice = 0, setup?: (p: number) => void): SimTask {
    const p = this.nextIndex++;
    sched_task_init(this.s, p, nice);
    setup?.(p);
    const t: SimTask = {
      p, cpu, script, left: 0, wakeAt: -1, lastWake: -1, ran: 0, jobRelease: 0, jobDeadline: 0, jobsDone: 0, missed: 0,
    };
    this.refill(t);
    this.tasks.push(t);
    this.byIndex.set(p, t);
    this.locked(cpu, () => {
      if (script.kind === 'job' && script.release > this.now) t.wakeAt = script.release;
      else {
        if (script.kind === 'job') this.release(t, this.now);
        wake_up_new_task(this.s, cpu, p);
      }
    });
    return t;
  }

  private release(t: SimTask, at: number): void {
    if (t.script.kind !== 'job') return;
    t.jobRelease = at;
    t.jobDeadline = at + (t.script.deadline ?? t.script.period);
  }

  private refill(t: SimTask): void {
    const sc = t.script;
    t.left = sc.kind === 'hog' ? Infinity : sc.kind === 'cycle' ? sc.run : sc.work;
  }

  locked<T>(cpu: number, fn: () => T): T {
    rq_lock(this.s, cpu);
    try {
      update_rq_clock(this.s, cpu, this.now);
      return fn();
    } finally {
      rq_unlock(this.s, cpu);
    }
  }

  curr(cpu: number): number {
    return this.s.rget(cpu, R_CURR);
  }

  /** Wake a sleeping task now (outside its script), on its core. */
  wake(t: SimTask): void {
    t.wakeAt = -1;
    t.lastWake = this.now;
    this.locked(t.cpu, () => try_to_wake_up(this.s, t.cpu, t.p));
    this.reschedIfNeeded(t.cpu);
  }

  private reschedIfNeeded(cpu: number): void {
    if (test_need_resched(this.s, cpu)) this.schedule(cpu, SM_PREEMPT);
  }

  private schedule(cpu: number, mode: number): void {
    const prev = this.curr(cpu);
    const next = this.locked(cpu, () => __schedule(this.s, cpu, mode));
    if (next !== prev) this.switches.push({ t: this.now, cpu, prev, next });
    this.onPick?.(cpu, next);
  }

  /** Run until simulated time `until` (ns). */
  run(until: number): void {
    for (let c = 0; c < this.cpus; c++) if (this.curr(c) < this.cpus) this.schedule(c, SM_PREEMPT);
    while (this.now < until) {
      // the next event: a tick, a scheduler timer, a wakeup, the end of a running burst
      let t = until;
      for (let c = 0; c < this.cpus; c++) {
        t = Math.min(t, this.nextTick[c]!, sched_timer_next(this.s, c));
        const cur = this.byIndex.get(this.curr(c));
        if (cur !== undefined) t = Math.min(t, this.now + cur.left);
      }
      for (const k of this.tasks) if (k.wakeAt >= 0) t = Math.min(t, k.wakeAt);
      const dt = t - this.now;
      for (let c = 0; c < this.cpus; c++) {
        const cur = this.byIndex.get(this.curr(c));
        if (cur !== undefined) {
          cur.ran += dt;
          cur.left -= dt;
        }
      }
      this.now = t;
      if (t >= until) break;
      for (let c = 0; c < this.cpus; c++) {
        // a burst that ended: the task sleeps (its next burst or job release)
        const cur = this.byIndex.get(this.curr(c));
        if (cur !== undefined && cur.left <= 0) this.finishBurst(cur);
        if (sched_timer_next(this.s, c) <= t) this.locked(c, () => sched_timers_run(this.s, c));
        if (this.nextTick[c]! <= t) {
          this.nextTick[c] = this.nextTick[c]! + this.tick;
          this.locked(c, () => {
            update_curr(this.s, c);
            scheduler_tick(this.s, c);
          });
        }
        this.reschedIfNeeded(c);
      }
      for (const k of this.tasks) {
        if (k.wakeAt >= 0 && k.wakeAt <= t) {
          if (k.script.kind === 'job') this.release(k, k.wakeAt);
          this.refill(k);
          this.wake(k);
        }
      }
    }
    for (let c = 0; c < this.cpus; c++) this.locked(c, () => update_curr(this.s, c));
  }

  private finishBurst(k: SimTask): void {
    const sc = k.script;
    if (sc.kind === 'cycle') k.wakeAt = this.now + sc.sleep;
    else if (sc.kind === 'job') {
      k.jobsDone++;
      if (this.now > k.jobDeadline) k.missed++;
      // sleep until the next release (clock_nanosleep TIMER_ABSTIME)
      k.wakeAt = Math.max(k.jobRelease + sc.period, this.now);
    } else return;
    k.left = Infinity;
    this.schedule(k.cpu, SM_SLEEP);
  }

  /** Runtime the scheduler charged to a task (se.sum_exec_runtime). */
  sumExec(t: SimTask): number {
    return this.s.fget(t.p, F_SUM_EXEC);
  }
}

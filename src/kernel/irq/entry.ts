// The interrupt side of --boot linux's kernel in one worker: what a hart does when its timer,
// an IPI or a device line fires (riscv's handle_riscv_irq → generic_handle_arch_irq), the idle
// loop (do_idle with the nohz tick), and the per-core softirq thread ksoftirqd/N
// (smpboot_thread_fn → run_ksoftirqd). The modules it drives — irq/ (descriptors, IPIs,
// preempt_count), softirq.ts, smp.ts, time/ (tick, hrtimers, timers, cputime) — keep their
// state in the shared buffers the boot allocates once (allocLinuxIrq) and every worker views.
//
// When the hart looks: the core group's run loop stops a running core at nextEvent (the next
// timer, NIC or top-sample time, or at once when an IPI is pending: one Atomics.load per run
// slice, never per instruction) and calls the kernel's tick(), whose body is handle() here. All
// pending interrupts are taken there, each as irq_enter, its line's count, the action, irq_exit
// (softirqs at exit, with __do_softirq's 10-restart / 2 ms limits, then ksoftirqd/N).
//
// Time: the core's cycle counter is its clock; now() is that in ns (cycles * 1e9 / clockHz).
// Handlers charge their simulated cost by advancing the counter. The tick samples what ran:
// user tasks' ticks are user time, except that kernel work done in traps (syscalls, faults:
// account_kernel) turns whole ticks into system time as it adds up to a tick's length — the
// trap-level analogue of the sample landing in kernel mode.

import type { Cpu } from '../cpu.ts';
import { allocIrqTimeBuffers, irq_time_init, type IrqTime, type IrqTimeBuffers } from './init.ts';
import { NR_IRQS, RISCV_TIMER_IRQ, riscvTimerLine } from './irqdesc.ts';
import { IPI_CALL_FUNC, IPI_RESCHEDULE } from './ipi.ts';
import { Nic, NIC_IRQ_BASE, nicLines, type NicSpec, type NicStats } from '../drivers/nic.ts';
import { NR_SOFTIRQS, SCHED_SOFTIRQ } from '../softirq.ts';
import { CPUTIME_IDLE, CPUTIME_IOWAIT, NR_STATS, TICK_IDLE, TICK_KSOFTIRQD, TICK_TASK } from '../time/cputime.ts';
import { nsec_to_clock_t } from '../time/tick.ts';
import {
  F_SUM_EXEC, PRIO_TO_NICE, R_IDLE, RF_NEXT_BALANCE, R_NR_RUNNING, R_NR_SWITCHES, T_CPU, T_NR_INVOLUNTARY, T_NR_VOLUNTARY, T_ON_RQ, T_STATIC_PRIO, T_PRIO, rq_lock, rq_unlock, type Sched, test_need_resched,
} from '../sched/sched.ts';
import { sched_task_init, sched_timer_next, sched_timers_run, scheduler_tick, try_to_wake_up, update_rq_clock, SM_PREEMPT, SM_SLEEP } from '../sched/core.ts';
import { cpumask_of, set_task_cpumask } from '../sched/cpumask.ts';
import { interrupts } from '../proc/interrupts.ts';
import { softirqs } from '../proc/softirqs.ts';
import { show_stat, statSnapshot } from '../proc/stat.ts';
import { type TopTask, topFrame, type TopSample } from '../proc/top.ts';
import { defaultProcessView, type ProcessView } from '../proc/array.ts';
import type { PseudoFs } from '../fs/procfs.ts';
import { smpShootdown, type MmTlbFlush } from '../mm/tlb_shootdown.ts';

/** What the boot hands every worker: the buffers and the NIC and top settings. Structured-clone safe. */
export interface LinuxIrqBoot {
  buffers: IrqTimeBuffers;
  /** The NIC, when configured (ratePps > 0). */
  nic?: NicSpec;
  /** --top: a frame every this many ns of core 0's clock. */
  topIntervalNs?: number;
}

/** Boot: the lines (the timer, the NIC's queues), every buffer once. */
export function allocLinuxIrq(o: { cpus: number; hz?: number; nic?: NicSpec; topIntervalNs?: number }): LinuxIrqBoot {
  const nic = o.nic && o.nic.ratePps > 0 ? o.nic : undefined;
  const lines = [riscvTimerLine, ...(nic ? nicLines(nic) : [])];
  const nrIrqs = Math.max(NR_IRQS, NIC_IRQ_BASE + (nic?.cpus.length ?? 0));
  return { buffers: allocIrqTimeBuffers({ cpus: o.cpus, hz: o.hz, lines, nrIrqs }), ...(nic ? { nic } : {}), ...(o.topIntervalNs ? { topIntervalNs: o.topIntervalNs } : {}) };
}

/** A user task as top and /proc/stat see it (the kernel's records). */
export interface UserTask {
  pid: number;
  tid: number;
  comm: string;
  /** Slot in the scheduler's and the task table's records. */
  task: number;
  zombie: boolean;
}

/** What the entry needs from the rest of the kernel (closures over LinuxKernel's state). */
export interface IrqKernelOps {
  clockHz: number;
  cores: number;
  sched: Sched;
  /** This worker hosts core `cpu`. */
  hosted(cpu: number): boolean;
  /** A kernel thread's pid and task slot (allocated at boot, after pid 1). */
  allocKthread(): { pid: number; task: number };
  /** __schedule and the context switch on `cpu` (LinuxKernel.schedule). */
  schedule(cpu: Cpu, mode: number): void;
  /** Timers the kernel keeps itself (nanosleep, futex timeouts): run the due ones (in the timer interrupt). */
  expireTimers(cpu: Cpu): void;
  /** When the kernel's own timers (nanosleep) next expire on `cpu`, cycles (Infinity: none). */
  kernelTimerNext(cpu: number): number;
  /** The kernel's own next event on `cpu`, cycles (LinuxKernel.nextEvent: this entry's, sleepers, --proc-at). */
  nextEvent(cpu: number): number;
  /** The kernel's tick() for `cpu` (--proc-at snapshots, handle(), the switch on need_resched). */
  tick(cpu: Cpu): void;
  /** Scheduler ticks handled (the stats' sched.ticks). */
  countTicks(n: number): void;
  /** The user tasks alive, for top. */
  userTasks(): UserTask[];
  /** Tasks forked since boot (total_forks: pid 1 and the kernel threads included). */
  processes(): number;
  /** Write text to the console (top frames go to stderr). */
  write(fd: 1 | 2, text: string): void;
  /** An idle core behind `cycle` in simulated time idles up to it (an IPI sent to it then cannot arrive before it was sent). */
  catchUp?(cpu: number, cycle: number): void;
  /** The TLB flush whose shootdowns go through the IPI path (smp.ts, ipi.ts). */
  tlbFlush?: MmTlbFlush;
}

/** ksoftirqd/N: a kernel thread (no mm) on core N's run queue. */
interface Kthread {
  pid: number;
  task: number;
  cpu: number;
  /** TASK_RUNNING: woken and not yet back asleep (ksoftirqd_running). */
  running: boolean;
}

/** The nohz balancer kick's cross-core call (kick_ilb's nohz_csd; mm/tlb_shootdown.ts's flush is 1). */
export const SMP_FN_NOHZ_KICK = 2;

/** The interrupt side's numbers for the stats. */
export interface IrqStats {
  /** Per core, USER_HZ: user nice system idle iowait irq softirq (/proc/stat's first seven). */
  cpustat: number[][];
  /** Local timer interrupts (LOC), RES, CAL and TLB per core. */
  loc: number[];
  res: number[];
  cal: number[];
  tlb: number[];
  /** Per core: ksoftirqd/N's CPU time (ns), its wake-ups, __do_softirq restarts. */
  ksoftirqdNs: number[];
  ksoftirqdWakeups: number[];
  softirqRestarts: number[];
  /** /proc/softirqs totals per vector (all cores). */
  softirqs: number[];
  /** Host iterations of the idle loop (each one clock jump) per core (0 for another worker's). */
  idleLoops: number[];
  nic?: NicStats;
}

export class IrqEntry {
  readonly it: IrqTime;
  readonly nic?: Nic;
  private readonly harts: (Cpu | undefined)[];
  private readonly kthreads: Kthread[] = [];
  private readonly byPid = new Map<number, Kthread>();
  /** Cached next event per core (cycles); recomputed at the end of every entry here. */
  private readonly next: number[];
  private readonly inIdle: boolean[];
  /** Kernel-mode ns since the last tick not yet turned into system ticks (account_kernel). */
  private readonly sysNs: number[];
  private readonly nsPerCycle: number;
  private readonly pending: number[] = [];
  /**
   * The load balancer's rebalance of core `cpu`'s domain (SCHED_SOFTIRQ's work), set by the
   * kernel; `ilb`: run by that core on behalf of nohz-idle `cpu` (_nohz_idle_balance).
   */
  private rebalance: ((cpu: number, ilb?: number) => void) | null = null;
  /** nohz_flags' NOHZ_BALANCE_KICK per core: kicked to balance for the nohz-idle cores, not yet run. */
  private readonly nohzKick: boolean[];
  /** Cores whose idle loop runs in another worker (attach). */
  private readonly idlesElsewhere: boolean[];
  /** --top: next frame (cycles of core 0), the interval, and the previous sample. */
  private topNext = Infinity;
  private readonly topCycles: number = 0;
  private topPrev: TopSample | null = null;
  /** Host loop iterations of the idle loop per core (a count for tests: the idle jump stays cheap). */
  readonly idleLoops: number[];

  constructor(
    readonly boot: LinuxIrqBoot,
    private readonly ops: IrqKernelOps,
  ) {
    const cpus = ops.cores;
    if (boot.buffers.cpus !== cpus) throw new Error(`BUG: irq buffers for ${boot.buffers.cpus} cores, machine has ${cpus}`);
    this.harts = new Array<Cpu | undefined>(cpus).fill(undefined);
    this.next = new Array<number>(cpus).fill(0);
    this.inIdle = new Array<boolean>(cpus).fill(false);
    this.nohzKick = new Array<boolean>(cpus).fill(false);
    this.idlesElsewhere = new Array<boolean>(cpus).fill(false);
    this.idleLoops = new Array<number>(cpus).fill(0);
    this.sysNs = new Array<number>(cpus).fill(0);
    this.nsPerCycle = 1e9 / ops.clockHz;
    const s = ops.sched;
    const self = this;
    this.it = irq_time_init(boot.buffers, {
      softirq: {
        now: (c) => self.now(c),
        need_resched: (c) => test_need_resched(s, c),
        wakeup_softirqd: (c) => self.wakeup_softirqd(c),
        ksoftirqd_task_running: (c) => self.kthreads[c]?.running ?? false,
        current_is_ksoftirqd: (c) => self.kthreads[c] !== undefined && s.curr(c) === self.kthreads[c]!.task,
      },
      tick: {
        scheduler_tick: (c) => self.scheduler_tick(c),
        curr_kind: (c) => self.currKind(c),
        curr_nice: (c) => PRIO_TO_NICE(s.tget(s.curr(c), T_STATIC_PRIO)),
        timer_next: (c) => sched_timer_next(s, c),
      },
      ipi: { scheduler_ipi: () => {} }, // need_resched was set by the sender
      smp: { relax: (c) => self.relax(c) },
    });
    // The timer line's action: the kernel's own timers (nanosleep, futex timeouts), the
    // scheduler's (rt period, dl replenishment: they may set need_resched), then hrtimers and
    // the tick.
    const tick = this.it.tick;
    this.it.irqs.request_irq(RISCV_TIMER_IRQ, (c, user) => {
      const cpu = self.harts[c]!;
      update_rq_clock(s, c, self.now(c));
      ops.expireTimers(cpu);
      // The rt period / dl timer callbacks take the rq lock when one fires.
      const due = sched_timer_next(s, c) <= s.clock(c);
      if (due) rq_lock(s, c);
      sched_timers_run(s, c);
      if (due) rq_unlock(s, c);
      const before = tick.ticks(c);
      tick.timer_interrupt(c, self.userTick(c, user));
      const n = tick.ticks(c) - before;
      if (n > 0) ops.countTicks(n);
    });
    this.it.softirq.open_softirq(SCHED_SOFTIRQ, (c) => self.run_rebalance_domains(c));
    // nohz_csd_func: the kicked idle core raises its SCHED_SOFTIRQ (run at this IPI's irq exit).
    this.it.smp.smp_register(SMP_FN_NOHZ_KICK, (c) => this.it.softirq.raise_softirq_irqoff(c, SCHED_SOFTIRQ));
    if (boot.nic) {
      this.nic = new Nic(boot.nic, this.it.softirq, { now: (c) => self.now(c), charge: (c, n) => { self.harts[c]!.cycle += n; } },
        (irq, action) => this.it.irqs.request_irq(irq, (c) => action(c)));
    }
    // ksoftirqd/N for every core (kthreadd's children: pids after init's).
    for (let c = 0; c < cpus; c++) {
      const { pid, task } = ops.allocKthread();
      sched_task_init(s, task);
      s.tset(task, T_CPU, c);
      set_task_cpumask(s, task, cpumask_of([c])); // kthread_bind: the balancer never moves it
      const k: Kthread = { pid, task, cpu: c, running: false };
      this.kthreads.push(k);
      this.byPid.set(pid, k);
    }
    if (boot.topIntervalNs) {
      this.topCycles = Math.max(1, Math.round(boot.topIntervalNs / this.nsPerCycle));
      this.topNext = this.topCycles;
    }
    if (ops.tlbFlush) ops.tlbFlush.setTransport(smpShootdown(this.it.smp, this.it.ipi, ops.tlbFlush));
    for (let c = 0; c < cpus; c++) this.refresh(c);
  }

  // ---- clocks ----

  /** Core c's clock in ns (the kernel's nsOf: the same rounding, so a timer due at a cycle fires there). */
  now(c: number): number {
    const h = this.harts[c];
    return h === undefined ? 0 : this.nsAt(h.cycle);
  }
  private nsAt(cycle: number): number {
    return Math.floor((cycle * 1e9) / this.ops.clockHz);
  }
  /** The first cycle at which the clock reads `ns` or later. */
  cyclesOf(ns: number): number {
    if (ns === Infinity) return Infinity;
    let c = Math.max(0, Math.ceil((ns * this.ops.clockHz) / 1e9));
    while (this.nsAt(c) < ns) c++;
    while (c > 0 && this.nsAt(c - 1) >= ns) c--;
    return c;
  }

  /** The hart of core c: known from its first entry on. `idlesElsewhere`: its idle loop runs in another worker (parallel mode). */
  attach(cpu: Cpu, idlesElsewhere = false): void {
    this.harts[cpu.hartId] = cpu;
    this.idlesElsewhere[cpu.hartId] = idlesElsewhere;
  }

  // ---- what the run loop asks ----

  /** The cycle of core `id`'s next interrupt: 0 while an IPI waits (one Atomics.load). */
  nextEvent(id: number): number {
    if (this.it.ipi.ipi_pending(id)) return 0;
    return this.next[id]!;
  }

  /** The cached next event of `id`: timers, the NIC's next interrupt, top's next frame. */
  refresh(id: number): void {
    let ns = this.it.tick.next_event(id);
    if (this.nic) ns = Math.min(ns, this.nic.next_event(id));
    let c = this.cyclesOf(ns);
    if (id === 0) c = Math.min(c, this.topNext);
    this.next[id] = c;
  }

  /** The current task is a user task (not the idle task, not ksoftirqd). */
  private userCurrent(c: number): boolean {
    return this.currKind(c) === TICK_TASK;
  }

  private currKind(c: number): number {
    const s = this.ops.sched;
    const curr = s.curr(c);
    if (curr === s.rget(c, R_IDLE)) return TICK_IDLE;
    if (curr === this.kthreads[c]?.task) return TICK_KSOFTIRQD;
    return TICK_TASK;
  }

  /** account_kernel: `cycles` of kernel work done in a trap of the current task on `cpu`. */
  account_kernel(cpu: Cpu, cycles: number): void {
    this.sysNs[cpu.hartId]! += cycles * this.nsPerCycle;
  }

  /** Whether the tick lands in user mode: in kernel mode once the trap time adds up to a tick. */
  private userTick(c: number, user: boolean): boolean {
    if (!user) return false;
    const tn = this.it.tick.tickNsec;
    if (this.sysNs[c]! >= tn) {
      this.sysNs[c]! -= tn;
      return false;
    }
    return true;
  }

  /**
   * handle_riscv_irq, for every interrupt due on `cpu` now: the IPIs, the timer (the kernel's
   * timers, hrtimers, the tick), the NIC's lines; then --top's frame when due (core 0).
   */
  handle(cpu: Cpu): void {
    const id = cpu.hartId;
    this.harts[id] = cpu;
    const it = this.it;
    if (it.ipi.ipi_pending(id)) it.ipi.handle_ipi_irq(id);
    const user = this.userCurrent(id);
    if (cpu.cycle >= this.cyclesOf(it.tick.next_event(id)) || cpu.cycle >= this.ops.kernelTimerNext(id)) {
      it.irqs.handle_irq(id, RISCV_TIMER_IRQ, user);
    }
    if (this.nic) {
      const p = this.pending;
      p.length = 0;
      this.nic.pending_irqs(id, this.now(id), p);
      for (const irq of p) it.irqs.handle_irq(id, irq, user);
    }
    if (id === 0 && cpu.cycle >= this.topNext) this.topSample(cpu);
    // An idle core whose idle loop runs in another worker (parallel mode: its client idles by
    // itself and enters the kernel only for its events) goes nohz idle here, as do_idle would.
    const s = this.ops.sched;
    if (this.idlesElsewhere[id] && !this.inIdle[id] && s.curr(id) === s.rget(id, R_IDLE) && s.rget(id, R_NR_RUNNING) === 0 && !test_need_resched(s, id)) {
      this.inIdle[id] = true;
      it.tick.tick_nohz_idle_enter(id, this.now(id));
      it.tick.tick_nohz_idle_stop_tick(id);
    }
    this.refresh(id);
  }

  // ---- IPIs ----

  /** smp_send_reschedule: `src` made `cpu` need a reschedule (need_resched is set by the caller). */
  smp_send_reschedule(cpu: number): void {
    this.it.ipi.smp_send_reschedule(cpu);
  }

  /** csd_lock_wait's cpu_relax: this worker's other cores take their IPIs now (they are between slices). */
  private relax(src: number): void {
    for (let c = 0; c < this.ops.cores; c++) {
      if (c === src || !this.ops.hosted(c) || this.harts[c] === undefined) continue;
      if (this.it.ipi.ipi_pending(c)) {
        this.it.ipi.handle_ipi_irq(c);
        this.refresh(c);
      }
    }
  }

  // ---- ksoftirqd ----

  private wakeup_softirqd(c: number): void {
    const k = this.kthreads[c];
    if (k === undefined || k.running) return;
    k.running = true;
    const s = this.ops.sched;
    rq_lock(s, c);
    update_rq_clock(s, c, this.now(c));
    try_to_wake_up(s, c, k.task);
    rq_unlock(s, c);
  }

  /**
   * The idle loop's first question: is ksoftirqd/N the current task of `cpu`? Then it runs
   * (smpboot_thread_fn): run_ksoftirqd while softirqs are pending, taking the core's
   * interrupts between passes and yielding when need_resched; with none left it sleeps.
   * Returns false when ksoftirqd is not current.
   */
  runKsoftirqd(cpu: Cpu, end: number): boolean {
    const id = cpu.hartId;
    this.harts[id] = cpu;
    const k = this.kthreads[id];
    const s = this.ops.sched;
    if (k === undefined || s.curr(id) !== k.task) return false;
    const sq = this.it.softirq;
    for (;;) {
      if (cpu.cycle >= this.ops.nextEvent(id)) {
        this.ops.tick(cpu);
        if (s.curr(id) !== k.task) break;
      }
      if (test_need_resched(s, id)) {
        this.ops.schedule(cpu, SM_PREEMPT);
        break;
      }
      if (cpu.cycle >= end) break;
      if (sq.ksoftirqd_should_run(id)) {
        sq.run_ksoftirqd(id);
        continue;
      }
      k.running = false; // set_current_state(TASK_INTERRUPTIBLE); schedule()
      this.ops.schedule(cpu, SM_SLEEP);
      break;
    }
    this.refresh(id);
    return true;
  }

  // ---- the idle loop ----

  /**
   * do_idle on `cpu` up to cycle `end`: a task queued here (a wakeup, a placement, a pull)
   * runs now, at this core's time; else — nothing queued, or only a task no class runs yet (a
   * throttled deadline or rt task) — enter the nohz idle state (the tick stops when no timer
   * needs it), jump the clock to the next event instead of spinning, take the interrupts
   * there, and leave for a task when one is runnable. Returns the cycles idled.
   */
  do_idle(cpu: Cpu, end: number): number {
    const id = cpu.hartId;
    this.harts[id] = cpu;
    this.idleLoops[id]!++;
    const s = this.ops.sched;
    const tick = this.it.tick;
    const idle = () => s.curr(id) === s.rget(id, R_IDLE);
    if (!this.inIdle[id]) {
      this.inIdle[id] = true;
      tick.tick_nohz_idle_enter(id, this.now(id));
    }
    if (idle() && (s.rget(id, R_NR_RUNNING) > 0 || test_need_resched(s, id))) this.ops.schedule(cpu, SM_PREEMPT);
    let idled = 0;
    if (idle()) {
      if (!tick.tick_stopped(id) && tick.tick_nohz_idle_stop_tick(id)) this.refresh(id);
      const ev = this.idleUntil(id);
      const to = Math.min(end, ev);
      if (cpu.cycle < to) {
        idled = to - cpu.cycle;
        cpu.cycle = to;
      }
      if (cpu.cycle >= ev) this.ops.tick(cpu);
    }
    if (!idle()) {
      this.inIdle[id] = false;
      tick.tick_nohz_idle_exit(id, this.now(id));
      this.refresh(id);
    }
    return idled;
  }

  /**
   * Until which cycle core `id` has nothing to do: its idle task runs with nothing runnable
   * and nothing pending; then its next event (idleUntil), else 0 (busy). The worker skips
   * quanta in which every core of the machine sleeps (cores/worker.ts).
   */
  sleepingUntil(id: number): number {
    const s = this.ops.sched;
    if (s.curr(id) !== s.rget(id, R_IDLE) || s.rget(id, R_NR_RUNNING) !== 0 || test_need_resched(s, id)) return 0;
    return this.idleUntil(id);
  }

  /**
   * How long idle core `id` may sleep: its next event, the kernel's own timers included (a
   * timed futex wait has no tick to check it while the tick is stopped). Cycles.
   */
  idleUntil(id: number): number {
    return Math.min(this.ops.nextEvent(id), this.ops.kernelTimerNext(id));
  }

  // ---- the tick's scheduler part ----

  private scheduler_tick(c: number): void {
    const s = this.ops.sched;
    rq_lock(s, c);
    update_rq_clock(s, c, this.now(c));
    scheduler_tick(s, c);
    rq_unlock(s, c);
    this.trigger_load_balance(c);
  }

  /**
   * The load balancer's rebalance of a core's domain (the kernel's run_rebalance_domains body),
   * run as SCHED_SOFTIRQ: raised by the tick when the core's next_balance is due, and on a
   * nohz-idle core kicked to balance for the idle cores whose tick is stopped.
   */
  setRebalance(fn: (cpu: number, ilb?: number) => void): void {
    this.rebalance = fn;
  }

  /**
   * trigger_load_balance from core c's tick: SCHED_SOFTIRQ when its next_balance is due, and
   * nohz_balancer_kick: idle cores stop their tick (nohz), so none of them balances itself;
   * when c runs two or more tasks and an idle core's balance is due, the first nohz-idle core
   * (find_new_ilb) is kicked with a function-call IPI (kick_ilb, once until it runs) to
   * balance on behalf of them all. (Linux also kicks for misfit, asymmetric packing and busy
   * LLC siblings; with one flat domain and no PELT, nr_running >= 2 is the case that remains.)
   */
  private trigger_load_balance(c: number): void {
    if (!this.rebalance) return;
    const s = this.ops.sched;
    const now = this.now(c);
    if (now >= s.rfget(c, RF_NEXT_BALANCE)) this.it.softirq.__raise_softirq_irqoff(c, SCHED_SOFTIRQ);
    if (s.curr(c) === s.rget(c, R_IDLE) || s.rget(c, R_NR_RUNNING) < 2) return;
    let ilb = -1;
    let due = Infinity;
    for (let k = 0; k < this.ops.cores; k++) {
      if (k === c || !this.nohzIdle(k)) continue;
      if (ilb < 0) ilb = k;
      due = Math.min(due, s.rfget(k, RF_NEXT_BALANCE)); // nohz.next_balance
    }
    if (ilb < 0 || now < due || this.nohzKick[ilb]) return;
    this.nohzKick[ilb] = true;
    this.ops.catchUp?.(ilb, this.harts[c]!.cycle);
    this.it.smp.smp_call_function_single(c, ilb, SMP_FN_NOHZ_KICK);
  }

  /** In nohz.idle_cpus_mask: a core of this worker in its idle loop with the tick stopped. */
  private nohzIdle(k: number): boolean {
    const s = this.ops.sched;
    return this.harts[k] !== undefined && this.ops.hosted(k) && this.inIdle[k]! && this.it.tick.tick_stopped(k) && s.curr(k) === s.rget(k, R_IDLE);
  }

  /**
   * run_rebalance_domains (SCHED_SOFTIRQ on c): kicked, c first balances on behalf of the other
   * nohz-idle cores, from c + 1 around (_nohz_idle_balance; it stops once c itself has work),
   * then its own domain.
   */
  private run_rebalance_domains(c: number): void {
    const fn = this.rebalance;
    if (!fn) return;
    if (this.nohzKick[c]) {
      this.nohzKick[c] = false;
      const s = this.ops.sched;
      for (let i = 1; i < this.ops.cores; i++) {
        if (test_need_resched(s, c)) break;
        const k = (c + i) % this.ops.cores;
        if (this.nohzIdle(k)) fn(k, c);
      }
    }
    fn(c);
  }

  // ---- views ----

  kthreadPids(): number[] {
    return this.kthreads.map((k) => k.pid);
  }

  /** /proc/PID of ksoftirqd/N: a kernel thread (PF_KTHREAD, no mm), its runtime as system time. */
  kthreadView(pid: number): ProcessView | undefined {
    const k = this.byPid.get(pid);
    if (k === undefined) return undefined;
    const s = this.ops.sched;
    const v = defaultProcessView({ pid, ppid: 0, comm: `ksoftirqd/${k.cpu}`, mm: -1, pgd: 0, ncpus: this.ops.cores, totalramPages: 0 });
    return {
      ...v, state: this.stateOf(k.task, false), flags: PF_KTHREAD, stimeNs: s.fget(k.task, F_SUM_EXEC), processor: k.cpu, cpusAllowed: [k.cpu],
      voluntaryCtxtSwitches: s.tget(k.task, T_NR_VOLUNTARY), nonvoluntaryCtxtSwitches: s.tget(k.task, T_NR_INVOLUNTARY),
    };
  }

  private stateOf(task: number, zombie: boolean): 'R' | 'S' | 'Z' {
    if (zombie) return 'Z';
    const s = this.ops.sched;
    return s.tget(task, T_ON_RQ) !== 0 ? 'R' : 'S';
  }

  /** /proc/stat's text now. */
  stat(): string {
    const it = this.it;
    const s = this.ops.sched;
    let ctxt = 0;
    let running = 0;
    for (let c = 0; c < this.ops.cores; c++) {
      ctxt += s.rget(c, R_NR_SWITCHES);
      running += s.rget(c, R_NR_RUNNING);
    }
    const now = Array.from({ length: this.ops.cores }, (_, c) => this.now(c));
    return show_stat(statSnapshot(it.cputime, it.tick, it.irqs, it.softirq, {
      ctxt, btime: BOOT_BTIME, processes: this.ops.processes(), procs_running: Math.max(1, running), procs_blocked: 0, now,
    }, it.ipi));
  }

  /** The text of /proc/interrupts, /proc/softirqs or /proc/stat; undefined for any other path. */
  procText(path: string): string | undefined {
    if (path === '/proc/interrupts') return interrupts(this.it.irqs, this.it.ipi);
    if (path === '/proc/softirqs') return softirqs(this.it.softirq);
    if (path === '/proc/stat') return this.stat();
    return undefined;
  }

  registerProcFiles(pseudo: PseudoFs): void {
    for (const f of ['/proc/interrupts', '/proc/softirqs', '/proc/stat']) pseudo.register(f, () => this.procText(f)!);
  }

  // ---- top ----

  private topSample(cpu: Cpu): void {
    while (this.topNext <= cpu.cycle) this.topNext += this.topCycles;
    const s = this.ops.sched;
    const tasks: TopTask[] = [];
    for (const t of this.ops.userTasks()) {
      tasks.push({ pid: t.tid, user: 'root', prio: s.tget(t.task, T_PRIO) - 100, nice: PRIO_TO_NICE(s.tget(t.task, T_STATIC_PRIO)), state: this.stateOf(t.task, t.zombie), runtimeNs: s.fget(t.task, F_SUM_EXEC), cpu: s.tget(t.task, T_CPU), comm: t.comm });
    }
    for (const k of this.kthreads) {
      tasks.push({ pid: k.pid, user: 'root', prio: s.tget(k.task, T_PRIO) - 100, nice: PRIO_TO_NICE(s.tget(k.task, T_STATIC_PRIO)), state: this.stateOf(k.task, false), runtimeNs: s.fget(k.task, F_SUM_EXEC), cpu: k.cpu, comm: `ksoftirqd/${k.cpu}` });
    }
    const sample: TopSample = { ns: this.now(cpu.hartId), stat: this.stat(), tasks, cpus: this.ops.cores };
    if (this.topPrev) this.ops.write(2, topFrame(this.topPrev, sample));
    this.topPrev = sample;
  }

  // ---- stats ----

  stats(): IrqStats {
    const it = this.it;
    const cpus = this.ops.cores;
    const range = [...Array(cpus).keys()];
    return {
      cpustat: range.map((c) => {
        const row: number[] = [];
        for (let k = 0; k < 7; k++) {
          const f = STAT_ORDER[k]!;
          const ns = f === CPUTIME_IDLE ? it.tick.get_idle_time(c, this.now(c)) : f === CPUTIME_IOWAIT ? it.tick.get_iowait_time(c, this.now(c)) : it.cputime.stat(c, f);
          row.push(nsec_to_clock_t(ns));
        }
        return row;
      }),
      loc: range.map((c) => it.irqs.kstat_irqs_cpu(RISCV_TIMER_IRQ, c)),
      res: range.map((c) => it.ipi.stats(c, IPI_RESCHEDULE)),
      cal: range.map((c) => it.ipi.stats(c, IPI_CALL_FUNC)),
      tlb: range.map((c) => it.ipi.tlb_count(c)),
      ksoftirqdNs: this.kthreads.map((k) => this.ops.sched.fget(k.task, F_SUM_EXEC)),
      ksoftirqdWakeups: range.map((c) => it.softirq.wakeups(c)),
      softirqRestarts: range.map((c) => it.softirq.restarts(c)),
      softirqs: [...Array(NR_SOFTIRQS).keys()].map((nr) => range.reduce((a, c) => a + it.softirq.kstat_softirqs_cpu(nr, c), 0)),
      idleLoops: [...this.idleLoops],
      ...(this.nic ? { nic: this.nic.stats() } : {}),
    };
  }
}

/** /proc/stat's field order (user nice system idle iowait irq softirq) as cpustat indices. */
const STAT_ORDER = [0, 1, 2, 5, 6, 4, 3];
void NR_STATS;

/** PF_KTHREAD (include/linux/sched.h). */
export const PF_KTHREAD = 0x00200000;
/** btime: the boot's CLOCK_REALTIME in seconds (linux.ts BOOT_EPOCH_NS). */
export const BOOT_BTIME = 1767225600;

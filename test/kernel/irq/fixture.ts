// A machine's interrupt and time side for tests, in one thread: every module over fresh
// buffers, each core's clock an entry of `clock` (ns) that handlers advance to charge their
// simulated cost, and the scheduler's answers as plain fields the test sets.
import { Ipi, allocIpiBuffer } from '../../../src/kernel/irq/ipi.ts';
import { IrqDescs, allocIrqStatBuffer, riscvTimerLine, type IrqLine } from '../../../src/kernel/irq/irqdesc.ts';
import { PreemptCount, allocPreemptBuffer } from '../../../src/kernel/irq/preempt.ts';
import { Smp, allocSmpBuffer } from '../../../src/kernel/smp.ts';
import { Softirq, allocSoftirqBuffer } from '../../../src/kernel/softirq.ts';
import { Cputime, TICK_TASK, allocCputimeBuffer } from '../../../src/kernel/time/cputime.ts';
import { Hrtimer, allocHrtimerBuffer } from '../../../src/kernel/time/hrtimer.ts';
import { Tick, allocTickBuffer, tick_nsec } from '../../../src/kernel/time/tick.ts';
import { Timers, allocTimerBuffer } from '../../../src/kernel/time/timer.ts';

export interface Fixture {
  cpus: number;
  clock: number[];
  /** Scheduler stand-ins, per core. */
  needResched: boolean[];
  ksoftirqdRunnable: boolean[];
  currIsKsoftirqd: boolean[];
  currKind: number[];
  currNice: number[];
  /** Log of wakeup_softirqd and scheduler_tick calls. */
  wakeups: number[];
  schedTicks: number[];
  preempt: PreemptCount;
  cputime: Cputime;
  softirq: Softirq;
  hrtimer: Hrtimer;
  timers: Timers;
  tick: Tick;
  irqs: IrqDescs;
  ipi: Ipi;
  smp: Smp;
}

export function makeFixture(cpus: number, hz = 250, lines: readonly IrqLine[] = [riscvTimerLine]): Fixture {
  const clock = new Array<number>(cpus).fill(0);
  const fx = {
    cpus,
    clock,
    needResched: new Array<boolean>(cpus).fill(false),
    ksoftirqdRunnable: new Array<boolean>(cpus).fill(false),
    currIsKsoftirqd: new Array<boolean>(cpus).fill(false),
    currKind: new Array<number>(cpus).fill(TICK_TASK),
    currNice: new Array<number>(cpus).fill(0),
    wakeups: new Array<number>(cpus).fill(0),
    schedTicks: new Array<number>(cpus).fill(0),
  } as Fixture;
  fx.preempt = new PreemptCount(allocPreemptBuffer(cpus));
  fx.cputime = new Cputime(allocCputimeBuffer(cpus), fx.preempt, tick_nsec(hz));
  fx.softirq = new Softirq(allocSoftirqBuffer(cpus), fx.preempt, fx.cputime, {
    now: (c) => fx.clock[c]!,
    need_resched: (c) => fx.needResched[c]!,
    wakeup_softirqd: (c) => {
      fx.wakeups[c]!++;
      fx.ksoftirqdRunnable[c] = true;
    },
    ksoftirqd_task_running: (c) => fx.ksoftirqdRunnable[c]!,
    current_is_ksoftirqd: (c) => fx.currIsKsoftirqd[c]!,
  });
  fx.hrtimer = new Hrtimer(allocHrtimerBuffer(cpus, 64), fx.softirq, 64);
  let tick: Tick | null = null;
  fx.timers = new Timers(allocTimerBuffer(cpus, 64), fx.softirq, () => tick!.jiffies(), 64);
  tick = new Tick(allocTickBuffer(cpus), hz, fx.softirq, fx.cputime, fx.hrtimer, fx.timers, {
    scheduler_tick: (c) => {
      fx.schedTicks[c]!++;
    },
    curr_kind: (c) => fx.currKind[c]!,
    curr_nice: (c) => fx.currNice[c]!,
  });
  fx.tick = tick;
  for (let c = 0; c < cpus; c++) tick.tick_setup(c, 0);
  fx.irqs = new IrqDescs(allocIrqStatBuffer(cpus), lines, fx.softirq);
  fx.irqs.request_irq(riscvTimerLine.irq, (c, user) => tick!.timer_interrupt(c, user));
  fx.ipi = new Ipi(allocIpiBuffer(cpus), fx.softirq);
  fx.smp = new Smp(allocSmpBuffer(cpus), fx.ipi);
  return fx;
}

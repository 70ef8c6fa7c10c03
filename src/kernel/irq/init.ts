// Boot and per-worker set-up of the interrupt and time side (Linux's init order: softirq_init,
// init_timers, hrtimers_init, tick_init, the irq chip, smp): the boot allocates every buffer once
// (IrqTimeBuffers: structured-clone safe, handed to every worker); each worker then builds its
// views with irq_time_init and the scheduler's hooks. The riscv-timer line's action is the tick.

import { Smp, allocSmpBuffer, type SmpHooks } from '../smp.ts';
import { Softirq, allocSoftirqBuffer, type SoftirqHooks } from '../softirq.ts';
import { Cputime, allocCputimeBuffer } from '../time/cputime.ts';
import { HRTIMER_CAP, Hrtimer, allocHrtimerBuffer } from '../time/hrtimer.ts';
import { Tick, allocTickBuffer, checkHz, DEFAULT_HZ, tick_nsec, type TickHooks } from '../time/tick.ts';
import { TIMER_CAP, Timers, allocTimerBuffer } from '../time/timer.ts';
import { Ipi, allocIpiBuffer, type IpiHooks } from './ipi.ts';
import { IrqDescs, NR_IRQS, allocIrqStatBuffer, checkLines, riscvTimerLine, type IrqLine } from './irqdesc.ts';
import { PreemptCount, allocPreemptBuffer } from './preempt.ts';

export interface IrqTimeBuffers {
  cpus: number;
  hz: number;
  nrIrqs: number;
  lines: IrqLine[];
  hrtimerCap: number;
  timerCap: number;
  preempt: SharedArrayBuffer;
  cputime: SharedArrayBuffer;
  softirq: SharedArrayBuffer;
  hrtimer: SharedArrayBuffer;
  timer: SharedArrayBuffer;
  tick: SharedArrayBuffer;
  irqStat: SharedArrayBuffer;
  ipi: SharedArrayBuffer;
  smp: SharedArrayBuffer;
}

/** Boot: every buffer, each core's first tick at TICK_NSEC (clocks start at 0). */
export function allocIrqTimeBuffers(o: { cpus: number; hz?: number; lines?: IrqLine[]; nrIrqs?: number; hrtimerCap?: number; timerCap?: number }): IrqTimeBuffers {
  if (!Number.isInteger(o.cpus) || o.cpus < 1) throw new RangeError(`irq: cpus must be a positive integer, not ${o.cpus}`);
  const hz = checkHz(o.hz ?? DEFAULT_HZ);
  const nrIrqs = o.nrIrqs ?? NR_IRQS;
  const lines = o.lines ?? [riscvTimerLine];
  checkLines(lines, nrIrqs);
  if (!lines.some((l) => l.irq === riscvTimerLine.irq)) throw new RangeError('irq: the lines must include the riscv-timer line');
  const hrtimerCap = o.hrtimerCap ?? HRTIMER_CAP;
  const timerCap = o.timerCap ?? TIMER_CAP;
  const b: IrqTimeBuffers = {
    cpus: o.cpus,
    hz,
    nrIrqs,
    lines,
    hrtimerCap,
    timerCap,
    preempt: allocPreemptBuffer(o.cpus),
    cputime: allocCputimeBuffer(o.cpus),
    softirq: allocSoftirqBuffer(o.cpus),
    hrtimer: allocHrtimerBuffer(o.cpus, hrtimerCap),
    timer: allocTimerBuffer(o.cpus, timerCap),
    tick: allocTickBuffer(o.cpus, hz),
    irqStat: allocIrqStatBuffer(o.cpus, nrIrqs),
    ipi: allocIpiBuffer(o.cpus),
    smp: allocSmpBuffer(o.cpus),
  };
  return b;
}

/** Everything a worker's kernel paths call, over the shared buffers. */
export interface IrqTime {
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

export interface IrqTimeHooks {
  softirq: SoftirqHooks;
  tick: TickHooks;
  ipi?: IpiHooks;
  smp?: SmpHooks;
}

/** Per worker: the views, with the timer line's action (the tick) registered. */
export function irq_time_init(b: IrqTimeBuffers, hooks: IrqTimeHooks): IrqTime {
  const preempt = new PreemptCount(b.preempt);
  const cputime = new Cputime(b.cputime, preempt, tick_nsec(b.hz));
  const softirq = new Softirq(b.softirq, preempt, cputime, hooks.softirq);
  const hrtimer = new Hrtimer(b.hrtimer, softirq, b.hrtimerCap);
  let tick: Tick | null = null;
  const timers = new Timers(b.timer, softirq, () => tick!.jiffies(), b.timerCap);
  tick = new Tick(b.tick, b.hz, softirq, cputime, hrtimer, timers, hooks.tick);
  const irqs = new IrqDescs(b.irqStat, b.lines, softirq, b.nrIrqs);
  const t = tick;
  irqs.request_irq(riscvTimerLine.irq, (cpu, user) => t.timer_interrupt(cpu, user));
  const ipi = new Ipi(b.ipi, softirq, hooks.ipi);
  const smp = new Smp(b.smp, ipi, hooks.smp);
  return { preempt, cputime, softirq, hrtimer, timers, tick, irqs, ipi, smp };
}

// A machine's interrupt and time side for tests, in one thread, built as a worker builds it
// (irq/init.ts): each core's clock an entry of `clock` (ns) that handlers advance to charge
// their simulated cost, and the scheduler's answers as plain fields the test sets.
import { allocIrqTimeBuffers, irq_time_init, type IrqTime } from '../../../src/kernel/irq/init.ts';
import { riscvTimerLine, type IrqLine } from '../../../src/kernel/irq/irqdesc.ts';
import { TICK_TASK } from '../../../src/kernel/time/cputime.ts';

export interface Fixture extends IrqTime {
  cpus: number;
  clock: number[];
  /** Scheduler stand-ins, per core. */
  needResched: boolean[];
  ksoftirqdRunnable: boolean[];
  currIsKsoftirqd: boolean[];
  currKind: number[];
  currNice: number[];
  /** Counts of wakeup_softirqd and scheduler_tick calls. */
  wakeups: number[];
  schedTicks: number[];
}

export function makeFixture(cpus: number, hz = 250, lines: IrqLine[] = [riscvTimerLine]): Fixture {
  const st = {
    cpus,
    clock: new Array<number>(cpus).fill(0),
    needResched: new Array<boolean>(cpus).fill(false),
    ksoftirqdRunnable: new Array<boolean>(cpus).fill(false),
    currIsKsoftirqd: new Array<boolean>(cpus).fill(false),
    currKind: new Array<number>(cpus).fill(TICK_TASK),
    currNice: new Array<number>(cpus).fill(0),
    wakeups: new Array<number>(cpus).fill(0),
    schedTicks: new Array<number>(cpus).fill(0),
  };
  const b = allocIrqTimeBuffers({ cpus, hz, lines, hrtimerCap: 64, timerCap: 64 });
  const it = irq_time_init(b, {
    softirq: {
      now: (c) => st.clock[c]!,
      need_resched: (c) => st.needResched[c]!,
      wakeup_softirqd: (c) => {
        st.wakeups[c]!++;
        st.ksoftirqdRunnable[c] = true;
      },
      ksoftirqd_task_running: (c) => st.ksoftirqdRunnable[c]!,
      current_is_ksoftirqd: (c) => st.currIsKsoftirqd[c]!,
    },
    tick: {
      scheduler_tick: (c) => {
        st.schedTicks[c]!++;
      },
      curr_kind: (c) => st.currKind[c]!,
      curr_nice: (c) => st.currNice[c]!,
    },
  });
  return { ...st, ...it };
}

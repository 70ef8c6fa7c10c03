// The deadline class at the module level: admitted tasks (utilization <= 0.95 on one core) meet
// every deadline and run in EDF order; admission control refuses over-subscription; an overrunning
// task is throttled to its runtime per period and CFS gets the rest.
import { describe, expect, it } from 'vitest';
import {
  __setscheduler_params, BW_UNIT, CLASS_DL, F_DEADLINE, sched_init, SCHED_DEADLINE, SCHED_NORMAL, T_CLASS,
  sched_task_init,
} from '../../../src/kernel/sched/core.ts';
import { __setparam_dl, dl_total_bw, sched_dl_overflow } from '../../../src/kernel/sched/deadline.ts';
import { Sim, type SimTask } from './sim.ts';

const SEC = 1e9;
const MS = 1e6;

/** Make p SCHED_DEADLINE (runtime, deadline = period) after admission, as sched_setattr does. */
function toDl(sim: Sim, runtime: number, period: number) {
  return (p: number): void => {
    expect(sched_dl_overflow(sim.s, p, SCHED_DEADLINE, runtime, period, period)).toBe(0);
    __setparam_dl(sim.s, p, runtime, period, period, 0);
    __setscheduler_params(sim.s, p, SCHED_DEADLINE, 0, 0);
  };
}

describe('deadline', () => {
  it('admitted tasks meet every deadline and run in EDF order, next to CFS hogs', () => {
    const sim = new Sim(1);
    const sets: Array<[number, number, number]> = [
      // work, budget (runtime), period: utilization 0.2 + 0.2 + 0.3 + 0.2 = 0.9
      [2 * MS, 2 * MS, 10 * MS],
      [3 * MS, 3 * MS, 15 * MS],
      [6 * MS, 6 * MS, 20 * MS],
      [7 * MS, 7 * MS, 35 * MS],
    ];
    const cfs = [sim.spawn(0, { kind: 'hog' }), sim.spawn(0, { kind: 'hog' }, 5)];
    const dl: SimTask[] = sets.map(([work, runtime, period], i) =>
      sim.spawn(0, { kind: 'job', work, period, release: i * MS }, 0, toDl(sim, runtime, period)));
    let picks = 0;
    sim.onPick = (cpu, next) => {
      // EDF: among runnable deadline tasks, the one picked has the earliest deadline
      const ready = dl.filter((t) => t.wakeAt < 0 && sim.s.tget(t.p, T_CLASS) === CLASS_DL && t.left > 0 && t.left !== Infinity);
      if (ready.length === 0) return;
      const min = Math.min(...ready.map((t) => sim.s.fget(t.p, F_DEADLINE)));
      if (dl.some((t) => t.p === next)) {
        picks++;
        expect(sim.s.fget(next, F_DEADLINE)).toBe(min);
      } else {
        // a fair task may run only when no deadline task is runnable
        expect(ready.filter((t) => sim.s.fget(t.p, F_DEADLINE) > 0).length, `cpu ${cpu} at ${sim.now}`).toBe(0);
      }
    };
    sim.run(3 * SEC);
    for (const t of dl) {
      expect(t.missed).toBe(0);
      expect(t.jobsDone).toBeGreaterThan(80);
    }
    expect(picks).toBeGreaterThan(500);
    console.log(`deadline: jobs ${dl.map((t) => t.jobsDone).join(', ')}, none missed; CFS got ${((cfs[0]!.ran + cfs[1]!.ran) / (3 * SEC)).toFixed(3)}`);
    expect((cfs[0]!.ran + cfs[1]!.ran) / (3 * SEC)).toBeGreaterThan(0.08);
  });

  it('constrained deadlines (deadline < period) are met too', () => {
    const sim = new Sim(1);
    sim.spawn(0, { kind: 'hog' });
    const mk = (runtime: number, deadline: number, period: number) => (p: number): void => {
      expect(sched_dl_overflow(sim.s, p, SCHED_DEADLINE, runtime, deadline, period)).toBe(0);
      __setparam_dl(sim.s, p, runtime, deadline, period, 0);
      __setscheduler_params(sim.s, p, SCHED_DEADLINE, 0, 0);
    };
    const a = sim.spawn(0, { kind: 'job', work: 2 * MS, period: 10 * MS, deadline: 4 * MS, release: 0 }, 0, mk(2 * MS, 4 * MS, 10 * MS));
    // b is first woken at 21 ms: a fresh task has deadline 0, and Linux's dl_check_constrained_dl
    // throttles a constrained task waking before 0 - D + P (only possible this close to boot)
    const b = sim.spawn(0, { kind: 'job', work: 3 * MS, period: 20 * MS, deadline: 6 * MS, release: 21 * MS }, 0, mk(3 * MS, 6 * MS, 20 * MS));
    sim.run(2 * SEC);
    expect([a.missed, b.missed]).toEqual([0, 0]);
    expect([a.jobsDone, b.jobsDone]).toEqual([200, 99]);
  });

  it('admission control: total runtime/period within cpus x 0.95, -EBUSY beyond', () => {
    const s = sched_init({ cpus: 2, nrTasks: 16 });
    for (let p = 0; p < 8; p++) sched_task_init(s, p);
    const admit = (p: number, runtime: number, period: number): number => {
      const r = sched_dl_overflow(s, p, SCHED_DEADLINE, runtime, period, period);
      if (r === 0) {
        __setparam_dl(s, p, runtime, period, period, 0);
        __setscheduler_params(s, p, SCHED_DEADLINE, 0, 0);
      }
      return r;
    };
    expect(admit(0, 60 * MS, 100 * MS)).toBe(0);
    expect(admit(1, 60 * MS, 100 * MS)).toBe(0);
    expect(admit(2, 60 * MS, 100 * MS)).toBe(0); // 1.8 <= 2 x 0.95
    expect(admit(3, 20 * MS, 100 * MS)).toBe(-16); // 2.0 > 1.9: EBUSY
    expect(admit(3, 9 * MS, 100 * MS)).toBe(0); // 1.89
    expect(dl_total_bw(s) / BW_UNIT).toBeCloseTo(1.89, 3);
    // changing an admitted task's parameters re-checks with its old share given back
    expect(admit(0, 55 * MS, 100 * MS)).toBe(0); // 1.84
    expect(admit(0, 70 * MS, 100 * MS)).toBe(-16); // would be 1.99
    expect(dl_total_bw(s) / BW_UNIT).toBeCloseTo(1.84, 3);
    // leaving SCHED_DEADLINE releases the bandwidth
    expect(sched_dl_overflow(s, 1, SCHED_NORMAL, 0, 0, 0)).toBe(0);
    __setscheduler_params(s, 1, SCHED_NORMAL, 0, 0);
    expect(dl_total_bw(s) / BW_UNIT).toBeCloseTo(1.24, 3);
    expect(admit(1, 60 * MS, 100 * MS)).toBe(0);
  });

  it('a task that overruns is throttled to its runtime per period; CFS gets the rest', () => {
    const sim = new Sim(1);
    const c = sim.spawn(0, { kind: 'hog' });
    const d = sim.spawn(0, { kind: 'hog' }, 0, toDl(sim, 3 * MS, 10 * MS));
    sim.run(2 * SEC);
    console.log(`overrunning dl task got ${(d.ran / (2 * SEC)).toFixed(4)} of the core`);
    // runtime is enforced at the tick (4 ms at HZ 250), so a budget of 3 ms runs up to one tick
    expect(d.ran / (2 * SEC)).toBeGreaterThanOrEqual(0.3);
    expect(d.ran / (2 * SEC)).toBeLessThanOrEqual(0.4 + 1e-9);
    expect(c.ran + d.ran).toBe(2 * SEC);
  });
});

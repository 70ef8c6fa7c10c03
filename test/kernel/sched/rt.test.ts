// The rt class at the module level: a SCHED_FIFO wakeup preempts CFS at once, SCHED_RR tasks of
// one priority alternate every 100 ms, RT throttling leaves CFS 5% of each second.
import { describe, expect, it } from 'vitest';
import {
  __setscheduler_params, R_RT_THROTTLED, SCHED_FIFO, SCHED_RR, T_NR_INVOLUNTARY, T_PRIO, test_need_resched,
} from '../../../src/kernel/sched/core.ts';
import { rt_highest_prio, rt_list } from '../../../src/kernel/sched/rt.ts';
import { Sim } from './sim.ts';

const SEC = 1e9;
const MS = 1e6;
const fifo = (sim: Sim, prio: number) => (p: number) => __setscheduler_params(sim.s, p, SCHED_FIFO, prio, 0);
const rr = (sim: Sim, prio: number) => (p: number) => __setscheduler_params(sim.s, p, SCHED_RR, prio, 0);

describe('rt', () => {
  it('a SCHED_FIFO task preempts CFS tasks the moment it wakes, and runs until it sleeps', () => {
    const sim = new Sim(1);
    const a = sim.spawn(0, { kind: 'hog' });
    const b = sim.spawn(0, { kind: 'hog' });
    const f = sim.spawn(0, { kind: 'cycle', run: 30 * MS, sleep: 97 * MS }, 0, fifo(sim, 10));
    const delays: number[] = [];
    sim.onPick = (_c, next) => {
      if (next === f.p) delays.push(sim.now - f.lastWake);
    };
    sim.run(2 * SEC);
    expect(delays.length).toBeGreaterThan(10);
    expect(delays.slice(1).every((d) => d === 0)).toBe(true);
    // each 30 ms burst ran unbroken: its only switches away are its sleeps
    expect(sim.s.tget(f.p, T_NR_INVOLUNTARY)).toBe(0);
    expect(sim.s.tget(f.p, T_PRIO)).toBe(89);
    const fifoShare = f.ran / (2 * SEC);
    expect(fifoShare).toBeGreaterThan(0.2);
    expect(a.ran + b.ran + f.ran).toBe(2 * SEC);
  });

  it('a higher rt priority preempts a lower one; equal priority does not', () => {
    const sim = new Sim(1);
    const lo = sim.spawn(0, { kind: 'hog' }, 0, fifo(sim, 10));
    sim.run(10 * MS);
    expect(sim.curr(0)).toBe(lo.p);
    const same = sim.spawn(0, { kind: 'hog' }, 0, fifo(sim, 10));
    expect(sim.curr(0)).toBe(lo.p);
    expect(test_need_resched(sim.s, 0)).toBe(false);
    const hi = sim.spawn(0, { kind: 'hog' }, 0, fifo(sim, 50));
    expect(test_need_resched(sim.s, 0)).toBe(true);
    sim.run(20 * MS);
    expect(sim.curr(0)).toBe(hi.p);
    expect(rt_highest_prio(sim.s, 0)).toBe(99 - 50);
    // the preempted FIFO task keeps its place at the head of its list
    expect(rt_list(sim.s, 0, 99 - 10)).toEqual([lo.p, same.p]);
  });

  it('two SCHED_RR tasks at one priority alternate every 100 ms', () => {
    // without throttling: at 950 ms of each second the idle task would get the core (no CFS task)
    const sim = new Sim(1, { rtRuntimeUs: -1 });
    const a = sim.spawn(0, { kind: 'hog' }, 0, rr(sim, 20));
    const b = sim.spawn(0, { kind: 'hog' }, 0, rr(sim, 20));
    sim.run(2 * SEC);
    const sw = sim.switches.filter((x) => x.t > 0);
    const times = sw.map((x) => x.t);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    console.log(`RR switches at ${times.slice(0, 5).map((t) => t / MS).join(', ')} ... ms`);
    expect(gaps.length).toBeGreaterThanOrEqual(18);
    for (const g of gaps) expect(g).toBe(100 * MS);
    for (let i = 1; i < sw.length; i++) expect(sw[i]!.next).toBe(sw[i - 1]!.prev);
    expect(Math.abs(a.ran - b.ran)).toBeLessThanOrEqual(100 * MS);
    expect(sim.s.tget(a.p, T_NR_INVOLUNTARY)).toBe(10);
  });

  it('with throttling on, the RR pair yields the core to idle for the last 50 ms of each second', () => {
    const sim = new Sim(1);
    sim.spawn(0, { kind: 'hog' }, 0, rr(sim, 20));
    sim.spawn(0, { kind: 'hog' }, 0, rr(sim, 20));
    sim.run(3 * SEC);
    const idle = sim.switches.filter((x) => x.next === 0);
    expect(idle.length).toBe(3);
    // throttled at the first tick past 950 ms of rt time, unthrottled by the period timer
    const back = sim.switches.filter((x) => x.prev === 0 && x.t > 0).map((x) => x.t);
    expect(back).toEqual([1 * SEC, 2 * SEC, 3 * SEC].filter((t) => t < 3 * SEC));
  });

  it('RT throttling leaves CFS 5% of each second (sched_rt_runtime_us 950000)', () => {
    const sim = new Sim(1);
    const f = sim.spawn(0, { kind: 'hog' }, 0, fifo(sim, 50));
    const c = sim.spawn(0, { kind: 'hog' });
    const perSecond: number[] = [];
    let last = 0;
    for (let sec = 1; sec <= 6; sec++) {
      sim.run(sec * SEC);
      perSecond.push(c.ran - last);
      last = c.ran;
    }
    console.log(`CFS ms per second next to a FIFO hog: ${perSecond.map((x) => x / MS).join(', ')}`);
    // throttling is noticed at the tick (4 ms): CFS gets 50 ms less up to one tick in a period
    for (const ms of perSecond) expect(Math.abs(ms - 50 * MS)).toBeLessThanOrEqual(4 * MS);
    // paid back exactly over the run: rt gets 950 ms per second
    expect(Math.abs(c.ran - 6 * 50 * MS)).toBeLessThanOrEqual(4 * MS);
    expect(f.ran + c.ran).toBe(6 * SEC);
  });

  it('with sched_rt_runtime_us -1 an rt hog starves CFS', () => {
    const sim = new Sim(1, { rtRuntimeUs: -1 });
    sim.spawn(0, { kind: 'hog' }, 0, fifo(sim, 50));
    const c = sim.spawn(0, { kind: 'hog' });
    sim.run(3 * SEC);
    expect(c.ran).toBe(0);
    expect(sim.s.rget(0, R_RT_THROTTLED)).toBe(0);
  });
});

// The host watchdog's decision alone: a pure function of progress samples and the time.

import { describe, expect, it } from 'vitest';
import { watchdogStep, type ProgressSample, type WatchdogState } from '../../src/machine/watch.ts';

const sample = (generation: number, cycles: number[], instret = cycles): ProgressSample => ({ generation, cycles, instret });

/** Feeds samples at the given times; returns the tick (index) at which the watchdog first fired, or -1. */
function firstStuck(ticks: [number, ProgressSample][], limitMs: number, start = 0): number {
  let st: WatchdogState = { since: start };
  for (const [i, [now, s]] of ticks.entries()) {
    const r = watchdogStep(st, s, now, limitMs);
    st = r.state;
    if (r.stuck) return i;
  }
  return -1;
}

describe('watchdogStep', () => {
  it('the first sample only starts the clock', () => {
    const r = watchdogStep({ since: 0 }, sample(0, [0, 0]), 1_000_000, 1000);
    expect(r.stuck).toBe(false);
    expect(r.state.since).toBe(1_000_000);
  });

  it('fires once nothing has moved for the limit, not before', () => {
    const s = sample(3, [100, 200]);
    const ticks: [number, ProgressSample][] = [[1000, s], [2000, s], [2999, s], [3000, s]];
    expect(firstStuck(ticks, 2000)).toBe(3);
    expect(firstStuck(ticks.slice(0, 3), 2000)).toBe(-1);
  });

  it('any core\'s cycles moving resets it', () => {
    const run = (moveAt: number) => {
      const ticks: [number, ProgressSample][] = [];
      for (let t = 1; t <= 12; t++) ticks.push([t * 1000, sample(3, [100, t >= moveAt ? 201 : 200])]);
      return ticks[firstStuck(ticks, 3500)]![0];
    };
    expect(run(99), 'never moves: 3.5 s after the first sample').toBe(5000);
    expect(run(5), 'core 1 moves at 5 s: 3.5 s after that').toBe(9000);
  });

  it('the barrier generation moving resets it (cores parked at the barrier still count as progress)', () => {
    const ticks: [number, ProgressSample][] = [1, 2, 3, 4, 5, 6].map((t) => [t * 1000, sample(t, [100, 100])]);
    expect(firstStuck(ticks, 1500)).toBe(-1);
  });

  it('instructions alone do not count: only cycles and the barrier', () => {
    const ticks: [number, ProgressSample][] = [1, 2, 3, 4].map((t) => [t * 1000, sample(0, [100], [t])]);
    expect(firstStuck(ticks, 2000)).toBe(2);
  });

  it('keeps firing while stuck (every tick after the limit)', () => {
    const s = sample(0, [1]);
    let st: WatchdogState = { since: 0 };
    const fired: boolean[] = [];
    for (const now of [0, 1000, 2000, 3000]) {
      const r = watchdogStep(st, s, now, 1000);
      st = r.state;
      fired.push(r.stuck);
    }
    expect(fired).toEqual([false, true, true, true]);
  });

  it('does not change the state it is given', () => {
    const st: WatchdogState = { last: sample(0, [1]), since: 5 };
    const copy = structuredClone(st);
    watchdogStep(st, sample(1, [2]), 100, 10);
    watchdogStep(st, sample(0, [1]), 100, 10);
    expect(st).toEqual(copy);
  });
});

import { describe, expect, it } from 'vitest';
import {
  BARRIER_ABORTED,
  BARRIER_WORDS,
  barrierAbort,
  barrierArrived,
  barrierInit,
  barrierIsAborted,
  barrierWait,
  BARRIER_MIN_SPINS,
  BARRIER_SPINS,
  nextSpins,
  SpinBudget,
} from '../../shared/sync/index.ts';
import { runWorkers } from '../helpers/spawn.ts';
import { BR, type BarrierJob, type BarrierResult } from './workers/layout.ts';
import { until } from '../helpers/poll.ts';

const WORKER = new URL('./workers/barrier.worker.ts', import.meta.url);
const RUN_MS = 15_000;

function newMem(parties: number): { sab: SharedArrayBuffer; i32: Int32Array } {
  const sab = new SharedArrayBuffer(BR.WORDS * 4);
  const i32 = new Int32Array(sab);
  barrierInit(i32, BR.BARRIER, parties);
  return { sab, i32 };
}

describe('barrier', () => {
  it('layout fits and init validates its arguments', () => {
    expect(BR.GATE).toBeGreaterThanOrEqual(BR.BARRIER + BARRIER_WORDS);
    const i32 = new Int32Array(new SharedArrayBuffer(BARRIER_WORDS * 4));
    expect(() => barrierInit(i32, 0, 0)).toThrow(RangeError);
    expect(() => barrierInit(i32, 1, 2)).toThrow(RangeError);
    expect(() => barrierInit(new Int32Array(BARRIER_WORDS), 0, 2)).toThrow(TypeError);
  });

  it('adaptive spin budget: halves after a wait that parked, doubles after one spinning served, within its bounds', () => {
    expect(nextSpins(BARRIER_SPINS, false)).toBe(BARRIER_SPINS / 2);
    expect(nextSpins(1000, true)).toBe(2000);
    expect(nextSpins(BARRIER_SPINS, true)).toBe(BARRIER_SPINS);
    expect(nextSpins(BARRIER_MIN_SPINS, false)).toBe(BARRIER_MIN_SPINS);
    // Always parked: down to the floor in a few waits, never below it.
    let s = BARRIER_SPINS;
    for (let i = 0; i < 20; i++) s = nextSpins(s, false);
    expect(s).toBe(BARRIER_MIN_SPINS);
    for (let i = 0; i < 20; i++) s = nextSpins(s, true);
    expect(s).toBe(BARRIER_SPINS);
  });

  it('one party with a spin budget: its waits complete at once (served while spinning), so the budget doubles', () => {
    const { i32 } = newMem(1);
    const budget = new SpinBudget();
    budget.spins = 100;
    for (let g = 0; g < 3; g++) expect(barrierWait(i32, BR.BARRIER, budget)).toBe(g);
    expect(budget.spins).toBe(800);
  });

  it('one party: every wait completes its own generation', () => {
    const { i32 } = newMem(1);
    for (let g = 0; g < 5; g++) expect(barrierWait(i32, BR.BARRIER, false)).toBe(g);
  });

  for (const [workers, rounds, spin] of [
    [2, 1_500, true],
    [6, 400, false],
  ] as const) {
    it(`${workers} workers, ${rounds} rounds, spin=${spin}: lock-step, no generation missed or repeated`, { timeout: 20_000 }, async () => {
      const { sab, i32 } = newMem(workers);
      const datas: BarrierJob[] = Array.from({ length: workers }, (_, id) => ({
        sab,
        mode: 'rounds',
        id,
        parties: workers,
        rounds,
        spin,
      }));
      const results = (await runWorkers(WORKER, datas, RUN_MS)) as BarrierResult[];
      const expected = Array.from({ length: 2 * rounds }, (_, g) => g);
      for (const r of results) {
        expect(r.bad).toBe(0);
        // Compare cheaply first; the full diff is only built on failure.
        if (r.gens.length !== expected.length || r.gens.some((g, k) => g !== expected[k])) expect(r.gens).toEqual(expected);
      }
      expect(barrierArrived(i32, BR.BARRIER)).toBe(0);
      expect(barrierIsAborted(i32, BR.BARRIER)).toBe(false);
    });
  }

  it('abort releases every parked waiter with -1 and makes later waits return -1', { timeout: 20_000 }, async () => {
    const waiters = 3; // parties = 4: the fourth never arrives
    const { sab, i32 } = newMem(waiters + 1);
    const datas: BarrierJob[] = Array.from({ length: waiters }, (_, id) => ({
      sab,
      mode: 'abort',
      id,
      parties: waiters + 1,
      rounds: 0,
      spin: id === 0, // one spinning waiter, the others parked at once
    }));
    const run = runWorkers(WORKER, datas, RUN_MS);
    run.catch(() => {}); // awaited below; keeps an early assertion failure from leaving it unhandled
    expect(await until(() => barrierArrived(i32, BR.BARRIER) === waiters, RUN_MS)).toBe(true);
    await new Promise((r) => setTimeout(r, 50)); // let spinners give up and park
    expect(barrierArrived(i32, BR.BARRIER)).toBe(waiters);
    const abortedAt = Date.now();
    barrierAbort(i32, BR.BARRIER);
    const results = (await run) as BarrierResult[];
    for (const r of results) {
      expect(r.gens).toEqual([BARRIER_ABORTED, BARRIER_ABORTED]);
      // Woken by the abort (not before it), and promptly.
      expect(r.returnedAt! - abortedAt).toBeGreaterThanOrEqual(0);
      expect(r.returnedAt! - abortedAt).toBeLessThan(1_000);
    }
    expect(barrierIsAborted(i32, BR.BARRIER)).toBe(true);
    expect(barrierWait(i32, BR.BARRIER, false)).toBe(BARRIER_ABORTED);
    // Re-arming works after an abort.
    barrierInit(i32, BR.BARRIER, 1);
    expect(barrierWait(i32, BR.BARRIER, true)).toBe(0);
  });
});

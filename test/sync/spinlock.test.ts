import { describe, expect, it } from 'vitest';
import { LOCK_CONTENDED, LOCK_FREE, LOCK_HELD, spinLock, spinTryLock, spinUnlock } from '../../shared/sync/index.ts';
import { runWorkers } from '../helpers/spawn.ts';
import { SL, type SpinlockJob, type SpinlockResult } from './workers/layout.ts';
import { until } from '../helpers/poll.ts';

const WORKER = new URL('./workers/spinlock.worker.ts', import.meta.url);
const RUN_MS = 15_000;

function newMem(): { sab: SharedArrayBuffer; i32: Int32Array } {
  const sab = new SharedArrayBuffer(SL.WORDS * 4);
  return { sab, i32: new Int32Array(sab) };
}

function countRun(sab: SharedArrayBuffer, workers: number, iters: number): Promise<SpinlockResult[]> {
  const job: SpinlockJob = { sab, mode: 'count', parties: workers, iters, csWork: 8 };
  return runWorkers(WORKER, Array.from({ length: workers }, () => job), RUN_MS) as Promise<SpinlockResult[]>;
}

describe('spinlock', () => {
  it('single thread: lock word states, tryLock, unlock of a free lock throws', () => {
    const { i32 } = newMem();
    expect(spinTryLock(i32, SL.LOCK)).toBe(true);
    expect(Atomics.load(i32, SL.LOCK)).toBe(LOCK_HELD);
    expect(spinTryLock(i32, SL.LOCK)).toBe(false);
    spinUnlock(i32, SL.LOCK);
    expect(Atomics.load(i32, SL.LOCK)).toBe(LOCK_FREE);
    spinLock(i32, SL.LOCK);
    expect(Atomics.load(i32, SL.LOCK)).toBe(LOCK_HELD);
    spinUnlock(i32, SL.LOCK);
    expect(() => spinUnlock(i32, SL.LOCK)).toThrow(RangeError);
  });

  it('2 workers x 100000 non-atomic increments under the lock lose nothing', { timeout: 20_000 }, async () => {
    const { sab, i32 } = newMem();
    const results = await countRun(sab, 2, 100_000);
    expect(results.map((r) => r.torn)).toEqual([0, 0]);
    expect(i32[SL.COUNTER]).toBe(200_000);
    expect(i32[SL.SHADOW]).toBe(200_000);
    expect(Atomics.load(i32, SL.LOCK)).toBe(LOCK_FREE);
  });

  it('6 workers (more than host cores) x 30000 increments: they park while main holds the lock, then lose nothing', { timeout: 20_000 }, async () => {
    const { sab, i32 } = newMem();
    const workers = 6;
    const iters = 30_000;
    spinLock(i32, SL.LOCK);
    const run = countRun(sab, workers, iters);
    run.catch(() => {}); // awaited below; keeps an early assertion failure from leaving it unhandled
    // Workers exhaust their spin, mark the lock contended (2) and park in Atomics.wait.
    const sawContended = await until(() => Atomics.load(i32, SL.LOCK) === LOCK_CONTENDED, RUN_MS);
    await new Promise((r) => setTimeout(r, 20));
    expect(i32[SL.COUNTER]).toBe(0);
    spinUnlock(i32, SL.LOCK); // must notify, or the parked workers hang until the timeout
    const results = await run;
    expect(sawContended).toBe(true);
    expect(results.map((r) => r.torn)).toEqual(new Array(workers).fill(0));
    expect(i32[SL.COUNTER]).toBe(workers * iters);
    expect(i32[SL.SHADOW]).toBe(workers * iters);
    expect(Atomics.load(i32, SL.LOCK)).toBe(LOCK_FREE);
  });

  it('tryLock from another thread fails while held and succeeds once released', { timeout: 20_000 }, async () => {
    const { sab, i32 } = newMem();
    spinLock(i32, SL.LOCK);
    const run = runWorkers(WORKER, [{ sab, mode: 'try', parties: 1, iters: 0, csWork: 0 } satisfies SpinlockJob], RUN_MS);
    run.catch(() => {}); // awaited below
    expect(await until(() => Atomics.load(i32, SL.FLAG) === 1, RUN_MS)).toBe(true);
    expect(Atomics.load(i32, SL.LOCK)).toBe(LOCK_HELD); // the failed tryLock changed nothing
    spinUnlock(i32, SL.LOCK);
    Atomics.store(i32, SL.FLAG, 2);
    Atomics.notify(i32, SL.FLAG);
    const [r] = (await run) as SpinlockResult[];
    expect(r).toMatchObject({ tryHeld: false, tryFree: true });
    expect(Atomics.load(i32, SL.LOCK)).toBe(LOCK_FREE);
  });
});

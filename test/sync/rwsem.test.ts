import { describe, expect, it } from 'vitest';
import {
  downRead, downReadTrylock, downWrite, downWriteTrylock, downgradeWrite, rwsemIsWriteLocked, rwsemReaders,
  rwsemWritersWaiting, upRead, upWrite,
} from '../../shared/sync/rwsem.ts';
import { until } from '../helpers/poll.ts';
import { runWorkers } from '../helpers/spawn.ts';
import { RW, type RwsemJob, type RwsemResult } from './workers/rwsem_layout.ts';

const WORKER = new URL('./workers/rwsem.worker.ts', import.meta.url);
const RUN_MS = 20_000;

function mem(): { sab: SharedArrayBuffer; i32: Int32Array } {
  const sab = new SharedArrayBuffer(RW.WORDS * 4);
  return { sab, i32: new Int32Array(sab) };
}

describe('rwsem', () => {
  it('single thread: shared readers, exclusive writer, downgrade, bad releases throw', () => {
    const { i32 } = mem();
    expect(downReadTrylock(i32, RW.SEM)).toBe(true);
    expect(downReadTrylock(i32, RW.SEM)).toBe(true);
    expect(rwsemReaders(i32, RW.SEM)).toBe(2);
    expect(downWriteTrylock(i32, RW.SEM)).toBe(false);
    upRead(i32, RW.SEM);
    upRead(i32, RW.SEM);
    expect(() => upRead(i32, RW.SEM)).toThrow(RangeError);
    downWrite(i32, RW.SEM);
    expect(rwsemIsWriteLocked(i32, RW.SEM)).toBe(true);
    expect(downReadTrylock(i32, RW.SEM)).toBe(false);
    expect(() => upRead(i32, RW.SEM)).toThrow(RangeError);
    downgradeWrite(i32, RW.SEM);
    expect(rwsemReaders(i32, RW.SEM)).toBe(1);
    expect(() => upWrite(i32, RW.SEM)).toThrow(RangeError);
    upRead(i32, RW.SEM);
    downRead(i32, RW.SEM);
    upRead(i32, RW.SEM);
    expect(Atomics.load(i32, RW.SEM)).toBe(0);
  });

  it('a second reader enters while main reads; a writer waits for main, and new readers queue behind it', { timeout: 30_000 }, async () => {
    const { sab, i32 } = mem();
    downRead(i32, RW.SEM);
    const base = { sab, parties: 1, iters: 0, writeEvery: 1, id: 0 };
    const [reader] = (await runWorkers(WORKER, [{ ...base, mode: 'scriptedReader' } satisfies RwsemJob], RUN_MS)) as RwsemResult[];
    expect(reader!.reads).toBe(1); // shared with main's read hold
    const writer = runWorkers(WORKER, [{ ...base, mode: 'scriptedWriter' } satisfies RwsemJob], RUN_MS);
    writer.catch(() => {});
    // The writer registers as waiting; it cannot be inside while main still reads.
    expect(await until(() => rwsemWritersWaiting(i32, RW.SEM) === 1, RUN_MS)).toBe(true);
    expect(Atomics.load(i32, RW.A)).toBe(0);
    expect(downReadTrylock(i32, RW.SEM)).toBe(false); // writer preference
    upRead(i32, RW.SEM);
    const [w] = (await writer) as RwsemResult[];
    expect(w!.writes).toBe(1);
    expect(Atomics.load(i32, RW.A)).toBe(1);
    expect(Atomics.load(i32, RW.SEM)).toBe(0);
    expect(rwsemWritersWaiting(i32, RW.SEM)).toBe(0);
  });

  for (const workers of [2, 6]) {
    it(`${workers} workers mixing reads and writes: no reader sees a torn pair, no writer overlaps anyone`, { timeout: 30_000 }, async () => {
      const { sab, i32 } = mem();
      const iters = 20_000;
      const writeEvery = 5;
      const jobs: RwsemJob[] = Array.from({ length: workers }, (_, id) => ({ sab, mode: 'mixed', parties: workers, iters, writeEvery, id }));
      const results = (await runWorkers(WORKER, jobs, RUN_MS)) as RwsemResult[];
      const writes = results.reduce((s, r) => s + r.writes, 0);
      console.log(`rwsem ${workers} workers: writes ${writes}, reads ${results.reduce((s, r) => s + r.reads, 0)}, max readers inside at once ${Math.max(...results.map((r) => r.maxReaders))}`);
      expect(results.map((r) => r.torn)).toEqual(new Array(workers).fill(0));
      expect(results.map((r) => r.overlap)).toEqual(new Array(workers).fill(0));
      expect(writes).toBe(workers * (iters / writeEvery));
      expect(i32[RW.A]).toBe(writes);
      expect(i32[RW.B]).toBe(writes);
      expect(Atomics.load(i32, RW.SEM)).toBe(0);
    });
  }
});

import { describe, expect, it } from 'vitest';
import { seqReadBegin, seqReadRetry, seqWriteBegin, seqWriteEnd } from '../../shared/sync/index.ts';
import { runWorkers } from '../helpers/spawn.ts';
import { SQ, type SeqlockJob, type SeqlockResult } from './workers/layout.ts';

const WORKER = new URL('./workers/seqlock.worker.ts', import.meta.url);
const RUN_MS = 15_000;

/** One writer plus one reader worker per entry of `readers`; resolves with the readers' results. */
async function run(readers: SeqlockJob['role'][], writes: number): Promise<SeqlockResult[]> {
  const sab = new SharedArrayBuffer(SQ.WORDS * 4);
  const base = { sab, parties: readers.length + 1, writes, window: 30 };
  const datas: SeqlockJob[] = [{ ...base, role: 'writer' }];
  for (const role of readers) datas.push({ ...base, role });
  const results = (await runWorkers(WORKER, datas, RUN_MS)) as SeqlockResult[];
  expect(Atomics.load(new Int32Array(sab), SQ.SEQ)).toBe(2 * writes);
  return results.slice(1);
}

describe('seqlock', () => {
  it('single thread: sequence is odd while writing, retry detects a write', () => {
    const i32 = new Int32Array(new SharedArrayBuffer(SQ.WORDS * 4));
    const s = seqReadBegin(i32, SQ.SEQ);
    expect(s).toBe(0);
    expect(seqReadRetry(i32, SQ.SEQ, s)).toBe(false);
    seqWriteBegin(i32, SQ.SEQ);
    expect(Atomics.load(i32, SQ.SEQ) & 1).toBe(1);
    expect(seqReadRetry(i32, SQ.SEQ, s)).toBe(true);
    seqWriteEnd(i32, SQ.SEQ);
    expect(Atomics.load(i32, SQ.SEQ)).toBe(2);
    expect(seqReadRetry(i32, SQ.SEQ, s)).toBe(true);
    expect(seqReadBegin(i32, SQ.SEQ)).toBe(2);
  });

  function checkReaders(results: SeqlockResult[], writes: number): void {
    for (const r of results) {
      expect(r.bad).toBe(0);
      expect(r.last).toBe(writes); // the snapshot taken after the writer finished is the final one
    }
    // The readers really raced the writer: they saw many values and had to retry.
    expect(results.some((r) => r.distinct > 1)).toBe(true);
    expect(results.reduce((n, r) => n + r.retries, 0)).toBeGreaterThan(0);
  }

  it('1 writer + 1 reader: the reader never sees the pair unequal; unprotected reads do (control)', { timeout: 20_000 }, async () => {
    const writes = 200_000;
    const [reader, raw] = await run(['reader', 'rawReader'], writes);
    checkReaders([reader!], writes);
    // Control: the same two loads without the seqlock observe torn pairs, so the check can fail.
    expect(raw!.bad).toBeGreaterThan(0);
  });

  it('1 writer + 5 readers (more than host cores): readers never see the pair unequal', { timeout: 20_000 }, async () => {
    const writes = 100_000;
    checkReaders(await run(new Array<SeqlockJob['role']>(5).fill('reader'), writes), writes);
  });
});

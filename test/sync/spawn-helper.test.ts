import { describe, expect, it } from 'vitest';
import { runWorkers } from '../helpers/spawn.ts';

const WORKER = new URL('./workers/misbehave.worker.ts', import.meta.url);

describe('runWorkers (test helper)', () => {
  it('collects one result per worker, in order', { timeout: 20_000 }, async () => {
    await expect(runWorkers(WORKER, ['ok', 'ok'], 15_000)).resolves.toEqual([{ ok: true }, { ok: true }]);
  });

  // Three runs one after the other, each starting workers under tsx (seconds apiece on a busy host).
  it('rejects clearly on a worker exception, a non-zero exit, and a missing result', { timeout: 60_000 }, async () => {
    await expect(runWorkers(WORKER, ['ok', 'throw'], 15_000)).rejects.toThrow(/worker #1 failed: .*deliberate failure/);
    await expect(runWorkers(WORKER, ['exit3'], 15_000)).rejects.toThrow(/worker #0 exited with code 3/);
    await expect(runWorkers(WORKER, ['silent'], 15_000)).rejects.toThrow(/worker #0 exited without posting a result/);
  });

  it('times out and terminates workers blocked in Atomics.wait', { timeout: 20_000 }, async () => {
    const t0 = Date.now();
    // One worker, which never posts: the message cannot depend on how soon a well-behaved worker
    // started (with an 'ok' worker beside it, a loaded host left that one unstarted at 1.5 s too).
    await expect(runWorkers(WORKER, ['hang'], 1_500)).rejects.toThrow(/^runWorkers\(misbehave\.worker\.ts\): timed out after 1500 ms; still running: #0 \(no result\)$/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });
});

/**
 * Test helper: run TypeScript worker modules in real worker_threads under tsx.
 *
 * A worker module reads its input from `workerData` and posts exactly one result message
 * with `parentPort.postMessage(result)`, then returns (letting the thread exit 0).
 */
import type { Worker } from 'node:worker_threads';
import { spawnTsxWorker } from '../../src/machine/spawn.ts';

/** Start a worker thread running the TypeScript module at `fileUrl` (via tsx) with `workerData`. */
export function spawnTsWorker(fileUrl: URL, workerData: unknown): Worker {
  return spawnTsxWorker(fileUrl, workerData);
}

function baseName(fileUrl: URL): string {
  const path = fileUrl.pathname;
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * Start one worker per entry of `datas` (all at once), each running `fileUrl` with that
 * entry as workerData, and resolve with their result messages in the same order once every
 * worker has posted exactly one message and exited with code 0.
 * Rejects with an Error naming the worker and cause on: a worker error (uncaught exception
 * or failed module load), a non-zero exit, an exit without a result, a second message, or
 * `timeoutMs` elapsing. On any rejection every worker still running is terminated first,
 * so a failing or hung test never leaves threads behind.
 */
export function runWorkers(fileUrl: URL, datas: unknown[], timeoutMs: number): Promise<unknown[]> {
  const name = baseName(fileUrl);
  const n = datas.length;
  return new Promise<unknown[]>((resolve, reject) => {
    const results = new Array<unknown>(n);
    const posted = new Array<boolean>(n).fill(false);
    const exited = new Array<boolean>(n).fill(false);
    const workers: Worker[] = [];
    let finished = 0;
    let settled = false;

    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void Promise.allSettled(workers.map((w) => w.terminate())).then(() => reject(err));
    };

    const timer = setTimeout(() => {
      const waiting: string[] = [];
      for (let i = 0; i < n; i++) {
        if (!posted[i]) waiting.push(`#${i} (no result)`);
        else if (!exited[i]) waiting.push(`#${i} (posted, not exited)`);
      }
      fail(new Error(`runWorkers(${name}): timed out after ${timeoutMs} ms; still running: ${waiting.join(', ')}`));
    }, timeoutMs);

    if (n === 0) {
      settled = true;
      clearTimeout(timer);
      resolve(results);
      return;
    }

    for (let i = 0; i < n; i++) {
      let w: Worker;
      try {
        w = spawnTsWorker(fileUrl, datas[i]);
      } catch (e) {
        fail(new Error(`runWorkers(${name}): could not start worker #${i}: ${String(e)}`, { cause: e }));
        return;
      }
      workers.push(w);
      w.on('message', (msg: unknown) => {
        if (posted[i]) {
          fail(new Error(`runWorkers(${name}): worker #${i} posted more than one message`));
          return;
        }
        posted[i] = true;
        results[i] = msg;
      });
      w.on('error', (e: unknown) => {
        const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
        fail(new Error(`runWorkers(${name}): worker #${i} failed: ${detail}`, { cause: e }));
      });
      w.on('exit', (code: number) => {
        exited[i] = true;
        if (code !== 0) {
          fail(new Error(`runWorkers(${name}): worker #${i} exited with code ${code}`));
        } else if (!posted[i]) {
          fail(new Error(`runWorkers(${name}): worker #${i} exited without posting a result`));
        } else if (++finished === n && !settled) {
          settled = true;
          clearTimeout(timer);
          resolve(results);
        }
      });
    }
  });
}

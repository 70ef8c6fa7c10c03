import { parentPort, workerData } from 'node:worker_threads';
import { spinLock, spinTryLock, spinUnlock } from '../../../shared/sync/index.ts';
import { startGate } from '../../helpers/gate.ts';
import { SL, type SpinlockJob, type SpinlockResult } from './layout.ts';

const job = workerData as SpinlockJob;
const i32 = new Int32Array(job.sab);
const result: SpinlockResult = { torn: 0 };

if (job.mode === 'count') {
  startGate(i32, SL.GATE, job.parties);
  let torn = 0;
  for (let k = 0; k < job.iters; k++) {
    spinLock(i32, SL.LOCK);
    // Deliberately non-atomic read-modify-write of two words; only the lock protects them.
    const a = i32[SL.COUNTER];
    const b = i32[SL.SHADOW];
    if (a !== b) torn++;
    i32[SL.COUNTER] = a + 1;
    for (let j = 0; j < job.csWork; j++) Atomics.load(i32, SL.SCRATCH);
    i32[SL.SHADOW] = b + 1;
    spinUnlock(i32, SL.LOCK);
  }
  result.torn = torn;
} else {
  // The main thread holds the lock now.
  result.tryHeld = spinTryLock(i32, SL.LOCK);
  Atomics.store(i32, SL.FLAG, 1);
  while (Atomics.load(i32, SL.FLAG) !== 2) Atomics.wait(i32, SL.FLAG, 1, 100);
  // The main thread has released it.
  result.tryFree = spinTryLock(i32, SL.LOCK);
  if (result.tryFree) spinUnlock(i32, SL.LOCK);
}

parentPort!.postMessage(result);

import { parentPort, workerData } from 'node:worker_threads';
import { seqReadBegin, seqReadRetry, seqWriteBegin, seqWriteEnd } from '../../../shared/sync/index.ts';
import { startGate } from '../../helpers/gate.ts';
import { SQ, type SeqlockJob, type SeqlockResult } from './layout.ts';

const job = workerData as SeqlockJob;
const i32 = new Int32Array(job.sab);
const result: SeqlockResult = { reads: 0, retries: 0, bad: 0, distinct: 0, last: 0 };

startGate(i32, SQ.GATE, job.parties);

if (job.role === 'writer') {
  for (let v = 1; v <= job.writes; v++) {
    seqWriteBegin(i32, SQ.SEQ);
    Atomics.store(i32, SQ.A, v);
    for (let j = 0; j < job.window; j++) Atomics.load(i32, SQ.DONE);
    Atomics.store(i32, SQ.B, v);
    seqWriteEnd(i32, SQ.SEQ);
  }
  Atomics.store(i32, SQ.DONE, 1);
  result.last = job.writes;
} else {
  const raw = job.role === 'rawReader';
  let reads = 0;
  let retries = 0;
  let bad = 0;
  let distinct = 0;
  let last = 0;
  for (;;) {
    // Sample DONE before the snapshot: the snapshot taken after DONE was seen is final.
    const done = Atomics.load(i32, SQ.DONE) === 1;
    let a: number;
    let b: number;
    if (raw) {
      a = Atomics.load(i32, SQ.A);
      b = Atomics.load(i32, SQ.B);
    } else {
      for (;;) {
        const s = seqReadBegin(i32, SQ.SEQ);
        a = Atomics.load(i32, SQ.A);
        b = Atomics.load(i32, SQ.B);
        if (!seqReadRetry(i32, SQ.SEQ, s)) break;
        retries++;
      }
    }
    reads++;
    if (a !== b || a < last) bad++;
    if (a !== last) distinct++;
    last = a;
    if (done) break;
  }
  Object.assign(result, { reads, retries, bad, distinct, last });
}

parentPort!.postMessage(result);

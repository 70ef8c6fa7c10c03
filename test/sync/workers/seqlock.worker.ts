import { parentPort, workerData } from 'node:worker_threads';
import { seqReadBegin, seqReadRetry, seqWriteBegin, seqWriteEnd } from '../../../shared/sync/index.ts';
import { startGate } from '../../helpers/gate.ts';
import { SQ, type SeqlockJob, type SeqlockResult } from './layout.ts';

const job = workerData as SeqlockJob;
const i32 = new Int32Array(job.sab);
const result: SeqlockResult = { reads: 0, retries: 0, bad: 0, distinct: 0, last: 0 };

startGate(i32, SQ.GATE, job.parties);

/** Paused-writer script: wait until PHASE reaches `p` (the other side moves it on). */
function awaitPhase(p: number): void {
  for (;;) {
    const v = Atomics.load(i32, SQ.PHASE);
    if (v >= p) return;
    Atomics.wait(i32, SQ.PHASE, v);
  }
}
function setPhase(p: number): void {
  Atomics.store(i32, SQ.PHASE, p);
  Atomics.notify(i32, SQ.PHASE);
}

if (job.role === 'pausedWriter') {
  // Write 1 whole; then begin write 2, store A and stop until the reader has looked.
  seqWriteBegin(i32, SQ.SEQ);
  Atomics.store(i32, SQ.A, 1);
  Atomics.store(i32, SQ.B, 1);
  seqWriteEnd(i32, SQ.SEQ);
  setPhase(1);
  awaitPhase(2); // the reader has begun its protected read
  seqWriteBegin(i32, SQ.SEQ);
  Atomics.store(i32, SQ.A, 2);
  setPhase(3); // stopped mid-write: A is new, B is old
  awaitPhase(4);
  Atomics.store(i32, SQ.B, 2);
  seqWriteEnd(i32, SQ.SEQ);
  setPhase(5);
  result.last = 2;
} else if (job.role === 'pausedReader') {
  awaitPhase(1);
  const s = seqReadBegin(i32, SQ.SEQ);
  setPhase(2);
  awaitPhase(3);
  // The same two loads a reader makes, while the writer is stopped between them.
  const a = Atomics.load(i32, SQ.A);
  const b = Atomics.load(i32, SQ.B);
  result.midPair = [a, b];
  result.midRetry = seqReadRetry(i32, SQ.SEQ, s);
  setPhase(4);
  // The protected read proper: retries until the snapshot is consistent.
  let fa: number;
  let fb: number;
  for (;;) {
    const t = seqReadBegin(i32, SQ.SEQ);
    fa = Atomics.load(i32, SQ.A);
    fb = Atomics.load(i32, SQ.B);
    if (!seqReadRetry(i32, SQ.SEQ, t)) break;
    result.retries++;
  }
  result.finalPair = [fa, fb];
} else if (job.role === 'writer') {
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

import { parentPort, workerData } from 'node:worker_threads';
import { downRead, downReadTrylock, downWrite, upRead, upWrite } from '../../../shared/sync/rwsem.ts';
import { startGate } from '../../helpers/gate.ts';
import { RW, type RwsemJob, type RwsemResult } from './rwsem_layout.ts';

const job = workerData as RwsemJob;
const i32 = new Int32Array(job.sab);
const r: RwsemResult = { writes: 0, reads: 0, torn: 0, overlap: 0, maxReaders: 0 };

if (job.mode === 'mixed') {
  startGate(i32, RW.GATE, job.parties);
  for (let k = 0; k < job.iters; k++) {
    if ((k + job.id) % job.writeEvery === 0) {
      downWrite(i32, RW.SEM);
      if (Atomics.add(i32, RW.IN_WRITE, 1) !== 0 || Atomics.load(i32, RW.IN_READ) !== 0) r.overlap++;
      const a = i32[RW.A]!;
      i32[RW.A] = a + 1;
      for (let j = 0; j < 20; j++) Atomics.load(i32, RW.STEP);
      i32[RW.B] = i32[RW.B]! + 1;
      Atomics.sub(i32, RW.IN_WRITE, 1);
      upWrite(i32, RW.SEM);
      r.writes++;
    } else {
      downRead(i32, RW.SEM);
      const inside = Atomics.add(i32, RW.IN_READ, 1) + 1;
      if (inside > r.maxReaders) r.maxReaders = inside;
      if (Atomics.load(i32, RW.IN_WRITE) !== 0) r.overlap++;
      const a = i32[RW.A];
      for (let j = 0; j < 20; j++) Atomics.load(i32, RW.STEP);
      if (a !== i32[RW.B]) r.torn++;
      Atomics.sub(i32, RW.IN_READ, 1);
      upRead(i32, RW.SEM);
      r.reads++;
    }
  }
} else if (job.mode === 'scriptedWriter') {
  // Main holds a read lock. Announce, then block in downWrite until main releases.
  Atomics.store(i32, RW.STEP, 1);
  downWrite(i32, RW.SEM);
  Atomics.store(i32, RW.A, 1); // written only once main has released its read lock
  upWrite(i32, RW.SEM);
  r.writes = 1;
} else {
  // Main holds a read lock: a second reader gets in at once.
  if (downReadTrylock(i32, RW.SEM)) {
    r.reads = 1;
    upRead(i32, RW.SEM);
  }
}

parentPort!.postMessage(r);

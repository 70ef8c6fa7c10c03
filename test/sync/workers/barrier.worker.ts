import { parentPort, workerData } from 'node:worker_threads';
import { barrierWait } from '../../../shared/sync/index.ts';
import { startGate } from '../../helpers/gate.ts';
import { BR, type BarrierJob, type BarrierResult } from './layout.ts';

const job = workerData as BarrierJob;
const i32 = new Int32Array(job.sab);
const result: BarrierResult = { gens: [], bad: 0 };

if (job.mode === 'abort') {
  // Wait once (the barrier will be aborted while we are parked), then once more: both -1.
  result.gens.push(barrierWait(i32, BR.BARRIER, job.spin));
  result.returnedAt = Date.now();
  result.gens.push(barrierWait(i32, BR.BARRIER, job.spin));
} else {
  startGate(i32, BR.GATE, job.parties);
  const gens = new Int32Array(job.rounds * 2);
  let bad = 0;
  for (let r = 1; r <= job.rounds; r++) {
    Atomics.store(i32, BR.SLOTS + job.id, r);
    // Uneven arrival: some workers are late in some rounds, so early release would show.
    if ((r * 7 + job.id * 13) % 5 === 0) {
      for (let j = 0; j < 2000; j++) Atomics.load(i32, BR.GATE);
    }
    const g1 = barrierWait(i32, BR.BARRIER, job.spin);
    // Between the two barriers every slot must hold exactly this round.
    for (let p = 0; p < job.parties; p++) {
      if (Atomics.load(i32, BR.SLOTS + p) !== r) bad++;
    }
    const g2 = barrierWait(i32, BR.BARRIER, job.spin);
    gens[2 * r - 2] = g1;
    gens[2 * r - 1] = g2;
    if (g1 < 0 || g2 < 0) break;
  }
  result.gens = Array.from(gens);
  result.bad = bad;
}

parentPort!.postMessage(result);

// One worker thread acting on the shared run queues: as the "core" of run queue `core` (if any)
// it ticks and schedules; for its own tasks it wakes them onto random queues and takes them off
// again (a sleep or a migration), always under the queue's lock, checking the queue inside the
// lock now and then. workerData: RqJob; posts RqResult once.
import { parentPort, workerData } from 'node:worker_threads';
import {
  __schedule, CLASS_FAIR, CLASS_RT, DEQUEUE_SLEEP, dequeue_task, R_CURR, rq_lock, rq_unlock, Sched, scheduler_tick,
  SM_PREEMPT, T_CLASS, T_CPU, T_ON_RQ, test_need_resched, try_to_wake_up, update_curr, update_rq_clock,
  type SchedBuffers,
} from '../../../../src/kernel/sched/core.ts';
import { Rng } from '../../../../src/stress/prng.ts';
import { startGate } from '../../../helpers/gate.ts';
import { checkRq } from '../rqcheck.ts';

export interface RqJob {
  buffers: SchedBuffers;
  gate: SharedArrayBuffer;
  parties: number;
  /** The run queue this worker drives as its core, or -1. */
  core: number;
  tasks: number[];
  seed: number;
  ops: number;
}
export interface RqResult {
  wakes: number;
  sleeps: number;
  ticks: number;
  errors: string[];
}

const job = workerData as RqJob;
const s = new Sched(job.buffers);
const rng = new Rng(job.seed, job.tasks[0]!);
const cpus = s.config.cpus;
const r: RqResult = { wakes: 0, sleeps: 0, ticks: 0, errors: [] };

function lockedCheck(cpu: number, what: string): void {
  const err = checkRq(s, cpu);
  if (err !== '' && r.errors.length < 5) r.errors.push(`${what} on cpu ${cpu}: ${err}`);
}

startGate(new Int32Array(job.gate), 0, job.parties);
for (let i = 0; i < job.ops; i++) {
  if (job.core >= 0 && rng.chance(0.3)) {
    const c = job.core;
    rq_lock(s, c);
    update_rq_clock(s, c, s.clock(c) + 1 + rng.below(4_000_000));
    update_curr(s, c);
    scheduler_tick(s, c);
    if (test_need_resched(s, c) || rng.chance(0.2)) __schedule(s, c, SM_PREEMPT);
    r.ticks++;
    if (rng.chance(0.1)) lockedCheck(c, 'tick');
    rq_unlock(s, c);
    continue;
  }
  const p = job.tasks[rng.below(job.tasks.length)]!;
  if (Atomics.load(s.ti, p * 64 + T_ON_RQ) === 0) {
    // Only this worker changes p's queued state, so the check outside the lock stays true.
    const c = rng.below(cpus);
    rq_lock(s, c);
    update_rq_clock(s, c, s.clock(c) + rng.below(100_000));
    try_to_wake_up(s, c, p);
    r.wakes++;
    if (rng.chance(0.1)) lockedCheck(c, 'wake');
    rq_unlock(s, c);
  } else {
    const c = s.tget(p, T_CPU);
    rq_lock(s, c);
    // a running task is the core's to put to sleep; others leave the queue as a sleep would
    if (s.rget(c, R_CURR) !== p) {
      const cls = s.tget(p, T_CLASS);
      if (cls !== CLASS_FAIR && cls !== CLASS_RT) r.errors.push(`task ${p} has class ${cls}`);
      update_rq_clock(s, c, s.clock(c) + rng.below(100_000));
      dequeue_task(s, c, p, DEQUEUE_SLEEP);
      r.sleeps++;
      if (rng.chance(0.1)) lockedCheck(c, 'sleep');
    }
    rq_unlock(s, c);
  }
}
parentPort!.postMessage(r);

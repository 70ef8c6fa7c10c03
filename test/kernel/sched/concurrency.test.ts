// Real worker threads enqueueing and dequeueing on two shared run queues under their locks while
// two of them tick and schedule as the cores: afterwards (and inside the locks, now and then)
// every tree, count, load and rt list is consistent.
import { describe, expect, it } from 'vitest';
import { __setscheduler_params, init_idle, R_LOCK, RQ_WORDS, sched_init, sched_task_init, SCHED_FIFO, SCHED_RR } from '../../../src/kernel/sched/core.ts';
import { runWorkers } from '../../helpers/spawn.ts';
import { checkRq } from './rqcheck.ts';
import type { RqJob, RqResult } from './workers/rq.worker.ts';

const WORKER = new URL('./workers/rq.worker.ts', import.meta.url);

async function run(workers: number): Promise<void> {
  const seed = Number(process.env.SCHED_SEED ?? 777);
  console.log(`sched concurrency: ${workers} workers on 2 run queues, seed ${seed}`);
  const cpus = 2;
  const per = 8;
  const s = sched_init({ cpus, nrTasks: cpus + workers * per });
  for (let c = 0; c < cpus; c++) init_idle(s, c, c);
  const jobs: RqJob[] = [];
  const gate = new SharedArrayBuffer(128);
  for (let w = 0; w < workers; w++) {
    const tasks: number[] = [];
    for (let k = 0; k < per; k++) {
      const p = cpus + w * per + k;
      sched_task_init(s, p, (k % 5) - 2);
      if (k === 5) __setscheduler_params(s, p, SCHED_FIFO, 10 + w, 0);
      if (k === 6) __setscheduler_params(s, p, SCHED_RR, 10, 0);
      tasks.push(p);
    }
    jobs.push({ buffers: s.buffers, gate, parties: workers, core: w < cpus ? w : -1, tasks, seed, ops: 30_000 });
  }
  const results = (await runWorkers(WORKER, jobs, 90_000)) as RqResult[];
  for (const r of results) {
    expect(r.errors).toEqual([]);
    expect(r.wakes).toBeGreaterThan(1000);
  }
  expect(results[0]!.ticks).toBeGreaterThan(1000);
  for (let c = 0; c < cpus; c++) {
    expect(checkRq(s, c)).toBe('');
    expect(Atomics.load(s.ri, c * RQ_WORDS + R_LOCK)).toBe(0);
  }
}

describe('run queues across worker threads', () => {
  it('2 workers', { timeout: 120_000 }, () => run(2));
  it('4 workers (more than host CPUs: they park on the rq locks)', { timeout: 120_000 }, () => run(4));
});

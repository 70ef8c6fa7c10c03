// The spawn phase: one worker per group of cores, started on the booted machine, and
// what their messages carry gathered in one place. Guest output passes straight
// through; a worker that crashes or dies stops the whole machine (nobody may wait at
// the barrier for it). The pool decides nothing about the run: run.ts watches it,
// collect.ts sums up what it gathered.

import type { Worker } from 'node:worker_threads';
import { BARRIER_BASE, STOP_CRASH } from '../../shared/control.ts';
import { barrierAbort } from '../../shared/sync/barrier.ts';
import { ringAllDoorbells } from '../kernel/remote/mailbox.ts';
import type { WorkerInit, WorkerMessage } from '../../cores/worker.ts';
import type { BootImage } from './boot.ts';
import { assignCores } from './boot.ts';
import { hostCpus, type MachineConfig } from './config.ts';
import { spawnTsWorker } from './spawn.ts';
import { compilesAtOnce, workersStarting } from './compile_mode.ts';
import { dropPrespawned } from '../../bin/prespawn.mjs';

/** What one worker reports when it finishes: its 'done' message without the tag. */
export type WorkerReport = Omit<Extract<WorkerMessage, { t: 'done' }>, 't'>;

/** Everything the workers said, in the order it arrived. */
export interface PoolOutcome {
  /** Host times (ms) at which each worker passed the start line. */
  starts: number[];
  /** One per worker that finished. */
  reports: WorkerReport[];
  /** The first crash (a worker's or the watchdog's), as one line plus detail. */
  crash?: string;
}

export interface GuestOutput {
  stdout: (data: Uint8Array) => void;
  stderr: (data: Uint8Array) => void;
}

export interface WorkerPool {
  readonly workers: Worker[];
  /** The cores of each worker. */
  readonly groups: number[][];
  readonly outcome: PoolOutcome;
  /** Resolves once every worker has finished or failed (never rejects). */
  readonly settled: Promise<void>;
  /** Records a crash (the first one stands) and stops the machine at once: stop word, barrier abort. */
  crash(message: string, core: number): void;
  /** Ends every worker thread. */
  terminate(): Promise<void>;
  /** Stops the machine and ends every worker, reporting nothing: its run is not wanted (src/machine/main_thread.ts). */
  abandon(): void;
}

const MODULE_WORKER = new URL('../../cores/worker.ts', import.meta.url);

/** The exit code a crash leaves in the stop word (EX_SOFTWARE; the run reports 2). */
const CRASH_EXIT = 70;

/** Starts the workers of a booted machine. `module` is the worker entry (tests pass their own). */
export function spawnPool(config: MachineConfig, booted: BootImage, out: GuestOutput, module: URL = MODULE_WORKER): WorkerPool {
  const ctl = booted.control;
  const groups = assignCores(config.cores, config.threads);
  // --boot linux: the workers park at the barrier (on their remote-trap doorbells when there
  // are several: src/kernel/remote/barrier_wait.ts), never spin.
  const cpus = hostCpus();
  const spinBarrier = config.threads <= cpus && config.boot !== 'linux';
  const outcome: PoolOutcome = { starts: [], reports: [] };
  const workers: Worker[] = [];
  const crash = (message: string, core: number): void => {
    outcome.crash ??= message;
    ctl.requestStop(STOP_CRASH, core, CRASH_EXIT, 0);
    barrierAbort(ctl.i32, BARRIER_BASE);
    // Parked workers of a parallel --boot linux run wait on their doorbells, not the barrier word.
    if (booted.regions.remote) ringAllDoorbells(booted.regions.remote, config.threads);
  };
  // A flat run whose workers take every host CPU: they compile at once (compile_mode.ts). V8's
  // flag goes back once every worker is online, or when the run settles (a worker the launcher
  // prespawned was online before, and says so no more).
  const started = workersStarting(compilesAtOnce(config.memory, groups.length, cpus));
  let online = 0;
  const done = groups.map((coreIds, w) => {
    const init: WorkerInit = {
      workerIndex: w,
      spinBarrier,
      config,
      coreIds,
      regions: booted.regions,
      entry: booted.image.entry,
      stackTops: booted.stackTops,
      pid: 1,
      ...(booted.linux ? { linux: booted.linux } : {}),
    };
    const worker = spawnTsWorker(module, init, { name: `smpemu-worker-${w}` });
    worker.once('online', () => { if (++online === groups.length) started(); });
    workers.push(worker);
    return watchWorker(worker, outcome, out, (msg) => crash(`worker ${w} (cores ${coreIds.join(',')}) crashed: ${msg}`, coreIds[0]));
  });
  // Workers the launcher started that this machine does not need.
  dropPrespawned();
  return {
    workers,
    groups,
    outcome,
    settled: Promise.all(done).then(started),
    crash,
    terminate: async () => {
      await Promise.all(workers.map((w) => w.terminate()));
    },
    abandon: () => {
      crash('abandoned', 0);
      for (const w of workers) {
        w.unref();
        void w.terminate();
      }
    },
  };
}

/** Resolves when the worker has reported 'done' or failed (once, whichever comes first). */
function watchWorker(worker: Worker, outcome: PoolOutcome, out: GuestOutput, fail: (msg: string) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    let finished = false;
    const failOnce = (msg: string): void => {
      if (finished) return;
      finished = true;
      fail(msg);
      resolve();
    };
    worker.on('message', (m: WorkerMessage) => {
      switch (m.t) {
        case 'start': outcome.starts.push(m.time); break;
        case 'out':
          for (const c of m.chunks) (c.fd === 2 ? out.stderr : out.stdout)(c.data);
          break;
        case 'done': {
          const { t: _t, ...report } = m;
          outcome.reports.push(report);
          finished = true;
          resolve();
          break;
        }
        case 'crash': failOnce(m.message + (m.stack ? `\n${m.stack}` : '')); break;
      }
    });
    worker.on('error', (e) => failOnce(e instanceof Error ? (e.stack ?? e.message) : String(e)));
    worker.on('exit', (code) => { if (!finished) failOnce(`exited with code ${code} before finishing`); });
  });
}

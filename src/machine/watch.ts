// The run phase: while the workers run, the main thread only samples the control
// block: every core's cycles and instructions for the progress display, and the same
// sample for the host watchdog. The watchdog's decision is a pure function of the
// samples and the time (watchdogStep), so it is tested without threads or clocks.

import { BARRIER_BASE, CORE_STATE, coreWord, STOP, type ControlBlock } from '../../shared/control.ts';
import { barrierGeneration } from '../../shared/sync/barrier.ts';
import type { WorkerPool } from './pool.ts';
import { startupMark } from '../../bin/startup_trace.mjs';

/** What the main thread can see of a running machine. */
export interface ProgressSample {
  /** The quantum barrier's generation: moves whenever every worker passes it. */
  generation: number;
  cycles: number[];
  instret: number[];
}

export function sampleProgress(ctl: ControlBlock, cores: number): ProgressSample {
  const cycles: number[] = [];
  const instret: number[] = [];
  for (let c = 0; c < cores; c++) {
    const p = ctl.progress(c);
    cycles.push(p.cycles);
    instret.push(p.instret);
  }
  return { generation: barrierGeneration(ctl.i32, BARRIER_BASE), cycles, instret };
}

/** The watchdog's memory: the last sample that moved, and when it was seen (ms). */
export interface WatchdogState {
  last?: ProgressSample;
  since: number;
}

/**
 * One watchdog tick. The machine moves when the barrier generation or any core's cycles
 * change (a guest spinning in a loop still advances cycles; only a stuck host does not).
 * Stuck: no move for limitMs or longer.
 */
export function watchdogStep(state: WatchdogState, sample: ProgressSample, now: number, limitMs: number): { state: WatchdogState; stuck: boolean } {
  if (!state.last || moved(state.last, sample)) return { state: { last: sample, since: now }, stuck: false };
  return { state, stuck: now - state.since >= limitMs };
}

function moved(a: ProgressSample, b: ProgressSample): boolean {
  if (a.generation !== b.generation || a.cycles.length !== b.cycles.length) return true;
  for (let c = 0; c < a.cycles.length; c++) if (a.cycles[c] !== b.cycles[c]) return true;
  return false;
}

export interface WatchOptions {
  /** Called about every progressMs with every core's instructions and cycles so far. */
  onProgress?: (p: { instructions: number; cycles: number[] }) => void;
  progressMs?: number;
  /** Stop with an error when no core advances for this long (default 20 s). */
  watchdogMs?: number;
  /**
   * Return once every worker has reported, ending the workers without waiting for their
   * threads to wind down (the CLI, which exits right after: the exit waits for them then,
   * while the results were being printed).
   */
  endWorkersInBackground?: boolean;
}

const WATCHDOG_TICK_MS = 1000;

/** Waits for the pool to settle, reporting progress and stopping a stuck machine. Ends every worker (and waits for it, unless endWorkersInBackground). */
export async function watchRun(pool: WorkerPool, ctl: ControlBlock, cores: number, opts: WatchOptions): Promise<void> {
  const watchdogMs = opts.watchdogMs ?? 20_000;
  let wd: WatchdogState = { since: Date.now() };
  const watchdog = setInterval(() => {
    const step = watchdogStep(wd, sampleProgress(ctl, cores), Date.now(), watchdogMs);
    wd = step.state;
    if (!step.stuck) return;
    pool.crash(`host watchdog: no progress for ${watchdogMs / 1000} s (${describeStall(ctl, cores, pool)})`, -1);
    for (const w of pool.workers) void w.terminate();
  }, WATCHDOG_TICK_MS);

  let progress: NodeJS.Timeout | undefined;
  if (opts.onProgress) {
    const report = opts.onProgress;
    progress = setInterval(() => {
      const p = sampleProgress(ctl, cores);
      report({ instructions: p.instret.reduce((s, n) => s + n, 0), cycles: p.cycles });
    }, opts.progressMs ?? 250);
  }
  try {
    await pool.settled;
    startupMark('workers settled');
  } finally {
    if (progress) clearInterval(progress);
    clearInterval(watchdog);
    const ended = pool.terminate();
    if (opts.endWorkersInBackground) ended.catch(() => undefined);
    else await ended;
  }
}

/** The host-side state of a stuck machine, in one line. */
function describeStall(ctl: ControlBlock, cores: number, pool: WorkerPool): string {
  const perCore = Array.from({ length: cores }, (_, c) => {
    const p = ctl.progress(c);
    return `core ${c} state ${Atomics.load(ctl.i32, coreWord(c, CORE_STATE))} cycles ${p.cycles}`;
  });
  return `stop=${Atomics.load(ctl.i32, STOP)} barrier count=${Atomics.load(ctl.i32, BARRIER_BASE)} gen=${barrierGeneration(ctl.i32, BARRIER_BASE)} workers done=${pool.outcome.reports.length}/${pool.groups.length}; ${perCore.join('; ')}`;
}

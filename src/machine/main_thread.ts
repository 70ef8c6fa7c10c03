// A short run ends on the main thread. A Node worker takes tens of milliseconds to start (its
// isolate, the core bundle), longer than a small program runs, so for a bare-metal run `smpemu
// run` first runs the machine here, as the one worker of a copy booted for one (--threads 1's
// interleaving, cores/worker_loop.ts, no warm-up). A run that ends in its first quantum never
// starts a worker. Past it, the workers start (booting meanwhile, they would have slowed that
// quantum) and the copy runs on while they boot: if it ends within its first `cycles` before
// they pass their start line, it is the run, and the workers are stopped with their output
// dropped. Otherwise the copy is dropped with its held-back output, and the workers' run, from
// the first instruction, is the run, so a run's stats never mix the two. Bare-metal only: a
// --boot linux run reads the host's files (machine.ts: runShortFirst).

import type { MachineConfig } from './config.ts';
import { assignCores, type BootImage } from './boot.ts';
import type { GuestOutput, PoolOutcome } from './pool.ts';
import { runWorker, type WorkerInit, type WorkerMessage } from '../../cores/worker_loop.ts';

/** 50 quanta of the default 20,000 cycles: a run past them is no short run, however fast the host. */
export const MAIN_THREAD_CYCLES = 1_000_000;

/**
 * Runs `booted` (booted for one worker: `{ ...config, threads: 1 }`) on this thread until it
 * ends, reaches `cycles`, or `othersReady(end)` (asked after every quantum, with the cycle it
 * ended at). When it ended, its guest output goes to `out` and its outcome is returned (a crash
 * included); otherwise nothing was written and the result is undefined.
 */
export function runOnMainThread(config: MachineConfig, booted: BootImage, out: GuestOutput, cycles: number, othersReady: (end: number) => boolean): PoolOutcome | undefined {
  const one: MachineConfig = { ...config, threads: 1 };
  const coreIds = assignCores(config.cores, 1)[0];
  const init: WorkerInit = {
    workerIndex: 0,
    spinBarrier: false,
    config: one,
    coreIds,
    regions: booted.regions,
    entry: booted.image.entry,
    stackTops: booted.stackTops,
    pid: 1,
  };
  const outcome: PoolOutcome = { starts: [], reports: [] };
  const held = new HeldOutput(out);
  const port = {
    postMessage(m: WorkerMessage): void {
      switch (m.t) {
        case 'start': outcome.starts.push(m.time); break;
        case 'out': for (const c of m.chunks) held.write(c.fd, c.data); break;
        case 'done': {
          const { t: _t, ...report } = m;
          outcome.reports.push({ ...report, host: report.host && { ...report.host, mainThread: true } });
          break;
        }
        case 'crash': outcome.crash ??= `the main thread (cores ${coreIds.join(',')}) crashed: ${m.message}${m.stack ? `\n${m.stack}` : ''}`; break;
      }
    },
  };
  const giveUp = (end: number): boolean => end >= cycles || othersReady(end);
  if (!runWorker(init, undefined, port, { warm: false, flushCodeCache: false, giveUp })) return undefined;
  held.open();
  return outcome;
}

/** Guest output held back until `open` (then passed on, in order) or `drop` (then thrown away). */
export class HeldOutput {
  private queue: { fd: number; data: Uint8Array }[] | undefined = [];
  private dropped = false;
  readonly out: GuestOutput;

  constructor(private readonly to: GuestOutput) {
    this.out = { stdout: (d) => this.write(1, d), stderr: (d) => this.write(2, d) };
  }

  /** Writes `data` to fd 1 or 2 (any other fd as 1, as the pool does), or holds it. */
  write(fd: number, data: Uint8Array): void {
    if (this.dropped) return;
    if (this.queue) this.queue.push({ fd, data });
    else (fd === 2 ? this.to.stderr : this.to.stdout)(data);
  }

  open(): void {
    const q = this.queue ?? [];
    this.queue = undefined;
    for (const c of q) (c.fd === 2 ? this.to.stderr : this.to.stdout)(c.data);
  }

  drop(): void {
    this.dropped = true;
    this.queue = undefined;
  }
}

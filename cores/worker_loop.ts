// A worker's run: hosts a CoreGroup and runs it quantum by quantum, meeting the other
// workers at the barrier in the control block. Talks to whoever started it only by
// messages: 'start', 'out' (guest output, in order), 'done' or 'crash'. A core worker
// (cores/worker.ts) runs it in its thread; a short run's start runs it on the main thread
// (src/machine/main_thread.ts), as the one worker of a machine booted for one.

import { readFileSync } from 'node:fs';
import { BARRIER_BASE, coreWord, CORE_CROSSINGS, CORE_SLEEPING_UNTIL, STOP_CRASH, STOP_INVARIANT } from '../shared/control.ts';
import { nextQuantum, quantumMax } from './quantum.ts';
import { barrierAbort, BARRIER_ABORTED, BARRIER_MIN_SPINS, SpinBudget } from '../shared/sync/barrier.ts';
import type { FaultInfo } from '../src/kernel/kernel.ts';
import type { ProcessStats } from '../src/kernel/linux.ts';
import type { C2cEntry } from './c2c_recorder.ts';
import { FULL_CHECK_EVERY } from '../shared/coherence/checker.ts';
import { CoreGroup, type CoreGroupInit, type CoreResult } from './core_group.ts';
import type { LinuxParts } from './linux_parts.ts';
import { warmsUp, warmUp } from './warmup/warmup.ts';
import { startupMark } from '../bin/startup_trace.mjs';

export interface WorkerInit extends CoreGroupInit {
  workerIndex: number;
  /** Spin at the barrier (only when every worker has a host core). */
  spinBarrier: boolean;
}

/** How a worker spent the host's time from its start line to its end: host-side, never part of the simulated stats. */
export interface WorkerHostStats {
  /** CPU ms the worker thread ran (Linux: /proc/thread-self/schedstat; absent elsewhere). */
  cpuMs?: number;
  /** ms it was runnable but waited for a host CPU (other threads and processes ran). */
  runnableMs?: number;
  /** Wall ms spent at the quantum barrier: waiting for the other workers, and parked. */
  barrierMs: number;
  quanta: number;
  /** Quanta longer than the configured quantum (the adaptive quantum, cores/quantum.ts). */
  longQuanta: number;
  /** The longest quantum, cycles. */
  maxQuantum: number;
  /**
   * The adaptive interleave (cores/interleave.ts), when on: slices run, those longer than the
   * configured interleave, the longest (cycles), and those that showed sharing.
   */
  slices?: { slices: number; longSlices: number; maxSlice: number; sharingSlices: number };
  /** The run ended on the main thread, as one worker (a short run: src/machine/main_thread.ts). */
  mainThread?: boolean;
}

export type WorkerMessage =
  | { t: 'start'; time: number }
  | { t: 'out'; chunks: { core: number; fd: number; data: Uint8Array }[] }
  | { t: 'done'; time: number; cores: CoreResult[]; syscalls: [number, number][]; enosys: [number, number][]; faults: FaultInfo[]; c2c: C2cEntry[]; invariantChecks: number; violations: string[]; process?: ProcessStats; idleCycles?: number; host?: WorkerHostStats }
  | { t: 'crash'; message: string; stack: string; cores: number[] };

/**
 * Host ms on the monotonic clock every thread of the process shares (start and end times of
 * different workers compare). Not `performance`: its first use loads node:perf_hooks and ten
 * modules behind it, in every worker.
 */
function now(): number {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
}

/** This thread's [ns on a CPU, ns runnable but waiting], or undefined off Linux. */
function schedstat(): [number, number] | undefined {
  try {
    const f = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    return [Number(f[0]), Number(f[1])];
  } catch {
    return undefined;
  }
}

/** Where a worker's messages go: its parent port, or the main thread's collector. */
export interface WorkerPort {
  postMessage(m: WorkerMessage): void;
}

export interface WorkerLoopOptions {
  /** Run the interpreter's warm-up program before the start line (cores/warmup): a core worker's long run. */
  warm: boolean;
  /** Write the worker's V8 code cache when the run ends (a bundle worker: bin/code_cache.cjs). */
  flushCodeCache: boolean;
  /**
   * Asked after every quantum but the last, with the cycle the quantum ended at: true stops
   * the run there, with nothing more reported (no 'done'). Only for a machine of one worker.
   */
  giveUp?: (end: number) => boolean;
}

/** Runs the worker for `init` to the end of the machine's run; false if giveUp stopped it. */
export function runWorker(init: WorkerInit, linuxParts: LinuxParts | undefined, port: WorkerPort, opts: WorkerLoopOptions): boolean {
  let group: CoreGroup | undefined;
  startupMark(`worker ${init.workerIndex} init`);
  try {
    // Before the start line: run's type feedback for every integer case (cores/warmup).
    if (opts.warm && warmsUp(init.config)) warmUp(init.config);
    startupMark(`worker ${init.workerIndex} warmed`);
    group = new CoreGroup(init, linuxParts);
    startupMark(`worker ${init.workerIndex} built`);
    const ctl = group.ctl;
    const base = init.config.quantum;
    const maxQuantum = quantumMax(init.config);
    let quantum = base;
    const host: WorkerHostStats = { barrierMs: 0, quanta: 0, longQuanta: 0, maxQuantum: base };
    // Spinning, the budget adapts to how long the other workers keep this one waiting (shared/sync/barrier.ts).
    const spin = init.spinBarrier ? new SpinBudget() : false;
    const barrier = (): number => {
      const t = now();
      const r = group!.barrierWait(spin);
      host.barrierMs += now() - t;
      return r;
    };
    // Start line: nobody starts running before every worker is set up. The others may still be
    // booting for milliseconds, on the host CPUs this thread would spin on: a short spin, then park.
    const startSpin = init.spinBarrier ? Object.assign(new SpinBudget(), { spins: BARRIER_MIN_SPINS }) : false;
    if (group.barrierWait(startSpin) === BARRIER_ABORTED) return true;
    const cpu0 = schedstat();
    port.postMessage({ t: 'start', time: now() } satisfies WorkerMessage);
    startupMark(`worker ${init.workerIndex} start line`);
    let end = 0;
    let checks = 0;
    let violations: string[] = [];
    let stoppedCleanly = false;
    for (let q = 0; ; q++) {
      end += quantum;
      group.clock.quantum = q;
      host.quanta++;
      if (quantum > base) host.longQuanta++;
      if (quantum > host.maxQuantum) host.maxQuantum = quantum;
      group.runQuantum(end);
      // Where this worker's cores next have work, and what crossed workers (double-buffered by
      // quantum parity: a worker one quantum ahead writes the other word). Worker w's first core is core w.
      const sleepWord = (w: number) => coreWord(w, CORE_SLEEPING_UNTIL + 2 * (q & 1)) / 2;
      const crossWord = (w: number) => coreWord(w, CORE_CROSSINGS + (q & 1));
      ctl.f64[sleepWord(init.workerIndex)] = group.sleepingUntil();
      // --boot linux: a kernel entry on any core counts as a crossing (the kernel is every core's).
      ctl.i32[crossWord(init.workerIndex)] = group.takeCrossings() + ('takeEntries' in group.kernel ? group.kernel.takeEntries() : 0);
      const chunks = group.takeOutput();
      if (chunks.length > 0) port.postMessage({ t: 'out', chunks } satisfies WorkerMessage);
      group.publishProgress();
      if (barrier() === BARRIER_ABORTED) break;
      // Every core of the machine sleeps past the next quantum: skip to the quantum of the
      // earliest wake-up (every worker reads the same words, so all skip alike).
      let wake = Infinity;
      let crossed = 0;
      for (let w = 0; w < init.config.threads; w++) {
        wake = Math.min(wake, ctl.f64[sleepWord(w)]!);
        crossed += ctl.i32[crossWord(w)]!;
      }
      if (wake !== Infinity && wake >= end + 2 * base) end = Math.floor(wake / base) * base - base;
      // Parallel mode: a quantum in which nothing crossed workers makes the next one longer (cores/quantum.ts).
      quantum = nextQuantum(quantum, crossed, base, maxQuantum);
      if (init.config.checkInvariants) {
        // Every worker is parked at the barrier: the machine is quiescent. Worker 0 checks
        // while the others wait at a second barrier.
        if (init.workerIndex === 0) {
          checks++;
          const v = group.checkInvariants(checks % FULL_CHECK_EVERY === 0);
          if (v.length > 0 && violations.length === 0) {
            violations = v.map((m) => `after quantum ${q}: ${m}`);
            ctl.requestStop(STOP_INVARIANT, -1, 2, q);
          }
        }
        if (barrier() === BARRIER_ABORTED) break;
      }
      // Not `stopping`: a stop requested during the next quantum may already be visible here.
      if (ctl.stopDecided(q)) {
        stoppedCleanly = true;
        break;
      }
      if (opts.giveUp?.(end)) return false;
    }
    if (init.config.checkInvariants && init.workerIndex === 0 && violations.length === 0 && stoppedCleanly) {
      // Every worker has left its last quantum: one full check covers what no bus transaction marked.
      checks++;
      const v = group.checkInvariants(true);
      if (v.length > 0) violations = v.map((m) => `at the end of the run: ${m}`);
    }
    const time = now();
    const cpu1 = schedstat();
    if (cpu0 && cpu1) {
      host.cpuMs = (cpu1[0] - cpu0[0]) / 1e6;
      host.runnableMs = (cpu1[1] - cpu0[1]) / 1e6;
    }
    if (group.sliceStats.slices > 0) host.slices = { ...group.sliceStats };
    startupMark(`worker ${init.workerIndex} ran`);
    const chunks = group.takeOutput();
    if (chunks.length > 0) port.postMessage({ t: 'out', chunks } satisfies WorkerMessage);
    group.publishProgress();
    const done = {
      t: 'done',
      time,
      cores: group.results(),
      syscalls: [...group.kernel.syscallCounts],
      enosys: [...group.kernel.enosysCounts],
      faults: group.faults(),
      c2c: group.c2cEntries(),
      invariantChecks: checks,
      violations,
      ...(group.processStats() ? { process: group.processStats() } : {}),
      idleCycles: group.unreportedIdleCycles(),
      host,
    } satisfies WorkerMessage;
    // Started from the bundle cache (bin/worker_boot.cjs): the first run of a new bundle, and of
    // each kind of run, leaves V8's code cache for the next (the pool terminates workers, so no
    // exit hook would run). After the report is built, so that the cache holds what builds it
    // (results, faults, c2c entries, stats), which every run would compile again otherwise.
    const c = init.config;
    if (opts.flushCodeCache) (globalThis as { [k: symbol]: ((profile?: string) => void) | undefined })[Symbol.for('smpemu.flushCodeCache')]?.(`worker ${c.boot} ${c.memory} ${c.engine}`);
    port.postMessage(done);
    return true;
  } catch (e) {
    // An emulator bug, not a guest fault: stop everyone so nobody waits at the barrier forever.
    const err = e instanceof Error ? e : new Error(String(e));
    if (group) {
      group.ctl.requestStop(STOP_CRASH, init.coreIds[0], 70, group.clock.quantum);
      barrierAbort(group.ctl.i32, BARRIER_BASE);
    }
    // A protocol panic is the simulated machine's failure, not the emulator's: no host stack.
    const panic = err.name === 'ProtocolPanic';
    port.postMessage({ t: 'crash', message: panic ? `protocol panic: ${err.message}` : err.message, stack: panic ? '' : (err.stack ?? ''), cores: init.coreIds } satisfies WorkerMessage);
    return true;
  }
}

// Worker entry: hosts a CoreGroup and runs it quantum by quantum, meeting the
// other workers at the barrier in the control block. Talks to the main thread
// only by messages: 'start', 'out' (guest output, in order), 'done' or 'crash'.

import { parentPort, workerData } from 'node:worker_threads';
import { BARRIER_BASE, coreWord, CORE_SLEEPING_UNTIL, STOP_CRASH, STOP_INVARIANT } from '../shared/control.ts';
import { barrierAbort, BARRIER_ABORTED } from '../shared/sync/barrier.ts';
import type { FaultInfo } from '../src/kernel/kernel.ts';
import type { ProcessStats } from '../src/kernel/linux.ts';
import type { C2cEntry } from './c2c_recorder.ts';
import { FULL_CHECK_EVERY } from '../shared/coherence/checker.ts';
import { CoreGroup, type CoreGroupInit, type CoreResult } from './core_group.ts';
import { PRESPAWNED } from '../bin/prespawn.mjs';

export interface WorkerInit extends CoreGroupInit {
  workerIndex: number;
  /** Spin at the barrier (only when every worker has a host core). */
  spinBarrier: boolean;
}

export type WorkerMessage =
  | { t: 'start'; time: number }
  | { t: 'out'; chunks: { core: number; fd: number; data: Uint8Array }[] }
  | { t: 'done'; time: number; cores: CoreResult[]; syscalls: [number, number][]; enosys: [number, number][]; faults: FaultInfo[]; c2c: C2cEntry[]; invariantChecks: number; violations: string[]; process?: ProcessStats }
  | { t: 'crash'; message: string; stack: string; cores: number[] };

function now(): number {
  return performance.timeOrigin + performance.now();
}

function main(init: WorkerInit): void {
  const port = parentPort!;
  let group: CoreGroup | undefined;
  try {
    group = new CoreGroup(init);
    const ctl = group.ctl;
    const quantum = init.config.quantum;
    // Start line: nobody starts running before every worker is set up.
    if (group.barrierWait(init.spinBarrier) === BARRIER_ABORTED) return;
    port.postMessage({ t: 'start', time: now() } satisfies WorkerMessage);
    let end = 0;
    let checks = 0;
    let violations: string[] = [];
    let stoppedCleanly = false;
    for (let q = 0; ; q++) {
      end += quantum;
      group.clock.quantum = q;
      group.runQuantum(end);
      // Where this worker's cores next have work (double-buffered by quantum parity: a worker
      // one quantum ahead writes the other word). Worker w's first core is core w.
      const sleepWord = (w: number) => coreWord(w, CORE_SLEEPING_UNTIL + 2 * (q & 1)) / 2;
      ctl.f64[sleepWord(init.workerIndex)] = group.sleepingUntil();
      const chunks = group.takeOutput();
      if (chunks.length > 0) port.postMessage({ t: 'out', chunks } satisfies WorkerMessage);
      group.publishProgress();
      if (group.barrierWait(init.spinBarrier) === BARRIER_ABORTED) break;
      // Every core of the machine sleeps past the next quantum: skip to the quantum of the
      // earliest wake-up (every worker reads the same words, so all skip alike).
      let wake = Infinity;
      for (let w = 0; w < init.config.threads; w++) wake = Math.min(wake, ctl.f64[sleepWord(w)]!);
      if (wake !== Infinity && wake >= end + 2 * quantum) end = Math.floor(wake / quantum) * quantum - quantum;
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
        if (group.barrierWait(init.spinBarrier) === BARRIER_ABORTED) break;
      }
      // Not `stopping`: a stop requested during the next quantum may already be visible here.
      if (ctl.stopDecided(q)) {
        stoppedCleanly = true;
        break;
      }
    }
    if (init.config.checkInvariants && init.workerIndex === 0 && violations.length === 0 && stoppedCleanly) {
      // Every worker has left its last quantum: one full check covers what no bus transaction marked.
      checks++;
      const v = group.checkInvariants(true);
      if (v.length > 0) violations = v.map((m) => `at the end of the run: ${m}`);
    }
    const time = now();
    const chunks = group.takeOutput();
    if (chunks.length > 0) port.postMessage({ t: 'out', chunks } satisfies WorkerMessage);
    group.publishProgress();
    port.postMessage({
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
    } satisfies WorkerMessage);
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
  }
}

// A worker the launcher started ahead of the run (bin/prespawn.mjs) gets its init as its first message.
if (workerData === PRESPAWNED) parentPort!.once('message', (m: { t: 'init'; init: WorkerInit }) => main(m.init));
else main(workerData as WorkerInit);

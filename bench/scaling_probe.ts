// What a run's wall-clock MIPS hides when it is short (bench/run.ts's and bench/scaling.ts's
// scaling figures): how fast the machine went once warmed up, and where the process's CPU went.
// Under the translator every worker is its own V8 isolate: it translates, and V8 parses and
// TurboFan-compiles, its own regions (and the interpreter), on V8's background threads, which on
// a 2-CPU host take CPU from the workers; one worker hosting both cores does it once, with the
// second CPU free for its compiles. On compute_long (~0.15-0.3 s a run) that is a large part of
// the run, so a run's MIPS mixes warm-up and speed. A probed run reports besides:
//   steadyMips   guest instructions per wall second between 50% and 90% of the run's
//                instructions (progress sampled every PROBE_MS on the main thread, each mark
//                interpolated between the samples around it): the speed after warm-up
//   cpuMs        CPU of the process's threads over the run, thread by thread class:
//                workers (their own schedstat, the result's `host`), background (V8's platform
//                threads: concurrent compiles and GC; every thread but the main one that was
//                there before the run) and main (Linux; absent elsewhere)
//   steadyCpuMs  the same split between the first samples at or past 50% and 90% of the
//                instructions (workers: the threads started during the run), and
//   steadyInsns  the instructions between those two samples: CPU per instruction once warm,
//                which the host's load changes far less than wall time

import { readdirSync, readFileSync } from 'node:fs';
import type { RunResult } from '../src/machine/machine.ts';

/**
 * The progress sampling period, ms: ~24 samples over the measured 40% of a 2-thread compute_xl
 * run, ~45 of a 1-thread one; each mark is interpolated between two samples of a steady rate.
 * Every sample wakes the main thread, which on a 2-CPU host preempts a worker while the other
 * waits for it at the next barrier: at 4 ms the probe itself cost the 2-thread run ~1.5%
 * (flat.scaling 1.842 against 1.870 unprobed, 20 ms 1.859; medians of 9, one process).
 */
export const PROBE_MS = 20;

export interface CpuSplit {
  workers: number;
  background: number;
  main: number;
}

export interface Probe {
  steadyMips: number;
  cpuMs?: CpuSplit;
  steadyCpuMs?: CpuSplit;
  steadyInsns?: number;
}

/** CPU ns of each thread of this process (Linux), by thread id. */
function threadCpu(): Map<string, number> | undefined {
  try {
    const m = new Map<string, number>();
    for (const t of readdirSync('/proc/self/task')) {
      try {
        m.set(t, Number(readFileSync(`/proc/self/task/${t}/schedstat`, 'utf8').split(' ')[0]));
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    return m;
  } catch {
    return undefined;
  }
}

/** Guest instructions per wall second between fractions a and b of `total`, from (ms, instructions) samples. */
export function rateBetween(samples: [number, number][], total: number, a = 0.5, b = 0.9): number {
  const at = (f: number): number => {
    const want = total * f;
    const k = samples.findIndex(([, n]) => n >= want);
    if (k <= 0) return NaN;
    const [t0, n0] = samples[k - 1]!;
    const [t1, n1] = samples[k]!;
    return t0 + ((t1 - t0) * (want - n0)) / (n1 - n0);
  };
  return (total * (b - a)) / (at(b) - at(a)) / 1e3;
}

/**
 * Runs `run` (a runMachine call given its progress options) and probes it; `expected`: the
 * run's guest instructions if known (an earlier run of the same case): steadyCpuMs needs it.
 */
export async function probed(expected: number | undefined, run: (opts: { onProgress: (p: { instructions: number }) => void; progressMs: number }) => Promise<RunResult>): Promise<RunResult & { probe: Probe }> {
  const samples: [number, number][] = [];
  const ms = () => Number(process.hrtime.bigint()) / 1e6;
  const before = threadCpu();
  // The threads' CPU at the first samples past 50% and 90% of the instructions: the total is
  // not known before the end, so the marks are taken against the expected total.
  const marks: { insns: number; cpu: Map<string, number> | undefined }[] = [];
  const r = await run({
    onProgress: (p) => {
      samples.push([ms(), p.instructions]);
      if (expected !== undefined && marks.length < 2 && p.instructions >= expected * (marks.length === 0 ? 0.5 : 0.9)) marks.push({ insns: p.instructions, cpu: threadCpu() });
    },
    progressMs: PROBE_MS,
  });
  const after = threadCpu();
  const probe: Probe = { steadyMips: +rateBetween(samples, r.instructions).toFixed(1) };
  const workers = r.host?.reduce((s, h) => s + (h.cpuMs ?? NaN), 0);
  const main = String(process.pid);
  if (before && after && workers !== undefined && !Number.isNaN(workers)) {
    let background = 0;
    for (const [t, ns] of after) if (t !== main && before.has(t)) background += ns - before.get(t)!;
    probe.cpuMs = { workers: Math.round(workers), background: Math.round(background / 1e6), main: Math.round((after.get(main)! - before.get(main)!) / 1e6) };
  }
  const [m0, m1] = marks;
  if (before && m0?.cpu && m1?.cpu) {
    const split: CpuSplit = { workers: 0, background: 0, main: 0 };
    for (const [t, ns] of m1.cpu) {
      const d = (ns - (m0.cpu.get(t) ?? 0)) / 1e6;
      if (t === main) split.main += d;
      else if (before.has(t)) split.background += d;
      else split.workers += d;
    }
    probe.steadyCpuMs = { workers: Math.round(split.workers), background: Math.round(split.background), main: Math.round(split.main) };
    probe.steadyInsns = m1.insns - m0.insns;
  }
  return { ...r, probe };
}

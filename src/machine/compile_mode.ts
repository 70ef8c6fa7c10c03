// How the workers' V8 compiles. V8 compiles a hot function with TurboFan on a background
// thread (concurrent recompilation) while the function runs on in slower code. That pays while
// a host CPU is free for the compile. When a run's workers take every host CPU, the compile
// competes with them and the worker that asked runs its slow code all the longer; there it
// pays to compile at once, on the worker that asks. Measured on a 2-CPU host, 2 workers:
//   compute_long on 2 cores, --memory flat:  747 -> 865 MIPS
//   16 cores with caches, private data:      263 -> 291 MIPS
//   counters_packed, 4 cores with caches:    548 -> 401 k bus transactions a host second
// Why caches lose is not measured; the likely cause: a compile may start inside a bus
// transaction, and the worker holds the bus lock another one waits on while it compiles (with
// flat memory a worker holds nothing another one waits for but the quantum barrier). So a flat
// run whose workers take every host CPU compiles at once; any other keeps V8's default.
// V8 reads the flag as each isolate starts (a change later does nothing to a running worker:
// checked with --trace-opt), and only the main thread's v8.setFlagsFromString sets it; so it
// is set while such a run's workers start, and put back once they have. A V8 flag of the
// user's that decides how V8 compiles is left alone.

import v8 from 'node:v8';
import type { MemoryModel } from '../../shared/config.ts';

/** The process was started with a V8 flag that decides how it compiles. */
const userDecides = process.execArgv.some((a) => /^--(no-)?(concurrent-recompilation|concurrent-osr|single-threaded|predictable)\b/.test(a));

/** Whether a run's workers compile at once: flat memory, and they take every host CPU. */
export function compilesAtOnce(memory: MemoryModel, workers: number, hostCpus: number): boolean {
  return memory === 'flat' && workers >= hostCpus;
}

/** Runs whose workers are starting with compiles at once. */
let starting = 0;

function apply(): void {
  if (!userDecides) v8.setFlagsFromString(starting > 0 ? '--no-concurrent-recompilation' : '--concurrent-recompilation');
}

/**
 * A run's workers are about to start: with `atOnce` they compile at once. Returns the call
 * that says they have started (each worker 'online', or the run over); once is enough.
 */
export function workersStarting(atOnce: boolean): () => void {
  if (!atOnce) return () => {};
  if (starting++ === 0) apply();
  let started = false;
  return () => {
    if (started) return;
    started = true;
    if (--starting === 0) apply();
  };
}

/** Whether workers that start now compile at once (tests). */
export function startingAtOnce(): boolean {
  return starting > 0 && !userDecides;
}

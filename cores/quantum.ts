// The adaptive quantum (parallel mode only). Workers meet at a barrier at the end of every
// quantum; the barrier costs host time (a worker that finished first waits, and on a loaded
// host a parked waiter takes tens of microseconds to wake), so a short quantum caps scaling.
// When no core of one worker touched data a core of another worker holds during a quantum
// (no coherence transaction crossed workers; with flat memory, which has no caches to tell,
// no atomic memory operation ran), the workers cannot have observed each other, and the
// next quantum doubles, up to a bound; on any crossing it drops back to the configured
// length at once. Every worker reads every worker's count after the barrier and applies
// the same rule, so they agree on every quantum's end without talking.
//
// Under --boot linux the kernel's data is every core's, so any kernel entry (a trap, a tick,
// an idle core's loop) on any worker counts as a crossing: only quanta in which every core ran
// user code without entering the kernel (compute-bound threads between two ticks) lengthen.
//
// Off (the quantum stays fixed) with one worker (--deterministic: runs stay bit-identical).

import type { MachineConfig } from '../shared/config.ts';

/**
 * How far the quantum may grow: this many times the configured quantum (5.12 M cycles at the
 * default 20,000, ~4.5 ms of host time on compute_xl). A quiet stretch's barrier cost is host
 * jitter: every stall of one worker (a V8 compile, a preemption) makes the other wait at the
 * next barrier, and each barrier runs the worker loop's bookkeeping, which V8 then compiles
 * mid-run. compute_xl on 2 workers of a 2-CPU host at 16x: 36-45 ms a worker at the barrier,
 * 23-32 ms of it in the run's warm second half, scaling 1.81; at 64x: 29-34 ms, 1.84-1.88; at
 * 256x: 23-29 ms, 1.886-1.887 (docs/architecture.md has the runs). The cost: the first interaction
 * after a quiet stretch may fall in a quantum this long.
 */
export const QUANTUM_GROWTH = 256;
/**
 * Under --boot linux: a wakeup or IPI reaches another worker's core within the quantum, and
 * the scheduler's latencies are what a Linux user reads there, so it stays at 320 us.
 */
export const QUANTUM_GROWTH_LINUX = 16;

/**
 * The next quantum's length: the configured one (`base`) after a quantum in which a
 * coherence transaction (or, with flat memory, an atomic) crossed workers, else double the
 * current one, at most `max`.
 */
export function nextQuantum(current: number, crossings: number, base: number, max: number): number {
  if (crossings > 0 || max <= base) return base;
  return Math.min(current * 2, max);
}

/** The longest quantum a run may use: the configured one when the quantum does not adapt. */
export function quantumMax(config: Pick<MachineConfig, 'threads' | 'quantum' | 'adaptiveQuantum' | 'boot'>): number {
  if (!config.adaptiveQuantum || config.threads <= 1) return config.quantum;
  return config.quantum * (config.boot === 'linux' ? QUANTUM_GROWTH_LINUX : QUANTUM_GROWTH);
}

// The adaptive interleave (parallel mode only), the sibling of the adaptive quantum
// (cores/quantum.ts). A worker hosting several cores switches between them every
// `interleave` cycles, smallest clock first; each switch costs host time (a few hundred ns
// beyond the slice's work: 50 cycles with caches is ~30 instructions), so short slices
// halve a hosted core's speed. While no slice of the worker's cores shows sharing (no
// coherence transaction changed, took data from or invalidated another core's copy; with
// flat memory, which has no caches to tell, no atomic memory operation ran), the next slice
// doubles, up to the configured quantum; after a slice that shows it, the next is the
// configured interleave again, so contention stays visible. The slice in which sharing
// first shows runs to its end (the engines own the budget inside a slice).
//
// Off (the interleave stays fixed) with one worker (--deterministic: runs stay
// bit-identical), under --boot linux (kernel data is shared by every core, and the home
// serves other workers' calls between slices), and with --fixed-interleave.

import type { MachineConfig } from '../shared/config.ts';
import { nextQuantum } from './quantum.ts';
import { CAUSE_REMOTE, CTR, transitionIndex } from '../shared/coherence/stats.ts';

/**
 * The next slice's length: the configured interleave (`base`) after a slice that showed
 * sharing, else double the current one, at most `max`.
 */
export function nextInterleave(current: number, shared: boolean, base: number, max: number): number {
  return nextQuantum(current, shared ? 1 : 0, base, max); // the quantum's rule
}

/** The longest slice a run may use: the configured interleave when the interleave does not adapt. */
export function interleaveMax(config: Pick<MachineConfig, 'threads' | 'boot' | 'quantum' | 'interleave' | 'adaptiveInterleave'>): number {
  if (!config.adaptiveInterleave || config.threads <= 1 || config.boot === 'linux') return config.interleave;
  return Math.max(config.interleave, config.quantum);
}

/**
 * The counters (shared/coherence/stats.ts) whose sum grows exactly when one of the core's
 * transactions touched another core's copy: cache-to-cache transfers and the snoops' state
 * changes (remote transitions: invalidations, downgrades), less the L3's inclusion
 * back-invalidations, which count as remote transitions but are capacity, not sharing.
 * The requester counts them, so only the core's own slices move its sum.
 */
export function sharingCounters(cores: number): { add: Int32Array; sub: number } {
  const add: number[] = [CTR.c2cTransfers];
  for (let from = 0; from < 4; from++) for (let to = 0; to < 4; to++) if (from !== to) add.push(transitionIndex(cores, CAUSE_REMOTE, from, to));
  return { add: Int32Array.from(add), sub: CTR.backInvalidations };
}

/**
 * The sharing sum of one core's counters (sharingCounters): the definition that
 * L2Controller.sharing keeps as it moves (test/coherence/random.ts compares them).
 */
export function sharingSum(ctr: Float64Array, add: Int32Array, sub: number): number {
  let s = -ctr[sub];
  for (let i = 0; i < add.length; i++) s += ctr[add[i]];
  return s;
}

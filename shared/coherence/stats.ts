// Per-core cache and coherence counters. Each core's counters are written only by
// the thread running that core (a private Float64Array, merged at the end), so
// counting costs no host-level sharing. Events a core causes in other cores'
// caches (invalidations, downgrades) are counted by the requester, per target.

export const CTR = {
  loads: 0,
  stores: 1,
  l1dHits: 2,
  l1dMisses: 3,
  l1iHits: 4,
  l1iMisses: 5,
  l2Hits: 6,
  l2Misses: 7,
  l3Hits: 8,
  l3Misses: 9,
  /** BusRd issued (GETS). */
  gets: 10,
  /** BusRdX issued (GETX). */
  getx: 11,
  /** BusUpgr issued (S -> M). */
  upgrades: 12,
  /** Copies this core's transactions invalidated in other cores. */
  invalidationsSent: 13,
  /** Dirty lines written back to L3 by this core's transactions (own evictions and snooped M lines). */
  writebacks: 14,
  /** Loads that found the line Modified in another core (HITM). */
  hitmLoads: 15,
  /** Stores (RFOs) that found the line Modified in another core. */
  hitmStores: 16,
  /** Data supplied cache-to-cache for this core's misses. */
  c2cTransfers: 17,
  /** L3 evictions that invalidated private copies (inclusion). */
  backInvalidations: 18,
  /** Dirty L3 lines written to RAM. */
  ramWritebacks: 19,
  /** Cycles spent in the memory hierarchy beyond the instruction's own cycle. */
  memCycles: 20,
  /** Atomic accesses: every AMO, LR and SC (a failed SC too): each claims its line in M. */
  amos: 21,
  scFailures: 22,
} as const;

export const CTR_COUNT = 23;
/** Per-target counts follow the scalar counters: invalidations sent to core k. */
export const INV_TO_BASE = CTR_COUNT;
/** A transition's cause: this core's own access (PrRd, PrWr, Evict). */
export const CAUSE_LOCAL = 0;
/** A transition's cause: a snoop, another core's bus transaction (counted by that requester). */
export const CAUSE_REMOTE = 1;
export const CAUSE_NAMES = ['local', 'remote'] as const;
export type Cause = typeof CAUSE_LOCAL | typeof CAUSE_REMOTE;

/** Then the MESI transition matrix: [cause][from][to]. */
export function transitionIndex(cores: number, cause: Cause, from: number, to: number): number {
  return CTR_COUNT + cores + cause * 16 + from * 4 + to;
}
export function counterLength(cores: number): number {
  return CTR_COUNT + cores + CAUSE_NAMES.length * 16;
}

export type CounterName = keyof typeof CTR;

// Cache and coherence statistics from the per-core counters, in one vocabulary:
// hits/misses per level, GETS/GETX/upgrades, invalidations sent and received,
// write-backs, HITM loads and stores, bus transactions by type, the MESI
// transition matrix, and CPI.

import { STATE_NAMES } from '../../shared/coherence/mesi.ts';
import { CAUSE_LOCAL, CAUSE_NAMES, CAUSE_REMOTE, CTR, INV_TO_BASE, transitionIndex } from '../../shared/coherence/stats.ts';
import type { CoreResult } from '../../cores/core_group.ts';

export interface LevelStats {
  hits: number;
  misses: number;
  hitRatio: number;
}

export interface CoreCacheStats {
  id: number;
  cpi: number;
  loads: number;
  stores: number;
  l1i: LevelStats;
  l1d: LevelStats;
  l2: LevelStats;
  /** This core's requests that reached L3. */
  l3: LevelStats;
  gets: number;
  getx: number;
  upgrades: number;
  invalidationsSent: number;
  invalidationsReceived: number;
  writebacks: number;
  hitmLoads: number;
  hitmStores: number;
  c2cTransfers: number;
  backInvalidations: number;
  amos: number;
  scFailures: number;
  memCycles: number;
}

export interface CacheStats {
  totals: {
    hitm: number;
    hitmLoads: number;
    hitmStores: number;
    invalidations: number;
    writebacks: number;
    l1dMisses: number;
    l1iMisses: number;
    l2Misses: number;
    l3Misses: number;
    loads: number;
    stores: number;
    c2cTransfers: number;
  };
  /** Transactions a broadcast bus would carry (the snoop filter saves the snoops, not the transactions). */
  bus: { BusRd: number; BusRdX: number; BusUpgr: number; WriteBack: number };
  cores: CoreCacheStats[];
  /** MESI transitions with count > 0: cause local (this core's access) or remote (a snoop). */
  transitions: { from: string; to: string; cause: (typeof CAUSE_NAMES)[number]; count: number }[];
}

function level(hits: number, misses: number): LevelStats {
  const n = hits + misses;
  return { hits, misses, hitRatio: n > 0 ? +(hits / n).toFixed(4) : 0 };
}

export function cacheStats(cores: CoreResult[], ncores: number): CacheStats | undefined {
  if (cores.length === 0 || !cores[0].counters) return undefined;
  const received = new Array(ncores).fill(0);
  for (const c of cores) for (let k = 0; k < ncores; k++) received[k] += c.counters![INV_TO_BASE + k];
  const per: CoreCacheStats[] = cores.map((c) => {
    const x = c.counters!;
    return {
      id: c.id,
      cpi: c.instructions > 0 ? +(c.cycles / c.instructions).toFixed(3) : 0,
      loads: x[CTR.loads],
      stores: x[CTR.stores],
      l1i: level(x[CTR.l1iHits], x[CTR.l1iMisses]),
      l1d: level(x[CTR.l1dHits], x[CTR.l1dMisses]),
      l2: level(x[CTR.l2Hits], x[CTR.l2Misses]),
      l3: level(x[CTR.l3Hits], x[CTR.l3Misses]),
      gets: x[CTR.gets],
      getx: x[CTR.getx],
      upgrades: x[CTR.upgrades],
      invalidationsSent: x[CTR.invalidationsSent],
      invalidationsReceived: received[c.id],
      writebacks: x[CTR.writebacks],
      hitmLoads: x[CTR.hitmLoads],
      hitmStores: x[CTR.hitmStores],
      c2cTransfers: x[CTR.c2cTransfers],
      backInvalidations: x[CTR.backInvalidations],
      amos: x[CTR.amos],
      scFailures: x[CTR.scFailures],
      memCycles: x[CTR.memCycles],
    };
  });
  const sum = (f: (c: CoreCacheStats) => number) => per.reduce((s, c) => s + f(c), 0);
  const transitions: CacheStats['transitions'] = [];
  for (const cause of [CAUSE_LOCAL, CAUSE_REMOTE] as const) {
    for (let from = 0; from < 4; from++) {
      for (let to = 0; to < 4; to++) {
        const count = cores.reduce((s, c) => s + c.counters![transitionIndex(ncores, cause, from, to)], 0);
        if (count > 0) transitions.push({ from: STATE_NAMES[from], to: STATE_NAMES[to], cause: CAUSE_NAMES[cause], count });
      }
    }
  }
  return {
    totals: {
      hitm: sum((c) => c.hitmLoads + c.hitmStores),
      hitmLoads: sum((c) => c.hitmLoads),
      hitmStores: sum((c) => c.hitmStores),
      invalidations: sum((c) => c.invalidationsSent),
      writebacks: sum((c) => c.writebacks),
      l1dMisses: sum((c) => c.l1d.misses),
      l1iMisses: sum((c) => c.l1i.misses),
      l2Misses: sum((c) => c.l2.misses),
      l3Misses: sum((c) => c.l3.misses),
      loads: sum((c) => c.loads),
      stores: sum((c) => c.stores),
      c2cTransfers: sum((c) => c.c2cTransfers),
    },
    bus: { BusRd: sum((c) => c.gets), BusRdX: sum((c) => c.getx), BusUpgr: sum((c) => c.upgrades), WriteBack: sum((c) => c.writebacks) },
    cores: per,
    transitions,
  };
}

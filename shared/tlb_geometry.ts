// The simulated TLBs of one core (--boot linux): an L1 iTLB and an L1 dTLB, and a second
// level (STLB) shared by both, all tagged by ASID. Shared by the main thread (defaults,
// validation, the CLI) and the workers (cores/tlb.ts builds them).
//
// Defaults: Rocket's (rocket-chip RocketCoreParams / ICacheParams / DCacheParams): 32-entry
// fully associative L1 TLBs (nTLBSets = 1, nTLBWays = 32) and a 512-entry second level
// (nL2TLBEntries = 512); Rocket's is direct-mapped (nL2TLBWays = 1), we default to 4 ways
// as most application cores do. The STLB hit cost (7 cycles) is an estimate of the order
// published for Intel's STLB; Rocket documents none. A walk costs what its PTE reads cost
// through the core's caches (the walker charges them).

export interface TlbLevelGeometry {
  entries: number;
  /** Ways per set; `entries` is fully associative. */
  ways: number;
}

export interface TlbGeometry {
  itlb: TlbLevelGeometry;
  dtlb: TlbLevelGeometry;
  stlb: TlbLevelGeometry;
  /** Cycles an STLB lookup costs (every L1 miss pays it; a walk comes on top). */
  stlbLatency: number;
}

export const DEFAULT_TLB: TlbGeometry = {
  itlb: { entries: 32, ways: 32 },
  dtlb: { entries: 32, ways: 32 },
  stlb: { entries: 512, ways: 4 },
  stlbLatency: 7,
};

const pow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

/** Why this geometry is impossible, in one line; undefined when it is fine. */
export function tlbGeometryProblem(t: TlbGeometry): string | undefined {
  for (const name of ['itlb', 'dtlb', 'stlb'] as const) {
    const l = t[name];
    if (!l || !Number.isSafeInteger(l.entries) || !Number.isSafeInteger(l.ways)) return `${name} needs integer entries and ways (got ${JSON.stringify(l)})`;
    if (l.entries < 1 || l.entries > 65536) return `${name} entries must be between 1 and 65536 (got ${l.entries})`;
    if (l.ways < 1 || l.ways > l.entries) return `${name} ways must be between 1 and its entries, ${l.entries} (got ${l.ways})`;
    if (l.entries % l.ways !== 0) return `${name}: ${l.entries} entries do not divide into ${l.ways} ways`;
    if (!pow2(l.entries / l.ways)) return `${name}: ${l.entries} entries in ${l.ways} ways make ${l.entries / l.ways} sets, not a power of two`;
    if (l.ways > 64) return `${name} ways must be at most 64, or fully associative up to 64 entries (got ${l.ways})`;
  }
  if (!Number.isSafeInteger(t.stlbLatency) || t.stlbLatency < 0 || t.stlbLatency > 1_000_000) return `tlb stlbLatency must be an integer between 0 and 1000000 (got ${t.stlbLatency})`;
  return undefined;
}

/**
 * A level as the CLI writes it: ENTRIES:WAYS or ENTRIES:fully (e.g. 32:fully, 512:4).
 * Returns the geometry or a one-line reason.
 */
export function parseTlbLevel(v: string): TlbLevelGeometry | string {
  const m = /^(\d+):(\d+|fully|full)$/i.exec(v.trim());
  if (!m) return `'${v}' is not ENTRIES:WAYS or ENTRIES:fully (examples: 32:fully, 512:4)`;
  const entries = Number(m[1]);
  return { entries, ways: /^\d+$/.test(m[2]) ? Number(m[2]) : entries };
}

// A run's stats (what `--stats-json` writes) reduced to what must not change between two
// builds of the emulator: host-time fields dropped, keys sorted, hashed.
import { createHash } from 'node:crypto';

/** Fields that measure or choose the host's way of running, not the simulated machine (the engine: interp or jit; sched.hostSwitchNs, hostSwitchMedianNs and hostScheduleNs: host time of context switches and of schedule(); jit: the translator's code cache; host: the workers' CPU time and barrier waits). */
const HOST_FIELDS = new Set(['guestMips', 'hostSeconds', 'hostCpus', 'oversubscribed', 'engine', 'hostSwitchNs', 'hostSwitchMedianNs', 'hostScheduleNs', 'jit', 'host']);

function canonical(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(canonical);
  if (x !== null && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    return Object.fromEntries(Object.keys(o).filter((k) => !HOST_FIELDS.has(k)).sort().map((k) => [k, canonical(o[k])]));
  }
  return x;
}

/** A stats object with the host's fields dropped and keys sorted (for a readable comparison). */
export function canonicalStats(stats: unknown): unknown {
  return canonical(JSON.parse(JSON.stringify(stats ?? null)));
}

/** sha256 of the canonical JSON of a stats object (as JSON.stringify would write it). */
export function statsDigest(stats: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(JSON.parse(JSON.stringify(stats))))).digest('hex');
}

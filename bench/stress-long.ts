// Long random coherence stress runs (src/stress): >= 1e6 random ops on 4 cores with
// --threads 4 and on 8 cores with --threads 2, with the invariant checker on, on the tiny
// cache hierarchy (evictions, write-backs and back-invalidations all the time) and, with
// --default-caches, on the default one. Prints one JSON object on stdout: per run the ops,
// host seconds (the machine's run, and wall time including generation and checking),
// ops/s, and the violations found (which should be none). Exit status 1 if any run found
// a violation. Measured here (2 host CPUs, shared, so noisy), host time of the machine's run:
//   tiny caches:    ~150k ops/s (4 cores, 4 threads), ~120k ops/s (8 cores, 2 threads);
//                   the invariant checks are cheap on the tiny hierarchy;
//   default caches: ~14k / ~10k ops/s: the invariant checker scanning 4 MiB of L3 at every
//                   quantum boundary dominates (~250k / ~220k ops/s with --no-invariants).
// Wall time adds ~10-15 s per 1e6 ops: generation, the machine's c2c analysis, reading the
// logs back and checking them.
//   npx tsx bench/stress-long.ts [--ops 1000000] [--seed 1] [--default-caches] [--no-invariants]

import { formatOutcome, runStress, type StressOptions } from '../src/stress/run.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const ops = Number(arg('--ops') ?? 1_000_000);
const seed = Number(arg('--seed') ?? 1);
const tinyCaches = !process.argv.includes('--default-caches');
const invariants = !process.argv.includes('--no-invariants');

const configs: Pick<StressOptions, 'cores' | 'threads'>[] = [
  { cores: 4, threads: 4 },
  { cores: 8, threads: 2 },
];

const runs = [];
let failed = false;
for (const c of configs) {
  const t0 = performance.now();
  const r = await runStress({ ...c, ops, seed, tinyCaches, invariants });
  const wall = (performance.now() - t0) / 1000;
  process.stderr.write(formatOutcome(r));
  if (!r.ok) failed = true;
  runs.push({
    cores: c.cores,
    threads: c.threads,
    tinyCaches,
    invariants,
    seed,
    ops: r.ops,
    opsRun: r.opsRun,
    hostSeconds: +r.hostSeconds.toFixed(3),
    wallSeconds: +wall.toFixed(3),
    opsPerSecond: Math.round(r.opsPerSecond),
    instructions: r.result.instructions,
    guestMips: +r.result.guestMips.toFixed(2),
    violations: r.valueViolations + r.invariantViolations.length + (r.ok || r.detectedBy === 'value' || r.detectedBy === 'invariant' ? 0 : 1),
    detectedBy: r.detectedBy ?? null,
    first: r.first ?? null,
    invariantChecks: r.invariantChecks,
    checked: r.check,
    traffic: r.traffic ?? null,
  });
}
process.stdout.write(JSON.stringify({ stressLong: runs }, null, 2) + '\n');
process.exitCode = failed ? 1 : 0;

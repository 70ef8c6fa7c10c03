// Speed and fidelity benchmarks. Prints one JSON object on stdout (progress on stderr):
//   flat.singleCoreMips          guest MIPS of the compute kernel (compute_long: 120 M instructions
//                                a core, so the JIT's warm-up weighs little) on one core, --memory flat
//   flat.twoCores.{oneThread,twoThreads}, flat.scaling
//                                2 independent cores on 1 and on 2 workers, and their ratio
//   caches.singleCoreMips        the compute kernel with the full hierarchy
//   caches.slowdownVsFlat        flat / caches MIPS, taken in the same run
//   coherence.transactionsPerHostSecond
//                                bus transactions (BusRd + BusRdX + BusUpgr) per host second on
//                                the packed counters, 4 cores, deterministic and --threads 2
//   fidelity.hitm                packed counters' HITM count, parallel (--threads 2) against
//                                deterministic, as a percentage difference
// Each figure is the median of --reps runs (default 3), all in one process and interleaved,
// so ratios compare like with like on a noisy machine. The engine is the default (the translator;
// `engine` in the output): SMPEMU_ENGINE=interp measures the interpreter.
//   npm run bench [-- --reps 5]

import { readFileSync } from 'node:fs';
import { makeConfig, type MachineConfig } from '../src/machine/config.ts';
import { runMachine, type RunResult } from '../src/machine/machine.ts';

const repsArg = process.argv.indexOf('--reps');
const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 3;
const elf = (name: string) => readFileSync(new URL(`../workloads/bin/${name}.elf`, import.meta.url));
const compute = elf('compute_long');
const packed = elf('counters_packed');

async function run(program: Uint8Array, cfg: Partial<MachineConfig>): Promise<RunResult> {
  const r = await runMachine(makeConfig(cfg), program, { stdout: () => {} });
  if (r.exitCode !== 0) throw new Error(`benchmark program exited ${r.exitCode}: ${r.error ?? ''}`);
  return r;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const transactions = (r: RunResult) => r.caches!.bus.BusRd + r.caches!.bus.BusRdX + r.caches!.bus.BusUpgr;

const cases: Record<string, { program: Uint8Array; cfg: Partial<MachineConfig>; metric: (r: RunResult) => number }> = {
  flatSingle: { program: compute, cfg: { cores: 1, memory: 'flat' }, metric: (r) => r.guestMips },
  flatTwoOneThread: { program: compute, cfg: { cores: 2, threads: 1, memory: 'flat' }, metric: (r) => r.guestMips },
  flatTwoTwoThreads: { program: compute, cfg: { cores: 2, threads: 2, memory: 'flat' }, metric: (r) => r.guestMips },
  cachesSingle: { program: compute, cfg: { cores: 1, memory: 'caches' }, metric: (r) => r.guestMips },
  packedDetTps: { program: packed, cfg: { cores: 4, threads: 1, memory: 'caches' }, metric: (r) => transactions(r) / r.hostSeconds },
  packedParTps: { program: packed, cfg: { cores: 4, threads: 2, memory: 'caches' }, metric: (r) => transactions(r) / r.hostSeconds },
  packedDetHitm: { program: packed, cfg: { cores: 4, threads: 1, memory: 'caches' }, metric: (r) => r.totals!.hitm },
  packedParHitm: { program: packed, cfg: { cores: 4, threads: 2, memory: 'caches' }, metric: (r) => r.totals!.hitm },
};
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < reps; i++) {
  for (const [name, c] of Object.entries(cases)) {
    const v = c.metric(await run(c.program, c.cfg));
    samples[name].push(+v.toFixed(2));
    process.stderr.write(`  ${name} run ${i + 1}/${reps}: ${v.toFixed(1)}\n`);
  }
}
const m = (k: string) => median(samples[k]);
const out = {
  reps,
  engine: makeConfig({}).engine,
  flat: {
    workload: 'workloads/bin/compute_long.elf',
    singleCoreMips: m('flatSingle'),
    twoCores: { oneThread: m('flatTwoOneThread'), twoThreads: m('flatTwoTwoThreads') },
    scaling: +(m('flatTwoTwoThreads') / m('flatTwoOneThread')).toFixed(3),
  },
  caches: {
    workload: 'workloads/bin/compute_long.elf',
    singleCoreMips: m('cachesSingle'),
    slowdownVsFlat: +(m('flatSingle') / m('cachesSingle')).toFixed(3),
  },
  coherence: {
    workload: 'workloads/bin/counters_packed.elf, 4 cores',
    transactionsPerHostSecond: { deterministic: Math.round(m('packedDetTps')), threads2: Math.round(m('packedParTps')) },
  },
  fidelity: {
    hitm: {
      deterministic: m('packedDetHitm'),
      threads2: m('packedParHitm'),
      percentDifference: +((100 * (m('packedParHitm') - m('packedDetHitm'))) / m('packedDetHitm')).toFixed(2),
    },
  },
  samples,
};
console.log(JSON.stringify(out, null, 2));

// Speed benchmarks. Prints one JSON object on stdout (progress on stderr):
//   flat.singleCoreMips        guest MIPS of the compute kernel on one core, one host thread
//   flat.twoCores.oneThread    aggregate MIPS, 2 independent cores folded into 1 worker
//   flat.twoCores.twoThreads   aggregate MIPS, 2 independent cores on 2 workers
//   flat.scaling               twoThreads / oneThread, taken in the same run
// Each figure is the median of --reps runs (default 3); all runs in one process, interleaved,
// so the ratios compare like with like on a noisy machine.
//   npm run bench [-- --reps 5]

import { readFileSync } from 'node:fs';
import { makeConfig, type MachineConfig } from '../src/machine/config.ts';
import { runMachine } from '../src/machine/machine.ts';

const repsArg = process.argv.indexOf('--reps');
const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 3;
const compute = readFileSync(new URL('../workloads/bin/compute.elf', import.meta.url));

async function mips(cfg: Partial<MachineConfig>): Promise<number> {
  const r = await runMachine(makeConfig(cfg), compute, { stdout: () => {} });
  if (r.exitCode !== 0) throw new Error(`compute exited ${r.exitCode}: ${r.error ?? ''}`);
  return r.guestMips;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const cases: Record<string, Partial<MachineConfig>> = {
  singleCore: { cores: 1, memory: 'flat' },
  twoCoresOneThread: { cores: 2, threads: 1, memory: 'flat' },
  twoCoresTwoThreads: { cores: 2, threads: 2, memory: 'flat' },
};
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let i = 0; i < reps; i++) {
  for (const [name, cfg] of Object.entries(cases)) {
    const m = await mips(cfg);
    samples[name].push(m);
    process.stderr.write(`  ${name} run ${i + 1}/${reps}: ${m.toFixed(1)} MIPS\n`);
  }
}
const one = median(samples.twoCoresOneThread);
const two = median(samples.twoCoresTwoThreads);
const out = {
  workload: 'workloads/bin/compute.elf',
  reps,
  flat: {
    singleCoreMips: +median(samples.singleCore).toFixed(2),
    twoCores: { oneThread: +one.toFixed(2), twoThreads: +two.toFixed(2) },
    scaling: +(two / one).toFixed(3),
    samples,
  },
};
console.log(JSON.stringify(out, null, 2));

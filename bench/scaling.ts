// Scaling across host threads: how much of a second host thread two independent cores get.
// For --memory flat and caches, medians of --reps runs (default 3), interleaved in one process:
//   single       compute_long, --cores 1 --threads 1: guest MIPS of one core on one thread
//   pair         compute_long, --cores 2 --threads 2: aggregate guest MIPS
//   twoMachines  two single-core machines run at the same moment (each its own worker, no
//                barrier or memory shared between them): the sum of their MIPS. This is what
//                the host gives two threads running this code, whatever the simulator does.
//   ratio        pair / single (the figure; the target is >= 1.85)
//   hostCeiling  twoMachines / single
//   efficiency   pair / twoMachines: what the machine's own coupling (barrier every quantum,
//                shared words) costs; 1.0 means none
// --quantum N sets the pair's quantum (default: the machine's); --quanta A,B,... adds a pair
// run per quantum, to show how the barrier's frequency matters.
//   npx tsx bench/scaling.ts [--reps 3] [--memory flat|caches|both] [--quanta 20000,200000]

import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG, makeConfig, type MachineConfig } from '../src/machine/config.ts';
import { runMachine, type RunResult } from '../src/machine/machine.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const reps = Number(arg('--reps') ?? 3);
const memories = (arg('--memory') ?? 'both') === 'both' ? (['flat', 'caches'] as const) : ([arg('--memory')] as ('flat' | 'caches')[]);
const quanta = (arg('--quanta') ?? String(DEFAULT_CONFIG.quantum)).split(',').map(Number);
const program = readFileSync(new URL('../workloads/bin/compute_long.elf', import.meta.url));

async function run(cfg: Partial<MachineConfig>): Promise<RunResult> {
  const r = await runMachine(makeConfig(cfg), program, { stdout: () => {} });
  if (r.exitCode !== 0) throw new Error(`compute_long exited ${r.exitCode}: ${r.error ?? ''}`);
  return r;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

type Case = { name: string; measure: () => Promise<number> };
const cases: Case[] = [];
for (const memory of memories) {
  cases.push({ name: `${memory}.single`, measure: async () => (await run({ cores: 1, threads: 1, memory })).guestMips });
  for (const quantum of quanta) {
    cases.push({ name: `${memory}.pair.q${quantum}`, measure: async () => (await run({ cores: 2, threads: 2, memory, quantum })).guestMips });
  }
  cases.push({
    name: `${memory}.twoMachines`,
    measure: async () => {
      const rs = await Promise.all([run({ cores: 1, threads: 1, memory }), run({ cores: 1, threads: 1, memory })]);
      return rs[0].guestMips + rs[1].guestMips;
    },
  });
}

const samples: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c.name, []]));
for (let i = 0; i < reps; i++) {
  for (const c of cases) {
    const v = await c.measure();
    samples[c.name].push(+v.toFixed(1));
    process.stderr.write(`  ${c.name} ${i + 1}/${reps}: ${v.toFixed(1)} MIPS\n`);
  }
}

const m = (k: string) => median(samples[k]);
const out: Record<string, unknown> = { reps, workload: 'workloads/bin/compute_long.elf', loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') };
for (const memory of memories) {
  const single = m(`${memory}.single`);
  const two = m(`${memory}.twoMachines`);
  out[memory] = {
    singleMips: single,
    twoMachinesMips: two,
    hostCeiling: +(two / single).toFixed(3),
    pairs: Object.fromEntries(
      quanta.map((q) => {
        const p = m(`${memory}.pair.q${q}`);
        return [`quantum ${q}`, { mips: p, ratio: +(p / single).toFixed(3), efficiency: +(p / two).toFixed(3) }];
      }),
    ),
  };
}
out.samples = samples;
process.stdout.write(JSON.stringify(out, null, 2) + '\n');

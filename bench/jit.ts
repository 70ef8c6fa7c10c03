// Interpreter against translator (--engine interp | jit), in one run: guest MIPS of one core
// (one worker, deterministic) on compute_long and on the FP kernel (gc/nbody), flat and with
// the full hierarchy. Prints one JSON object on stdout (progress on stderr); each figure
// is the median of --reps runs (default 3), the engines interleaved so that both see the same
// host load. Also checks that both engines retired the same instructions in the same cycles.
//   npx tsx bench/jit.ts [--reps 5]

import { readFileSync } from 'node:fs';
import { makeConfig, type MachineConfig } from '../src/machine/config.ts';
import { runMachine } from '../src/machine/machine.ts';

const repsArg = process.argv.indexOf('--reps');
const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 3;
const elf = (name: string) => readFileSync(new URL(`../workloads/bin/${name}.elf`, import.meta.url));
// compute_long: 119 M integer instructions (loads, mul, add, branches); gc/nbody: the FP kernel,
// where every F/D op ends a block and runs in the interpreter (the translator does integer only).
const programs = { compute_long: elf('compute_long'), nbody: elf('gc/nbody') };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const out: Record<string, Record<string, { interpMips: number; jitMips: number; speedup: number; instructions: number; cycles: number }>> = {};
for (const [name, program] of Object.entries(programs)) {
  out[name] = {};
  for (const memory of ['flat', 'caches'] as const) {
    const mips: Record<string, number[]> = { interp: [], jit: [] };
    const counts = new Set<string>();
    let instructions = 0, cycles = 0;
    for (let i = 0; i < reps; i++) {
      for (const engine of ['interp', 'jit'] as const) {
        const cfg: Partial<MachineConfig> = { cores: 1, threads: 1, memory, engine };
        const r = await runMachine(makeConfig(cfg), program, { stdout: () => {} });
        if (r.exitCode !== 0) throw new Error(`${name} exited ${r.exitCode}: ${r.error ?? ''}`);
        mips[engine].push(r.guestMips);
        instructions = r.instructions;
        cycles = r.cores[0].cycles;
        counts.add(`${r.instructions}/${r.cores[0].cycles}`);
        process.stderr.write(`${name} ${memory} ${engine}: ${r.guestMips.toFixed(1)} MIPS\n`);
      }
    }
    if (counts.size !== 1) throw new Error(`${name} ${memory}: the engines disagree: ${[...counts].join(' ')}`);
    const interpMips = +median(mips.interp).toFixed(1), jitMips = +median(mips.jit).toFixed(1);
    out[name][memory] = { interpMips, jitMips, speedup: +(jitMips / interpMips).toFixed(2), instructions, cycles };
  }
}
console.log(JSON.stringify({ reps, ...out }, null, 1));

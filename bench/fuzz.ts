// Long differential fuzzing against qemu-riscv64 (test/fuzz): random programs run under qemu and
// under smpemu's interpreter in-process (every --machine-every'th also on the whole machine, flat
// and caches alternately); outputs must be identical. Prints progress on stderr and, at the end,
// "N random instructions, M mismatches" and one JSON line on stdout; exit 1 on a mismatch. A
// mismatch is shrunk (steps dropped while it persists) and printed with its listing; the
// program's seed (--seed with --instructions 1) replays it.
//   npx tsx bench/fuzz.ts fp|rvc [--instructions 10000000] [--steps 2000] [--seed 1] [--machine-every 100]
//   npm run fuzz:fp -- --instructions 1000000

import fc from 'fast-check';
import type { Fuzzer, Stepped } from '../test/fuzz/fuzzer.ts';
import { inProcessRun, machineRun, qemuRun, type RunOutput } from '../test/fuzz/run.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const kind = process.argv[2];
const chosen: Fuzzer<Stepped> | undefined =
  kind === 'fp' ? ((await import('../test/fuzz/fp_program.ts')).fpFuzzer as Fuzzer<Stepped>)
  : kind === 'rvc' ? ((await import('../test/fuzz/rvc_program.ts')).rvcFuzzer as Fuzzer<Stepped>)
  : undefined;
if (!chosen) {
  process.stderr.write('smpemu: usage: bench/fuzz.ts fp|rvc [--instructions N] [--steps N] [--seed N] [--machine-every N]\n');
  process.exit(2);
}
const fz: Fuzzer<Stepped> = chosen;
const target = Number(arg('--instructions') ?? 10_000_000);
const steps = Number(arg('--steps') ?? 2000);
const seed0 = Number(arg('--seed') ?? 1);
const machineEvery = Number(arg('--machine-every') ?? 100);
for (const [n, v] of [['--instructions', target], ['--steps', steps], ['--seed', seed0], ['--machine-every', machineEvery]] as const) {
  if (!Number.isSafeInteger(v) || v < 0) {
    process.stderr.write(`smpemu: ${n} must be a non-negative integer\n`);
    process.exit(2);
  }
}
if (steps < 1) {
  process.stderr.write('smpemu: --steps must be at least 1\n');
  process.exit(2);
}

const gen = (seed: number) => fc.sample(fz.arb({ min: steps, max: steps }), { seed, numRuns: 1 })[0]!;

let instructions = 0;
let programs = 0;
let machineRuns = 0;
let mismatches = 0;
const t0 = performance.now();
let lastReport = t0;

async function smpemu(i: number, elf: Uint8Array): Promise<RunOutput> {
  if (machineEvery > 0 && i % machineEvery === machineEvery - 1) {
    machineRuns++;
    return machineRun(elf, machineRuns % 2 ? 'flat' : 'caches');
  }
  return inProcessRun(elf);
}

/**
 * Shrinks a mismatching program by dropping steps (halves, then quarters, ... then single steps)
 * while smpemu in-process still differs from qemu, and prints the minimal program. Deterministic:
 * the same seed gives the same report.
 */
async function shrinkAndReport(p: Stepped, seed: number): Promise<void> {
  process.stderr.write(`\nmismatch in program seed ${seed} (${p.steps.length} steps); shrinking...\n`);
  const differs = async (c: Stepped) => {
    const elf = fz.elf(c);
    return fz.difference(c, await qemuRun(elf), inProcessRun(elf));
  };
  let cur = p;
  if ((await differs(cur)) === undefined) {
    process.stderr.write('(the in-process run matches: the mismatch is on the whole machine only)\n');
    return;
  }
  for (let chunk = Math.ceil(cur.steps.length / 2); chunk >= 1; chunk = chunk === 1 ? 0 : Math.ceil(chunk / 2)) {
    for (let at = 0; at < cur.steps.length; ) {
      const cand = fz.withSteps(cur, [...cur.steps.slice(0, at), ...cur.steps.slice(at + chunk)]);
      if (cand.steps.length > 0 && (await differs(cand)) !== undefined) cur = cand;
      else at += chunk;
    }
  }
  process.stderr.write(`minimal program (${cur.steps.length} steps, from seed ${seed}):\n${await differs(cur)}\nprogram:\n${fz.listing(cur)}\n`);
}

// One program ahead under qemu while smpemu runs the current one.
let seed = seed0;
let next = gen(seed);
let nextQemu = qemuRun(fz.elf(next));
while (instructions < target) {
  const p = next, pSeed = seed, q = nextQemu, elf = fz.elf(p);
  seed++;
  next = gen(seed);
  nextQemu = qemuRun(fz.elf(next));
  const s = await smpemu(programs, elf);
  const d = fz.difference(p, await q, s);
  programs++;
  instructions += fz.instructions(p);
  if (d !== undefined) {
    mismatches++;
    process.stderr.write(`\n${d}\n`);
    await shrinkAndReport(p, pSeed);
  }
  const now = performance.now();
  if (now - lastReport > 10_000) {
    lastReport = now;
    process.stderr.write(`${fz.name}: ${instructions} random instructions in ${programs} programs, ${mismatches} mismatches, ${((now - t0) / 1000).toFixed(0)} s\n`);
  }
}
await nextQemu.catch(() => undefined);
const secs = (performance.now() - t0) / 1000;
process.stdout.write(`${fz.name}: ${instructions} random instructions, ${mismatches} mismatches (${programs} programs of ${steps} steps, ${machineRuns} on the whole machine, seeds ${seed0}..${seed - 1}, ${secs.toFixed(0)} s)\n`);
process.stdout.write(JSON.stringify({ fuzzer: fz.name, instructions, mismatches, programs, machineRuns, steps, seed: seed0, seconds: secs }) + '\n');
process.exit(mismatches > 0 ? 1 : 0);

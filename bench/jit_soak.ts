// Soak of the translator's differential test (test/cores/jit.test.ts, shared code in
// test/cores/jit_diff.ts): random programs of random blocks (RV64IM, and RV64IMAFDC with
// compressed code), flat memory and caches alternately (caches wired each way: solo or not, bare
// mode or the TLB path), run by the interpreter and by
// --engine jit in the same random slices; every slice's stop point, the registers (x, f, fcsr),
// memory, traps and cache counters must agree. Runs until --blocks random blocks were generated
// (default 1,000,000); prints the seed, the blocks, programs and translated regions, and
// "0 mismatches" or the first mismatching seed (exit 1), which JIT_SEED=<seed> reruns in the test.
// Every fourth seed also runs a program of calls and returns (jit_diff.ts callProgram), and
// every other fourth its random program on 2..6 harts hosted on one thread, switching every
// 1..50 cycles (jit_diff.ts diffHosted: slices end and resume mid-block, in blocks' tails).
//   npx tsx bench/jit_soak.ts [--blocks 1000000] [--seed 1]

import { diffCallSeed, diffHosted, diffSeed } from '../test/cores/jit_diff.ts';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const target = Number(arg('--blocks') ?? 1_000_000);
const base = Number(arg('--seed') ?? Date.now() % 1_000_000);
process.stderr.write(`jit soak: seed ${base}, ${target} random blocks\n`);

let blocks = 0, programs = 0, callPrograms = 0, hostedPrograms = 0, tails = 0, regions = 0, instructions = 0;
const t0 = performance.now();
for (let p = 0; blocks < target; p++) {
  const seed = base + p;
  const ext = p % 2 === 1;
  const caches = (p >> 1) % 2 === 1;
  const { blocks: n, variant, jit: b, interp, translated } = diffSeed(seed, caches, ext);
  if (JSON.stringify(interp) !== JSON.stringify(translated)) {
    process.stderr.write(`MISMATCH: seed ${seed} (${ext ? 'RV64IMAFDC' : 'RV64IM'}, ${caches ? `caches ${JSON.stringify(variant)}` : 'flat'}): JIT_SEED=${seed} npx vitest run test/cores/jit.test.ts\n`);
    console.log(JSON.stringify({ seed: base, blocks, programs, mismatches: 1, firstMismatch: seed }));
    process.exit(1);
  }
  if (p % 4 === 0) {
    const c = diffCallSeed(seed, caches);
    if (JSON.stringify(c.interp) !== JSON.stringify(c.translated)) {
      process.stderr.write(`MISMATCH: seed ${seed} (calls, ${caches ? `caches ${JSON.stringify(c.variant)}` : 'flat'}): JIT_SEED=${seed} npx vitest run test/cores/jit.test.ts -t calls\n`);
      console.log(JSON.stringify({ seed: base, blocks, programs, mismatches: 1, firstMismatch: seed }));
      process.exit(1);
    }
    callPrograms++;
    regions += c.jit.jit!.translated;
    instructions += c.jit.hart.instret;
  }
  if (p % 4 === 2) {
    const c = diffHosted(seed, caches, ext);
    if (JSON.stringify(c.interp) !== JSON.stringify(c.translated)) {
      process.stderr.write(`MISMATCH: seed ${seed} (${c.harts} harts hosted, interleave ${c.interleave}, ${caches ? `caches ${JSON.stringify(c.variant)}` : 'flat'}): JIT_SEED=${seed} npx vitest run test/cores/jit.test.ts -t "hosted"\n`);
      console.log(JSON.stringify({ seed: base, blocks, programs, mismatches: 1, firstMismatch: seed }));
      process.exit(1);
    }
    hostedPrograms++;
    for (const j of c.jits) {
      regions += j.translated;
      tails += j.tailsCompiled;
    }
    instructions += c.translated.harts.reduce((s, h) => s + h.instret, 0);
  }
  blocks += n;
  programs++;
  regions += b.jit!.translated;
  instructions += b.hart.instret;
  if (programs % 2000 === 0) process.stderr.write(`  ${blocks} blocks, ${programs} programs, ${regions} regions translated, ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}
console.log(JSON.stringify({ seed: base, blocks, programs, callPrograms, hostedPrograms, instructions, regionsTranslated: regions, tailsCompiled: tails, mismatches: 0 }));
process.stderr.write(`${blocks} random blocks (${programs} programs, ${callPrograms} of calls, ${hostedPrograms} hosted, ${instructions} instructions each engine, ${regions} regions translated, ${tails} tails): 0 mismatches\n`);

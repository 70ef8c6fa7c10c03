// RV64GC speed, one JSON object on stdout (progress on stderr):
//   mips.{flat,caches}.computeIma / computeGc / nbodyGc
//       guest MIPS of compute_long built rv64ima and rv64gc, and of the FP kernel nbody (rv64gc),
//       one core, interleaved in one process (median of --reps)
//   base (with --base DIR: a checkout of the tree before, e.g. `git worktree add /tmp/base main`)
//       rv64ima compute_long flat and caches, this tree's CLI and DIR's CLI run alternately
//       (--base-reps rounds each, default 2 x --reps): guest MIPS by wall clock (the CLI's figure)
//       and by the process's CPU time (user + sys, start-up included: steadier on a loaded host),
//       best and median of each, and the ratios new / old
//   tsx bench/gc.ts [--reps 3] [--base DIR]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeConfig, type MemoryModel } from '../src/machine/config.ts';
import { runMachine } from '../src/machine/machine.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const reps = Number(arg('--reps') ?? 3);
const base = arg('--base');
const root = fileURLToPath(new URL('..', import.meta.url));
const elf = (p: string) => readFileSync(new URL(`../workloads/bin/${p}.elf`, import.meta.url));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const programs = { computeIma: elf('compute_long'), computeGc: elf('gc/compute_long'), nbodyGc: elf('gc/nbody') };
const samples: Record<string, number[]> = {};

for (let rep = 0; rep < reps; rep++) {
  for (const memory of ['flat', 'caches'] as MemoryModel[]) {
    for (const [name, program] of Object.entries(programs)) {
      const r = await runMachine(makeConfig({ cores: 1, memory }), program, { stdout: () => {} });
      if (r.exitCode !== 0) throw new Error(`${name} exited ${r.exitCode}`);
      (samples[`${memory}.${name}`] ??= []).push(r.guestMips);
      process.stderr.write(`rep ${rep} ${memory} ${name}: ${r.guestMips.toFixed(1)} MIPS\n`);
    }
  }
}

/** Guest MIPS of compute_long (rv64ima), one core, under the CLI of tree `dir`: by wall clock, by CPU time. */
function cliMips(dir: string, memory: MemoryModel): { wall: number; cpu: number } {
  const cmd = `TIMEFORMAT='%U %S'; time node ${dir}/bin/smpemu.mjs run --cores 1 --memory ${memory} ${root}/workloads/bin/compute_long.elf`;
  const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8' });
  const m = /^\s+0\s+(\d+)\s+\d+\s+[\d.]+\s+([\d.]+)/m.exec(r.stderr);
  const t = /^([\d.]+) ([\d.]+)\s*$/m.exec(r.stderr);
  if (r.status !== 0 || !m || !t) throw new Error(`${dir}: ${r.stderr}`);
  return { wall: Number(m[2]), cpu: +(Number(m[1]) / (Number(t[1]) + Number(t[2])) / 1e6).toFixed(1) };
}

const baseReps = Number(arg('--base-reps') ?? 2 * reps);
const cmp: Record<string, unknown> = {};
if (base) {
  for (const memory of ['flat', 'caches'] as MemoryModel[]) {
    const s = { new: { wall: [] as number[], cpu: [] as number[] }, old: { wall: [] as number[], cpu: [] as number[] } };
    for (let rep = 0; rep < baseReps; rep++) {
      // Alternate which goes first, so a drift in host load falls on both.
      const order = rep % 2 === 0 ? (['new', 'old'] as const) : (['old', 'new'] as const);
      for (const side of order) {
        const v = cliMips(side === 'new' ? root : base, memory);
        s[side].wall.push(v.wall);
        s[side].cpu.push(v.cpu);
        process.stderr.write(`base ${memory} ${side}: ${v.wall} MIPS wall, ${v.cpu} MIPS cpu\n`);
      }
    }
    const fig = (k: 'wall' | 'cpu') => {
      const best = { new: Math.max(...s.new[k]), old: Math.max(...s.old[k]) }, med = { new: median(s.new[k]), old: median(s.old[k]) };
      return { best, median: med, ratioBest: +(best.new / best.old).toFixed(3), ratioMedian: +(med.new / med.old).toFixed(3) };
    };
    cmp[memory] = { wall: fig('wall'), cpu: fig('cpu'), samples: s };
  }
}

const mips = (memory: string) => Object.fromEntries(Object.keys(programs).map((n) => [n, +median(samples[`${memory}.${n}`]!).toFixed(1)]));
console.log(JSON.stringify({ reps, mips: { flat: mips('flat'), caches: mips('caches') }, ...(base ? { base: { dir: base, computeImaLong: cmp } } : {}), samples }, null, 2));

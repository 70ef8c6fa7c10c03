// A/B of bench/scaling.ts's hosted figures across source trees: each round runs every tree's own
// `bench/scaling.ts --hosted-only --reps 1` in a child process, the trees alternating (A B, B A,
// ...: both see the same host load), and prints per tree the median over rounds and the spread
// of singleCpuMips and each hosted run's cpuMips and perThread (8on1, 16on1, 16on2, 16on2Fixed),
// B/A of the medians, and the load average at the start and the end (JSON on stdout). On a
// loaded host the lone core's figure moves by 10% between runs of the same code, and every
// perThread of the run with it: compare the cpuMips too (perThreadPooled: the run's median
// cpuMips over the median lone core of every tree's rounds, where the lone core's code is the same).
//   npx tsx bench/scaling_ab.ts TREE_A TREE_B [--rounds 4] [--memory caches] [--engine jit]

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alternating, opt, treesOrUsage } from './ab_args.ts';

const trees = treesOrUsage('npx tsx bench/scaling_ab.ts TREE_A TREE_B [--rounds 4] [--memory caches] [--engine jit]', 2);
const rounds = Number(opt('--rounds', '4'));
const memory = opt('--memory', 'caches');
const engine = opt('--engine', 'jit');
const RUNS = ['8on1', '16on1', '16on2', '16on2Fixed'] as const;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

interface Hosted {
  singleCpuMips: number;
  [run: string]: number | { perThread: number; cpuMips: number };
}

const figures: Record<string, number[]>[] = trees.map(() => ({}));
const start = loadavg();
for (let r = 0; r < rounds; r++) {
  for (const t of alternating(r, trees.length)) {
    const p = spawnSync(process.execPath, [...process.execArgv, join(trees[t]!, 'bench/scaling.ts'), '--hosted-only', '--memory', memory, '--reps', '1', '--engine', engine],
      { cwd: trees[t], encoding: 'utf8', maxBuffer: 1 << 26 });
    if (p.status !== 0) throw new Error(`${trees[t]}: scaling.ts exited ${p.status}: ${p.stderr}`);
    const h = (JSON.parse(p.stdout) as Record<string, { hosted: Hosted }>)[memory]!.hosted;
    const f = figures[t]!;
    (f.singleCpuMips ??= []).push(h.singleCpuMips);
    for (const k of RUNS) {
      const x = h[k] as { perThread: number; cpuMips: number };
      (f[k] ??= []).push(x.perThread);
      (f[`${k}.cpuMips`] ??= []).push(x.cpuMips);
    }
    process.stderr.write(`  round ${r + 1} ${String.fromCharCode(65 + t)}: single ${h.singleCpuMips}, ${RUNS.map((k) => `${k} ${(h[k] as { perThread: number }).perThread}`).join(', ')}\n`);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const out: Record<string, unknown> = { rounds, memory, engine, loadavgStart: start, loadavgEnd: loadavg() };
trees.forEach((tree, t) => {
  out[String.fromCharCode(65 + t)] = {
    tree,
    ...Object.fromEntries(Object.entries(figures[t]!).map(([k, xs]) => [k, { median: +median(xs).toFixed(3), min: Math.min(...xs), max: Math.max(...xs) }])),
  };
});
const pooled = median(figures.flatMap((f) => f.singleCpuMips!));
out.pooledSingleCpuMips = pooled;
trees.forEach((_, t) => {
  out[`${String.fromCharCode(65 + t)}.perThreadPooled`] = Object.fromEntries(RUNS.map((k) => [k, +(median(figures[t]![`${k}.cpuMips`]!) / pooled).toFixed(3)]));
});
for (let t = 1; t < trees.length; t++) {
  out[`${String.fromCharCode(65 + t)}/A`] = Object.fromEntries(Object.keys(figures[0]!).map((k) => [k, +(median(figures[t]![k]!) / median(figures[0]![k]!)).toFixed(3)]));
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n');

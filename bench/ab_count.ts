// Host instructions, not host time: each tree's work counted by valgrind (cachegrind's
// "I refs", every thread of the process, V8's compiler threads included), which a loaded
// host does not change. Per tree, three runs of bench/ab_count_worker.ts on the case:
// N0 (a few instructions: start-up only), N1 and N2 guest instructions a core. Prints
//   startup   host instructions of the N0 run (module loading, bundling's host side, boot)
//   warm      host instructions of the N1 run beyond start-up and beyond N1 at the steady cost:
//             V8's tier-up (interpreter, baseline, TurboFan compiles and recompiles after deopts)
//   steady    (I(N2) - I(N1)) / (N2 - N1): host instructions per guest instruction once warm
// Instruction counts are not time (no cache misses, no branch mispredictions, no IPC), but a
// longer path, a lost inlining or an extra recompile shows in them whatever the load.
// valgrind runs ~30x slower: the runs go in parallel (--jobs, default 6). packed runs to its end.
// Counts are not exactly repeatable: valgrind runs one thread at a time, so when V8's background
// compiles land moves between runs (about ±10% on one tree). --repeat K runs every (tree, size)
// K times and uses the median of each count (and prints the spread).
// A tree may carry V8 flags for its runs after '::' (space-separated), to count a flag's effect
// against the same tree without it:  . '.::--maglev --interrupt-budget=200000'
//   npx tsx bench/ab_count.ts TREE_A TREE_B [...] [--case flat|caches|packed] [--n1 4000000] [--n2 24000000] [--repeat 3]

import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { args, opt, positional } from './ab_args.ts';
const trees = positional();
if (trees.length === 0) {
  process.stderr.write('usage: npx tsx bench/ab_count.ts TREE [TREE ...] [--case flat|caches|packed] [--n1 N] [--n2 N] [--jobs J]\n');
  process.exit(2);
}
const kind = opt('--case', 'caches');
const n1 = Number(opt('--n1', '4000000')), n2 = Number(opt('--n2', '24000000'));
const jobs = Number(opt('--jobs', '6'));
const repeat = Math.max(1, Number(opt('--repeat', '1')));
const worker = fileURLToPath(new URL('./ab_count_worker.ts', import.meta.url));
// packed ends by itself (its program is short): one run counts start-up, one the whole run.
const sizes = kind === 'packed' ? [1000, 1e9] : [1000, n1, n2];

function count(spec: string, n: number): Promise<{ refs: number; instret: number }> {
  const [dir, flags = ''] = spec.split('::');
  const tree = resolve(dir), v8 = flags.split(' ').filter((f) => f !== '');
  return new Promise((res, rej) => {
    const p = spawn('valgrind', ['--tool=cachegrind', '--cache-sim=no', '--smc-check=all-non-file', '--cachegrind-out-file=/dev/null', process.execPath, ...v8, '--import', 'tsx', worker, tree, kind, String(n)], { cwd: tree });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => {
      const refs = /I\s+refs:\s+([\d,]+)/.exec(out), ir = /instret (\d+)/.exec(out);
      if (code !== 0 || !refs || !ir) rej(new Error(`${tree} ${kind} ${n}: exit ${code}\n${out.slice(-1500)}`));
      else res({ refs: Number(refs[1].replace(/,/g, '')), instret: Number(ir[1]) });
    });
  });
}

const tasks = trees.flatMap((t) => sizes.flatMap((n) => Array.from({ length: repeat }, () => ({ t, n }))));
const samples = new Map<string, { refs: number; instret: number }[]>();
let next = 0;
await Promise.all(
  Array.from({ length: Math.min(jobs, tasks.length) }, async () => {
    while (next < tasks.length) {
      const { t, n } = tasks[next++];
      const r = await count(t, n);
      const key = `${t} ${n}`;
      samples.set(key, [...(samples.get(key) ?? []), r]);
      process.stderr.write(`  ${t} ${kind} ${n}: ${r.refs.toLocaleString('en')} host instructions, ${r.instret} guest\n`);
    }
  }),
);
/** Per (tree, size): the median run by host instructions (guest instructions are the same in every run). */
const results = new Map<string, { refs: number; instret: number }>();
for (const [key, rs] of samples) {
  const sorted = [...rs].sort((x, y) => x.refs - y.refs);
  results.set(key, sorted[(sorted.length - 1) >> 1]);
  if (rs.length > 1) process.stderr.write(`  ${key}: median ${sorted[(sorted.length - 1) >> 1].refs.toLocaleString('en')} (${sorted[0].refs.toLocaleString('en')}..${sorted[sorted.length - 1].refs.toLocaleString('en')})\n`);
}
const M = (x: number) => `${(x / 1e6).toFixed(0)}M`;
console.log(`${kind}: host instructions (valgrind), ${kind === 'packed' ? 'whole run' : `N1 ${n1}, N2 ${n2}`}${repeat > 1 ? `, median of ${repeat}` : ''}`);
const base = new Map<string, number>();
for (const t of trees) {
  const z = results.get(`${t} 1000`)!;
  if (kind === 'packed') {
    const all = results.get(`${t} ${1e9}`)!;
    const run = all.refs - z.refs;
    base.set('run', base.get('run') ?? run);
    console.log(`${t}\n  startup ${M(z.refs)}  run ${M(run)} (${all.instret} guest; ${(run / all.instret).toFixed(0)} a guest instruction; ${(run / base.get('run')!).toFixed(3)} of the first tree)`);
    continue;
  }
  const a = results.get(`${t} ${n1}`)!, b = results.get(`${t} ${n2}`)!;
  const steady = (b.refs - a.refs) / (b.instret - a.instret);
  const warm = a.refs - z.refs - steady * a.instret;
  base.set('steady', base.get('steady') ?? steady);
  base.set('warm', base.get('warm') ?? warm);
  console.log(`${t}\n  startup ${M(z.refs)}  warm ${M(warm)} (${(warm / base.get('warm')!).toFixed(3)})  steady ${steady.toFixed(1)} (${(steady / base.get('steady')!).toFixed(3)})`);
}

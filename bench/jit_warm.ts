// The translator's warm-up, tree against tree: for each tree, a fresh worker (a fresh V8 isolate
// running the tree's modules bundled by esbuild, as cores/worker.ts is) boots a program on one
// core with --engine jit and runs it quantum by quantum, reading its own thread's CPU time
// (/proc/thread-self/schedstat) every 25 quanta. Per run: wall and thread-CPU MIPS of the run
// loop, the process's CPU over the run (V8's compiler threads and GC included), MIPS over each
// tenth of the instructions, and the jit's stats. Runs alternate between the trees in one
// process; medians at the end. V8 flags go before the script (they are process-wide):
//   node --trace-deopt --import tsx bench/jit_warm.ts TREE [TREE ...] [--runs 5] [--memory flat|caches] [--program workloads/bin/compute_long.elf]

import { buildSync } from 'esbuild';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

import { args, opt, positional } from './ab_args.ts';
const memory = opt('--memory', 'flat');
const runs = Number(opt('--runs', '5'));
const program = opt('--program', 'workloads/bin/compute_long.elf');
const trees = positional().map((p) => resolve(p));
if (trees.length === 0) {
  process.stderr.write('usage: npx tsx bench/jit_warm.ts TREE [TREE ...] [--runs N] [--memory flat|caches] [--program ELF]\n');
  process.exit(2);
}

function entry(tree: string): string {
  const p = (f: string) => JSON.stringify(join(tree, f));
  return `
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { makeConfig } from ${p('src/machine/config.ts')};
import { boot } from ${p('src/machine/boot.ts')};
import { CoreGroup } from ${p('cores/core_group.ts')};
const cpuNs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
const config = makeConfig({ cores: 1, threads: 1, memory: workerData.memory, engine: 'jit' });
const b: any = boot(config, readFileSync(workerData.program));
const g: any = new CoreGroup({ config, coreIds: [0], regions: b.regions, entry: b.image.entry, stackTops: b.stackTops, pid: 1 });
const w0 = performance.now();
const timeline: [number, number][] = [[cpuNs(), 0]];
let end = 0;
for (let q = 1; !g.ctl.stopping; q++) {
  end += config.quantum;
  g.runQuantum(end);
  g.takeOutput();
  if (q % 25 === 0) timeline.push([cpuNs(), g.harts[0].instret]);
}
timeline.push([cpuNs(), g.harts[0].instret]);
const wall = performance.now() - w0;
parentPort!.postMessage({ timeline, wall, jit: g.results()[0].jit });
`;
}

const bundles = trees.map((tree) => buildSync({
  stdin: { contents: entry(tree), loader: 'ts', resolveDir: tree, sourcefile: 'jit-warm-worker.ts' },
  bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent',
}).outputFiles[0].text);

interface Out { timeline: [number, number][]; wall: number; jit: unknown }
function runOnce(code: string): Promise<Out & { procCpuMs: number }> {
  return new Promise((res, rej) => {
    const c0 = process.cpuUsage();
    const w = new Worker(code, { eval: true, workerData: { memory, program: resolve(program) } });
    w.once('message', (m: Out) => {
      const c = process.cpuUsage(c0);
      res({ ...m, procCpuMs: (c.user + c.system) / 1e3 });
      void w.terminate();
    });
    w.once('error', rej);
  });
}

interface Summary { wallMips: number; cpuMips: number; procCpuMs: number; tenths: number[] }
function summarize(o: Out & { procCpuMs: number }): Summary {
  const tl = o.timeline;
  const [t0] = tl[0];
  const [t1, n] = tl[tl.length - 1];
  const tenths: number[] = [];
  for (let k = 0, prev = tl[0]; k < 10; k++) {
    const next = tl.find(([, i]) => i >= (n * (k + 1)) / 10)!;
    tenths.push(((next[1] - prev[1]) / (next[0] - prev[0])) * 1e3);
    prev = next;
  }
  return { wallMips: n / o.wall / 1e3, cpuMips: (n / (t1 - t0)) * 1e3, procCpuMs: o.procCpuMs, tenths };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length;
  return k % 2 ? s[(k - 1) / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
};
const results = trees.map(() => [] as Summary[]);
for (let r = 0; r < runs; r++) {
  const order = trees.map((_, i) => i);
  if (r % 2) order.reverse();
  for (const t of order) {
    const o = await runOnce(bundles[t]);
    const s = summarize(o);
    results[t].push(s);
    process.stderr.write(`  run ${r + 1} ${trees[t]}: wall ${s.wallMips.toFixed(1)} MIPS, thread cpu ${s.cpuMips.toFixed(1)}, process cpu ${s.procCpuMs.toFixed(0)} ms; ` +
      `tenths ${s.tenths.map((x) => x.toFixed(0)).join(' ')}; jit ${JSON.stringify(o.jit)}\n`);
  }
}
console.log(`${program} ${memory} jit, ${runs} runs each; median (min..max)`);
for (const [t, rs] of results.entries()) {
  const f = (k: 'wallMips' | 'cpuMips' | 'procCpuMs') => {
    const xs = rs.map((x) => x[k]);
    return `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)})`;
  };
  console.log(`${trees[t]}\n  wallMips ${f('wallMips')}  threadCpuMips ${f('cpuMips')}  processCpuMs ${f('procCpuMs')}`);
}

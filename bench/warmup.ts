// Where a single-core run's time goes: warm-up (V8 compiling and re-compiling Hart.run)
// against steady state. For each tree, a fresh worker (a fresh V8 isolate, running the
// tree's modules bundled by esbuild as cores/worker.ts is) boots compute_long on one core
// and runs it quantum by quantum, reading its own thread's CPU time
// (/proc/thread-self/schedstat) every 25 quanta (500k cycles). Per run:
//   cpuMips     instructions / CPU time of the whole run (what bench/run.ts's figure tracks)
//   steadyMips  instructions / CPU time over the second half of the instructions
//   warmupMs    CPU time lost to warm-up: total CPU time - instructions / steadyMips
// Runs alternate between the trees, in one process; medians and spreads at the end. With
// --paired the trees' runs go at the same time (one worker each), so a busy host slows both
// alike, and each run's ratio to the first tree is summarized (a noisy host's best A/B).
//   npx tsx bench/warmup.ts TREE_A TREE_B [--runs 6] [--memory flat|caches] [--paired]
// V8 flags (e.g. --no-concurrent-recompilation, --trace-deopt) go before the script:
//   node --no-concurrent-recompilation --import tsx bench/warmup.ts ...

import { buildSync } from 'esbuild';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const memory = opt('--memory', 'flat');
const runs = Number(opt('--runs', '6'));
const trees = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--'))).map((p) => resolve(p));
if (trees.length === 0) {
  process.stderr.write('usage: npx tsx bench/warmup.ts TREE [TREE ...] [--runs N] [--memory flat|caches]\n');
  process.exit(2);
}

/** The worker's source for one tree: its boot and CoreGroup (whose init shape differs across commits). */
function entry(tree: string): string {
  const p = (f: string) => JSON.stringify(join(tree, f));
  const warm = existsSync(join(tree, 'cores/warmup/warmup.ts'));
  return `
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { makeConfig } from ${p('src/machine/config.ts')};
import { boot } from ${p('src/machine/boot.ts')};
import { CoreGroup } from ${p('cores/core_group.ts')};
${warm ? `import * as warmup from ${p('cores/warmup/warmup.ts')};` : ''}
const cpuNs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
const config = makeConfig({ cores: 1, threads: 1, memory: workerData.memory, engine: 'interp' } as any); // the interpreter in every tree
// The tree's workers warm Hart.run up before their start line (cores/warmup): counted here.
const cpuWarm = cpuNs();
${warm ? 'if (!(warmup as any).warmsUp || (warmup as any).warmsUp(config)) warmup.warmUp(config);' : ''}
const b: any = boot(config, readFileSync(${p('workloads/bin/compute_long.elf')}));
const init: any = b.regions
  ? { config, coreIds: [0], regions: b.regions, entry: b.image.entry, stackTops: b.stackTops, pid: 1 }
  : { config, coreIds: [0], ram: b.ram, control: b.control.sab, entry: b.image.entry, stackTops: b.stackTops, pid: 1, coherence: b.coherence };
const g: any = new CoreGroup(init);
const timeline: [number, number][] = [[cpuWarm, 0]];
let end = 0;
for (let q = 1; !g.ctl.stopping; q++) {
  end += config.quantum;
  if (g.clock) g.clock.quantum = q; else g.ctl.quantum = q;
  g.runQuantum(end);
  g.takeOutput();
  if (q % 25 === 0) timeline.push([cpuNs(), g.harts[0].instret]);
}
timeline.push([cpuNs(), g.harts[0].instret]);
parentPort!.postMessage(timeline);
`;
}

const bundles = trees.map((tree) => {
  const r = buildSync({
    stdin: { contents: entry(tree), loader: 'ts', resolveDir: tree, sourcefile: 'warmup-worker.ts' },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    logLevel: 'silent',
  });
  return r.outputFiles[0].text;
});

function runOnce(code: string): Promise<[number, number][]> {
  return new Promise((res, rej) => {
    const w = new Worker(code, { eval: true, workerData: { memory } });
    w.once('message', (m: [number, number][]) => {
      res(m);
      void w.terminate();
    });
    w.once('error', rej);
  });
}

type Summary = { cpuMips: number; steadyMips: number; warmupMs: number; tenths: number[] };
function summarize(timeline: [number, number][]): Summary {
  const [t0] = timeline[0];
  const [t1, n] = timeline[timeline.length - 1];
  // MIPS over each tenth of the instructions: where the warm-up ends, and whether it stays ended.
  const tenths: number[] = [];
  for (let k = 0, prev = timeline[0]; k < 10; k++) {
    const next = timeline.find(([, i]) => i >= (n * (k + 1)) / 10)!;
    tenths.push(((next[1] - prev[1]) / (next[0] - prev[0])) * 1e3);
    prev = next;
  }
  const half = timeline.find(([, i]) => i >= n / 2)!;
  const steadyMips = ((n - half[1]) / (t1 - half[0])) * 1e3;
  return { cpuMips: (n / (t1 - t0)) * 1e3, steadyMips, warmupMs: (t1 - t0) / 1e6 - n / steadyMips / 1e3, tenths };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const k = s.length;
  return k % 2 ? s[(k - 1) / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
}

// --paired: the trees' runs start together and share the host's load moment by moment;
// their ratio per run is what the summary gives (B/A, C/A, ...).
const paired = args.includes('--paired');
const results = trees.map(() => [] as Summary[]);
for (let r = 0; r < runs; r++) {
  const order = trees.map((_, i) => i);
  if (r % 2) order.reverse();
  const together = paired ? await Promise.all(order.map((t) => runOnce(bundles[t]))) : [];
  for (const [k, t] of order.entries()) {
    const s = summarize(paired ? together[k] : await runOnce(bundles[t]));
    results[t].push(s);
    process.stderr.write(`  run ${r + 1} ${trees[t]}: cpu ${s.cpuMips.toFixed(1)} MIPS, steady ${s.steadyMips.toFixed(1)}, warm-up ${s.warmupMs.toFixed(0)} ms; by tenths ${s.tenths.map((x) => x.toFixed(0)).join(' ')}\n`);
  }
}
console.log(`${memory}, ${runs} runs each, alternating; median (min..max)`);
for (const [t, rs] of results.entries()) {
  const f = (k: 'cpuMips' | 'steadyMips' | 'warmupMs') => {
    const xs = rs.map((x) => x[k]);
    return `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)})`;
  };
  console.log(`${trees[t]}\n  cpuMips ${f('cpuMips')}  steadyMips ${f('steadyMips')}  warmupMs ${f('warmupMs')}`);
  if (paired && t > 0) {
    const ratio = (k: 'cpuMips' | 'steadyMips') => {
      const xs = rs.map((x, i) => x[k] / results[0][i][k]);
      return `${median(xs).toFixed(3)} (${Math.min(...xs).toFixed(3)}..${Math.max(...xs).toFixed(3)})`;
    };
    console.log(`  paired ratio to ${trees[0]}: cpuMips ${ratio('cpuMips')}  steadyMips ${ratio('steadyMips')}`);
  }
}

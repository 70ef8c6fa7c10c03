// Hosting A/B: each tree's CoreGroup (no runMachine, no watchdog) hosting C cores of compute_long
// on one worker thread, the trees alternating, for each --cores count. Per run: guest instructions
// per CPU-microsecond of that thread (schedstat), over the whole run (V8's warm-up included:
// compiling the same code once per thread) and over its second half (the steady state), and
// perThread: each figure / the same tree's 1-core figure (bench/scaling.ts --hosted's ratio).
// --insns: instructions per thread (spread over its cores, as scaling.ts's hosted runs).
// --threads T: the config's thread count (default 1); above 1 the adaptive interleave is on
// (cores/interleave.ts) and the memory takes the parallel path (store hits claim their lines)
// while one thread still hosts every core (no barrier, no other worker). A list (--threads 1,2)
// alternates the counts as it does the trees (labels CoreSon1.tT): with --interleave 20000 the
// slices are alike, and the parallel path's cost shows without a second thread's.
// HOSTED_AB_JIT=1 prints hart 0's translator stats (and tails compiled) after each run.
//   npx tsx bench/hosted_ab.ts TREE... [--cores 1,16] [--memory caches] [--engine jit] [--insns 48000000] [--rounds 3] [--interleave 50]

import { buildSync } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { opt, treesOrUsage } from './ab_args.ts';
import { Worker } from 'node:worker_threads';

const trees = treesOrUsage('npx tsx bench/hosted_ab.ts TREE... [--cores 1,16] [--memory caches] [--engine jit] [--insns N] [--rounds R] [--threads 1,2] [--interleave N]');
const coreCounts = opt('--cores', '1,16').split(',').map(Number);
const memory = opt('--memory', 'caches');
const engine = opt('--engine', 'jit');
const insns = Number(opt('--insns', '48000000'));
const rounds = Number(opt('--rounds', '3'));
const interleave = Number(opt('--interleave', '0'));
const threadCounts = opt('--threads', '1').split(',').map(Number);

function workerSource(tree: string, cores: number, threads: number): string {
  const p = (f: string) => JSON.stringify(join(tree, f));
  const cfg = `{ cores: ${cores}, threads: ${Math.min(threads, cores)}, memory: '${memory}', engine: '${engine}', maxInsns: ${Math.round(insns / cores)}${interleave > 0 ? `, interleave: ${interleave}` : ''} }`;
  const src = `
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { makeConfig } from ${p('src/machine/config.ts')};
import { boot } from ${p('src/machine/boot.ts')};
import { CoreGroup } from ${p('cores/core_group.ts')};
const config = makeConfig(${cfg});
const b: any = boot(config, readFileSync(${p('workloads/bin/compute_long.elf')}));
const ids = Array.from({ length: config.cores }, (_, i) => i);
const g: any = new CoreGroup({ config, coreIds: ids, regions: b.regions, entry: b.image.entry, stackTops: b.stackTops, pid: 1 });
const cpu = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
const total = () => g.harts.reduce((s: number, h: any) => s + h.instret, 0);
const t0 = cpu();
let half = -1, tHalf = 0, iHalf = 0;
let end = 0;
for (let q = 1; !g.ctl.stopping && g.anyLive; q++) {
  end += config.quantum;
  g.clock.quantum = q;
  g.runQuantum(end);
  g.takeOutput();
  if (half < 0 && total() >= ${insns / 2}) { half = q; tHalf = cpu(); iHalf = total(); }
}
const t1 = cpu();
parentPort!.postMessage({ insns: total(), ns: t1 - t0, late: (total() - iHalf) / ((t1 - tHalf) / 1e3), jit: g.harts[0].jit ? { ...g.harts[0].jit.stats(), tails: g.harts[0].jit.tailsCompiled, enters: (globalThis as any).__enters, tailRuns: (globalThis as any).__tails, regionRuns: (globalThis as any).__regions, slices: (globalThis as any).__slices, instret: total() } : undefined });
`;
  const r = buildSync({ stdin: { contents: src, loader: 'ts', resolveDir: tree, sourcefile: 'hosted-ab-worker.ts' }, bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' });
  return r.outputFiles[0]!.text;
}

function once(src: string): Promise<{ insns: number; ns: number; late: number; jit?: unknown }> {
  return new Promise((res, rej) => {
    const w = new Worker(src, { eval: true });
    w.once('message', (m) => {
      void w.terminate();
      res(m);
    });
    w.once('error', rej);
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const srcs = new Map<string, string>();
const modes = coreCounts.flatMap((c) => threadCounts.map((th) => ({ c, th, key: `${c}|${th}`, label: threadCounts.length > 1 ? `${c}on1.t${th}` : `${c}on1` })));
for (const t of trees) for (const m of modes) srcs.set(`${t}|${m.key}`, workerSource(t, m.c, m.th));
const all = new Map<string, { whole: number[]; late: number[] }>();
const load0 = loadavg();
for (let r = 0; r < rounds; r++) {
  // The runs alternate A B, B A, ...: trees, and modes (core and thread counts) as well.
  for (const md of r % 2 === 0 ? modes : [...modes].reverse()) {
    for (const t of r % 2 === 0 ? trees : [...trees].reverse()) {
      const k = `${t}|${md.key}`;
      const m = await once(srcs.get(k)!);
      const whole = m.insns / (m.ns / 1e3);
      if (!all.has(k)) all.set(k, { whole: [], late: [] });
      all.get(k)!.whole.push(whole);
      all.get(k)!.late.push(m.late);
      process.stderr.write(`  ${t} ${md.label}: ${whole.toFixed(1)} per CPU-µs, second half ${m.late.toFixed(1)}${process.env.HOSTED_AB_JIT ? ` ${JSON.stringify(m.jit)}` : ''}\n`);
    }
  }
}
const out: Record<string, unknown> = { memory, engine, insnsPerThread: insns, threads: threadCounts, interleave: interleave || 'default', rounds, loadavg: load0, loadavgEnd: loadavg() };
for (const t of trees) {
  const one = all.get(`${t}|${modes[0]!.key}`)!;
  out[t] = Object.fromEntries(modes.map((md) => {
    const s = all.get(`${t}|${md.key}`)!;
    return [md.label, {
      cpuMips: +median(s.whole).toFixed(1), lateCpuMips: +median(s.late).toFixed(1),
      perThread: +(median(s.whole) / median(one.whole)).toFixed(3), latePerThread: +(median(s.late) / median(one.late)).toFixed(3),
    }];
  }));
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n');

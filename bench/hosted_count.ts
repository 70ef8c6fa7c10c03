// Host instructions of hosted cores (valgrind's cachegrind "I refs", every thread of the process),
// which a loaded host does not change: each tree's CoreGroup hosting --cores cores of compute_long
// on one worker thread (no barrier, no second worker), with the config's --threads (1: solo; 2:
// the parallel memory path, store hits claiming their lines) and --interleave, for N1 and N2
// guest instructions a thread. Prints per tree and thread count
//   steady   (I(N2) - I(N1)) / (N2 - N1): host instructions per guest instruction once warm
// Instruction counts are not time (an Atomics builtin's locked instruction costs far more than
// its count says), but a longer path shows in them whatever the load. One run each: when V8's
// background compiles land moves the count by several % (bench/ab_count.ts), so compare the
// threads 1 figures of trees whose solo code is the same to see the spread.
//   npx tsx bench/hosted_count.ts TREE... [--cores 8] [--threads 1,2] [--interleave 20000] [--n1 8000000] [--n2 32000000] [--jobs 2]

import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { opt, treesOrUsage } from './ab_args.ts';
import { buildSync } from 'esbuild';

const trees = treesOrUsage('npx tsx bench/hosted_count.ts TREE... [--cores 8] [--threads 1,2] [--interleave 20000] [--n1 8000000] [--n2 32000000] [--jobs 2]');
const cores = Number(opt('--cores', '8'));
const threadCounts = opt('--threads', '1,2').split(',').map(Number);
const interleave = Number(opt('--interleave', '20000'));
const n1 = Number(opt('--n1', '8000000')), n2 = Number(opt('--n2', '32000000'));
const jobs = Number(opt('--jobs', '2'));

/** A script that runs the tree's CoreGroup for n guest instructions a thread in a worker and prints its instret. */
function script(tree: string, threads: number, n: number): string {
  const p = (f: string) => JSON.stringify(join(tree, f));
  const worker = `
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { makeConfig } from ${p('src/machine/config.ts')};
import { boot } from ${p('src/machine/boot.ts')};
import { CoreGroup } from ${p('cores/core_group.ts')};
const config = makeConfig({ cores: ${cores}, threads: ${Math.min(threads, cores)}, memory: 'caches', engine: 'jit', interleave: ${interleave}, maxInsns: ${Math.round(n / cores)} });
const b: any = boot(config, readFileSync(${p('workloads/bin/compute_long.elf')}));
const g: any = new CoreGroup({ config, coreIds: Array.from({ length: config.cores }, (_, i) => i), regions: b.regions, entry: b.image.entry, stackTops: b.stackTops, pid: 1 });
let end = 0;
for (let q = 1; !g.ctl.stopping && g.anyLive; q++) { end += config.quantum; g.clock.quantum = q; g.runQuantum(end); g.takeOutput(); }
parentPort!.postMessage(g.harts.reduce((s: number, h: any) => s + h.instret, 0));
`;
  const code = buildSync({ stdin: { contents: worker, loader: 'ts', resolveDir: tree, sourcefile: 'hosted-count-worker.ts' }, bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' }).outputFiles[0]!.text;
  return `const { Worker } = require('node:worker_threads');
const w = new Worker(${JSON.stringify(code)}, { eval: true });
w.once('message', (m) => { console.log('instret ' + m); void w.terminate(); });
w.once('error', (e) => { console.error(e); process.exit(1); });
`;
}

function count(tree: string, threads: number, n: number): Promise<{ refs: number; instret: number }> {
  const file = join(tmpdir(), `hosted-count-${process.pid}-${trees.indexOf(tree)}-${threads}-${n}.cjs`);
  writeFileSync(file, script(tree, threads, n));
  return new Promise((res, rej) => {
    const p = spawn('valgrind', ['--tool=cachegrind', '--cache-sim=no', '--smc-check=all-non-file', '--cachegrind-out-file=/dev/null', process.execPath, file], { cwd: tree });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (code) => {
      const refs = /I\s+refs:\s+([\d,]+)/.exec(out), ir = /instret (\d+)/.exec(out);
      if (code !== 0 || !refs || !ir) rej(new Error(`${tree} threads ${threads} ${n}: exit ${code}\n${out.slice(-1500)}`));
      else res({ refs: Number(refs[1]!.replace(/,/g, '')), instret: Number(ir[1]) });
    });
  });
}

const tasks = trees.flatMap((t) => threadCounts.flatMap((th) => [n1, n2].map((n) => ({ t, th, n }))));
const got = new Map<string, { refs: number; instret: number }>();
let next = 0;
await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, async () => {
  while (next < tasks.length) {
    const { t, th, n } = tasks[next++]!;
    const r = await count(t, th, n);
    got.set(`${t}|${th}|${n}`, r);
    process.stderr.write(`  ${t} threads ${th} ${n}: ${r.refs.toLocaleString('en')} host instructions, ${r.instret} guest\n`);
  }
}));
const out: Record<string, unknown> = { cores, interleave, n1, n2 };
for (const t of trees) {
  out[t] = Object.fromEntries(threadCounts.map((th) => {
    const a = got.get(`${t}|${th}|${n1}`)!, b = got.get(`${t}|${th}|${n2}`)!;
    return [`threads${th}`, { steady: +((b.refs - a.refs) / (b.instret - a.instret)).toFixed(1) }];
  }));
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n');

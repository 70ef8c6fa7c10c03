// A/B of two source trees (e.g. base 9a46398's worktree and this one) on the bench's
// single-core figure, in one process, runs alternating A B, B A, ... so both trees see the
// same host load. Each tree's own runMachine (its own worker bundle and loader path) runs
// compute_long on one core (cases flat, caches), or the tree's CLI does in a child process
// (cli-flat, cli-caches: `node bin/smpemu.mjs run ... --stats-json`); case packed is the
// bench's coherence run (counters_packed, 4 cores on one worker, caches; packedxl and packedxl2 the
// same on this tree's counters_packed_xl, for every tree); flat2 and packed2 are the
// bench's two-thread runs (compute_long on 2 cores, packed on 4, each on 2 workers: cpuMips and
// waitMs then sum both workers, bgCpuMs is the process's other threads); xl2 and xl2on1 the
// bench's flat.scaling pair (this tree's compute_xl, 2 cores flat, on 2 workers and on 1). Per run:
//   mips      guest MIPS as bench/run.ts reports it (instructions / wall time of the run)
//   cpuMips   instructions / the core worker thread's own CPU time over the same window
//             (bench/ab_probe.cjs reads /proc/thread-self/schedstat in the worker): other
//             processes' time slices drop out, though not their effect on V8's background
//             compiles (the worker runs slower code while they wait)
//   waitMs    time the worker was runnable but not running (host contention)
//   bgCpuMs   CPU time of the process's other threads over the same window (V8's background
//             compile threads, the main thread, libuv's pool); bgWaitMs their runnable wait
// With --v8 '--no-concurrent-recompilation' every compile runs on the worker and counts in
// cpuMips: the figure then includes warm-up at its full cost, independent of the host.
// Where CFS autogroups are on (/proc/sys/kernel/sched_autogroup_enabled), every thread of the
// process shares one group's CPU against the other sessions': on a loaded host the background
// compiles (bgCpuMs) come out of the worker's own share and show up in its waitMs.
// Prints per case the median and spread (min..max) of each tree and B/A of the medians.
//   npx tsx bench/ab.ts /work/wt/base . [--rounds 10] [--cases flat,caches,cli-flat] [--v8 'FLAGS']
// The contended path once warm, the bench's coherence.long against an older tree:
//   npx tsx bench/ab.ts /work/wt/base . --cases packedxl,packedxl2 --rounds 8
// More trees (a bisection: base, commits between, main) alternate the same way, each against the first:
//   npx tsx bench/ab.ts /work/wt/base /work/wt/b-3b1109f /work/main --cases flat,caches,packed
// With --bench it runs `npm run bench -- --reps R` in each tree instead, alternating for
// --rounds rounds, and prints every figure of the bench's JSON: median over rounds, B/A.
//   npx tsx bench/ab.ts /work/wt/base . --bench --rounds 3 --reps 3

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { args, opt, positional as positionalArgs } from './ab_args.ts';
const positional = positionalArgs(['--bench']);
if (positional.length < 2) {
  process.stderr.write('usage: npx tsx bench/ab.ts TREE_A TREE_B [TREE_C ...] [--rounds N] [--cases flat,caches] | [--bench --rounds N --reps R]\n');
  process.exit(2);
}
const trees = positional.map((p) => resolve(p));
const rounds = Number(opt('--rounds', '6'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(1)}..${Math.max(...xs).toFixed(1)}`;
/** A B, B A, A B, ... (with more trees, A B C, C B A, ...): no tree always goes first or last. */
const order = (round: number) => (round % 2 === 0 ? trees.map((_, i) => i) : trees.map((_, i) => trees.length - 1 - i));
/** Tree labels: A, B, C, ... */
const label = (t: number) => String.fromCharCode(65 + t);

if (args.includes('--bench')) benchMode();
else await inProcess();

async function inProcess(): Promise<void> {
  const probeFile = process.env.SMPEMU_AB_PROBE;
  if (!probeFile) {
    // Re-run with the probe preloaded in every thread (workers inherit NODE_OPTIONS' --require).
    const dir = mkdtempSync(join(tmpdir(), 'smpemu-ab-'));
    const probe = fileURLToPath(new URL('./ab_probe.cjs', import.meta.url));
    const env = { ...process.env, SMPEMU_AB_PROBE: join(dir, 'probe.jsonl'), NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${probe}` };
    // --v8 'FLAGS': V8 flags for the whole process, workers included (e.g. --no-concurrent-recompilation).
    const v8 = opt('--v8', '').split(' ').filter((f) => f !== '');
    const r = spawnSync(process.execPath, [...v8, ...process.execArgv, fileURLToPath(import.meta.url), ...args], { env, stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  // flat, caches: runMachine in this process; cli-flat, cli-caches: `node bin/smpemu.mjs run` in the tree.
  const cases = opt('--cases', 'flat,caches').split(',');
  // packedxl, packedxl2: this tree's counters_packed_xl for every tree (older trees lack it).
  const packedXl = readFileSync(new URL('../workloads/bin/counters_packed_xl.elf', import.meta.url));
  // xl2, xl2on1: this tree's compute_xl for every tree.
  const computeXl = readFileSync(new URL('../workloads/bin/compute_xl.elf', import.meta.url));
  const loaded = await Promise.all(
    trees.map(async (t) => {
      const { makeConfig } = await import(pathToFileURL(join(t, 'src/machine/config.ts')).href);
      const { runMachine } = await import(pathToFileURL(join(t, 'src/machine/machine.ts')).href);
      return { makeConfig, runMachine, program: readFileSync(join(t, 'workloads/bin/compute_long.elf')), packed: readFileSync(join(t, 'workloads/bin/counters_packed.elf')), packedXl, computeXl };
    }),
  );
  type Sample = { mips: number; cpuMips: number; waitMs: number; bgCpuMs: number; bgWaitMs: number };
  const samples: Record<string, Sample[][]> = Object.fromEntries(cases.map((c) => [c, trees.map(() => [])]));
  for (let round = 0; round < rounds; round++) {
    for (const memory of cases) {
      for (const t of order(round)) {
        writeFileSync(probeFile, '');
        const r = memory.startsWith('cli-') ? cli(trees[t], memory.slice(4)) : await inProcessRun(loaded[t], memory);
        // One line per worker: the two-thread cases sum their workers (cpuMips is then per CPU-second of all workers).
        type Probe = { cpuNs: number; waitNs: number; bgCpuNs: number; bgWaitNs: number; others: [string | number, number, number][] };
        const lines = readFileSync(probeFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Probe);
        // The first worker's "other threads" include the other workers: take those out (their windows differ by a few ms).
        const p = lines.reduce((x, y) => ({ cpuNs: x.cpuNs + y.cpuNs, waitNs: x.waitNs + y.waitNs, bgCpuNs: x.bgCpuNs - y.cpuNs, bgWaitNs: x.bgWaitNs - y.waitNs, others: x.others }));
        const s = { mips: r.guestMips, cpuMips: (r.instructions / p.cpuNs) * 1e3, waitMs: p.waitNs / 1e6, bgCpuMs: p.bgCpuNs / 1e6, bgWaitMs: p.bgWaitNs / 1e6 };
        samples[memory][t].push(s);
        const others = p.others.map(([tid, cpu, wait]) => `${tid}:${(cpu / 1e6).toFixed(0)}/${(wait / 1e6).toFixed(0)}`).join(' ');
        process.stderr.write(`  round ${round + 1} ${memory} ${label(t)}: ${s.mips.toFixed(1)} MIPS, cpu ${s.cpuMips.toFixed(1)}, wait ${s.waitMs.toFixed(0)} ms, other threads cpu ${s.bgCpuMs.toFixed(0)} wait ${s.bgWaitMs.toFixed(0)} ms (tid:cpu/wait ${others}), load ${loadavg()[0].toFixed(2)}\n`);
      }
    }
  }
  console.log(`${trees.map((t, i) => `${label(i)} = ${t}`).join('\n')}\n${rounds} rounds, runs alternating; median (min..max), ratios to A's median`);
  for (const memory of cases) {
    for (const k of ['mips', 'cpuMips', 'waitMs', 'bgCpuMs', 'bgWaitMs'] as const) {
      const xs = samples[memory].map((ys) => ys.map((x) => x[k]));
      const cols = xs.map((x, t) => `${label(t)} ${median(x).toFixed(1)} (${spread(x)})${k.endsWith('Ms') || t === 0 ? '' : ` ${label(t)}/A ${(median(x) / median(xs[0])).toFixed(3)}`}`);
      console.log(`${memory.padEnd(7)} ${k.padEnd(8)} ${cols.join('  ')}`);
    }
  }
}

type Loaded = { makeConfig: (c: object) => object; runMachine: (c: object, p: Uint8Array, o: object) => Promise<Run & { exitCode: number; error?: string }>; program: Uint8Array; packed: Uint8Array; packedXl: Uint8Array; computeXl: Uint8Array };
type Run = { guestMips: number; instructions: number };

async function inProcessRun(tree: Loaded, memory: string): Promise<Run> {
  // packed: the bench's coherence case (4 cores on one worker, caches); its instructions and bus
  // transactions are deterministic, so cpuMips tracks transactions per CPU second.
  // flat2, packed2: the bench's two-thread runs (2 cores on 2 workers flat; packed on 2 workers).
  // packedxl, packedxl2: the same on counters_packed_xl (the bench's coherence.long).
  // xl2, xl2on1: the bench's flat.scaling pair (compute_xl, 2 cores flat, on 2 workers and on 1).
  const xl = memory === 'packedxl' || memory === 'packedxl2';
  const r =
    memory === 'packed' || memory === 'packed2' || xl
      ? await tree.runMachine(tree.makeConfig({ cores: 4, threads: memory === 'packed' || memory === 'packedxl' ? 1 : 2, memory: 'caches' }), xl ? tree.packedXl : tree.packed, { stdout: () => {} })
      : memory === 'flat2' || memory === 'xl2' || memory === 'xl2on1'
        ? await tree.runMachine(tree.makeConfig({ cores: 2, threads: memory === 'xl2on1' ? 1 : 2, memory: 'flat' }), memory === 'flat2' ? tree.program : tree.computeXl, { stdout: () => {} })
        : await tree.runMachine(tree.makeConfig({ cores: 1, memory }), tree.program, { stdout: () => {} });
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode} ${r.error ?? ''}`);
  return r;
}

/** The CLI in its own process, as a user runs it (each tree's own launcher and loader). */
function cli(tree: string, memory: string): Run {
  const json = join(process.env.SMPEMU_AB_PROBE!, '..', 'stats.json');
  const r = spawnSync(process.execPath, [join(tree, 'bin/smpemu.mjs'), 'run', 'workloads/bin/compute_long.elf', '--cores', '1', '--memory', memory, '-q', '--stats-json', json], { cwd: tree, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${tree}: smpemu exited ${r.status}: ${r.stderr}`);
  return JSON.parse(readFileSync(json, 'utf8')) as Run;
}

function benchMode(): void {
  const reps = opt('--reps', '3');
  type Json = { [k: string]: number | string | Json };
  const runs: Json[][] = trees.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const t of order(round)) {
      const r = spawnSync('npm', ['run', '--silent', 'bench', '--', '--reps', reps], { cwd: trees[t], encoding: 'utf8', maxBuffer: 1 << 26 });
      if (r.status !== 0) throw new Error(`npm run bench in ${trees[t]} failed:\n${r.stderr}`);
      const json = JSON.parse(r.stdout) as Json;
      delete json.samples;
      runs[t].push(json);
      process.stderr.write(`  round ${round + 1} ${label(t)}: flat ${(json.flat as Json).singleCoreMips} caches ${(json.caches as Json).singleCoreMips}\n`);
    }
  }
  // Every numeric leaf of the bench's JSON: median over rounds, spread, and B/A.
  const leaves = (j: Json, prefix = ''): [string, number][] =>
    Object.entries(j).flatMap(([k, v]) => (typeof v === 'number' ? [[prefix + k, v] as [string, number]] : typeof v === 'object' ? leaves(v, `${prefix}${k}.`) : []));
  const names = leaves(runs[0][0]).map(([k]) => k).filter((k) => k !== 'reps');
  const value = (j: Json, name: string) => new Map(leaves(j)).get(name)!;
  console.log(`${trees.map((t, i) => `${label(i)} = ${t}`).join('\n')}\n${rounds} rounds of npm run bench -- --reps ${reps}, alternating; median over rounds (min..max)\n`);
  const others = trees.slice(1).map((_, i) => label(i + 1));
  console.log(`| figure | ${trees.map((_, t) => label(t)).join(' | ')} | ${others.map((l) => `${l}/A`).join(' | ')} |\n|---|${trees.map(() => '---|').join('')}${others.map(() => '---|').join('')}`);
  for (const name of names) {
    const xs = runs.map((rs) => rs.map((j) => value(j, name)));
    const ratios = xs.slice(1).map((x) => (median(x) / median(xs[0])).toFixed(3));
    console.log(`| ${name} | ${xs.map((x) => `${median(x)} (${spread(x)})`).join(' | ')} | ${ratios.join(' | ')} |`);
  }
}

// TurboFan's work inside the measured window, per function, for two or more source trees:
// each run is a child process with V8's --trace-opt and --trace-deopt, and a marker
// (bench/ab_compile_mark.cjs, preloaded in every thread) that prints where the window opens
// (the first worker's 'start') and closes (the last worker's 'done'). Per tree, over the runs
// (alternating A B, B A, ...), it prints the mean per run of
//   ms        TurboFan's compile time per function inside the window (V8's three phases)
//   compiles  how often it was compiled there (more than once a worker: a deopt, then again)
//   deopts    by function, bytecode offset and reason (the offset is the innermost frame's:
//             a function inlined at the deopt has its own offsets)
// and the run's figure (transactions per host second for packed cases, else guest MIPS).
// Compile ms are elapsed times: on a loaded host they grow with the wait for a CPU. With
// --v8 '--no-concurrent-recompilation' every compile runs on the worker that asked for it,
// in its window. Cases as bench/ab.ts's: packed2 (the bench's coherence run on two threads,
// the default), packed, flat, caches, flat2, flat2on1, xl2, xl2on1, hosted16on2. SMPEMU_ENGINE chooses the engine as for any run.
//   SMPEMU_ENGINE=interp npx tsx bench/ab_compile.ts /work/wt/base . [--runs 5] [--case packed2] [--v8 'FLAGS'] [--top 30]

import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runCase } from './ab_case.ts';
import { alternating, args, label, opt, preloadEnv, treesOrUsage } from './ab_args.ts';
const kind = opt('--case', 'packed2');

type Child = { instructions: number; hostSeconds: number; tps: number; mips: number };

if (args[0] === '--child') await child(resolve(args[1]), args[2]);
else parent();

/** One run of the case in this process (the parent's V8 flags and marker apply). */
async function child(tree: string, c: string): Promise<void> {
  const r = await runCase(tree, c);
  const tx = r.caches ? r.caches.bus.BusRd + r.caches.bus.BusRdX + r.caches.bus.BusUpgr : 0;
  const out: Child = { instructions: r.instructions, hostSeconds: r.hostSeconds, tps: tx / r.hostSeconds, mips: r.guestMips };
  process.stdout.write(`\n@@RESULT ${JSON.stringify(out)}\n`);
}

type Trace = { ms: Map<string, number>; compiles: Map<string, number>; deopts: Map<string, number>; result: Child };

/** The window's compiles and deopts in one child's output. */
function parse(text: string): Trace {
  const lines = text.split('\n');
  const dones = lines.filter((l) => l.startsWith('@@DONE')).length;
  const ms = new Map<string, number>(), compiles = new Map<string, number>(), deopts = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  let starts = 0, seen = 0;
  let result: Child | undefined;
  for (const l of lines) {
    if (l.startsWith('@@START')) starts++;
    else if (l.startsWith('@@DONE')) seen++;
    else if (l.startsWith('@@RESULT ')) result = JSON.parse(l.slice(9)) as Child;
    if (starts === 0 || seen >= dones) continue;
    // Two threads' lines may interleave: every match on the line counts.
    for (const m of l.matchAll(/completed compiling \S+ <JSFunction (.*?) ?\(sfi = \w+\)> \(target (\w+)\)( OSR)? - took ([\d.]+), ([\d.]+), ([\d.]+) ms/g)) {
      const k = (m[1] || '(anonymous)') + (m[3] ?? '') + (m[2] === 'TURBOFAN' ? '' : ` ${m[2]}`);
      add(ms, k, Number(m[4]) + Number(m[5]) + Number(m[6]));
      add(compiles, k, 1);
    }
    for (const m of l.matchAll(/bailout \(kind: ([\w-]+), reason: ([^)]*)\): begin\. deoptimizing \S+ <JSFunction (.*?) ?\(sfi = \w+\)>.*?bytecode offset (\d+)/g)) {
      add(deopts, `${m[3] || '(anonymous)'}@${m[4]} ${m[2]} (${m[1]})`, 1);
    }
  }
  if (!result) throw new Error(`no result in the child's output:\n${text.slice(-2000)}`);
  return { ms, compiles, deopts, result };
}

function parent(): void {
  const trees = treesOrUsage("npx tsx bench/ab_compile.ts TREE [TREE ...] [--runs N] [--case packed2|packed|flat|caches|flat2|flat2on1|hosted16on2] [--v8 'FLAGS'] [--top K]");
  const runs = Number(opt('--runs', '4'));
  const top = Number(opt('--top', '30'));
  const v8 = opt('--v8', '').split(' ').filter((f) => f !== '');
  const self = fileURLToPath(import.meta.url);
  const mark = fileURLToPath(new URL('./ab_compile_mark.cjs', import.meta.url));
  const env = preloadEnv(mark);
  const traces: Trace[][] = trees.map(() => []);
  for (let round = 0; round < runs; round++) {
    for (const t of alternating(round, trees.length)) {
      const r = spawnSync(process.execPath, ['--trace-opt', '--trace-deopt', ...v8, ...process.execArgv, self, '--child', trees[t], kind], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
      if (r.status !== 0) throw new Error(`${trees[t]}: exit ${r.status}\n${r.stderr.slice(-3000)}`);
      const tr = parse(r.stdout);
      traces[t].push(tr);
      const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
      process.stderr.write(`  run ${round + 1} ${label(t)}: compile ${sum(tr.ms).toFixed(0)} ms (${sum(tr.compiles)} compiles), ${sum(tr.deopts)} deopts, ${kind.startsWith('packed') ? `${tr.result.tps.toFixed(0)} tx/s` : `${tr.result.mips.toFixed(1)} MIPS`}, load ${loadavg()[0].toFixed(2)}\n`);
    }
  }
  const mean = (t: number, pick: (x: Trace) => Map<string, number>, k: string) => traces[t].reduce((a, x) => a + (pick(x).get(k) ?? 0), 0) / runs;
  const total = (t: number, pick: (x: Trace) => Map<string, number>) => traces[t].reduce((a, x) => a + [...pick(x).values()].reduce((p, q) => p + q, 0), 0) / runs;
  console.log(`${trees.map((t, i) => `${label(i)} = ${t}`).join('\n')}\ncase ${kind}, ${runs} runs a tree, alternating${v8.length ? `, V8 ${v8.join(' ')}` : ''}; means per run inside the window`);
  console.log(`\n| | ${trees.map((_, t) => label(t)).join(' | ')} |\n|---|${trees.map(() => '---|').join('')}`);
  console.log(`| compile ms | ${trees.map((_, t) => total(t, (x) => x.ms).toFixed(1)).join(' | ')} |`);
  console.log(`| compiles | ${trees.map((_, t) => total(t, (x) => x.compiles).toFixed(1)).join(' | ')} |`);
  console.log(`| deopts | ${trees.map((_, t) => total(t, (x) => x.deopts).toFixed(1)).join(' | ')} |`);
  const fig = (x: Trace) => (kind.startsWith('packed') ? x.result.tps : x.result.mips);
  console.log(`| ${kind.startsWith('packed') ? 'transactions / host s' : 'guest MIPS'} (mean) | ${trees.map((_, t) => (traces[t].reduce((a, x) => a + fig(x), 0) / runs).toFixed(kind.startsWith('packed') ? 0 : 1)).join(' | ')} |`);
  const keys = (pick: (x: Trace) => Map<string, number>) => [...new Set(traces.flatMap((ts) => ts.flatMap((x) => [...pick(x).keys()])))];
  const fns = keys((x) => x.ms).sort((a, b) => Math.max(...trees.map((_, t) => mean(t, (x) => x.ms, b))) - Math.max(...trees.map((_, t) => mean(t, (x) => x.ms, a))));
  console.log(`\n| function | ${trees.map((_, t) => `${label(t)} ms (compiles)`).join(' | ')} |\n|---|${trees.map(() => '---|').join('')}`);
  for (const f of fns.slice(0, top)) console.log(`| ${f} | ${trees.map((_, t) => `${mean(t, (x) => x.ms, f).toFixed(1)} (${mean(t, (x) => x.compiles, f).toFixed(1)})`).join(' | ')} |`);
  const ds = keys((x) => x.deopts).sort((a, b) => trees.reduce((s, _, t) => s + mean(t, (x) => x.deopts, b), 0) - trees.reduce((s, _, t) => s + mean(t, (x) => x.deopts, a), 0));
  console.log(`\n| deopt (function@offset reason) | ${trees.map((_, t) => label(t)).join(' | ')} |\n|---|${trees.map(() => '---|').join('')}`);
  for (const d of ds.slice(0, top)) console.log(`| ${d} | ${trees.map((_, t) => mean(t, (x) => x.deopts, d).toFixed(1)).join(' | ')} |`);
}

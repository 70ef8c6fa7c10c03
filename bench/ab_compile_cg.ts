// TurboFan's host instructions per function compiled inside the measured window, for one or
// more source trees, counted by valgrind (callgrind): ab_compile.ts's table with a count the
// host's load does not change instead of elapsed ms. Each run is a child process under
// `valgrind --tool=callgrind --separate-threads=yes` with V8's --single-threaded (every compile
// runs on the worker that asked for it) and --log-code (each isolate, a worker's too, logs its
// code creations to its own file). A dump before each compile's PrepareJobImpl, and
// ab_callgrind_mark.cjs's uv_uptime at 'start' and 'done', cut each worker's instructions so
// that a part holds one compile; the worker's j-th compile is its isolate's j-th TURBOFAN code
// creation. The counts repeat from run to run (a compile's cost to within ~1%), so one run a
// tree is usually enough; what it cannot show is how concurrent compiles overlap the workers.
//   SMPEMU_ENGINE=interp npx tsx bench/ab_compile_cg.ts /work/wt/base . [--runs 1] [--case packed2] [--top 30]

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { alternating, label, opt, preloadEnv, treesOrUsage } from './ab_args.ts';

const kind = opt('--case', 'packed2');
const PREPARE = '*PipelineCompilationJob::PrepareJobImpl*';

/** TurboFan's self cost in one callgrind dump file. */
function turbofan(file: string): number {
  const names = new Map<string, string>();
  let on = false;
  let skipNext = false;
  let sum = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) {
      const m = /^fn=\((\d+)\)(?: (.*))?$/.exec(line);
      const name = m ? (m[2] !== undefined ? (names.set(m[1], m[2]), m[2]) : (names.get(m[1]) ?? '')) : line.slice(3);
      on = name.includes('compiler::') || name.includes('turboshaft');
    } else if (line.startsWith('cfn=')) {
      const m = /^cfn=\((\d+)\) (.*)$/.exec(line);
      if (m) names.set(m[1], m[2]);
    } else if (line.startsWith('calls=')) {
      skipNext = true;
    } else if (/^[+\-*\d]/.test(line)) {
      if (skipNext) skipNext = false;
      else if (on) sum += Number(line.split(' ')[1] ?? 0);
    }
  }
  return sum;
}

/** The functions TurboFan compiled in one isolate's log (--log-code), in order, with their code size. */
function turbofanCode(file: string): { name: string; size: number }[] {
  const out: { name: string; size: number }[] = [];
  // code-creation,JS,kind,timestamp,address,size,name: kind 13 is V8's CodeKind TURBOFAN.
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    if (!l.startsWith('code-creation,JS,13,')) continue;
    const f = l.split(',');
    out.push({ name: (f[6] ?? '').split(' ')[0] || '(anonymous)', size: Number(f[5]) });
  }
  return out;
}

/** Pearson correlation of two equally long series (0 if either is constant). */
function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n, mb = b.reduce((s, x) => s + x, 0) / n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i] - ma) * (b[i] - mb);
    aa += (a[i] - ma) ** 2;
    bb += (b[i] - mb) ** 2;
  }
  return aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : 0;
}

/**
 * One run: per compile in the core workers' windows, the function's name and TurboFan
 * instructions. A worker thread's j-th compile (its j-th dump before PrepareJobImpl) is its
 * isolate's j-th TURBOFAN code creation; a thread goes with the isolate whose count of them
 * matches (of equals, the one whose code sizes follow the thread's compile costs best).
 */
function run(tree: string): { name: string; cost: number }[] {
  const dir = mkdtempSync(join(tmpdir(), 'smpemu-abccg-'));
  try {
    const child = fileURLToPath(new URL('./ab_callgrind.ts', import.meta.url));
    const env = preloadEnv(fileURLToPath(new URL('./ab_callgrind_mark.cjs', import.meta.url)));
    const r = spawnSync('valgrind', ['--tool=callgrind', '--separate-threads=yes', '--dump-before=uv_uptime', `--dump-before=${PREPARE}`, `--callgrind-out-file=${dir}/cg.%p`,
      process.execPath, '--single-threaded', '--log-code', `--logfile=${dir}/v8.log`, ...process.execArgv, child, '--child', tree, kind], { env, encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`${tree}: exit ${r.status}\n${r.stderr.slice(-3000)}`);
    const isolates = readdirSync(dir).filter((f) => f.startsWith('isolate-')).map((f) => turbofanCode(join(dir, f)));
    const byThread = new Map<number, { part: number; trigger: string; file: string }[]>();
    for (const f of readdirSync(dir)) {
      if (!f.startsWith('cg.')) continue;
      const head = readFileSync(join(dir, f), 'utf8').slice(0, 4000);
      const trigger = /^desc: Trigger: --dump-before=(\S+)/m.exec(head)?.[1];
      if (trigger === undefined) continue;
      const part = Number(/^part: (\d+)/m.exec(head)?.[1]);
      const thread = Number(/^thread: (\d+)/m.exec(head)?.[1]);
      byThread.set(thread, [...(byThread.get(thread) ?? []), { part, trigger, file: join(dir, f) }]);
    }
    const out: { name: string; cost: number }[] = [];
    for (const ds of byThread.values()) {
      if (ds.filter((d) => d.trigger === 'uv_uptime').length < 2) continue; // not a core worker
      const dumps = ds.sort((a, b) => a.part - b.part);
      // Each compile's cost is in the dump after the one at its PrepareJobImpl (the part up to the next trigger).
      const compiles: { cost: number; inWindow: boolean }[] = [];
      let inWindow = false;
      for (let i = 0; i < dumps.length; i++) {
        if (dumps[i].trigger === 'uv_uptime') inWindow = !inWindow;
        else compiles.push({ cost: i + 1 < dumps.length ? turbofan(dumps[i + 1].file) : 0, inWindow });
      }
      const fits = isolates.filter((iso) => iso.length === compiles.length);
      if (fits.length === 0) throw new Error(`${tree}: a worker with ${compiles.length} compiles, isolates with ${isolates.map((x) => x.length).join(', ')}`);
      const costs = compiles.map((c) => c.cost);
      const iso = fits.reduce((a, b) => (correlation(costs, b.map((x) => x.size)) > correlation(costs, a.map((x) => x.size)) ? b : a));
      isolates.splice(isolates.indexOf(iso), 1);
      compiles.forEach((c, j) => {
        if (c.inWindow) out.push({ name: iso[j].name, cost: c.cost });
      });
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const trees = treesOrUsage('npx tsx bench/ab_compile_cg.ts TREE [TREE ...] [--runs N] [--case packed2|packed|flat|caches|flat2] [--top K]');
const runs = Number(opt('--runs', '1'));
const top = Number(opt('--top', '30'));
const per: Map<string, { cost: number; n: number }>[] = trees.map(() => new Map());
for (let round = 0; round < runs; round++) {
  for (const t of alternating(round, trees.length)) {
    const r = run(trees[t]);
    for (const { name, cost } of r) {
      const e = per[t].get(name) ?? { cost: 0, n: 0 };
      e.cost += cost;
      e.n++;
      per[t].set(name, e);
    }
    process.stderr.write(`  run ${round + 1} ${label(t)}: ${(r.reduce((s, x) => s + x.cost, 0) / 1e6).toFixed(1)}M TurboFan in ${r.length} compiles\n`);
  }
}
const total = (t: number) => [...per[t].values()].reduce((s, e) => s + e.cost, 0) / runs / 1e6;
console.log(`${trees.map((t, i) => `${label(i)} = ${t}`).join('\n')}\ncase ${kind}, V8 --single-threaded, ${runs} runs a tree; TurboFan host instructions in the window (M per run) by function compiled (compiles per run)`);
console.log(`\n| function | ${trees.map((_, t) => label(t)).join(' | ')} |\n|---|${trees.map(() => '---|').join('')}`);
console.log(`| total | ${trees.map((_, t) => total(t).toFixed(1)).join(' | ')} |`);
const fns = [...new Set(per.flatMap((m) => [...m.keys()]))];
const cost = (t: number, f: string) => (per[t].get(f)?.cost ?? 0) / runs / 1e6;
fns.sort((a, b) => Math.max(...trees.map((_, t) => cost(t, b))) - Math.max(...trees.map((_, t) => cost(t, a))));
for (const f of fns.slice(0, top)) console.log(`| ${f} | ${trees.map((_, t) => `${cost(t, f).toFixed(1)} (${((per[t].get(f)?.n ?? 0) / runs).toFixed(1)})`).join(' | ')} |`);

// Host instructions inside the measured window, for two or more source trees, counted by
// valgrind (callgrind): a count the host's load does not change. Each run is a child process
// under `valgrind --tool=callgrind --separate-threads=yes --dump-before=uv_uptime` with V8's
// --single-threaded (every TurboFan compile and GC then runs on the worker that needs it, in
// its window) and a marker (bench/ab_callgrind_mark.cjs, preloaded in every thread) that calls
// os.uptime() when a worker posts 'start' and 'done': each worker's instructions between the
// two, summed over the workers, split by where they went (self cost by function name):
//   turbofan  V8's optimizing compiler (v8::internal::compiler::)
//   gc        the heap's collectors
//   parse     parsing and bytecode generation (functions first called in the window)
//   js        code without a symbol: V8's builtins (copied next to the JIT code) and the JIT code
//   other     the rest of node and libc
// A tree's first run (not counted, under valgrind too) leaves V8's code cache for these flags
// (bin/code_cache.cjs writes it after 'done', which the window includes). Runs alternate A B, B A, ...; the
// figure is the median over runs. Cases as bench/ab_compile.ts's (packed2 by default).
//   SMPEMU_ENGINE=interp npx tsx bench/ab_callgrind.ts /work/wt/base . [--runs 3] [--case packed2] [--v8 'FLAGS']

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runCase } from './ab_case.ts';
import { alternating, args, label, opt, preloadEnv, treesOrUsage } from './ab_args.ts';
const kind = opt('--case', 'packed2');

/** One run of the case in this process; the watchdog waits as long as valgrind needs. */
async function child(tree: string, c: string): Promise<void> {
  const r = await runCase(tree, c, { watchdogMs: 3_600_000 });
  process.stdout.write(`\n@@RESULT ${JSON.stringify({ instructions: r.instructions })}\n`);
}

const CATEGORIES = ['turbofan', 'gc', 'parse', 'js', 'other'] as const;
type Category = (typeof CATEGORIES)[number];

function category(fn: string): Category {
  if (fn.includes('compiler::') || fn.includes('turboshaft')) return 'turbofan';
  if (/Heap|Scaveng|MarkCompact|Sweeper|Marking|Evacuat|MemoryAllocator|GCTracer|ConcurrentMarking/.test(fn)) return 'gc';
  if (/Parser|Scanner|Preparse|BytecodeGenerator|BytecodeArrayWriter|AstValueFactory|interpreter::/.test(fn)) return 'parse';
  if (fn.startsWith('0x') || fn.startsWith('Builtins_') || fn === '???') return 'js';
  return 'other';
}

/** Self cost by category of one callgrind dump file. */
function selfCost(file: string): Record<Category, number> {
  const out = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const names = new Map<string, string>();
  let cat: Category = 'other';
  let skipNext = false;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.startsWith('fn=')) {
      const m = /^fn=\((\d+)\)(?: (.*))?$/.exec(line);
      const name = m ? (m[2] !== undefined ? (names.set(m[1], m[2]), m[2]) : (names.get(m[1]) ?? '')) : line.slice(3);
      cat = category(name);
    } else if (line.startsWith('cfn=')) {
      const m = /^cfn=\((\d+)\) (.*)$/.exec(line);
      if (m) names.set(m[1], m[2]);
    } else if (line.startsWith('calls=')) {
      skipNext = true; // the next cost line is the call's inclusive cost
    } else if (/^[+\-*\d]/.test(line)) {
      if (skipNext) skipNext = false;
      else out[cat] += Number(line.split(' ')[1] ?? 0);
    }
  }
  return out;
}

/** The window's cost of one run: per worker thread, its second uv_uptime dump (its first ends at 'start'). */
function windowCost(dir: string): Record<Category, number> {
  const byThread = new Map<number, { part: number; file: string }[]>();
  for (const f of readdirSync(dir)) {
    const head = readFileSync(join(dir, f), 'utf8').slice(0, 4000);
    if (!head.includes('desc: Trigger: --dump-before=uv_uptime')) continue;
    const part = Number(/^part: (\d+)/m.exec(head)?.[1]);
    const thread = Number(/^thread: (\d+)/m.exec(head)?.[1]);
    byThread.set(thread, [...(byThread.get(thread) ?? []), { part, file: join(dir, f) }]);
  }
  const sum = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  for (const dumps of byThread.values()) {
    dumps.sort((a, b) => a.part - b.part);
    if (dumps.length < 2) throw new Error(`${dir}: a worker thread without both marks`);
    const c = selfCost(dumps[1].file);
    for (const k of CATEGORIES) sum[k] += c[k];
  }
  return sum;
}

function parent(): void {
  const trees = treesOrUsage("npx tsx bench/ab_callgrind.ts TREE [TREE ...] [--runs N] [--case packed2|packed|flat|caches|flat2|flat2on1|hosted16on2] [--v8 'FLAGS']");
  const runs = Number(opt('--runs', '3'));
  const v8 = ['--single-threaded', ...opt('--v8', '').split(' ').filter((f) => f !== '')];
  const self = fileURLToPath(import.meta.url);
  const mark = fileURLToPath(new URL('./ab_callgrind_mark.cjs', import.meta.url));
  const env = preloadEnv(mark);
  const node = [...v8, ...process.execArgv, self, '--child'];
  for (const t of trees) {
    // Not counted: leaves the code cache these flags accept. Under valgrind, whose CPU lacks
    // some of the host's features (V8 then changes flags, which a code cache must match).
    const r = spawnSync('valgrind', ['--tool=none', process.execPath, ...node, t, kind], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${t}: exit ${r.status}\n${r.stderr.slice(-3000)}`);
  }
  const costs: Record<Category, number>[][] = trees.map(() => []);
  for (let round = 0; round < runs; round++) {
    for (const t of alternating(round, trees.length)) {
      const dir = mkdtempSync(join(tmpdir(), 'smpemu-abcg-'));
      try {
        const r = spawnSync('valgrind', ['--tool=callgrind', '--separate-threads=yes', '--dump-before=uv_uptime', `--callgrind-out-file=${dir}/cg.%p`, process.execPath, ...node, trees[t], kind], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
        if (r.status !== 0) throw new Error(`${trees[t]}: exit ${r.status}\n${r.stderr.slice(-3000)}`);
        const c = windowCost(dir);
        costs[t].push(c);
        const total = CATEGORIES.reduce((s, k) => s + c[k], 0);
        process.stderr.write(`  run ${round + 1} ${label(t)}: ${(total / 1e6).toFixed(1)}M (${CATEGORIES.map((k) => `${k} ${(c[k] / 1e6).toFixed(1)}M`).join(', ')})\n`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  console.log(`${trees.map((t, i) => `${label(i)} = ${t}`).join('\n')}\ncase ${kind}, V8 ${v8.join(' ')}, ${runs} runs a tree, alternating; host instructions in the window (M, all workers), median (min..max)`);
  console.log(`\n| | ${trees.map((_, t) => label(t)).join(' | ')} |${trees.slice(1).map((_, t) => ` ${label(t + 1)}/A |`).join('')}\n|---|${trees.map(() => '---|').join('')}${trees.slice(1).map(() => '---|').join('')}`);
  for (const k of ['total', ...CATEGORIES] as const) {
    const xs = costs.map((cs) => cs.map((c) => (k === 'total' ? CATEGORIES.reduce((s, q) => s + c[q], 0) : c[k]) / 1e6));
    const cols = xs.map((x) => `${median(x).toFixed(1)} (${Math.min(...x).toFixed(1)}..${Math.max(...x).toFixed(1)})`);
    const ratios = xs.slice(1).map((x) => (median(xs[0]) > 0 ? (median(x) / median(xs[0])).toFixed(3) : '-'));
    console.log(`| ${k} | ${cols.join(' | ')} |${ratios.map((r) => ` ${r} |`).join('')}`);
  }
}

if (args[0] === '--child') await child(resolve(args[1]), args[2]);
else parent();

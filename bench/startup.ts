// Start-up time: wall milliseconds from spawning `node bin/smpemu.cjs run hello.elf` (the package's bin) to its
// exit, median of --reps runs (default 7), for 1 and 4 cores, flat and caches, in two modes
// taken in the same run and interleaved (so a noisy machine hurts both alike):
//   cache    the bundle cache on (bin/bundle_cache.mjs), warmed up before timing
//   nocache  SMPEMU_CACHE=0: tsx compiles the CLI file by file and the core worker is
//            bundled with esbuild in every process, as every run did before the cache
// plus hello on 4 cores and counters_padded (past its first quantum) with the workers only
// (--no-main-thread-start) and without, and references: `node -e 0` (the floor any Node program pays) and qemu-riscv64 hello
// when it is installed. --baseline DIR adds a third mode, DIR's command (another
// checkout, e.g. `git archive <commit> | tar -x -C DIR` with node_modules linked). --litmus adds the litmus runner on litmus/regress (100 runs,
// deterministic, seed 1) in both modes; --linux a static glibc hello under --boot linux on 4 cores
// (workloads/linux/bin/hello, caches) with the cache (and the baseline's). CPU ms (user + system of the child, from
// /proc/self/stat; Linux only) are printed beside the wall times: on a loaded machine
// they move less than the wall time does, and the fastest run (minWallMs) is the nearest
// to what an idle machine gives.
// --phases runs `hello 4 cores caches` with SMPEMU_TRACE_STARTUP=1 too and gives, per phase
// (launcher, bundles, CLI, boot, spawn; each worker's bundle, init, start line, end), the
// median wall ms since the process started, and the median CPU ms and minor page faults of
// that thread so far.
// With NODE_EXTRA_CA_CERTS set, `node -e 0` and hello on 4 cores (and the baseline's) are also timed without it.
// --only REGEX keeps the cases whose name matches (and `node -e 0`), for an A/B of one case
// with many reps, e.g. --only 'hello 4 cores caches (cache|baseline) without'.
// Prints one JSON object on stdout, progress on stderr:
//   npx tsx bench/startup.ts [--reps 7] [--litmus] [--linux] [--baseline DIR] [--phases] [--only REGEX]

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name: string) => process.argv.indexOf(name);
const reps = arg('--reps') > 0 ? Number(process.argv[arg('--reps') + 1]) : 7;
const withLitmus = arg('--litmus') > 0;
const withLinux = arg('--linux') > 0;
const baseline = arg('--baseline') > 0 ? process.argv[arg('--baseline') + 1] : undefined;
const withPhases = arg('--phases') > 0;
const only = arg('--only') > 0 ? new RegExp(process.argv[arg('--only') + 1]!) : undefined;
const root = fileURLToPath(new URL('..', import.meta.url));
/** A checkout's command as installed: its package.json's "bin" (bin/smpemu.cjs here; bin/smpemu.mjs before). */
const binOf = (dir: string): string => join(dir, (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { bin: { smpemu: string } }).bin.smpemu);
const bin = binOf(root);
const hello = fileURLToPath(new URL('../workloads/bin/hello.elf', import.meta.url));
const linuxHello = fileURLToPath(new URL('../workloads/linux/bin/hello', import.meta.url));
const padded = fileURLToPath(new URL('../workloads/bin/counters_padded.elf', import.meta.url));

/** User + system CPU ms of every child waited for so far (cutime + cstime), or NaN off Linux. */
function childCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of stat(5) (cutime, cstime), counted from field 3 in f[0].
    return ((Number(f[13]) + Number(f[14])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

interface Sample {
  wallMs: number;
  cpuMs: number;
  /** SMPEMU_TRACE_STARTUP's lines: phase (worker phases named by thread) -> [wall ms since the process's origin, thread CPU ms, thread minor faults]. */
  phases?: Map<string, [number, number, number]>;
}

function time(cmd: string, args: string[], env: NodeJS.ProcessEnv): Sample {
  const cpu0 = childCpuMs();
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { wallMs, cpuMs: childCpuMs() - cpu0, ...(env.SMPEMU_TRACE_STARTUP ? { phases: phasesOf(r.stderr) } : {}) };
}

/** `smpemu-startup <epoch ms> <thread> <cpu ms> <minor faults> <phase>` lines (bin/startup_trace.mjs), by phase. */
function phasesOf(stderr: string): Map<string, [number, number, number]> {
  const out = new Map<string, [number, number, number]>();
  let origin = NaN;
  for (const line of stderr.split('\n')) {
    const m = /^smpemu-startup (\S+) (\d+) (\S+) (\S+) (.*)$/.exec(line);
    if (!m) continue;
    if (m[5] === 'origin') {
      if (m[2] === '0') origin = Number(m[1]);
      continue;
    }
    // Workers by their index in the phase name ("worker 1 init"); a worker's bundle line names its thread.
    const name = m[5] === 'worker bundle evaluated' ? `thread ${m[2]} bundle evaluated` : m[5];
    out.set(name, [Number(m[1]), Number(m[3]), Number(m[4])]);
  }
  for (const [k, [t, c, f]] of out) out.set(k, [+(t - origin).toFixed(1), +c.toFixed(1), f]);
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function hasQemu(): boolean {
  return spawnSync('qemu-riscv64', ['--version'], { stdio: 'ignore' }).status === 0;
}

interface Case {
  name: string;
  cmd: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  reps: number;
}

const cacheOn = { ...process.env, SMPEMU_CACHE: '1' };
const traced = { ...cacheOn, SMPEMU_TRACE_STARTUP: '1' };
const cacheOff = { ...process.env, SMPEMU_CACHE: '0' };
const cases: Case[] = [{ name: 'node -e 0', cmd: process.execPath, args: ['-e', '0'], env: cacheOn, reps }];
for (const cores of [1, 4]) {
  for (const memory of ['flat', 'caches']) {
    const args = [bin, 'run', hello, '--cores', String(cores), '--memory', memory, '-q'];
    cases.push({ name: `hello ${cores} cores ${memory} cache`, cmd: process.execPath, args, env: cacheOn, reps });
    cases.push({ name: `hello ${cores} cores ${memory} nocache`, cmd: process.execPath, args, env: cacheOff, reps });
    if (baseline) cases.push({ name: `hello ${cores} cores ${memory} baseline`, cmd: process.execPath, args: [binOf(baseline), ...args.slice(1)], env: process.env, reps });
  }
}
// The same run with the workers only (no start on the main thread: src/machine/main_thread.ts),
// and a run past its first quantum (counters_padded, 4 cores, ~0.1 s of guest), both ways.
cases.push({ name: 'hello 4 cores caches workers', cmd: process.execPath, args: [bin, 'run', hello, '--cores', '4', '-q', '--no-main-thread-start'], env: cacheOn, reps });
for (const [name, extra] of [['', []], [' workers', ['--no-main-thread-start']]] as const) {
  cases.push({ name: `counters_padded 4 cores caches${name}`, cmd: process.execPath, args: [bin, 'run', padded, '--cores', '4', '-q', ...extra], env: cacheOn, reps });
}
if (withPhases) cases.push({ name: 'hello 4 cores caches traced', cmd: process.execPath, args: [bin, 'run', hello, '--cores', '4', '--memory', 'caches', '-q'], env: traced, reps });
// NODE_EXTRA_CA_CERTS makes node parse every certificate of the file before it runs any
// JavaScript (some sandboxes set it to the system's bundle: ~420 M host instructions, most of
// `node -e 0`): the floor and hello again without it, as a host without it runs them.
if (process.env.NODE_EXTRA_CA_CERTS) {
  const noCerts: NodeJS.ProcessEnv = { ...cacheOn };
  delete noCerts.NODE_EXTRA_CA_CERTS;
  cases.push({ name: 'node -e 0 without NODE_EXTRA_CA_CERTS', cmd: process.execPath, args: ['-e', '0'], env: noCerts, reps });
  cases.push({ name: 'hello 4 cores caches cache without NODE_EXTRA_CA_CERTS', cmd: process.execPath, args: [bin, 'run', hello, '--cores', '4', '--memory', 'caches', '-q'], env: noCerts, reps });
  if (baseline) cases.push({ name: 'hello 4 cores caches baseline without NODE_EXTRA_CA_CERTS', cmd: process.execPath, args: [binOf(baseline), 'run', hello, '--cores', '4', '--memory', 'caches', '-q'], env: noCerts, reps });
}
if (withLinux) {
  const args = [bin, 'run', linuxHello, '--boot', 'linux', '--cores', '4', '--memory', 'caches', '-q'];
  cases.push({ name: 'linux hello 4 cores caches cache', cmd: process.execPath, args, env: cacheOn, reps });
  if (baseline) cases.push({ name: 'linux hello 4 cores caches baseline', cmd: process.execPath, args: [binOf(baseline), ...args.slice(1)], env: process.env, reps });
}
if (hasQemu()) cases.push({ name: 'qemu-riscv64 hello', cmd: 'qemu-riscv64', args: [hello], env: process.env, reps });
if (withLitmus) {
  const args = [bin, 'litmus', 'litmus/regress', '--runs', '100', '--deterministic', '--seed', '1', '-q'];
  const litmusReps = Math.max(3, Math.ceil(reps / 2));
  cases.push({ name: 'litmus regress cache', cmd: process.execPath, args, env: cacheOn, reps: litmusReps });
  cases.push({ name: 'litmus regress nocache', cmd: process.execPath, args, env: cacheOff, reps: litmusReps });
  if (baseline) cases.push({ name: 'litmus regress baseline', cmd: process.execPath, args: [binOf(baseline), ...args.slice(1)], env: process.env, reps: litmusReps });
}

if (only) cases.splice(0, cases.length, ...cases.filter((c) => c.name === 'node -e 0' || only.test(c.name)));

// Warm-up: fills the bundle cache (a first build is not start-up) and the page cache.
for (const c of cases) time(c.cmd, c.args, c.env);

const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
const rounds = Math.max(...cases.map((c) => c.reps));
for (let i = 0; i < rounds; i++) {
  for (const c of cases) {
    if (i >= c.reps) continue;
    const s = time(c.cmd, c.args, c.env);
    samples.get(c.name)!.push(s);
    process.stderr.write(`  ${c.name} ${i + 1}/${c.reps}: ${s.wallMs.toFixed(0)} ms wall, ${s.cpuMs.toFixed(0)} ms CPU\n`);
  }
}

const figures = Object.fromEntries(
  cases.map((c) => {
    const ss = samples.get(c.name)!;
    const wall = ss.map((s) => s.wallMs);
    return [c.name, { wallMs: +median(wall).toFixed(1), minWallMs: +Math.min(...wall).toFixed(1), cpuMs: +median(ss.map((s) => s.cpuMs)).toFixed(1), runs: ss.length }];
  }),
);
/** Per phase, the median wall ms since the process began, thread CPU ms and thread minor faults over the traced runs. */
function phaseMedians(ss: Sample[]): Record<string, { wallMs: number; cpuMs: number; faults: number }> {
  const names = new Set(ss.flatMap((s) => [...(s.phases?.keys() ?? [])]));
  const rows = [...names].map((n) => {
    const got = ss.flatMap((s) => (s.phases?.has(n) ? [s.phases.get(n)!] : []));
    return [n, { wallMs: +median(got.map((g) => g[0])).toFixed(1), cpuMs: +median(got.map((g) => g[1])).toFixed(1), faults: median(got.map((g) => g[2])) }] as const;
  });
  return Object.fromEntries(rows.sort((a, b) => a[1].wallMs - b[1].wallMs));
}
const ratio = (a: string, b: string) => (figures[a] && figures[b] ? +(figures[a].wallMs / figures[b].wallMs).toFixed(2) : undefined);
process.stdout.write(
  JSON.stringify(
    {
      reps,
      figures,
      speedupVsNocache: {
        hello4CoresCaches: ratio('hello 4 cores caches nocache', 'hello 4 cores caches cache'),
        hello1CoreFlat: ratio('hello 1 cores flat nocache', 'hello 1 cores flat cache'),
        litmus: ratio('litmus regress nocache', 'litmus regress cache'),
      },
      speedupVsBaseline: baseline
        ? {
            hello4CoresCaches: ratio('hello 4 cores caches baseline', 'hello 4 cores caches cache'),
            hello4CoresCachesWithoutCerts: ratio('hello 4 cores caches baseline without NODE_EXTRA_CA_CERTS', 'hello 4 cores caches cache without NODE_EXTRA_CA_CERTS'),
            hello1CoreFlat: ratio('hello 1 cores flat baseline', 'hello 1 cores flat cache'),
            litmus: ratio('litmus regress baseline', 'litmus regress cache'),
            linuxHello: ratio('linux hello 4 cores caches baseline', 'linux hello 4 cores caches cache'),
          }
        : undefined,
      // (--only may have left the traced case out)
      ...(withPhases && samples.has('hello 4 cores caches traced') ? { phases: phaseMedians(samples.get('hello 4 cores caches traced')!) } : {}),
      loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    },
    null,
    2,
  ) + '\n',
);

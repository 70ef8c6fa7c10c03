// `smpemu litmus FILE|DIR...`: run herd7-format RISC-V litmus tests on the machine
// and check every observed final state against sequential consistency.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError, hostCpus } from '../machine/config.ts';
import { MUTATIONS } from '../../shared/coherence/mutations.ts';
import type { LitmusTest } from '../litmus/parse.ts';
import type { LitmusOptions, LitmusResult } from '../litmus/run.ts';
import { DEFAULT_RUNS, DEFAULT_SC_LIMIT, LITMUS_QUANTUM } from '../litmus/defaults.ts';

/** The runner, loaded when a litmus command runs (litmus_parts.ts). */
async function litmusLib() {
  const { build, parse, pool, run } = await import('./litmus_parts.ts');
  return { ...build, ...parse, ...pool, ...run };
}
type LitmusLib = Awaited<ReturnType<typeof litmusLib>>;

export interface LitmusFlags {
  runs: number;
  cores?: number;
  threads?: number;
  deterministic?: boolean;
  seed?: number;
  mutate?: string;
  jobs?: number;
  quantum?: number;
  maxSkew?: number;
  prestate?: boolean;
  quiet?: boolean;
  scLimit?: number;
}

function intArg(name: string, min: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}`);
    return n;
  };
}

/** The .litmus files named by the arguments (directories searched recursively, sorted). */
export function collectLitmusFiles(paths: string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.litmus')) out.push(p);
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw new ConfigError(`cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
    if (st.isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

/** One line per test for the summary. */
function summaryLine(r: LitmusResult): string {
  const where = r.file ?? r.name;
  switch (r.status) {
    case 'ok':
      return `  ok         ${r.name}  ${r.histogram.filter((h) => h.allowed).length}/${r.allowed.length} SC states seen`;
    case 'violation': {
      const n = r.violations.reduce((s, h) => s + h.count, 0);
      const what = [n > 0 ? `${n} runs in ${r.violations.length} non-SC state${r.violations.length === 1 ? '' : 's'}` : '', r.harness ?? ''].filter(Boolean).join('; ');
      return `  VIOLATION  ${r.name}  ${what} (seed ${r.seed})`;
    }
    case 'skipped':
      return `  skipped    ${where}: ${r.reason}`;
    case 'unchecked':
      return `  NOT CHECKED ${where}: ${r.reason}`;
    case 'error':
      return `  ERROR      ${where}: ${r.reason}`;
  }
}

/** The one stderr line for a test that could not run: the reason, naming the file once. */
function errorLine(r: LitmusResult): string {
  const where = r.file ?? r.name;
  const reason = r.reason ?? 'error';
  return `smpemu: ${reason.includes(where) ? reason : `${where}: ${reason}`}\n`;
}

/**
 * Options that cannot run some of the tests are refused before anything runs, in one
 * line naming a test they fail on: --cores below a test's threads, --threads above its
 * cores, --runs beyond what the guest RAM holds (the run tables live there).
 */
function checkOptionsAgainst(lib: LitmusLib, files: string[], options: LitmusOptions, runs: number, maxSkew: number): void {
  const { coresProblem, dataAreaBytes, litmusConfig, maxRuns, parseLitmus } = lib;
  const tests: { file: string; test: LitmusTest }[] = [];
  for (const file of files) {
    try {
      tests.push({ file, test: parseLitmus(readFileSync(file, 'utf8'), file) });
    } catch {
      // unreadable or malformed: the run reports it
    }
  }
  const others = (n: number) => (n > 1 ? ` (and ${n - 1} other test${n === 2 ? '' : 's'})` : '');
  const bad = tests.filter((t) => coresProblem(t.test.threads.length, options) !== undefined);
  if (bad.length > 0) throw new ConfigError(`${bad[0]!.file}${others(bad.length)}: ${coresProblem(bad[0]!.test.threads.length, options)}`);
  let worst: { file: string; max: number; perRun: number; ram: number } | undefined;
  let over = 0;
  for (const { file, test } of tests) {
    const config = litmusConfig(test.threads.length, options, runs, maxSkew);
    const max = maxRuns(test, config.caches, config.ramBytes - config.cores * config.stackBytes);
    if (runs > max) {
      over++;
      if (!worst || max < worst.max) worst = { file, max, perRun: dataAreaBytes(test, config.caches).perRun, ram: config.ramBytes };
    }
  }
  if (worst) {
    throw new ConfigError(
      `--runs ${runs} is more than ${worst.file}${others(over)} can hold: at most ${worst.max} runs (its run tables and records take ${worst.perRun} bytes a run in ${worst.ram / 2 ** 20} MiB of guest RAM)`,
    );
  }
}

/**
 * Runs the command; returns the exit status: 0 every test passed or was skipped, 1 a
 * violation, 2 an error, 3 a test too large to check (over --sc-limit).
 */
export async function runLitmusCommand(
  paths: string[],
  f: LitmusFlags,
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  if (f.deterministic && f.threads !== undefined && f.threads !== 1) {
    throw new ConfigError(`--deterministic means --threads 1 (got --threads ${f.threads})`);
  }
  if (f.mutate && !MUTATIONS.some((m) => m.name === f.mutate)) {
    throw new ConfigError(`unknown mutation '${f.mutate}' (known: ${MUTATIONS.map((m) => m.name).join(', ')})`);
  }
  const files = collectLitmusFiles(paths);
  if (files.length === 0) throw new ConfigError(`no .litmus files in ${paths.join(' ')}`);
  const seed = (f.seed ?? Math.floor(Math.random() * 0x7fffffff)) >>> 0;
  const options: LitmusOptions = {
    runs: f.runs,
    cores: f.cores,
    threads: f.threads,
    deterministic: f.deterministic,
    seed,
    mutation: f.mutate,
    quantum: f.quantum,
    maxSkew: f.maxSkew,
    prestate: f.prestate,
    scLimit: f.scLimit,
  };
  const lib = await litmusLib();
  checkOptionsAgainst(lib, files, options, f.runs, f.maxSkew ?? 256); // a bad option is one usage error, not one per test
  const jobs = f.jobs ?? Math.max(1, Math.min(hostCpus(), files.length));
  const started = Date.now();
  const results = await lib.runLitmusFiles(files, options, jobs, (r) => {
    if (r.status === 'error') {
      err(errorLine(r));
      if (r.histogram.length === 0) return; // nothing ran: the stderr line is all there is
    }
    if (!f.quiet || r.status !== 'ok') out(r.text + '\n');
  });

  const count = (s: LitmusResult['status']) => results.filter((r) => r.status === s).length;
  const lines = [
    `Summary: ${results.length} test${results.length === 1 ? '' : 's'}, ${count('ok')} ok, ${count('violation')} violation${count('violation') === 1 ? '' : 's'}, ${count('skipped')} skipped, ${count('unchecked') > 0 ? `${count('unchecked')} not checked, ` : ''}${count('error')} error${count('error') === 1 ? '' : 's'}` +
      ` (${f.runs} runs each, seed ${seed}${f.mutate ? `, mutation ${f.mutate}` : ''}, ${((Date.now() - started) / 1000).toFixed(1)} s)`,
  ];
  for (const r of results) if (r.status !== 'error') lines.push(summaryLine(r)); // errors: their stderr line
  out(lines.join('\n') + '\n');
  if (count('violation') > 0) return 1;
  if (count('error') > 0) return 2;
  if (count('unchecked') > 0) return 3;
  return 0;
}

export function registerLitmus(program: Command): Command {
  return program
    .command('litmus')
    .description('run litmus tests (herd7 RISC-V format) K times each and check every final state against sequential consistency')
    .argument('<paths...>', '.litmus files or directories of them')
    .option('-r, --runs <k>', 'iterations per test', intArg('--runs', 1), DEFAULT_RUNS)
    .option('-c, --cores <n>', 'simulated cores, at least the threads of every test (default: the test\'s threads; extra cores read the locations as noise)', intArg('--cores', 1))
    .option('-t, --threads <n>', 'host worker threads per machine, at most its cores (default: one per core)', intArg('--threads', 1))
    .option('--deterministic', 'one worker for all cores (= --threads 1): the same histogram for the same seed')
    .option('--seed <s>', 'seed of the random start skews and cache pre-states (default: random, printed)', intArg('--seed', 0))
    .option('--mutate <name>', 'inject one protocol bug (see shared/coherence/mutations.ts) to test the testers')
    .option('-j, --jobs <j>', 'tests run in parallel (default: host CPUs)', intArg('--jobs', 1))
    .option('--quantum <cycles>', `cycles between worker barriers (default ${LITMUS_QUANTUM})`, intArg('--quantum', 100))
    .option('--max-skew <n>', 'largest start skew, in delay-loop iterations (default 256)', intArg('--max-skew', 0))
    .option('--no-prestate', 'no randomized cache pre-state (S / E / M / evicted) before each run')
    .option('-q, --quiet', 'print only tests that did not pass, and the summary')
    .option('--sc-limit <states>', `SC states enumerated per test at most; a larger test is not checked (exit status 3) (default ${DEFAULT_SC_LIMIT})`, intArg('--sc-limit', 1))
    .action(async (paths: string[], f: LitmusFlags) => {
      process.exitCode = await runLitmusCommand(paths, f);
    });
}

// `smpemu stress`: the random coherence stress tester (src/stress). Exit status 0 when
// the run is clean, 1 when a violation was found (the seed and the command that
// reproduces it are printed), 2 for a bad option.

import { totalmem } from 'node:os';
import type cliProgressModule from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { MUTATIONS } from '../../shared/coherence/mutations.ts';
import { ConfigError, hostCpus } from '../machine/config.ts';
import { randomSeed } from '../stress/prng.ts';
import type { StressOptions } from '../stress/run.ts';

export interface StressFlags {
  cores: number;
  ops: number;
  seed?: number;
  threads?: number;
  deterministic?: boolean;
  lines: number;
  tinyCaches?: boolean;
  mutate?: string;
  listMutations?: boolean;
  invariants: boolean;
  quantum?: number;
  interleave?: number;
  watchdog: number;
  maxInsns?: number;
  json?: boolean;
  progress: boolean;
}

function intArg(name: string, min: number, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v: string) => {
    const n = Number(v.replace(/_/g, ''));
    if (!Number.isSafeInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    return n;
  };
}

/** Adds the `stress` command to the smpemu program. */
export function registerStress(program: Command): Command {
  return program
    .command('stress')
    .description('random coherence stress test: random loads, stores, AMOs and LR/SC on a few shared cache lines, checked against the coherence rules')
    .option('-c, --cores <n>', 'simulated cores', intArg('--cores', 1, 32), 4)
    .option('--ops <n>', 'random operations over all cores (1e6 style accepted)', intArg('--ops', 1), 100_000)
    .option('--seed <n>', 'PRNG seed (default: a random one, printed)', intArg('--seed', 0))
    .option('-t, --threads <n>', 'host worker threads (default: one per core)', intArg('--threads', 1, 64))
    .option('--deterministic', 'one worker for all cores (= --threads 1): the same seed reproduces the same run exactly')
    .option('--lines <n>', 'test cache lines: half packed (false sharing), half strided onto one cache set', intArg('--lines', 1, 1024), 8)
    .option('--tiny-caches', 'L1d 512 B 2-way, L2 1 KiB 2-way, L3 4 KiB 4-way: evictions, write-backs and back-invalidations all the time')
    .option('--mutate <name>', 'inject a protocol bug (see --list-mutations) to prove the tester bites')
    .option('--list-mutations', 'print the mutation names, one per line, and exit')
    .option('--no-invariants', 'do not run the invariant checker at quantum boundaries (value checker only)')
    .option('--quantum <cycles>', 'cycles between worker barriers (and invariant checks)', intArg('--quantum', 100))
    .option('--interleave <cycles>', 'cycles a core runs before its worker switches cores', intArg('--interleave', 1))
    .option('--watchdog <seconds>', 'deadlock: stop when no core advances for this long', intArg('--watchdog', 1, 86_400), 20)
    .option('--max-insns <n>', 'livelock: stop when a core retires this many instructions (default: 4x its expected count)', intArg('--max-insns', 1))
    .option('--json', 'print the outcome as JSON on stdout (the summary goes to stderr)')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .action(async (f: StressFlags) => {
      process.exitCode = await stressCommand(f);
    });
}

/** Host bytes the generator and the value checker keep per op (measured: ~310 B/op over a ~150 MB base, 1 and 4 cores). */
export const HOST_BYTES_PER_OP = 320;
const HOST_BASE_BYTES = 200 * 2 ** 20;

/** Refuses a run whose op records would take more than half of the host's memory. */
export function checkHostMemory(ops: number, hostBytes = totalmem()): void {
  const max = Math.floor((hostBytes / 2 - HOST_BASE_BYTES) / HOST_BYTES_PER_OP);
  if (ops > max) {
    const gib = (b: number) => (b / 2 ** 30).toFixed(1);
    throw new ConfigError(
      `--ops ${ops} needs about ${gib(HOST_BASE_BYTES + ops * HOST_BYTES_PER_OP)} GiB of host memory (${HOST_BYTES_PER_OP} bytes an op) and this host has ${gib(hostBytes)} GiB: at most ${max} ops per run; run several seeds instead`,
    );
  }
}

/** Runs the command; returns the exit status. Throws ConfigError for bad options. */
export async function stressCommand(f: StressFlags, out: NodeJS.WriteStream = process.stdout, err: NodeJS.WriteStream = process.stderr): Promise<number> {
  if (f.listMutations) {
    out.write(MUTATIONS.map((m) => `${m.name}\n`).join(''));
    return 0;
  }
  if (f.deterministic && f.threads !== undefined && f.threads !== 1) {
    throw new ConfigError(`--deterministic means --threads 1 (got --threads ${f.threads})`);
  }
  checkHostMemory(f.ops);
  const seed = f.seed ?? randomSeed();
  const opts: StressOptions = {
    cores: f.cores,
    ops: f.ops,
    seed,
    threads: f.deterministic ? 1 : f.threads,
    deterministic: f.deterministic,
    lines: f.lines,
    tinyCaches: f.tinyCaches,
    mutation: f.mutate,
    invariants: f.invariants,
    quantum: f.quantum,
    interleave: f.interleave,
    watchdogSeconds: f.watchdog,
    maxInsns: f.maxInsns,
  };
  // Loaded when the command runs (stress_parts.ts).
  const { formatOutcome, outcomeJson, runStress, loadCliProgress } = await import('./stress_parts.ts');
  const showBar = f.progress !== false && err.isTTY === true;
  let bar: InstanceType<typeof cliProgressModule.SingleBar> | undefined;
  if (showBar) {
    const cliProgress = (await loadCliProgress()).default;
    bar = new cliProgress.SingleBar(
      {
        format: ' stress seed {seed} [{bar}] {percentage}% | {value}/{total} ops | {rate} ops/s | ETA {eta_formatted}',
        stream: err,
        hideCursor: true,
        clearOnComplete: true,
        barsize: 24,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    let lastOps = 0;
    let lastTime = performance.now();
    let started = false;
    opts.progressMs = 250;
    opts.onProgress = (p) => {
      const now = performance.now();
      const rate = ((p.ops - lastOps) / Math.max(1e-3, (now - lastTime) / 1000)).toFixed(0);
      lastOps = p.ops;
      lastTime = now;
      if (!started) {
        bar!.start(p.total, p.ops, { seed, rate });
        started = true;
      } else bar!.update(p.ops, { seed, rate });
    };
  }
  let outcome;
  try {
    outcome = await runStress(opts);
  } finally {
    bar?.stop();
  }
  const text = formatOutcome(outcome);
  if (f.json) {
    out.write(JSON.stringify(outcomeJson(outcome), null, 2) + '\n');
    err.write(text);
  } else if (outcome.ok) out.write(text);
  else err.write(text);
  if (outcome.config.threads > hostCpus()) {
    err.write(`smpemu: note: ${outcome.config.threads} worker threads on ${hostCpus()} host CPUs; --threads ${hostCpus()} is usually faster\n`);
  }
  return outcome.ok ? 0 : 1;
}

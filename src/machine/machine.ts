// The Machine API: a run in four phases, each its own unit.
//   boot     (boot.ts)     parse and load the ELF, allocate RAM, caches and the control block
//   spawn    (pool.ts)     one worker per group of cores; guest output passes through
//   run      (watch.ts)    wait for the workers: progress samples and the host watchdog
//   collect  (collect.ts)  a pure summary of the workers' reports and the stop word
// The main thread never blocks: between spawn and collect it only waits for messages.

import type { FaultInfo } from '../kernel/kernel.ts';
import { SymbolTable } from '../loader/symbols.ts';
import { BARRIER_BASE, EXIT_CODE, REASON, STOP_CORE, type ControlBlock } from '../../shared/control.ts';
import { barrierGenerations } from '../../shared/sync/barrier.ts';
import type { CoreResult } from '../../cores/core_group.ts';
import type { WorkerHostStats } from '../../cores/worker_loop.ts';
import type { C2cEntry } from '../../cores/c2c_recorder.ts';
import type { CacheStats } from '../report/cache_stats.ts';
import type { C2cJson } from '../report/c2c.ts';
import { CoherenceViews } from '../../shared/coherence/layout.ts';
import { boot, bootLinux, type BootImage, type LinuxProcessSpec } from './boot.ts';
import { freshRoot } from '../kernel/fs/rootfs.ts';
import type { ProcessStats } from '../kernel/linux.ts';
import { collect, hex, type StopWord } from './collect.ts';
import { inspectLine, readCoherent, type LineView } from './inspect.ts';
import { ConfigError, hostCpus, type MachineConfig } from './config.ts';
import { spawnPool, type GuestOutput, type PoolOutcome, type WorkerPool } from './pool.ts';
import { HeldOutput, runOnMainThread } from './main_thread.ts';
import { watchRun } from './watch.ts';
import { startupMark } from '../../bin/startup_trace.mjs';
import { preloadLinux } from '../../bin/prespawn.mjs';
import { hostWrite } from './host_output.ts';

export { describeFault } from './collect.ts';

export interface RunOptions {
  /** Guest writes to fd 1 and 2; default: the host's stdout and stderr. */
  stdout?: (data: Uint8Array) => void;
  stderr?: (data: Uint8Array) => void;
  /** Called about every progressMs with every core's instructions and cycles so far. */
  onProgress?: (p: { instructions: number; cycles: number[] }) => void;
  progressMs?: number;
  /** Host watchdog: stop with an error when no core advances for this long (default 20 s). */
  watchdogMs?: number;
  /** Return without waiting for the worker threads to wind down (watch.ts; for a caller that exits right after). */
  endWorkersInBackground?: boolean;
  /** Cache lines to show at the end (addresses or data symbol names), with --memory caches. */
  inspect?: (number | string)[];
  /** Guest memory ranges to read at the end, as the program would see them (through the caches). */
  readback?: { addr: number; len: number }[];
  /** --boot linux: the program's path in the guest tree, its arguments and environment (defaults: /prog, none, DEFAULT_ENV). */
  linux?: Partial<LinuxProcessSpec>;
  /**
   * Bare-metal: while the workers start, run the machine on the main thread too, and end there
   * if it ends within these cycles (src/machine/main_thread.ts; `smpemu run` gives
   * MAIN_THREAD_CYCLES). Unset: the workers run it alone.
   */
  mainThreadCycles?: number;
}

/** The environment a --boot linux process gets unless told otherwise: fixed, so runs are reproducible. */
export const DEFAULT_ENV = ['PATH=/usr/bin:/bin', 'HOME=/', 'TERM=dumb', 'LANG=C'];

export interface SyscallCount {
  nr: number;
  name: string;
  count: number;
}

/** The stats object (also written by --stats-json). Later issues add fields; none are renamed. */
export interface RunResult {
  /** The process exit status: the guest's exit code, or 2 when the machine stopped on an error. */
  exitCode: number;
  /** exit (all harts exited), exit_group, fault, max-insns or crash. */
  stopReason: string;
  /** One line describing why the machine stopped on an error (fault, max-insns, crash). */
  error?: string;
  guestMips: number;
  hostSeconds: number;
  instructions: number;
  config: MachineConfig;
  /** Host CPUs available to the process (affinity and cgroup quota) when it ran. */
  hostCpus: number;
  /** More worker threads than host CPUs: workers took turns, so contention counts are low. */
  oversubscribed: boolean;
  cores: CoreResult[];
  syscalls: SyscallCount[];
  unimplementedSyscalls: SyscallCount[];
  fault?: FaultInfo & { symbol: string };
  /** --boot linux: the process (pid, name, faults) and the kernel's vmstat events at the end. */
  process?: ProcessStats;
  /**
   * Host-side, per worker (not the simulated machine's: stats comparisons leave it out): CPU ms
   * of its thread, ms runnable but not running, wall ms at the quantum barrier, quanta, and how
   * far the adaptive quantum (cores/quantum.ts) and the adaptive interleave (cores/interleave.ts) grew.
   */
  host?: ({ cores: number[] } & WorkerHostStats)[];
  /** With --memory caches: whole-machine totals (hitm, invalidations, writebacks, misses per level). */
  totals?: CacheStats['totals'];
  /** With --memory caches: per-core and per-level detail, bus transactions, MESI transitions. */
  caches?: Omit<CacheStats, 'totals'>;
  /** With --memory caches: the access records behind the false-sharing report (not in the JSON file). */
  c2cEntries?: C2cEntry[];
  /** With --memory caches: the contended lines, perf c2c's tables and a verdict per line. */
  c2c?: C2cJson;
  /** With checkInvariants: how many quantum boundaries were checked, and what was found. */
  invariantChecks?: number;
  violations?: string[];
  /** The ranges asked for with readback, in order. */
  readback?: Uint8Array[];
  /** The lines asked for with inspect, as they stand at the end of the run. */
  inspect?: (LineView & { symbol: string })[];
}

/** --affinity: CPUs of this machine (every core runs tasks, whichever worker hosts it: src/kernel/remote/). */
function checkAffinity(config: MachineConfig, cpus: number[]): void {
  if (cpus.length === 0) throw new ConfigError('--affinity: no CPU given');
  const bad = cpus.find((c) => !Number.isInteger(c) || c < 0 || c >= config.cores);
  if (bad !== undefined) throw new ConfigError(`--affinity: CPU ${bad} does not exist (the machine has ${config.cores} cores, 0-${config.cores - 1})`);
}

/** Boots `elf` on a machine of `config` and runs it to the end. Throws ElfError for a bad program. */
export async function runMachine(config: MachineConfig, elf: Uint8Array, opts: RunOptions = {}): Promise<RunResult> {
  if (config.boot !== 'linux') {
    if (opts.mainThreadCycles) return runShortFirst(config, elf, opts, opts.mainThreadCycles);
    return runBooted(config, boot(config, elf), opts);
  }
  // Physical RAM is the page allocator's: a program's addresses are virtual, not lines to show.
  if ((opts.inspect?.length ?? 0) > 0 || (opts.readback?.length ?? 0) > 0) throw new ConfigError('--inspect needs --boot spmd (under --boot linux addresses are virtual)');
  // The idle workers load the Linux kernel while this thread boots it.
  preloadLinux();
  // --boot linux: the guest's "/" is --root, or a fresh tree holding only the program.
  const l = opts.linux ?? {};
  if (l.affinity) checkAffinity(config, l.affinity);
  const fresh = l.root === undefined ? freshRoot(elf, l.execfn ?? 'prog') : undefined;
  try {
    const spec: LinuxProcessSpec = {
      execfn: fresh?.guestPath ?? l.execfn ?? '/prog', args: l.args ?? [], envp: l.envp ?? DEFAULT_ENV, proc: l.proc, procAt: l.procAt,
      root: fresh?.hostDir ?? l.root!, rootRw: l.rootRw, tty: l.tty, affinity: l.affinity, ...(l.topIntervalNs ? { topIntervalNs: l.topIntervalNs } : {}),
    };
    return await runBooted(config, bootLinux(config, elf, spec), opts);
  } finally {
    fresh?.remove();
  }
}

/**
 * A bare-metal run that starts on the main thread, on a copy of the machine booted for one
 * worker (src/machine/main_thread.ts). A run that ends in its first quantum never starts a
 * worker; else the workers start then, and the copy's run is the run if it ends within `cycles`
 * before they pass their start line, the workers' run otherwise.
 */
async function runShortFirst(config: MachineConfig, elf: Uint8Array, opts: RunOptions, cycles: number): Promise<RunResult> {
  // A bad program or --inspect argument is refused before anything runs.
  const short = boot({ ...config, threads: 1 }, elf);
  const symbols = new SymbolTable(short.image.symbols);
  const inspectAddrs = resolveInspect(config, short, symbols, opts.inspect ?? []);
  startupMark('booted');
  const out = guestOutput(opts);
  const held = new HeldOutput(out);
  let workers: { booted: BootImage; pool: WorkerPool } | undefined;
  const start = (): { booted: BootImage; pool: WorkerPool } => {
    const booted = boot(config, elf);
    const pool = spawnPool(config, booted, held.out);
    startupMark('spawned');
    return { booted, pool };
  };
  const outcome = runOnMainThread(config, short, out, cycles, (end) => {
    // The workers start once the first quantum is done: booting beside it, they would take the
    // host CPUs it runs on, and most short runs end in it.
    workers ??= end >= config.quantum ? start() : undefined;
    return workers !== undefined && barrierGenerations(workers.booted.control.i32, BARRIER_BASE) !== 0;
  });
  if (outcome) {
    startupMark('ran on the main thread');
    held.drop();
    workers?.pool.abandon();
    // The CLI's V8 code cache keeps this kind of run apart (bin/code_cache.cjs).
    (globalThis as { [k: symbol]: ((path: string) => void) | undefined })[Symbol.for('smpemu.codeCachePath')]?.('main');
    return finish(config, short, outcome, symbols, inspectAddrs, opts);
  }
  startupMark('left to the workers');
  const { booted, pool } = workers ?? start();
  held.open();
  await watchRun(pool, booted.control, config.cores, opts);
  startupMark('workers done');
  return finish(config, booted, pool.outcome, symbols, inspectAddrs, opts);
}

/** Where the guest's fd 1 and 2 go. */
function guestOutput(opts: RunOptions): GuestOutput {
  return {
    stdout: opts.stdout ?? ((d: Uint8Array) => hostWrite(1, d)),
    stderr: opts.stderr ?? ((d: Uint8Array) => hostWrite(2, d)),
  };
}

async function runBooted(config: MachineConfig, booted: BootImage, opts: RunOptions): Promise<RunResult> {
  startupMark('booted');
  const symbols = new SymbolTable(booted.image.symbols);
  const inspectAddrs = resolveInspect(config, booted, symbols, opts.inspect ?? []);
  const pool = spawnPool(config, booted, guestOutput(opts));
  startupMark('spawned');
  await watchRun(pool, booted.control, config.cores, opts);
  startupMark('workers done');
  return finish(config, booted, pool.outcome, symbols, inspectAddrs, opts);
}

/** The collect phase: the result of a run that has ended, from its outcome and the machine's end state. */
function finish(config: MachineConfig, booted: BootImage, outcome: PoolOutcome, symbols: SymbolTable, inspectAddrs: number[], opts: RunOptions): RunResult {
  // The end state of the machine, for readback and inspect, read once every worker has ended.
  const { coherence, ram } = booted.regions;
  const views = coherence ? new CoherenceViews({ ...config.caches, cores: config.cores }, coherence) : undefined;
  const ramU8 = new Uint8Array(ram);
  const result = collect({
    config,
    hostCpus: hostCpus(),
    outcome,
    stop: stopWord(booted.control),
    symbols,
    readback: opts.readback?.map((r) => readCoherent(views, ramU8, r.addr, r.len)),
    inspect: views && inspectAddrs.map((a) => ({ ...inspectLine(views, ramU8, a), symbol: symbols.format(a) })),
  });
  // --boot linux: the run queues' lock words as the caches hold them at the end (each free: owner == next).
  const rq = result.process?.sched?.rqLock;
  if (rq) rq.words = rq.pa.map((pa) => new DataView(readCoherent(views, ramU8, pa, 4).buffer).getUint32(0, true));
  return result;
}

/** The --inspect arguments as addresses in RAM; a clear error for a missing symbol or an address outside RAM. */
function resolveInspect(config: MachineConfig, booted: BootImage, symbols: SymbolTable, inspect: (number | string)[]): number[] {
  const addrs = inspect.map((x) => {
    if (typeof x === 'number') return x;
    const sym = symbols.find(x);
    if (!sym) throw new ConfigError(`--inspect: no symbol '${x}' in the program`);
    return sym.value;
  });
  for (const [i, a] of addrs.entries()) {
    if (a < config.ramBase || a >= config.ramBytes) {
      const what = typeof inspect[i] === 'string' ? `${inspect[i]} (${hex(a)})` : hex(a);
      throw new ConfigError(`--inspect ${what} is outside RAM (${hex(config.ramBase)}-${hex(config.ramBytes - 1)})`);
    }
  }
  if (addrs.length > 0 && !booted.regions.coherence) throw new ConfigError('--inspect needs --memory caches');
  return addrs;
}

function stopWord(ctl: ControlBlock): StopWord {
  return {
    reason: Atomics.load(ctl.i32, REASON),
    stopCore: Atomics.load(ctl.i32, STOP_CORE),
    exitCode: Atomics.load(ctl.i32, EXIT_CODE),
  };
}

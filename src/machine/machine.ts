// The Machine API: boot a program, start the workers, pass guest output through,
// collect results. The main thread never blocks: it only waits for messages.

import type { Worker } from 'node:worker_threads';
import type { FaultInfo } from '../kernel/kernel.ts';
import { syscallName } from '../kernel/syscalls/numbers.ts';
import { SymbolTable } from '../loader/symbols.ts';
import {
  BARRIER_BASE,
  CORE_STATE,
  coreWord,
  EXIT_CODE,
  REASON,
  STOP_ALL_EXITED,
  STOP_CORE,
  STOP_CRASH,
  STOP_EXIT_GROUP,
  STOP_FAULT,
  STOP_INVARIANT,
  STOP_MAX_INSNS,
  STOP_REASON_NAMES,
} from '../../shared/control.ts';
import { barrierAbort, barrierGeneration } from '../../shared/sync/barrier.ts';
import type { CoreResult } from '../../cores/core_group.ts';
import type { WorkerInit, WorkerMessage } from '../../cores/worker.ts';
import type { C2cEntry } from '../../cores/c2c_recorder.ts';
import { cacheStats, type CacheStats } from '../report/cache_stats.ts';
import { analyzeC2c, c2cJson, type C2cJson } from '../report/c2c.ts';
import { CoherenceViews } from '../../shared/coherence/layout.ts';
import { assignCores, boot } from './boot.ts';
import { inspectLine, readCoherent, type LineView } from './inspect.ts';
import { ConfigError, hostCpus, type MachineConfig } from './config.ts';
import { spawnTsWorker } from './spawn.ts';

export interface RunOptions {
  /** Guest writes to fd 1 and 2; default: the host's stdout and stderr. */
  stdout?: (data: Uint8Array) => void;
  stderr?: (data: Uint8Array) => void;
  /** Called about every progressMs with every core's instructions and cycles so far. */
  onProgress?: (p: { instructions: number; cycles: number[] }) => void;
  progressMs?: number;
  /** Host watchdog: stop with an error when no core advances for this long (default 20 s). */
  watchdogMs?: number;
  /** Cache lines to show at the end (addresses or data symbol names), with --memory caches. */
  inspect?: (number | string)[];
  /** Guest memory ranges to read at the end, as the program would see them (through the caches). */
  readback?: { addr: number; len: number }[];
}

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

const MODULE_WORKER = new URL('../../cores/worker.ts', import.meta.url);

/** Boots `elf` on a machine of `config` and runs it to the end. Throws ElfError for a bad program. */
export async function runMachine(config: MachineConfig, elf: Uint8Array, opts: RunOptions = {}): Promise<RunResult> {
  const booted = boot(config, elf);
  const symbols = new SymbolTable(booted.image.symbols);
  const inspectAddrs = (opts.inspect ?? []).map((x) => {
    if (typeof x === 'number') return x;
    const sym = symbols.find(x);
    if (!sym) throw new ConfigError(`--inspect: no symbol '${x}' in the program`);
    return sym.value;
  });
  for (const [i, a] of inspectAddrs.entries()) {
    if (a < config.ramBase || a >= config.ramBytes) {
      const what = typeof opts.inspect![i] === 'string' ? `${opts.inspect![i]} (${hex(a)})` : hex(a);
      throw new ConfigError(`--inspect ${what} is outside RAM (${hex(config.ramBase)}-${hex(config.ramBytes - 1)})`);
    }
  }
  if (inspectAddrs.length > 0 && !booted.regions.coherence) throw new ConfigError('--inspect needs --memory caches');
  const ctl = booted.control;
  const groups = assignCores(config.cores, config.threads);
  const spin = config.threads <= hostCpus();
  const stdout = opts.stdout ?? ((d: Uint8Array) => process.stdout.write(d));
  const stderr = opts.stderr ?? ((d: Uint8Array) => process.stderr.write(d));

  const starts: number[] = [];
  const ends: number[] = [];
  const coreResults: CoreResult[] = [];
  const syscalls = new Map<number, number>();
  const enosys = new Map<number, number>();
  const faults: FaultInfo[] = [];
  const c2c: C2cEntry[] = [];
  const violations: string[] = [];
  let invariantChecks = 0;
  let crash: string | undefined;

  const workers: Worker[] = [];
  const done = groups.map(
    (coreIds, w) =>
      new Promise<void>((resolve) => {
        const init: WorkerInit = {
          workerIndex: w,
          spinBarrier: spin,
          config,
          coreIds,
          regions: booted.regions,
          entry: booted.image.entry,
          stackTops: booted.stackTops,
          pid: 1,
        };
        const worker = spawnTsWorker(MODULE_WORKER, init, { name: `smpemu-worker-${w}` });
        workers.push(worker);
        let finished = false;
        const fail = (msg: string): void => {
          if (finished) return;
          finished = true;
          crash ??= `worker ${w} (cores ${coreIds.join(',')}) crashed: ${msg}`;
          ctl.requestStop(STOP_CRASH, coreIds[0], 70, 0);
          barrierAbort(ctl.i32, BARRIER_BASE);
          resolve();
        };
        worker.on('message', (m: WorkerMessage) => {
          switch (m.t) {
            case 'start': starts.push(m.time); break;
            case 'out':
              for (const c of m.chunks) (c.fd === 2 ? stderr : stdout)(c.data);
              break;
            case 'done':
              ends.push(m.time);
              coreResults.push(...m.cores);
              for (const [nr, n] of m.syscalls) syscalls.set(nr, (syscalls.get(nr) ?? 0) + n);
              for (const [nr, n] of m.enosys) enosys.set(nr, (enosys.get(nr) ?? 0) + n);
              faults.push(...m.faults);
              for (const e of m.c2c) c2c.push(e);
              invariantChecks += m.invariantChecks;
              violations.push(...m.violations);
              finished = true;
              resolve();
              break;
            case 'crash': fail(m.message + (m.stack ? `\n${m.stack}` : '')); break;
          }
        });
        worker.on('error', (e) => fail(e instanceof Error ? (e.stack ?? e.message) : String(e)));
        worker.on('exit', (code) => { if (!finished) fail(`exited with code ${code} before finishing`); });
      }),
  );

  // Host watchdog: the simulated clocks and the barrier generation must move. If neither
  // does for watchdogMs, the host side is stuck (a bug, not a guest loop: a guest loop still
  // advances cycles): report the state, abort the barrier and stop.
  let lastMark = '';
  let lastChange = Date.now();
  const watchdogMs = opts.watchdogMs ?? 20_000;
  const watchdog = setInterval(() => {
    const mark = `${barrierGeneration(ctl.i32, BARRIER_BASE)}:${Array.from({ length: config.cores }, (_, c) => ctl.progress(c).cycles).join(',')}`;
    if (mark !== lastMark) {
      lastMark = mark;
      lastChange = Date.now();
      return;
    }
    if (Date.now() - lastChange < watchdogMs) return;
    crash ??= `host watchdog: no progress for ${watchdogMs / 1000} s (${describeState()})`;
    ctl.requestStop(STOP_CRASH, -1, 70, 0);
    barrierAbort(ctl.i32, BARRIER_BASE);
    for (const w of workers) void w.terminate();
  }, 1000);
  const describeState = (): string => {
    const cores = Array.from({ length: config.cores }, (_, c) => {
      const p = ctl.progress(c);
      return `core ${c} state ${Atomics.load(ctl.i32, coreWord(c, CORE_STATE))} cycles ${p.cycles}`;
    });
    return `stop=${Atomics.load(ctl.i32, 0)} barrier count=${Atomics.load(ctl.i32, BARRIER_BASE)} gen=${barrierGeneration(ctl.i32, BARRIER_BASE)} workers done=${ends.length}/${groups.length}; ${cores.join('; ')}`;
  };

  let timer: NodeJS.Timeout | undefined;
  if (opts.onProgress) {
    const report = opts.onProgress;
    timer = setInterval(() => {
      let instructions = 0;
      const cycles: number[] = [];
      for (let c = 0; c < config.cores; c++) {
        const p = ctl.progress(c);
        instructions += p.instret;
        cycles.push(p.cycles);
      }
      report({ instructions, cycles });
    }, opts.progressMs ?? 250);
  }
  try {
    await Promise.all(done);
  } finally {
    if (timer) clearInterval(timer);
    clearInterval(watchdog);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  coreResults.sort((a, b) => a.id - b.id);
  const instructions = coreResults.reduce((s, c) => s + c.instructions, 0);
  const hostSeconds = starts.length > 0 && ends.length > 0 ? (Math.max(...ends) - Math.min(...starts)) / 1000 : 0;
  const reason = Atomics.load(ctl.i32, REASON);
  const stopCore = Atomics.load(ctl.i32, STOP_CORE);
  const cs = cacheStats(coreResults, config.cores);
  for (const c of coreResults) delete c.counters;
  const result: RunResult = {
    exitCode: Atomics.load(ctl.i32, EXIT_CODE),
    stopReason: crash ? STOP_REASON_NAMES[STOP_CRASH] : STOP_REASON_NAMES[reason],
    guestMips: hostSeconds > 0 ? instructions / hostSeconds / 1e6 : 0,
    hostSeconds,
    instructions,
    config,
    hostCpus: hostCpus(),
    oversubscribed: config.threads > hostCpus(),
    cores: coreResults,
    syscalls: counts(syscalls),
    unimplementedSyscalls: counts(enosys),
  };
  // The end state of the machine, for readback and inspect.
  const { coherence, ram } = booted.regions;
  const views = coherence ? new CoherenceViews({ ...config.caches, cores: config.cores }, coherence) : undefined;
  const ramU8 = new Uint8Array(ram);
  if (opts.readback) {
    result.readback = opts.readback.map((r) => readCoherent(views, ramU8, r.addr, r.len));
  }
  if (config.checkInvariants) {
    result.invariantChecks = invariantChecks;
    result.violations = violations;
  }
  if (cs) {
    result.totals = cs.totals;
    result.caches = { bus: cs.bus, cores: cs.cores, transitions: cs.transitions };
    result.c2cEntries = c2c;
    result.c2c = c2cJson(analyzeC2c(c2c, symbols, config.caches.lineBytes));
    result.inspect = inspectAddrs.map((a) => ({ ...inspectLine(views!, ramU8, a), symbol: symbols.format(a) }));
  }
  if (crash) {
    result.exitCode = 2;
    result.error = crash;
  } else if (reason === STOP_FAULT) {
    const f = faults.find((x) => x.core === stopCore) ?? faults[0];
    result.exitCode = 2;
    if (f) {
      result.fault = { ...f, symbol: symbols.format(f.pc) };
      result.error = describeFault(result.fault);
    } else {
      result.error = `core ${stopCore}: fault`;
    }
  } else if (reason === STOP_INVARIANT || violations.length > 0) {
    result.exitCode = 2;
    result.error = `coherence invariant violated ${violations[0] ?? ''}${violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''}`;
  } else if (reason === STOP_MAX_INSNS) {
    result.exitCode = 2;
    const core = coreResults.find((c) => c.id === stopCore);
    const at = core ? ` at pc ${hex(core.pc)}${symbolSuffix(symbols.format(core.pc))}` : '';
    result.error = `core ${stopCore}: instruction limit reached (--max-insns ${config.maxInsns})${at}`;
  } else if (reason !== STOP_EXIT_GROUP && reason !== STOP_ALL_EXITED) {
    result.exitCode = 2;
    result.error = 'machine stopped without a reason';
  }
  return result;
}

function counts(m: Map<number, number>): SyscallCount[] {
  return [...m].sort((a, b) => a[0] - b[0]).map(([nr, count]) => ({ nr, name: syscallName(nr), count }));
}

/** Guest addresses as unsigned 64-bit hex (a negative value is an address with the top bits set). */
function hex(n: number): string {
  if (n >= 0) return `0x${n.toString(16)}`;
  return `0x${BigInt.asUintN(64, BigInt(Math.trunc(n))).toString(16)}`;
}

function symbolSuffix(sym: string): string {
  return sym.startsWith('0x') ? '' : ` (${sym})`;
}

/** One line: which core, what, where, and the address or encoding involved. */
export function describeFault(f: FaultInfo & { symbol: string }): string {
  const where = `at pc ${hex(f.pc)}${symbolSuffix(f.symbol)}`;
  let what: string;
  switch (f.cause) {
    case 2: {
      const enc = f.encoding ?? f.tval >>> 0; // a compressed parcel prints as 4 hex digits
      what = `illegal instruction ${where}: encoding 0x${enc.toString(16).padStart((enc & 3) === 3 ? 8 : 4, '0')}`;
      break;
    }
    case 3: what = `breakpoint (ebreak) ${where}`; break;
    case 0: case 1: case 12: what = `${f.causeName} ${where}: target ${hex(f.tval)}`; break;
    default: what = `${f.causeName} ${where}: address ${hex(f.tval)}`;
  }
  return `core ${f.core}: ${what}`;
}

// The collect phase: the workers' reports, the stop word and the end state of memory
// summed up into the RunResult (the stats object). A pure function of its input: it
// reads no shared memory and changes none of what it is given.

import type { FaultInfo } from '../kernel/kernel.ts';
import { syscallName } from '../kernel/syscalls/numbers.ts';
import { SymbolTable } from '../loader/symbols.ts';
import {
  STOP_ALL_EXITED,
  STOP_CRASH,
  STOP_EXIT_GROUP,
  STOP_FAULT,
  STOP_INVARIANT,
  STOP_MAX_INSNS,
  STOP_REASON_NAMES,
  STOP_SIGNAL,
} from '../../shared/control.ts';
import type { CoreResult } from '../../cores/core_group.ts';
import { cacheStats } from '../report/cache_stats.ts';
import { analyzeC2c, c2cJson, type AnalyzeOptions } from '../report/c2c.ts';
import type { LineView } from './inspect.ts';
import type { MachineConfig } from './config.ts';
import type { PoolOutcome } from './pool.ts';
import type { RunResult, SyscallCount } from './machine.ts';

/** The control block's stop word at the end of the run. */
export interface StopWord {
  reason: number;
  stopCore: number;
  exitCode: number;
}

export interface CollectInput {
  config: MachineConfig;
  /** Host CPUs available when the machine ran. */
  hostCpus: number;
  outcome: PoolOutcome;
  stop: StopWord;
  symbols: SymbolTable;
  /** The ranges asked for with readback, as read at the end (through the caches). */
  readback?: Uint8Array[];
  /** The lines asked for with inspect (caches mode). */
  inspect?: (LineView & { symbol: string })[];
}

export function collect(input: CollectInput): RunResult {
  const { config, outcome, stop, symbols } = input;
  const { reports } = outcome;
  const withCounters = reports.flatMap((r) => r.cores).sort((a, b) => a.id - b.id);
  const instructions = withCounters.reduce((s, c) => s + c.instructions, 0);
  const ends = reports.map((r) => r.time);
  const hostSeconds = outcome.starts.length > 0 && ends.length > 0 ? (Math.max(...ends) - Math.min(...outcome.starts)) / 1000 : 0;
  const cs = cacheStats(withCounters, config.cores);
  const violations = reports.flatMap((r) => r.violations);
  const result: RunResult = {
    exitCode: stop.exitCode,
    stopReason: outcome.crash ? STOP_REASON_NAMES[STOP_CRASH] : STOP_REASON_NAMES[stop.reason],
    guestMips: hostSeconds > 0 ? instructions / hostSeconds / 1e6 : 0,
    hostSeconds,
    instructions,
    config,
    hostCpus: input.hostCpus,
    oversubscribed: config.threads > input.hostCpus,
    cores: withCounters.map(({ counters: _counters, ...core }) => core),
    syscalls: mergeCounts(reports.map((r) => r.syscalls)),
    unimplementedSyscalls: mergeCounts(reports.map((r) => r.enosys)),
  };
  // Host-side: each worker's CPU time, barrier waits and quanta (bench/scaling.ts reads them).
  const host = reports.flatMap((r) => (r.host ? [{ cores: r.cores.map((c) => c.id), ...r.host }] : []));
  if (host.length > 0) result.host = host.sort((a, b) => a.cores[0] - b.cores[0]);
  const proc = reports.find((r) => r.process)?.process;
  if (proc) {
    // Parallel --boot linux: the other workers' cores idled since their last call to the home.
    const unreported = reports.reduce((s, r) => s + (r.idleCycles ?? 0), 0);
    result.process = unreported > 0 && proc.sched ? { ...proc, sched: { ...proc.sched, idleCycles: proc.sched.idleCycles + unreported } } : proc;
  }
  if (input.readback) result.readback = input.readback;
  if (config.checkInvariants) {
    result.invariantChecks = reports.reduce((s, r) => s + r.invariantChecks, 0);
    result.violations = violations;
  }
  if (cs) {
    const c2c = reports.flatMap((r) => r.c2c);
    result.totals = cs.totals;
    result.caches = { bus: cs.bus, cores: cs.cores, transitions: cs.transitions };
    result.c2cEntries = c2c;
    result.c2c = c2cJson(analyzeC2c(c2c, symbols, config.caches.lineBytes, c2cNaming(config, proc)));
    result.inspect = input.inspect ?? [];
  }
  if (stop.reason === STOP_SIGNAL && !outcome.crash) {
    // --boot linux: pid 1 died of a signal (the last report: other processes may have died before it); the exit code is the shell's 128 + signal.
    const f = reports.flatMap((r) => r.faults).filter((x) => x.signal !== undefined).pop();
    if (f) {
      result.fault = { ...f, symbol: symbols.format(f.pc) };
      result.error = f.report ?? `core ${f.core}: signal ${f.signal}`;
    }
    return result;
  }
  const error = stopError(input, result.cores, violations);
  if (error) {
    result.exitCode = 2;
    if (error.fault) result.fault = error.fault;
    result.error = error.message;
  }
  return result;
}

/** Why the machine stopped on an error (crash, fault, invariant, instruction limit), or undefined for an exit. */
function stopError(
  input: CollectInput,
  cores: CoreResult[],
  violations: string[],
): { message: string; fault?: FaultInfo & { symbol: string } } | undefined {
  const { stop, symbols, outcome } = input;
  if (outcome.crash) return { message: outcome.crash };
  if (stop.reason === STOP_FAULT) {
    // The stopping core's fault; another core may have faulted in the same quantum.
    const faults = outcome.reports.flatMap((r) => r.faults);
    const f = faults.find((x) => x.core === stop.stopCore) ?? faults[0];
    if (!f) return { message: `core ${stop.stopCore}: fault` };
    const fault = { ...f, symbol: symbols.format(f.pc) };
    return { message: describeFault(fault), fault };
  }
  if (stop.reason === STOP_INVARIANT || violations.length > 0) {
    return { message: `coherence invariant violated ${violations[0] ?? ''}${violations.length > 1 ? ` (and ${violations.length - 1} more)` : ''}` };
  }
  if (stop.reason === STOP_MAX_INSNS) {
    const core = cores.find((c) => c.id === stop.stopCore);
    const at = core ? ` at pc ${hex(core.pc)}${symbolSuffix(symbols.format(core.pc))}` : '';
    return { message: `core ${stop.stopCore}: instruction limit reached (--max-insns ${input.config.maxInsns})${at}` };
  }
  if (stop.reason !== STOP_EXIT_GROUP && stop.reason !== STOP_ALL_EXITED) return { message: 'machine stopped without a reason' };
  return undefined;
}

/** How c2c names lines: physical addresses under --boot linux, the kernel's data by its symbols (the run queues' locks). */
export function c2cNaming(config: MachineConfig, proc: RunResult['process']): AnalyzeOptions {
  const physical = config.boot === 'linux';
  const k = proc?.kernelSymbols;
  return k && physical ? { physical, kernelSymbols: new SymbolTable(k) } : { physical };
}

/** Per-worker [syscall number, count] lists merged into one, by number. */
function mergeCounts(lists: [number, number][][]): SyscallCount[] {
  const m = new Map<number, number>();
  for (const list of lists) for (const [nr, n] of list) m.set(nr, (m.get(nr) ?? 0) + n);
  return [...m].sort((a, b) => a[0] - b[0]).map(([nr, count]) => ({ nr, name: syscallName(nr), count }));
}

/** Guest addresses as unsigned 64-bit hex (a negative value is an address with the top bits set). */
export function hex(n: number): string {
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

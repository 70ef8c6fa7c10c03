// Runs one random coherence stress test: generate (generate.ts), run on the machine with
// the invariant checker at every quantum boundary and a watchdog, read the logs and final
// memory back through the caches, check them (check.ts), and describe the outcome.

import { DEFAULT_CONFIG, makeConfig, type MachineConfig } from '../machine/config.ts';
import { formatLineView } from '../machine/inspect.ts';
import { runMachine, type RunResult } from '../machine/machine.ts';
import type { CacheGeometry } from '../../shared/coherence/layout.ts';
import { checkStress, formatViolation, type CheckStats, type Violation } from './check.ts';
import { buildStressElf, generateStress, type StressPlan } from './generate.ts';
import { KINDS, LOG_ENTRY_BYTES } from './ops.ts';

/** A tiny hierarchy: evictions, write-backs and L3 back-invalidations all the time. */
export const TINY_CACHES: Omit<CacheGeometry, 'cores'> = {
  ...DEFAULT_CONFIG.caches,
  lineBytes: 64,
  l1i: { sizeBytes: 512, ways: 2, latency: 4 },
  l1d: { sizeBytes: 512, ways: 2, latency: 4 },
  l2: { sizeBytes: 1024, ways: 2, latency: 12 },
  l3: { sizeBytes: 4096, ways: 4, latency: 40 },
};

export interface StressOptions {
  cores: number;
  /** Total random ops over all cores. */
  ops: number;
  seed: number;
  /** Host worker threads (default: one per core). */
  threads?: number;
  /** --threads 1. */
  deterministic?: boolean;
  /** Test cache lines (default 8, half of them strided onto one set). */
  lines?: number;
  tinyCaches?: boolean;
  /** A protocol bug to inject (shared/coherence/mutations.ts). */
  mutation?: string;
  /** The invariant checker at every quantum boundary (default true). */
  invariants?: boolean;
  quantum?: number;
  interleave?: number;
  /** Host watchdog: no simulated progress for this long is a deadlock (default 20 s). */
  watchdogSeconds?: number;
  /** Livelock bound: instructions per core (default: 4x the static estimate + 100000). */
  maxInsns?: number;
  onProgress?: (p: { ops: number; total: number; instructions: number }) => void;
  progressMs?: number;
}

export type Detector = 'invariant' | 'value' | 'livelock' | 'deadlock' | 'panic' | 'fault' | 'crash';

export interface StressTraffic {
  evictions: number;
  writebacks: number;
  backInvalidations: number;
  hitm: number;
  invalidations: number;
  l3Misses: number;
  busTransactions: number;
  scFailures: number;
}

export interface StressOutcome {
  ok: boolean;
  seed: number;
  command: string;
  config: MachineConfig;
  ops: number;
  /** Ops the cores completed (and were checked). */
  opsRun: number;
  hostSeconds: number;
  opsPerSecond: number;
  stopReason: string;
  error?: string;
  detectedBy?: Detector;
  /** The first violation, as printable lines. */
  first?: string[];
  /** Where the first violation is (value checker). */
  firstViolation?: Pick<Violation, 'kind' | 'core' | 'op' | 'addr' | 'size' | 'summary'>;
  invariantChecks: number;
  invariantViolations: string[];
  valueViolations: number;
  /** First value-checker violation when another detector fired first. */
  valueFirst?: string[];
  check: CheckStats;
  traffic?: StressTraffic;
  /** Cores that did not finish (livelock / deadlock), with their line states. */
  stuck?: string[];
  result: RunResult;
  plan: StressPlan;
}

/** The command line that reproduces a run. */
export function reproCommand(o: StressOptions, threads: number): string {
  const parts = ['smpemu stress', `--cores ${o.cores}`, `--ops ${o.ops}`, `--seed ${o.seed}`];
  parts.push(threads === 1 ? '--deterministic' : `--threads ${threads}`);
  if (o.lines !== undefined) parts.push(`--lines ${o.lines}`);
  if (o.tinyCaches) parts.push('--tiny-caches');
  if (o.mutation) parts.push(`--mutate ${o.mutation}`);
  if (o.invariants === false) parts.push('--no-invariants');
  if (o.quantum !== undefined) parts.push(`--quantum ${o.quantum}`);
  if (o.interleave !== undefined) parts.push(`--interleave ${o.interleave}`);
  if (o.maxInsns !== undefined) parts.push(`--max-insns ${o.maxInsns}`);
  return parts.join(' ');
}

/**
 * The LR/SC hold window of stress runs, cycles. The random LR/SC ops put a delay loop of 2 to
 * 95 cycles between LR and SC (unconstrained: cores/memory.ts): with 16, the shortest keep the
 * line (the hold is exercised) and the rest meet competing writes, so a reservation that
 * survives one (keep-reservation) shows. The machine's default (80) hides most of them.
 */
export const STRESS_LRSC_HOLD = 16;

export function stressConfig(o: StressOptions, plan?: StressPlan): MachineConfig {
  const threads = o.deterministic ? 1 : (o.threads ?? o.cores);
  const caches = o.tinyCaches ? TINY_CACHES : DEFAULT_CONFIG.caches;
  const maxInsns = o.maxInsns ?? (plan ? 4 * Math.max(...plan.expectedInsns) + 100_000 : 0);
  const stacks = o.cores * DEFAULT_CONFIG.stackBytes;
  const need = plan ? plan.layout.end + stacks + (1 << 20) : 0;
  let ramBytes = DEFAULT_CONFIG.ramBytes;
  while (ramBytes < need && ramBytes < 2 ** 31) ramBytes *= 2;
  return makeConfig({
    cores: o.cores,
    threads,
    memory: 'caches',
    caches,
    checkInvariants: o.invariants !== false,
    mutation: o.mutation ?? '',
    maxInsns,
    ramBytes,
    lrscHoldCycles: STRESS_LRSC_HOLD,
    ...(o.quantum !== undefined ? { quantum: o.quantum } : {}),
    ...(o.interleave !== undefined ? { interleave: o.interleave } : {}),
  });
}

function traffic(r: RunResult): StressTraffic | undefined {
  if (!r.caches || !r.totals) return undefined;
  const cores = r.caches.cores;
  return {
    evictions: r.caches.transitions.filter((t) => t.cause === 'local' && t.to === 'I').reduce((s, t) => s + t.count, 0),
    writebacks: r.totals.writebacks,
    backInvalidations: cores.reduce((s, c) => s + c.backInvalidations, 0),
    hitm: r.totals.hitm,
    invalidations: r.totals.invalidations,
    l3Misses: r.totals.l3Misses,
    busTransactions: r.caches.bus.BusRd + r.caches.bus.BusRdX + r.caches.bus.BusUpgr,
    scFailures: cores.reduce((s, c) => s + c.scFailures, 0),
  };
}

/** Generates, runs and checks one stress test. Throws ConfigError for a bad option. */
export async function runStress(o: StressOptions): Promise<StressOutcome> {
  // Validate the machine options before generating anything.
  const config0 = stressConfig(o);
  const plan = generateStress({ seed: o.seed, cores: o.cores, ops: o.ops, lines: o.lines, geometry: config0.caches });
  const elf = buildStressElf(plan);
  const config = stressConfig(o, plan);
  const L = plan.layout;
  const readback = [
    ...L.progressAddr.map((addr) => ({ addr, len: 8 })),
    ...L.logAddr.map((addr, c) => ({ addr, len: LOG_ENTRY_BYTES * L.logEntries[c] })),
    ...plan.lines.map((l) => ({ addr: l.addr, len: plan.lineBytes })),
  ];
  const totalInsns = plan.expectedInsns.reduce((s, x) => s + x, 0);
  const result = await runMachine(config, elf, {
    stdout: () => {},
    stderr: () => {},
    readback,
    inspect: plan.lines.map((l) => l.addr),
    watchdogMs: (o.watchdogSeconds ?? 20) * 1000,
    progressMs: o.progressMs,
    onProgress: o.onProgress
      ? (p) => o.onProgress!({ ops: Math.min(o.ops, Math.round((o.ops * p.instructions) / Math.max(1, totalInsns))), total: o.ops, instructions: p.instructions })
      : undefined,
  });
  const rb = result.readback!;
  const C = plan.cores;
  const progress: number[] = [];
  for (let c = 0; c < C; c++) {
    const dv = new DataView(rb[c].buffer, rb[c].byteOffset, rb[c].byteLength);
    progress.push(dv.getUint32(0, true) + dv.getUint32(4, true) * 2 ** 32);
  }
  const complete = result.stopReason === 'exit';
  const check = checkStress(plan, {
    progress,
    logs: rb.slice(C, 2 * C),
    lines: rb.slice(2 * C),
    complete,
  });
  const opsRun = check.completed.reduce((s, x) => s + x, 0);
  const threads = config.threads;
  const out: StressOutcome = {
    ok: false,
    seed: o.seed,
    command: reproCommand(o, threads),
    config,
    ops: o.ops,
    opsRun,
    hostSeconds: result.hostSeconds,
    opsPerSecond: result.hostSeconds > 0 ? opsRun / result.hostSeconds : 0,
    stopReason: result.stopReason,
    error: result.error,
    invariantChecks: result.invariantChecks ?? 0,
    invariantViolations: result.violations ?? [],
    valueViolations: check.violations.length,
    check: check.stats,
    traffic: traffic(result),
    result,
    plan,
  };
  const v0 = check.violations[0];
  const valueLines = v0 ? formatViolation(v0) : undefined;
  if (v0) out.firstViolation = { kind: v0.kind, core: v0.core, op: v0.op, addr: v0.addr, size: v0.size, summary: v0.summary };

  const stuckReport = (): string[] => {
    const lines: string[] = [];
    for (let c = 0; c < C; c++) {
      const n = check.completed[c];
      const total = plan.ops[c].kind.length;
      if (n >= total) continue;
      const core = result.cores.find((x) => x.id === c);
      const k = plan.ops[c].kind[n];
      const addr = plan.ops[c].addr[n];
      lines.push(`core ${c}: stuck at op ${n} of ${total} (${KINDS[k].name} at 0x${addr.toString(16)}), pc 0x${(core?.pc ?? 0).toString(16)}, ${core?.instructions ?? 0} instructions`);
      const li = plan.lines.findIndex((l) => addr >= l.addr && addr < l.addr + plan.lineBytes);
      const view = li >= 0 ? result.inspect?.[li] : undefined;
      if (view) lines.push(...formatLineView(view, view.symbol).trimEnd().split('\n').map((s) => `  ${s}`));
    }
    return lines;
  };

  if (result.stopReason === 'invariant' || (result.violations?.length ?? 0) > 0) {
    // (The check after the last quantum can fire when every core has already exited.)
    out.detectedBy = 'invariant';
    out.first = [`[invariant] ${result.violations?.[0] ?? result.error ?? ''}`, ...(result.violations ?? []).slice(1, 4).map((v) => `  also: ${v}`)];
    out.valueFirst = valueLines;
  } else if (result.stopReason === 'max-insns') {
    out.detectedBy = 'livelock';
    out.stuck = stuckReport();
    out.first = [`[livelock] ${result.error ?? ''}: ${C - check.completed.filter((n, c) => n >= plan.ops[c].kind.length).length} core(s) did not finish their ops`, ...out.stuck];
    out.valueFirst = valueLines;
  } else if (result.stopReason === 'crash') {
    const error = result.error ?? '';
    out.detectedBy = /watchdog/.test(error) ? 'deadlock' : /protocol panic/.test(error) ? 'panic' : 'crash';
    if (out.detectedBy === 'deadlock') out.stuck = stuckReport();
    out.first = [`[${out.detectedBy}] ${error}`, ...(out.stuck ?? [])];
    out.valueFirst = valueLines;
  } else if (result.stopReason === 'fault') {
    out.detectedBy = 'fault';
    out.first = [`[fault] ${result.error ?? ''} (a protocol bug corrupted the interpreter's own data?)`];
    out.valueFirst = valueLines;
  } else if (v0) {
    out.detectedBy = 'value';
    out.first = valueLines;
    // A lost log store is the core's own data: show the first violation on the test lines too.
    const onLines = check.violations.find((v) => v.kind !== 'log');
    if (v0.kind === 'log' && onLines) out.first = [...valueLines!, 'first violation on the test lines:', ...formatViolation(onLines).map((l) => `  ${l}`)];
  } else if (result.stopReason !== 'exit') {
    out.detectedBy = 'crash';
    out.first = [`[stop] machine stopped by ${result.stopReason}: ${result.error ?? ''}`];
  } else {
    out.ok = true;
  }
  return out;
}

const num = (n: number) => n.toLocaleString('en-US');

function rate(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)} k` : x.toFixed(0);
}

/** The human summary (stdout on success, stderr on failure). */
export function formatOutcome(r: StressOutcome): string {
  const c = r.config;
  const setup = `${c.cores} cores on ${c.threads} thread${c.threads === 1 ? ' (deterministic)' : 's'}, ${r.plan.lines.length} lines` +
    `${c.caches.l3.sizeBytes <= 4096 ? ', tiny caches' : ''}${c.mutation ? `, mutation ${c.mutation}` : ''}`;
  const s = r.check;
  const lines: string[] = [];
  if (r.ok) {
    lines.push(`smpemu stress: OK, seed ${r.seed}: ${num(r.opsRun)} random ops (${setup}) in ${r.hostSeconds.toFixed(2)} s, ${rate(r.opsPerSecond)}ops/s`);
  } else {
    const by: Record<Detector, string> = {
      value: 'the value checker',
      invariant: 'the invariant checker',
      livelock: 'the livelock watchdog (instruction bound)',
      deadlock: 'the deadlock watchdog',
      panic: 'a protocol panic',
      fault: 'a guest fault',
      crash: 'an emulator crash',
    };
    lines.push(`smpemu stress: FAILED, seed ${r.seed}: detected by ${by[r.detectedBy!]} after ${num(r.opsRun)} of ${num(r.ops)} ops (${setup}), ${r.hostSeconds.toFixed(2)} s`);
    for (const l of r.first ?? []) lines.push(`  ${l}`);
    if (r.valueFirst) lines.push(`  the value checker, on the ops completed, also found ${r.valueViolations} violation(s); first:`, ...r.valueFirst.map((l) => `    ${l}`));
    else if (r.detectedBy !== 'value') lines.push(`  the value checker found nothing wrong in the ${num(r.opsRun)} ops completed`);
    else if (r.valueViolations > 1) lines.push(`  (${r.valueViolations - 1} more violation(s))`);
  }
  lines.push(
    `  checked: ${num(s.loadsChecked)} observed values, ${num(s.orderChecks)} coherence-order constraints over ${s.locations} locations, ` +
      `${num(s.rmwChecked)} atomic RMWs (SC ${num(s.scSucceeded)} succeeded, ${num(s.scFailed)} failed), ${num(r.invariantChecks)} invariant checks`,
  );
  const t = r.traffic;
  if (t) {
    lines.push(
      `  traffic: ${num(t.evictions)} evictions, ${num(t.writebacks)} write-backs, ${num(t.backInvalidations)} back-invalidations, ` +
        `${num(t.hitm)} HITM, ${num(t.invalidations)} invalidations, ${num(t.busTransactions)} bus transactions, ${num(t.l3Misses)} L3 misses`,
    );
  }
  if (!r.ok) lines.push(`  reproduce: ${r.command}`);
  return lines.join('\n') + '\n';
}

/** Machine-readable outcome (--json). */
export function outcomeJson(r: StressOutcome): object {
  return {
    ok: r.ok,
    seed: r.seed,
    command: r.command,
    ops: r.ops,
    opsRun: r.opsRun,
    hostSeconds: r.hostSeconds,
    opsPerSecond: Math.round(r.opsPerSecond),
    stopReason: r.stopReason,
    detectedBy: r.detectedBy ?? null,
    first: r.first ?? null,
    firstViolation: r.firstViolation ? { ...r.firstViolation, op: Number.isFinite(r.firstViolation.op) ? r.firstViolation.op : null } : null,
    invariantChecks: r.invariantChecks,
    invariantViolations: r.invariantViolations.length,
    valueViolations: r.valueViolations,
    check: r.check,
    traffic: r.traffic ?? null,
  };
}

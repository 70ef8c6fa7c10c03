// Run one litmus test: build the K-iteration guest program, run it on the machine,
// read the per-iteration records back, build the histogram of final states and
// judge every observed state against the states sequential consistency allows.
// The output follows litmus7 (Test / States / histogram / Ok|No / Witnesses /
// Condition / Observation / Time), followed by the SC verdict.

import { ConfigError, makeConfig, type MachineConfig } from '../machine/config.ts';
import { runMachine } from '../machine/machine.ts';
import {
  buildTest,
  decodeProgress,
  decodeRecords,
  decodeTimeouts,
  HARNESS_EXIT,
  MAX_TIMEOUTS,
  TooManyRuns,
  type BuildOptions,
  type BuiltTest,
  type Outcome,
} from './build.ts';
import {
  DEFAULT_TYPE,
  LitmusError,
  observedVars,
  parseLitmus,
  type LitmusTest,
  type LitmusType,
  type Prop,
  type Var,
} from './parse.ts';
import { DEFAULT_SC_LIMIT, enumerateSC, TooManyStates, Unsupported, type ScFinal } from './sc.ts';

export interface LitmusOptions {
  /** Iterations (default DEFAULT_RUNS). */
  runs?: number;
  /** Simulated cores (default: the test's threads; fewer is an error). */
  cores?: number;
  /** Host worker threads (default: one per core; more than the cores is an error). */
  threads?: number;
  /** One worker for all cores (= threads 1). */
  deterministic?: boolean;
  /** Seed of the random tables (skews, cache pre-states); default: random. */
  seed?: number;
  /** Inject a protocol bug (shared/coherence/mutations.ts). */
  mutation?: string;
  /** Largest start skew (delay-loop iterations). */
  maxSkew?: number;
  /** Randomized cache pre-state (default true). */
  prestate?: boolean;
  quantum?: number;
  interleave?: number;
  checkInvariants?: boolean;
  /** SC states enumerated at most; a larger test is reported 'unchecked' (default DEFAULT_SC_LIMIT). */
  scLimit?: number;
}

/** unchecked: the SC enumeration went past its limit, the test was not run (never a pass). */
export type LitmusStatus = 'ok' | 'violation' | 'skipped' | 'unchecked' | 'error';

export interface StateCount {
  /** `0:x5=1; 1:x7=0; x=2;` */
  key: string;
  count: number;
  /** The condition's body holds in this state. */
  satisfies: boolean;
  /** SC allows this state. */
  allowed: boolean;
}

export interface LitmusResult {
  file?: string;
  name: string;
  status: LitmusStatus;
  /** Why a test was skipped, or the error. */
  reason?: string;
  /** A coherence failure the harness itself ran into (a barrier never released). */
  harness?: string;
  quantifier?: LitmusTest['quantifier'];
  conditionText?: string;
  runs: number;
  seed: number;
  cores: number;
  threads: number;
  mutation: string;
  histogram: StateCount[];
  /** Every state SC allows (after the filter), sorted. */
  allowed: string[];
  /** Observed states outside the allowed set. */
  violations: StateCount[];
  /** Iterations that ran to the end (all of them unless the machine stopped early). */
  completed: number;
  /** Runs discarded by the filter. */
  filtered: number;
  /** Runs whose state satisfies the condition's body, and the others. */
  pTrue: number;
  pFalse: number;
  /** The condition validated, in litmus7's sense (exists: seen; ~exists: never seen; forall: always). */
  conditionOk: boolean;
  observation: 'Never' | 'Sometimes' | 'Always';
  /** Host seconds of the machine run. */
  seconds: number;
  /** SC states enumerated. */
  scStates: number;
  /** The printed result (litmus7 form and the verdict). */
  text: string;
}

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

import { DEFAULT_RUNS, LITMUS_QUANTUM } from './defaults.ts';
export { DEFAULT_RUNS, LITMUS_QUANTUM };

function regType(test: LitmusTest, thread: number, reg: number): LitmusType {
  return (
    test.regTypes.find((r) => r.thread === thread && r.reg === reg)?.type ??
    test.regInits.find((r) => r.thread === thread && r.reg === reg)?.type ??
    DEFAULT_TYPE
  );
}

/** The values of the observed variables in one final state. */
interface Valuation {
  reg: (thread: number, reg: number) => bigint; // unsigned 64
  mem: (loc: string) => bigint; // 8 raw bytes
}

class Judge {
  readonly vars: Var[];
  private readonly locIndex: Map<string, number>;
  private readonly byAddr: Map<bigint, string>;

  constructor(
    readonly test: LitmusTest,
    readonly built: BuiltTest,
  ) {
    this.vars = observedVars(test);
    this.locIndex = new Map(built.locations.map((l, i) => [l.name, i]));
    this.byAddr = new Map(built.locations.map((l) => [BigInt(l.addr), l.name]));
  }

  private memValue(v: Valuation, loc: string): bigint {
    const l = this.built.locations[this.locIndex.get(loc)!]!;
    const raw = v.mem(loc);
    const bits = l.type.bytes * 8;
    return l.type.signed ? BigInt.asIntN(bits, raw) : BigInt.asUintN(bits, raw);
  }

  /** `0:x5=1; 1:x7=0; x=2;` (registers signed 64-bit, or the location they point to). */
  key(v: Valuation): string {
    let s = '';
    for (const x of this.vars) {
      if (x.k === 'reg') {
        const r = x.reg === 0 ? 0n : v.reg(x.thread, x.reg);
        const name = this.byAddr.get(r);
        s += `${x.thread}:${x.name}=${name ?? BigInt.asIntN(64, r).toString()}; `;
      } else {
        s += `${x.loc}=${this.memValue(v, x.loc).toString()}; `;
      }
    }
    return s.trimEnd();
  }

  holds(p: Prop, v: Valuation): boolean {
    switch (p.k) {
      case 'true': return true;
      case 'false': return false;
      case 'not': return !this.holds(p.p, v);
      case 'and': return this.holds(p.a, v) && this.holds(p.b, v);
      case 'or': return this.holds(p.a, v) || this.holds(p.b, v);
      case 'atom': {
        let eq: boolean;
        if (p.v.k === 'reg') {
          const r = p.v.reg === 0 ? 0n : v.reg(p.v.thread, p.v.reg);
          if (p.value.k === 'loc') eq = r === BigInt(this.built.locations[this.locIndex.get(p.value.name)!]!.addr);
          else {
            const bits = regType(this.test, p.v.thread, p.v.reg).bytes * 8;
            eq = BigInt.asUintN(bits, r) === BigInt.asUintN(bits, p.value.v);
          }
        } else {
          const l = this.built.locations[this.locIndex.get(p.v.loc)!]!;
          const bits = l.type.bytes * 8;
          const want = p.value.k === 'loc' ? BigInt(this.built.locations[this.locIndex.get(p.value.name)!]!.addr) : p.value.v;
          eq = BigInt.asUintN(bits, v.mem(p.v.loc)) === BigInt.asUintN(bits, want);
        }
        return p.op === '=' ? eq : !eq;
      }
    }
  }

  fromOutcome(o: Outcome): Valuation {
    return {
      reg: (t, r) => o.regs.get(`${t}:${r}`) ?? 0n,
      mem: (loc) => o.mem[this.locIndex.get(loc)!]!,
    };
  }

  fromFinal(f: ScFinal): Valuation {
    return {
      reg: (t, r) => u64(f.regs[t]![r]!),
      mem: (loc) => f.mem[this.locIndex.get(loc)!]!,
    };
  }
}

function randomSeed(): number {
  return (Math.floor(Math.random() * 0x7fffffff) ^ Date.now()) >>> 0;
}

/**
 * Why the options cannot run a test of `threadsOfTest` threads, or undefined. Each test
 * thread needs a core of its own, and a worker runs at least one core.
 */
export function coresProblem(threadsOfTest: number, o: Pick<LitmusOptions, 'cores' | 'threads' | 'deterministic'>): string | undefined {
  const cores = o.cores ?? threadsOfTest;
  if (cores < threadsOfTest) return `--cores ${cores} is fewer than the test's ${threadsOfTest} threads (each thread runs on a core of its own)`;
  if (!o.deterministic && o.threads !== undefined && o.threads > cores) {
    return `--threads ${o.threads} is more than the ${cores} cores${o.cores === undefined ? ' (one per test thread)' : ''}: a worker runs at least one core${o.cores === undefined ? ' (--cores adds cores)' : ''}`;
  }
  return undefined;
}

/** The machine configuration a litmus run uses. Throws ConfigError. */
export function litmusConfig(threadsOfTest: number, o: LitmusOptions, runs: number, maxSkew: number): MachineConfig {
  const problem = coresProblem(threadsOfTest, o);
  if (problem) throw new ConfigError(problem);
  const cores = o.cores ?? threadsOfTest;
  const threads = o.deterministic ? 1 : (o.threads ?? cores);
  const quantum = o.quantum ?? LITMUS_QUANTUM;
  return makeConfig({
    cores,
    threads,
    memory: 'caches',
    quantum,
    ...(o.interleave !== undefined ? { interleave: o.interleave } : {}),
    mutation: o.mutation ?? '',
    checkInvariants: o.checkInvariants ?? false,
    // A guest that cannot finish (a mutation lost a barrier store) stops here.
    maxInsns: 2_000_000 + runs * (3 * quantum + 20_000 + 4 * maxSkew),
  });
}

interface Prepared {
  built: BuiltTest;
  judge: Judge;
  /** Keys of the states SC allows (after the filter). */
  allowed: Set<string>;
  /** The allowed states that satisfy the condition's body. */
  satisfying: Set<string>;
  scStates: number;
}

/** Builds the program and enumerates what SC allows. Throws Unsupported, TooManyStates, TooManyRuns or LitmusError. */
function prepare(test: LitmusTest, bo: BuildOptions, scLimit = DEFAULT_SC_LIMIT): Prepared {
  let built = buildTest(test, bo);
  let sc = enumerateSC(built.model, { maxStates: scLimit });
  // Again with the writers known: each location is reset by a thread that writes it.
  built = buildTest(test, { ...bo, writers: sc.writers });
  sc = enumerateSC(built.model, { maxStates: scLimit });
  const judge = new Judge(test, built);
  const allowed = new Set<string>();
  const satisfying = new Set<string>();
  for (const f of sc.finals) {
    const v = judge.fromFinal(f);
    if (test.filter && !judge.holds(test.filter, v)) continue;
    const k = judge.key(v);
    allowed.add(k);
    if (judge.holds(test.condition, v)) satisfying.add(k);
  }
  return { built, judge, allowed, satisfying, scStates: sc.states };
}

/**
 * The final states SC allows for a test (keys as in the histogram, sorted), and
 * those among them that satisfy the condition's body. Throws Unsupported (the
 * runner cannot run the test) or LitmusError.
 */
export function allowedStates(input: { source: string; file?: string } | LitmusTest, scLimit?: number): { states: string[]; satisfying: string[]; scStates: number } {
  const test = 'source' in input ? parseLitmus(input.source, input.file) : input;
  const config = makeConfig({ cores: test.threads.length, memory: 'caches' });
  const p = prepare(test, { runs: 1, cores: config.cores, seed: 0, caches: config.caches }, scLimit);
  return { states: [...p.allowed].sort(), satisfying: [...p.satisfying].sort(), scStates: p.scStates };
}

/** A result for a test that did not run (unreadable file, bad test). */
export function failedResult(file: string | undefined, o: LitmusOptions, status: 'error' | 'skipped', reason: string): LitmusResult {
  const r = emptyResult(file, o, (o.seed ?? 0) >>> 0);
  r.status = status;
  r.reason = reason;
  r.text = formatResult(r);
  return r;
}

function emptyResult(file: string | undefined, o: LitmusOptions, seed: number): LitmusResult {
  return {
    file,
    name: file ?? '?',
    status: 'error',
    runs: o.runs ?? DEFAULT_RUNS,
    seed,
    cores: o.cores ?? 0,
    threads: o.deterministic ? 1 : (o.threads ?? 0),
    mutation: o.mutation ?? '',
    histogram: [],
    allowed: [],
    violations: [],
    completed: 0,
    filtered: 0,
    pTrue: 0,
    pFalse: 0,
    conditionOk: false,
    observation: 'Never',
    seconds: 0,
    scStates: 0,
    text: '',
  };
}

/** Runs a test (source text or parsed). Never throws for a bad test: the result says error or skipped. */
export async function runLitmus(input: { source: string; file?: string } | LitmusTest, o: LitmusOptions = {}): Promise<LitmusResult> {
  const runs = o.runs ?? DEFAULT_RUNS;
  const seed = (o.seed ?? randomSeed()) >>> 0;
  const maxSkew = o.maxSkew ?? 256;
  const file = input.file;
  const base = emptyResult(file, o, seed);
  const finish = (r: LitmusResult): LitmusResult => {
    r.text = formatResult(r);
    return r;
  };

  let test: LitmusTest;
  try {
    test = 'source' in input ? parseLitmus(input.source, input.file) : input;
  } catch (e) {
    if (e instanceof LitmusError) return finish({ ...base, status: 'error', reason: e.message });
    throw e;
  }
  base.name = test.name;
  base.quantifier = test.quantifier;
  base.conditionText = test.conditionText;

  let config: MachineConfig;
  try {
    config = litmusConfig(test.threads.length, o, runs, maxSkew);
  } catch (e) {
    if (e instanceof ConfigError) return finish({ ...base, status: 'error', reason: e.message });
    throw e;
  }
  base.cores = config.cores;
  base.threads = config.threads;

  let prep: Prepared;
  try {
    const ramLimit = config.ramBytes - config.cores * config.stackBytes;
    prep = prepare(test, { runs, cores: config.cores, seed, caches: config.caches, maxSkew, prestate: o.prestate, quantum: config.quantum, ramLimit }, o.scLimit);
  } catch (e) {
    if (e instanceof Unsupported) return finish({ ...base, status: 'skipped', reason: e.message });
    if (e instanceof TooManyStates) return finish({ ...base, status: 'unchecked', reason: `${e.message} (--sc-limit ${e.limit}): not checked` });
    if (e instanceof LitmusError || e instanceof TooManyRuns) return finish({ ...base, status: 'error', reason: e.message });
    throw e;
  }
  const { built, judge, allowed } = prep;
  base.scStates = prep.scStates;
  base.allowed = [...allowed].sort();

  const result = await runMachine(config, built.elf, {
    stdout: () => {},
    stderr: () => {},
    readback: built.readback,
  });
  base.seconds = result.hostSeconds;
  const areas = result.readback!;
  const timeouts = decodeTimeouts(built, areas);
  const lost = timeouts.reduce((a, b) => a + b, 0);
  let harness: string | undefined;
  let machineError: string | undefined;
  if (result.stopReason === 'exit_group' && result.exitCode === HARNESS_EXIT) {
    // A barrier waited far longer than any real wait, MAX_TIMEOUTS times: another
    // core's store never became visible. That breaks coherence whatever the test says.
    harness = `lost store: barrier waits timed out ${MAX_TIMEOUTS} times (per thread: ${timeouts.join(', ')}); a core never saw another core's store`;
  } else if (result.error && /protocol panic: /.test(result.error)) {
    // The protocol met a state its own table has no transition for: the protocol is wrong.
    harness = result.error.slice(result.error.indexOf('protocol panic: '));
  } else if (result.error || result.exitCode !== 0) {
    machineError = `machine: ${result.error ?? `exit status ${result.exitCode}`}`;
  } else if (lost > 0) {
    harness = `lost store: ${lost} barrier wait${lost === 1 ? '' : 's'} timed out (per thread: ${timeouts.join(', ')})`;
  }
  // After an early stop, the iterations every thread completed still count.
  const completed = Math.min(runs, ...decodeProgress(built, areas));
  const outcomes = decodeRecords(built, areas, completed);

  const counts = new Map<string, StateCount>();
  let filtered = 0;
  let pTrue = 0;
  let pFalse = 0;
  for (const o2 of outcomes) {
    const v = judge.fromOutcome(o2);
    if (test.filter && !judge.holds(test.filter, v)) {
      filtered++;
      continue;
    }
    const key = judge.key(v);
    let c = counts.get(key);
    if (!c) {
      c = { key, count: 0, satisfies: judge.holds(test.condition, v), allowed: allowed.has(key) };
      counts.set(key, c);
    }
    c.count++;
    if (c.satisfies) pTrue++;
    else pFalse++;
  }
  const histogram = [...counts.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const violations = histogram.filter((h) => !h.allowed);
  const conditionOk = test.quantifier === 'exists' ? pTrue > 0 : test.quantifier === '~exists' ? pTrue === 0 : pFalse === 0;
  return finish({
    ...base,
    status: violations.length > 0 || harness ? 'violation' : machineError ? 'error' : 'ok',
    ...(harness ? { harness } : {}),
    ...(machineError ? { reason: machineError } : {}),
    completed,
    histogram,
    violations,
    filtered,
    pTrue,
    pFalse,
    conditionOk,
    observation: pTrue === 0 ? 'Never' : pFalse === 0 ? 'Always' : 'Sometimes',
  });
}

/** litmus7's output for one test, then the SC verdict. */
export function formatResult(r: LitmusResult): string {
  const lines: string[] = [];
  const where = r.file && r.file !== r.name ? ` (${r.file})` : '';
  if (r.status === 'skipped') return `Test ${r.name}${where} skipped: ${r.reason}\n`;
  if (r.status === 'unchecked') return `Test ${r.name}${where} NOT CHECKED: ${r.reason}\n`;
  if (r.status === 'error' && r.histogram.length === 0) return `Test ${r.name}${where} ERROR: ${r.reason}${r.completed > 0 ? ` (after ${r.completed} runs)` : ''}\n`;
  if (r.harness && r.histogram.length === 0) return `Test ${r.name}${where}\nVIOLATION ${r.name}: ${r.harness} (seed ${r.seed})\n`;
  const kind = r.quantifier === 'exists' ? 'Allowed' : r.quantifier === '~exists' ? 'Forbidden' : 'Required';
  lines.push(`Test ${r.name} ${kind}`);
  lines.push(`States ${r.histogram.length}`);
  for (const h of r.histogram) lines.push(`${String(h.count).padEnd(6)}${h.satisfies ? '*' : ':'}>${h.key}`);
  lines.push(r.conditionOk ? 'Ok' : 'No');
  lines.push('');
  lines.push('Witnesses');
  const [pos, neg] = r.quantifier === '~exists' ? [r.pFalse, r.pTrue] : [r.pTrue, r.pFalse];
  lines.push(`Positive: ${pos}, Negative: ${neg}`);
  lines.push(`Condition ${r.quantifier} (${stripParens(r.conditionText ?? '')}) is ${r.conditionOk ? '' : 'NOT '}validated`);
  lines.push(`Observation ${r.name} ${r.observation} ${r.pTrue} ${r.pFalse}`);
  lines.push(`Time ${r.name} ${r.seconds.toFixed(2)}`);
  const observedAllowed = r.histogram.filter((h) => h.allowed).length;
  const machine = `${r.completed < r.runs ? `${r.completed} of ` : ''}${r.runs} runs, ${r.cores} cores, ${r.threads} thread${r.threads === 1 ? '' : 's'}${r.mutation ? `, mutation ${r.mutation}` : ''}, seed ${r.seed}`;
  lines.push(`SC ${r.name}: ${observedAllowed} of ${r.allowed.length} allowed states observed${r.filtered ? `, ${r.filtered} runs filtered out` : ''} (${machine})`);
  if (r.violations.length > 0) {
    const n = r.violations.reduce((s, h) => s + h.count, 0);
    lines.push(`VIOLATION ${r.name}: ${n} run${n === 1 ? '' : 's'} ended in ${r.violations.length} state${r.violations.length === 1 ? '' : 's'} SC forbids (seed ${r.seed}):`);
    for (const h of r.violations) lines.push(`  ${String(h.count).padEnd(6)}${h.key}`);
  }
  if (r.harness) lines.push(`VIOLATION ${r.name}: ${r.harness} (seed ${r.seed})`);
  if (r.reason) lines.push(`ERROR ${r.name}: ${r.reason}`);
  return lines.join('\n') + '\n';
}

function stripParens(s: string): string {
  const t = s.trim();
  if (!t.startsWith('(') || !t.endsWith(')')) return t;
  // only when the outer pair matches
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '(') depth++;
    else if (t[i] === ')') depth--;
    if (depth === 0 && i < t.length - 1) return t;
  }
  return t.slice(1, -1);
}


// A litmus test as ONE guest program that runs K iterations itself (like litmus7),
// plus the model the SC enumerator runs (the very words of each thread's code).
//
// Data area (every structure on its own cache lines):
//   TAB   per iteration: the quantum-boundary phase (u32 at +0) and an evict flag per
//         location (bytes at +8, for its owner); then per thread a start skew (u32 at
//         +0) and a cache pre-state action per location (bytes at +8): 0 none, 1 load
//         it, 2 store the init value. Seeded random, built on the host.
//   LOC   the locations, location i at LOC + i * line; the lines at LOC + i * line +
//         k * evStride (k = 1..evCount) map to the same L1d and L2 set, so loading
//         them evicts location i from the loading core's caches.
//   MISC  barrier count, barrier sense, done flag, start cycle, one context line per
//         thread (iteration, table pointer, record pointer, local sense, barrier
//         timeouts, a scratch word).
//   REC   per thread, per iteration: the thread's recorded registers, then the 8 bytes
//         of each location it owns as it read them after the run (8 bytes each). Each
//         thread has its own lines.
//
// Per iteration, thread t:
//   reset the locations t owns (their first writer, else thread 0) to the init value
//   (all 8 bytes), and evict the flagged ones from its caches
//   barrier; pre-state actions (S: load, M: store init, E: load alone after the evict)
//   barrier, whose last arrival picks a quantum boundary B; wait until cycle B - phase
//   delay loop of the thread's skew; drop the LR reservation; x1..x31 := init (or 0)
//   the test code; store the recorded registers into the iteration's record
//   barrier; copy the locations t owns into the record
// Cores beyond the test's threads read random locations until thread 0 is done.
//
// The read-back is by each location's owner, before its reset of the next iteration
// in its own program order: no other thread writes a location between the last
// barrier of one iteration and the first barrier of the next (pre-state stores come
// after that barrier), so the read-back sees the test's final value whoever the
// writers are. (A read-back by thread 0 alone raced with the owners' next reset.)
//
// The harness must survive a broken protocol (--mutate) so that the test itself can
// report what goes wrong: the barrier is sense-reversing and touches its lines with
// AMOs only (amoadd / amoswap / amoor as a read), so they are only ever M or I and the
// S-state bugs cannot strand a waiter on a stale copy; every record line has a single
// writer. A wait that lasts more than BARRIER_TIMEOUT cycles (far beyond any real wait:
// the cores never drift apart by more than a quantum) counts as a timeout: the
// thread goes on, and after MAX_TIMEOUTS of them it stops the machine with exit
// status HARNESS_EXIT (a store that no other core ever sees: coherence is lost).

import { assemble, AsmError, disassembleParcel } from '../asm/index.ts';
import { fpExtensionOf } from '../asm/extensions.ts';
import { assembleProgram } from '../asm/program.ts';
import type { CacheGeometry } from '../../shared/coherence/layout.ts';
import { allLocations, LitmusError, observedVars, type LitmusTest, type LitmusType, type Value, DEFAULT_TYPE } from './parse.ts';
import { Unsupported, type ScModel } from './sc.ts';

export const CODE_BASE = 0x10000;
export const DATA_BASE = 0x400000;
/** Exit status of a run the harness gave up (barrier timeouts). */
export const HARNESS_EXIT = 42;
export const MAX_TIMEOUTS = 4;

/** Context line offsets. */
const CTX_ITER = 0, CTX_TAB = 8, CTX_REC = 16, CTX_SENSE = 24, CTX_TIMEOUTS = 40, CTX_SCRATCH = 48;

export interface BuildOptions {
  /** Iterations K. */
  runs: number;
  /** Cores of the machine (>= threads); the extra ones add noise reads. */
  cores: number;
  seed: number;
  caches: Omit<CacheGeometry, 'cores'>;
  /** Largest start skew, in delay-loop iterations (2 instructions each). Default 256. */
  maxSkew?: number;
  /** Randomized cache pre-state (default true). */
  prestate?: boolean;
  /** Cycles a barrier wait may last before it counts as a timeout (default 1,000,000). */
  barrierTimeout?: number;
  /** The machine's quantum: the threads start their code together at a quantum boundary (default 1000). */
  quantum?: number;
  /** Guest address the data area must end below (the bottom of the hart stacks); default: no check. */
  ramLimit?: number;
  /**
   * Per location (in the order of allLocations), the threads the test has write it
   * (enumerateSC's writers). The first of them resets the location each iteration and
   * only they take it in M in the pre-state, so the harness adds no writer the test
   * does not have (a second writer on an S copy is what turns an S-state protocol bug
   * into a protocol panic instead of a wrong value). Default: thread 0 resets, any
   * thread may store.
   */
  writers?: number[][];
}

export interface BuiltLocation {
  name: string;
  addr: number;
  type: LitmusType;
  /** The 8 bytes the reset writes (the init value, zero-extended from its type). */
  initRaw: bigint;
}

export interface BuiltTest {
  test: LitmusTest;
  elf: Uint8Array;
  /** The generated assembly (for debugging). */
  source: string;
  locations: BuiltLocation[];
  /** Recorded registers, in record order. */
  regSlots: { thread: number; reg: number }[];
  /** Per thread, the locations (indices into locations) it owns: resets and reads back, in record order. */
  owned: number[][];
  /** Record areas to read back after the run: one per thread, then the contexts. */
  readback: { addr: number; len: number }[];
  /** Bytes per iteration in each thread's record area (registers, then owned locations). */
  threadRecordBytes: number[];
  runs: number;
  threads: number;
  /** The threads' code as the SC enumerator runs it. */
  model: ScModel;
}

/** One iteration's outcome: recorded registers (unsigned 64-bit) and each location's 8 bytes. */
export interface Outcome {
  regs: Map<string, bigint>; // key `${thread}:${reg}`
  mem: bigint[];
}

/** The run tables and records do not fit in the guest's RAM. */
export class TooManyRuns extends Error {
  override name = 'TooManyRuns';
}

/**
 * Bytes of the guest data area: `fixed` + K * `perRun` bounds it from above (the
 * layout aligns a few areas). The per-run part is the random table (phase, evict flags,
 * each thread's skew and pre-state actions) and the records (observed registers, and
 * each location once, by its owner).
 */
export function dataAreaBytes(test: LitmusTest, caches: Omit<CacheGeometry, 'cores'>): { fixed: number; perRun: number } {
  const T = test.threads.length;
  const L = allLocations(test).length;
  const lineBytes = caches.lineBytes;
  const { evStride, evCount } = evictionGeometry(caches);
  const nLocPad = align(L, 8);
  const iterStride = align((8 + nLocPad) * (T + 1), 8);
  const regs = observedVars(test).filter((v) => v.k === 'reg' && v.reg !== 0).length;
  return {
    fixed: evStride + evStride * (evCount + 1) + (20 + 3 * T) * lineBytes,
    perRun: iterStride + 8 * (regs + L),
  };
}

/** The most runs of `test` whose data fits below `ramLimit` (guest address). */
export function maxRuns(test: LitmusTest, caches: Omit<CacheGeometry, 'cores'>, ramLimit: number): number {
  const { fixed, perRun } = dataAreaBytes(test, caches);
  return Math.max(0, Math.floor((ramLimit - DATA_BASE - fixed) / perRun));
}

/** Lines k * evStride apart map to the same L1d and L2 set; evCount of them evict a line from both. */
function evictionGeometry(g: Omit<CacheGeometry, 'cores'>): { evStride: number; evCount: number } {
  const l1Span = g.l1d.sizeBytes / g.l1d.ways;
  const l2Span = g.l2.sizeBytes / g.l2.ways;
  return { evStride: (l1Span * l2Span) / gcd(l1Span, l2Span), evCount: g.l2.ways + 1 };
}

/** mulberry32: small seeded PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;
const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

function valueOf(v: Value, addrOf: Map<string, number>): bigint {
  if (v.k === 'int') return v.v;
  const a = addrOf.get(v.name);
  if (a === undefined) throw new Error(`internal: no address for ${v.name}`);
  return BigInt(a);
}

/** Renames a thread's labels to P<t>_<label> so that threads may reuse names. */
function threadSource(test: LitmusTest, t: number): { text: string; line: number }[] {
  const lines = test.threads[t]!.lines;
  const labels = new Set<string>();
  for (const l of lines) {
    let s = l.text;
    for (;;) {
      const m = /^\s*([A-Za-z_.$][\w.$]*)\s*:/.exec(s);
      if (!m) break;
      labels.add(m[1]!);
      s = s.slice(m[0].length);
    }
  }
  const rename = (s: string): string => {
    let out = s;
    for (const lab of labels) {
      out = out.replace(new RegExp(`(?<![\\w.$])${lab.replace(/[.$]/g, '\\$&')}(?![\\w.$])`, 'g'), `P${t}_${lab}`);
    }
    return out;
  };
  return lines.map((l) => ({
    // herd writes amoswap.w.aq.rl; the assembler spells it .aqrl
    text: rename(l.text.replace(/\.aq\.rl\b/g, '.aqrl')),
    line: l.line,
  }));
}

/** Lays out and generates the program. Throws LitmusError (bad test) or Unsupported (cannot run). */
export function buildTest(test: LitmusTest, o: BuildOptions): BuiltTest {
  const lay = layout(test, o);
  const codes = checkThreadCode(test);
  const tab = randomTables(lay, o.seed);
  const em = new Emitter();
  const codeLabels = generate(em, lay, codes);
  const source = em.source();
  const { elf, model } = assembleTest(test, lay, source, tab, codeLabels);
  const { T, K, lineBytes, recBases, ctxAddr, threadRecordBytes } = lay;
  return {
    test,
    elf,
    source,
    locations: lay.locations,
    regSlots: lay.regSlots,
    owned: lay.ownedBy,
    readback: [
      ...recBases.map((a, t) => ({ addr: a, len: K * threadRecordBytes[t]! })),
      ...test.threads.map((_, t) => ({ addr: ctxAddr(t), len: lineBytes })),
    ],
    threadRecordBytes,
    runs: K,
    threads: T,
    model,
  };
}

/** Where everything lives in the guest's data area, and what each thread owns and records. */
interface Layout {
  test: LitmusTest;
  /** Threads, iterations, cores (>= T). */
  T: number;
  K: number;
  cores: number;
  lineBytes: number;
  lineShift: number;
  maxSkew: number;
  prestate: boolean;
  quantum: number;
  timeout: number;
  /** Bytes per iteration of the table: G (phase, evict flags), then P per thread (skew, actions). */
  G: number;
  P: number;
  iterStride: number;
  tabBase: number;
  tabBytes: number;
  locBase: number;
  evStride: number;
  evCount: number;
  barAddr: number;
  senseOff: number;
  doneAddr: number;
  startAddr: number;
  ctxAddr: (t: number) => number;
  names: string[];
  /** Per location: the thread that resets and reads it back, and the threads that may store it. */
  owner: number[];
  mayStore: number[][];
  locations: BuiltLocation[];
  regSlots: { thread: number; reg: number }[];
  slotOf: (t: number) => { thread: number; reg: number }[];
  ownedBy: number[][];
  threadRecordBytes: number[];
  recBases: number[];
  dataEnd: number;
  initRegs: bigint[][];
}

function layout(test: LitmusTest, o: BuildOptions): Layout {
  const T = test.threads.length;
  if (T < 1) throw new LitmusError(0, 'the test has no threads', test.file);
  const K = o.runs;
  if (!Number.isSafeInteger(K) || K < 1) throw new Error(`runs must be a positive integer (got ${K})`);
  const cores = Math.max(o.cores, T);
  const g = o.caches;
  const lineBytes = g.lineBytes;
  const lineShift = Math.log2(lineBytes);
  const maxSkew = o.maxSkew ?? 256;
  const prestate = o.prestate ?? true;

  // ---- locations
  const names = allLocations(test);
  if (names.length === 0) throw new Unsupported('the test names no memory location');
  const declared = new Map(test.locations.map((l) => [l.name, l]));
  const { evStride, evCount } = evictionGeometry(g);
  if (names.length * lineBytes > evStride) throw new Unsupported(`too many locations (${names.length}) for the cache geometry`);

  const nLocPad = align(names.length, 8);
  const G = 8 + nLocPad; // boundary phase (u32 at +0), evict flags (bytes at +8)
  const P = 8 + nLocPad; // per thread: skew + actions
  const iterStride = align(G + T * P, 8);
  const tabBase = DATA_BASE;
  const tabBytes = K * iterStride;
  const locBase = align(tabBase + tabBytes, evStride);
  const regionBytes = evStride * (evCount + 1);
  const miscBase = locBase + regionBytes + 16 * lineBytes;
  const barAddr = miscBase;
  const senseOff = lineBytes;
  const doneAddr = miscBase + 2 * lineBytes;
  const startAddr = miscBase + 3 * lineBytes;
  const ctxAddr = (t: number) => miscBase + (4 + t) * lineBytes;
  const quantum = o.quantum ?? 1000;
  const timeout = o.barrierTimeout ?? 1_000_000;

  const addrOf = new Map<string, number>();
  names.forEach((n, i) => addrOf.set(n, locBase + i * lineBytes));
  const owner = names.map((_, l) => o.writers?.[l]?.[0] ?? 0);
  const mayStore = names.map((_, l) => (o.writers ? o.writers[l]! : test.threads.map((_x, t) => t)));
  const locations: BuiltLocation[] = names.map((n) => {
    const d = declared.get(n);
    const type = d?.type ?? DEFAULT_TYPE;
    const init = d ? valueOf(d.init, addrOf) : 0n;
    return { name: n, addr: addrOf.get(n)!, type, initRaw: BigInt.asUintN(type.bytes * 8, init) };
  });

  // ---- registers
  const obs = observedVars(test);
  const regSlots: { thread: number; reg: number }[] = [];
  for (const v of obs) if (v.k === 'reg' && v.reg !== 0) regSlots.push({ thread: v.thread, reg: v.reg });
  const slotOf = (t: number) => regSlots.filter((x) => x.thread === t);
  const ownedBy = test.threads.map((_, t) => names.map((_n, l) => l).filter((l) => owner[l] === t));
  const threadRecordBytes = test.threads.map((_, t) => 8 * (slotOf(t).length + ownedBy[t]!.length));
  if (Math.max(...threadRecordBytes) > 2040) throw new Unsupported('too many observed registers or locations');
  const recBases: number[] = [];
  let cursor = align(ctxAddr(T), lineBytes);
  for (let t = 0; t < T; t++) {
    recBases.push(cursor);
    cursor = align(cursor + K * threadRecordBytes[t]!, lineBytes) + lineBytes;
  }
  const dataEnd = align(cursor, lineBytes);
  if (o.ramLimit !== undefined && dataEnd > o.ramLimit) {
    throw new TooManyRuns(`${K} runs need ${dataEnd - DATA_BASE} bytes of guest RAM for the run tables, more than the machine has below its stacks; at most ${maxRuns(test, g, o.ramLimit)} runs of this test fit`);
  }

  const initRegs: bigint[][] = test.threads.map((_, t) => {
    const r = new Array<bigint>(32).fill(0n);
    for (const ri of test.regInits) if (ri.thread === t) r[ri.reg] = BigInt.asUintN(64, valueOf(ri.value, addrOf));
    return r;
  });

  return {
    test, T, K, cores, lineBytes, lineShift, maxSkew, prestate, quantum, timeout, G, P, iterStride, tabBase, tabBytes, locBase,
    evStride, evCount, barAddr, senseOff, doneAddr, startAddr, ctxAddr, names, owner, mayStore, locations, regSlots, slotOf,
    ownedBy, threadRecordBytes, recBases, dataEnd, initRegs,
  };
}

/** Each thread's code, assembled alone first: errors name the litmus line. */
function checkThreadCode(test: LitmusTest): { text: string; line: number }[][] {
  const codes = test.threads.map((_, t) => threadSource(test, t));
  codes.forEach((lines, t) => {
    try {
      const a = assemble(lines.map((l) => l.text).join('\n'), { base: 0 });
      // C, F and D assemble (and run), but the SC model interprets 32-bit words and has no FP
      // state: such a test is skipped.
      if (a.parcels.length > 0) {
        const off = a.parcels[0]!;
        const where = lines[a.lines[off >> 2]! - 1]?.line ?? 0;
        throw new Unsupported(`P${t} (line ${where}): instruction '${disassembleParcel(a.bytes[off]! | (a.bytes[off + 1]! << 8))}' (C extension) is not supported by the litmus SC model`);
      }
      a.words.forEach((w, i) => {
        const fp = fpExtensionOf(w);
        const where = lines[a.lines[i]! - 1]?.line ?? 0;
        if (fp) throw new Unsupported(`P${t} (line ${where}): instruction '${fp.mnemonic}' (${fp.extension} extension) is not supported by the litmus SC model`);
      });
    } catch (e) {
      if (!(e instanceof AsmError)) throw e;
      const src = lines[e.line - 1];
      const where = src ? src.line : 0;
      // A real instruction of an extension the machine lacks: skipped. A typo: an error.
      if (e.extension) throw new Unsupported(`P${t} (line ${where}): ${e.detail}`);
      throw new LitmusError(where, `P${t}: ${e.detail}`, test.file);
    }
  });

  return codes;
}

/** The per-iteration tables: boundary phase, start skews and cache pre-states, seeded. */
function randomTables(lay: Layout, seed: number): Uint8Array {
  const { K, T, G, P, iterStride, tabBytes, maxSkew, quantum, prestate, names, mayStore } = lay;
  const rand = rng(seed);
  const tab = new Uint8Array(tabBytes);
  const dv = new DataView(tab.buffer);
  const randInt = (n: number) => Math.floor(rand() * n);
  for (let it = 0; it < K; it++) {
    const base = it * iterStride;
    // Per iteration, one band for every thread's skew: a third race within a few
    // instructions, a third within a few cache misses, a third spread over the whole test.
    const band = [4, 32, maxSkew][randInt(3)]!;
    for (let t = 0; t < T; t++) dv.setUint32(base + G + t * P, randInt(Math.min(band, maxSkew) + 1), true);
    // Where the next quantum boundary falls after the common start: before, inside or
    // after the threads' code.
    dv.setUint32(base, randInt(Math.min(quantum, 640)), true);
    if (!prestate) continue;
    for (let l = 0; l < names.length; l++) {
      const act = (t: number, a: number) => { tab[base + G + t * P + 8 + l] = a; };
      // none 1/6, evicted 1/6, E 1/6, S 2/6, M 1/6
      switch (randInt(6)) {
        case 0: break; // its owner holds it in M (from the reset)
        case 1: tab[base + 8 + l] = 1; break; // evicted: only in L3
        case 2: tab[base + 8 + l] = 1; act(randInt(T), 1); break; // E in one thread
        case 3:
        case 4: { // S in some threads (with the owner, which keeps its copy)
          let any = false;
          for (let t = 0; t < T; t++) if (rand() < 0.5) { act(t, 1); any = true; }
          if (!any) act(randInt(T), 1);
          break;
        }
        default: { // M in a thread that writes it anyway
          const w = mayStore[l]!;
          if (w.length > 0) act(w[randInt(w.length)]!, 2);
          break;
        }
      }
    }
  }

  return tab;
}

/** Assembly text with fresh local labels. */
class Emitter {
  private readonly out: string[] = [];
  private labelN = 0;
  L = (p: string): string => `_${p}_${this.labelN++}`;
  emit = (s: string): void => {
    this.out.push(`  ${s}`);
  };
  label = (s: string): void => {
    this.out.push(`${s}:`);
  };
  li = (r: string, v: bigint | number): void => this.emit(`li ${r}, ${BigInt(v).toString()}`);
  source(): string {
    return this.out.join('\n') + '\n';
  }
}

/**
 * Sense-reversing barrier over AMOs only; uses t0..t6. onRelease runs in the last
 * thread to arrive, before it releases the others (it may use t3, t4, t5).
 */
function emitBarrier(em: Emitter, lay: Layout, t: number, onRelease?: () => void): void {
  const { L, emit, label, li } = em;
  const { ctxAddr, barAddr, senseOff, T, timeout } = lay;
    const wait = L('bw');
  const spin = L('bs');
  const delay = L('bdl');
  const done = L('bd');
  li('t0', ctxAddr(t));
  emit(`ld t2, ${CTX_SENSE}(t0)`);
  emit('xori t2, t2, 1');
  emit(`sd t2, ${CTX_SENSE}(t0)`);
  li('t1', barAddr);
  emit(`addi t6, t1, ${senseOff}`);
  emit('li t3, 1');
  emit('amoadd.w t4, t3, (t1)');
  emit('addi t4, t4, 1');
  li('t5', T);
  emit(`bne t4, t5, ${wait}`);
  onRelease?.();
  emit('amoswap.w zero, zero, (t1)');
  emit('amoswap.w zero, t2, (t6)');
  emit(`j ${done}`);
  label(wait);
  emit('rdcycle t5');
  label(spin);
  emit('amoor.w t4, zero, (t6)');
  emit(`beq t4, t2, ${done}`);
  emit('li t3, 8');
  label(delay);
  emit('addi t3, t3, -1');
  emit(`bnez t3, ${delay}`);
  emit('rdcycle t3');
  emit('sub t3, t3, t5');
  li('t4', timeout);
  emit(`bltu t3, t4, ${spin}`);
  emit(`ld t3, ${CTX_TIMEOUTS}(t0)`);
  emit('addi t3, t3, 1');
  emit(`sd t3, ${CTX_TIMEOUTS}(t0)`);
  li('t4', MAX_TIMEOUTS);
  emit(`bltu t3, t4, ${done}`);
  li('a0', HARNESS_EXIT);
  emit('li a7, 94');
  emit('ecall');
  label(done);
}

/** The whole program: dispatch on the hart id, each thread's loop, the noise cores. Returns each thread's code labels. */
function generate(em: Emitter, lay: Layout, codes: { text: string; line: number }[][]): { start: string; end: string }[] {
  const { label, emit, li, L } = em;
  const { T, cores } = lay;
  label('_start');
  if (cores > T) {
    li('t0', T);
    emit('bltu a0, t0, _dispatch');
    emit('j _extra');
  }
  label('_dispatch');
  for (let t = 0; t < T; t++) {
    const nx = L('nx');
    li('t0', t);
    emit(`bne a0, t0, ${nx}`);
    emit(`j _thread${t}`);
    label(nx);
  }
  emit('li a0, 3');
  emit('li a7, 94');
  emit('ecall');

  const codeLabels = codes.map((code, t) => emitThread(em, lay, t, code));
  if (cores > T) emitNoise(em, lay);
  return codeLabels;
}

/** Thread t's iteration loop around its test code. */
function emitThread(em: Emitter, lay: Layout, t: number, code: { text: string; line: number }[]): { start: string; end: string } {
  const { L, emit, label, li } = em;
  const { T, K, cores, ctxAddr, tabBase, recBases, doneAddr } = lay;
  label(`_thread${t}`);
  li('s0', ctxAddr(t));
  li('t0', tabBase);
  emit(`sd t0, ${CTX_TAB}(s0)`);
  li('t0', recBases[t]!);
  emit(`sd t0, ${CTX_REC}(s0)`);
  emit(`sd zero, ${CTX_ITER}(s0)`);
  emit(`sd zero, ${CTX_SENSE}(s0)`);
  emit(`sd zero, ${CTX_TIMEOUTS}(s0)`);
  const loop = `_loop${t}`;
  const fin = `_fin${t}`;
  const body = L('body');
  label(loop);
  li('s0', ctxAddr(t));
  emit(`ld t0, ${CTX_ITER}(s0)`);
  li('t1', K);
  emit(`blt t0, t1, ${body}`);
  emit(`j ${fin}`);
  label(body);
  emitReset(em, lay, t);
  emitBarrier(em, lay, t);
  emitPrestate(em, lay, t);
  emitStart(em, lay, t);
  const start = `_P${t}_code`;
  const end = `_P${t}_code_end`;
  label(start);
  for (const l of code) emit(l.text);
  label(end);
  emitRecord(em, lay, t);
  emitNextIteration(em, lay, t);
  emit(`j ${loop}`);
  label(fin);
  if (t === 0 && cores > T) {
    li('t0', doneAddr);
    emit('li t1, 1');
    emit('amoswap.w zero, t1, (t0)');
  }
  emit('li a0, 0');
  emit('li a7, 93');
  emit('ecall');
  return { start, end };
}

/** Resets the locations thread t owns, then evicts the flagged ones from its caches (s0: its context). */
function emitReset(em: Emitter, lay: Layout, t: number): void {
  const { L, emit, label, li } = em;
  const { locations, owner, prestate, evStride, evCount } = lay;
  const owned = locations.map((loc, l) => ({ loc, l })).filter((x) => owner[x.l] === t);
  if (owned.length > 0) {
    for (const { loc } of owned) {
      li('t1', loc.addr);
      li('t2', loc.initRaw);
      emit('sd t2, 0(t1)');
    }
    if (prestate) {
      emit(`ld s1, ${CTX_TAB}(s0)`);
      li('s2', evStride);
      owned.forEach(({ loc, l }) => {
        const skip = L('noev');
        const ev = L('ev');
        emit(`lbu t3, ${8 + l}(s1)`);
        emit(`beqz t3, ${skip}`);
        li('t4', loc.addr);
        li('t5', evCount);
        label(ev);
        emit('add t4, t4, s2');
        emit('ld t6, 0(t4)');
        emit('addi t5, t5, -1');
        emit(`bnez t5, ${ev}`);
        label(skip);
      });
    }
  }
}

/** Loads s2 with the boundary phase and s1 with the thread's table row, then the cache pre-state actions. */
function emitPrestate(em: Emitter, lay: Layout, t: number): void {
  const { L, emit, label, li } = em;
  const { ctxAddr, G, P, prestate, locations } = lay;
  li('s0', ctxAddr(t));
  emit(`ld s1, ${CTX_TAB}(s0)`);
  emit('lwu s2, 0(s1)'); // the boundary phase
  li('t0', G + t * P);
  emit('add s1, s1, t0');
  if (prestate) {
    locations.forEach((loc, l) => {
      const skip = L('ps');
      const st = L('pst');
      emit(`lbu t3, ${8 + l}(s1)`);
      emit(`beqz t3, ${skip}`);
      li('t1', loc.addr);
      emit('li t4, 1');
      emit(`bne t3, t4, ${st}`);
      emit('ld t5, 0(t1)');
      emit(`j ${skip}`);
      label(st);
      li('t5', loc.initRaw);
      emit('sd t5, 0(t1)');
      label(skip);
    });
  }
}

/** The common start: a quantum boundary picked at the barrier, the wait for it, the skew, then the registers' init values. */
function emitStart(em: Emitter, lay: Layout, t: number): void {
  const { L, emit, label, li } = em;
  const { quantum, startAddr, ctxAddr, initRegs } = lay;
  // The last thread to arrive picks a quantum boundary B at least a quantum away;
  // every thread waits on its cycle counter until B - phase, so all start at the same
  // simulated cycle, and the skews that follow set the race. The host workers meet at
  // every quantum boundary, so everything before B (in simulated time) happens before
  // everything after it (in host time), even on a host that runs the workers one at a
  // time: with the boundary inside the code, the threads interleave around it; with
  // it just before the code, they leave the host barrier together and race.
  emitBarrier(em, lay, t, () => {
    emit('rdcycle t3');
    li('t4', 2 * quantum - 1);
    emit('add t3, t3, t4');
    li('t4', quantum);
    emit('divu t3, t3, t4');
    emit('mul t3, t3, t4');
    li('t4', startAddr);
    emit('amoswap.d zero, t3, (t4)');
  });
  {
    const ws = L('ws');
    const go = L('go');
    li('t1', startAddr);
    emit('amoor.d t2, zero, (t1)');
    emit('sub t2, t2, s2');
    emit('rdcycle t3');
    emit('sub t4, t2, t3');
    li('t5', 8 * quantum);
    emit(`bgeu t4, t5, ${go}`); // already past (or garbage): go now
    label(ws);
    emit('rdcycle t3');
    emit(`bltu t3, t2, ${ws}`);
    label(go);
  }
  // start skew (s1 survives the barrier: it uses t0..t6 only)
  {
    const go = L('go');
    const sk = L('sk');
    emit('lwu t3, 0(s1)');
    emit(`beqz t3, ${go}`);
    label(sk);
    emit('addi t3, t3, -1');
    emit(`bnez t3, ${sk}`);
    label(go);
  }
  // Drop any LR reservation left from the previous iteration: an sc to a line never
  // reserved fails and clears it, so the test's sc sees only the test's lr (as in the SC model).
  li('t0', ctxAddr(t) + CTX_SCRATCH);
  emit('sc.d t1, zero, (t0)');
  for (let r = 1; r < 32; r++) li(`x${r}`, BigInt.asIntN(64, initRegs[t]![r]!));
}

/** Stores the observed registers into the iteration's record, meets the others, and reads back the locations t owns. */
function emitRecord(em: Emitter, lay: Layout, t: number): void {
  const { emit, li } = em;
  const { ctxAddr, slotOf, ownedBy, locations } = lay;
  // record the observed registers
  const mine = slotOf(t);
  const used = new Set(mine.map((x) => x.reg));
  let scr = 31;
  while (used.has(scr)) scr--;
  if (mine.length > 0) {
    li(`x${scr}`, ctxAddr(t));
    emit(`ld x${scr}, ${CTX_REC}(x${scr})`);
    mine.forEach((x, i) => emit(`sd x${x.reg}, ${8 * i}(x${scr})`));
  }
  emitBarrier(em, lay, t);
  li('s0', ctxAddr(t));
  if (ownedBy[t]!.length > 0) {
    // read back the locations this thread owns (before its own reset of the next iteration)
    emit(`ld s1, ${CTX_REC}(s0)`);
    ownedBy[t]!.forEach((l, i) => {
      li('t1', locations[l]!.addr);
      emit('ld t2, 0(t1)');
      emit(`sd t2, ${8 * (mine.length + i)}(s1)`);
    });
  }
}

/** Moves the context on: iteration count, table row, record pointer (s0: the context). */
function emitNextIteration(em: Emitter, lay: Layout, t: number): void {
  const { emit, li } = em;
  const { iterStride, threadRecordBytes } = lay;
  emit(`ld t0, ${CTX_ITER}(s0)`);
  emit('addi t0, t0, 1');
  emit(`sd t0, ${CTX_ITER}(s0)`);
  emit(`ld t0, ${CTX_TAB}(s0)`);
  li('t1', iterStride);
  emit('add t0, t0, t1');
  emit(`sd t0, ${CTX_TAB}(s0)`);
  emit(`ld t0, ${CTX_REC}(s0)`);
  emit(`addi t0, t0, ${threadRecordBytes[t]}`);
  emit(`sd t0, ${CTX_REC}(s0)`);
}

/** Cores beyond the test's threads: read random locations (values unchanged, cache states stirred) until thread 0 is done. */
function emitNoise(em: Emitter, lay: Layout): void {
  const { L, emit, label, li } = em;
  const { doneAddr, locBase, names, lineShift } = lay;
  label('_extra');
  li('s0', doneAddr);
  li('s1', locBase);
  emit('slli s2, a0, 20');
  li('t0', 0x9e3779b9);
  emit('add s2, s2, t0');
  li('s3', 6364136223846793005n);
  li('s4', names.length);
  li('s5', 1442695040888963407n);
  const eloop = L('eloop');
  const ed = L('edelay');
  label(eloop);
  emit('amoor.w t0, zero, (s0)');
  emit('bnez t0, _extra_exit');
  emit('mul s2, s2, s3');
  emit('add s2, s2, s5');
  emit('srli t1, s2, 33');
  emit('remu t2, t1, s4');
  emit(`slli t2, t2, ${lineShift}`);
  emit('add t2, t2, s1');
  emit('lw t3, 0(t2)');
  emit('andi t4, t1, 127');
  label(ed);
  emit('addi t4, t4, -1');
  emit(`bgez t4, ${ed}`);
  emit(`j ${eloop}`);
  label('_extra_exit');
  emit('li a0, 0');
  emit('li a7, 93');
  emit('ecall');
}

/** Assembles the program into the ELF, and cuts each thread's code words out for the SC model. */
function assembleTest(test: LitmusTest, lay: Layout, source: string, tab: Uint8Array, codeLabels: { start: string; end: string }[]): { elf: Uint8Array; model: ScModel } {
  const { dataEnd, locations, initRegs } = lay;
  let asm;
  try {
    asm = assemble(source, { base: CODE_BASE });
  } catch (e) {
    if (e instanceof AsmError) throw new LitmusError(0, `generated program does not assemble: ${e.message}: '${source.split('\n')[e.line - 1]?.trim()}'`, test.file);
    throw e;
  }
  const elf = assembleProgram(source, {
    codeBase: CODE_BASE,
    dataBase: DATA_BASE,
    dataBytes: dataEnd - DATA_BASE,
    data: tab,
    dataSymbols: locations.map((l) => ({ name: l.name, value: l.addr, size: l.type.bytes })),
  });

  const model: ScModel = {
    threads: codeLabels.map((c, t) => {
      const s = asm.labels.get(c.start)!;
      const e = asm.labels.get(c.end)!;
      return { base: s, words: asm.words.slice((s - CODE_BASE) / 4, (e - CODE_BASE) / 4), regs: initRegs[t]! };
    }),
    locations: locations.map((l) => ({ name: l.name, addr: l.addr, init: l.initRaw })),
  };

  return { elf, model };
}

/** Iterations each thread completed, from the context lines read back after the run. */
export function decodeProgress(b: BuiltTest, areas: Uint8Array[]): number[] {
  return areas.slice(b.threads).map((c) => Number(new DataView(c.buffer, c.byteOffset, c.byteLength).getBigUint64(CTX_ITER, true)));
}

/** Barrier timeouts per thread, from the context lines read back after the run. */
export function decodeTimeouts(b: BuiltTest, areas: Uint8Array[]): number[] {
  return areas.slice(b.threads).map((c) => Number(new DataView(c.buffer, c.byteOffset, c.byteLength).getBigUint64(CTX_TIMEOUTS, true)));
}

/** The outcome of every iteration, from the record area read back after the run. */
export function decodeRecords(b: BuiltTest, areas: Uint8Array[], iterations = b.runs): Outcome[] {
  const views = areas.map((a) => new DataView(a.buffer, a.byteOffset, a.byteLength));
  const out: Outcome[] = [];
  for (let it = 0; it < iterations; it++) {
    const regs = new Map<string, bigint>();
    const mem = new Array<bigint>(b.locations.length).fill(0n);
    for (let t = 0; t < b.threads; t++) {
      const rec = it * b.threadRecordBytes[t]!;
      const mine = b.regSlots.filter((x) => x.thread === t);
      mine.forEach((x, i) => regs.set(`${t}:${x.reg}`, views[t]!.getBigUint64(rec + 8 * i, true)));
      b.owned[t]!.forEach((l, i) => (mem[l] = views[t]!.getBigUint64(rec + 8 * (mine.length + i), true)));
    }
    out.push({ regs, mem });
  }
  return out;
}

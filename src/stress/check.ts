// The stress tester's value checker. After a run it reads every core's log (what each
// load, AMO and LR observed, in program order) and the final memory, and checks, per
// location (per byte for the single-writer byte lanes):
//
//   value      every observed value was written by some store to that location (or is
//              the initial value);
//   order      there is one coherence order of the writes consistent with every core's
//              program order of its reads and writes (CoRR, CoWR, CoRW, CoWW): each core's
//              observations must move forward along it. For token slots the constraints
//              form a graph that must be acyclic; counters and max/min slots have
//              monotone values, byte lanes a single writer, so a scan suffices;
//   atomicity  every AMO (and every successful SC, with its LR) reads the write just
//              before its own in coherence order: no two read-modify-writes read the same
//              write, and chained read-modify-writes stay contiguous;
//   final      (runs that ended normally) the final memory value is the last write;
//   log        every log entry reads back as written (value, value ^ its address): the
//              log is private to its core, so a lost entry is a lost store of that core
//              (CoWR). Its op then counts as unobserved: it is not held against the rest.
//
// Violations carry (core, op index); the first is the one with the smallest op index
// (then core); end-of-run findings come last.

import { byteOf, Kind, KINDS, LOG_ENTRY_BYTES, mix32, storedBytes, u64 } from './ops.ts';
import type { Location, StressPlan } from './generate.ts';

export interface Observed {
  /** Per core: ops completed, as published by the core (progress word). */
  progress: number[];
  /** Per core: its log (LOG_ENTRY_BYTES per entry, at least the entries of the completed ops). */
  logs: Uint8Array[];
  /** The final bytes of every test line, in plan.lines order. */
  lines: Uint8Array[];
  /** The run ended normally: every core ran all its ops (final values are checked only then). */
  complete: boolean;
}

export type ViolationKind = 'log' | 'value' | 'order' | 'atomicity' | 'final';

export interface Violation {
  kind: ViolationKind;
  /** -1 when not tied to one core. */
  core: number;
  /** Op index in the core's sequence; Infinity for end-of-run checks. */
  op: number;
  addr: number;
  size: number;
  /** One line. */
  summary: string;
  /** Further lines (computed on demand: expected set, the cycle, the writers involved). */
  details: () => string[];
}

export interface CheckStats {
  opsChecked: number;
  /** Values observed by loads, AMOs and LRs that were checked. */
  loadsChecked: number;
  /** Coherence-order constraints checked (graph edges, monotone and single-writer steps). */
  orderChecks: number;
  rmwChecked: number;
  scSucceeded: number;
  scFailed: number;
  locations: number;
}

export interface CheckResult {
  violations: Violation[];
  stats: CheckStats;
  /** Ops each core completed and were checked. */
  completed: number[];
}

const MASK64 = (1n << 64n) - 1n;

function hexv(v: bigint | number, size: number): string {
  const s = (typeof v === 'bigint' ? v : BigInt(v)).toString(16);
  return `0x${s.padStart(size * 2, '0')}`;
}

interface Ev {
  core: number;
  op: number;
  kind: Kind;
  addr: number;
  size: number;
  /** Log entries: value read (lo, hi), and for LR/SC the SC result. */
  rlo: number;
  rhi: number;
  sc: number;
  imm: number;
  /** Not observed (still in flight at the stop, or its log entry was lost): only its writes count, where their values are known. */
  inflight: boolean;
}

function evName(e: { core: number; op: number; kind: Kind }): string {
  return `core ${e.core} op ${e.op} (${KINDS[e.kind].name})`;
}

function setList<T>(xs: T[], fmt: (x: T) => string, max = 6): string {
  const shown = xs.slice(0, max).map(fmt).join(', ');
  return `{${shown}${xs.length > max ? `, ... ${xs.length - max} more` : ''}}`;
}

class Ctx {
  readonly violations: Violation[] = [];
  readonly stats: CheckStats = { opsChecked: 0, loadsChecked: 0, orderChecks: 0, rmwChecked: 0, scSucceeded: 0, scFailed: 0, locations: 0 };
  constructor(
    readonly plan: StressPlan,
    readonly complete: boolean,
  ) {}

  where(loc: Location): string {
    const line = this.plan.lines[loc.line];
    return `${loc.slot} slot, ${line.kind} line ${loc.line} at 0x${line.addr.toString(16)}`;
  }

  add(v: Violation): void {
    this.violations.push(v);
  }

  /** Final bytes of a location (from the read-back lines). */
  finalBytes!: (addr: number, size: number) => number[];
}

const bytesToBig = (b: number[]) => b.reduceRight((acc, x) => (acc << 8n) | BigInt(x), 0n);

// ---------------------------------------------------------------- what every location's checker shares

const noDetails = (): string[] => [];

/** A location's checker: collects its events (add), then checks them (finish). */
abstract class LocChecker {
  /** The location as the messages name it: "0x<addr> (<size> bytes, <slot and line>)". */
  readonly at: string;

  constructor(
    readonly ctx: Ctx,
    readonly loc: Location,
  ) {
    this.at = `0x${loc.addr.toString(16)} (${loc.size} bytes, ${ctx.where(loc)})`;
  }

  abstract add(e: Ev): void;
  abstract finish(): void;

  /** A violation at this location, found at op `by` (core and op), or at the end of the run. */
  protected violation(kind: ViolationKind, by: { core: number; op: number } | undefined, summary: string, details = noDetails): void {
    this.ctx.add({ kind, core: by ? by.core : -1, op: by ? by.op : Infinity, addr: this.loc.addr, size: this.loc.size, summary, details });
  }

  /** The location's bytes at the end, or undefined when the run did not end normally (nothing to check then). */
  protected finalBytes(size = this.loc.size): number[] | undefined {
    return this.ctx.complete ? this.ctx.finalBytes(this.loc.addr, size) : undefined;
  }

  /** Events split per core, each list in program order. */
  protected byCore(evs: readonly Ev[]): Ev[][] {
    const out: Ev[][] = Array.from({ length: this.ctx.plan.cores }, () => []);
    for (const e of evs) out[e.core].push(e);
    return out;
  }
}

// ---------------------------------------------------------------- token slots: the constraint graph

type GT = 'r' | 'w' | 'rmw' | 'lrsc';

interface GEv {
  e: Ev;
  t: GT;
  rv?: bigint;
  wv?: bigint;
  /** Read resolved to a write node (-1: unknown value). */
  rn: number;
  /** Write node (-1: none). */
  wn: number;
}

interface Edge {
  u: number;
  v: number;
  /** The event that imposed it (undefined for an atomic chain link). */
  g?: GEv;
  /** The op at which the core had observed u. */
  prevOp: number;
  /** po: a core's program order; rmw: an atomic read-modify-write; chain: both in one atomic chain. */
  why: 'po' | 'rmw' | 'chain';
}

class GraphLoc extends LocChecker {
  readonly nodes: { value: bigint; g?: GEv }[];
  readonly byValue = new Map<bigint, number>();
  readonly perCore: GEv[][];
  unknownWriter = false;
  duplicates = 0;
  /** src node -> the rmw event chained after it (the first in op order). */
  readonly chainOf = new Map<number, GEv>();
  readonly size: number;

  constructor(ctx: Ctx, loc: Location) {
    super(ctx, loc);
    this.size = loc.size;
    const init = loc.size === 8 ? u64(loc.init[0], loc.init[1]) : BigInt(loc.init[0] >>> 0);
    this.nodes = [{ value: init }];
    this.byValue.set(init, 0);
    this.perCore = Array.from({ length: ctx.plan.cores }, () => []);
  }

  private val(lo: number, hi: number): bigint {
    return this.size === 8 ? u64(lo, hi) : BigInt(lo >>> 0);
  }

  private x(e: Ev): bigint {
    return this.size === 8 ? u64(e.imm, mix32(e.core, e.op)) : BigInt(mix32(e.core, e.op));
  }

  add(e: Ev): void {
    let g: GEv | undefined;
    switch (e.kind) {
      case Kind.LD: case Kind.LW:
        if (!e.inflight) g = { e, t: 'r', rv: this.val(e.rlo, e.rhi), rn: -1, wn: -1 };
        break;
      case Kind.SDX: case Kind.SWT: g = { e, t: 'w', wv: this.x(e), rn: -1, wn: -1 }; break;
      case Kind.SWAPD: case Kind.SWAPW:
        g = e.inflight ? { e, t: 'w', wv: this.x(e), rn: -1, wn: -1 } : { e, t: 'rmw', rv: this.val(e.rlo, e.rhi), wv: this.x(e), rn: -1, wn: -1 };
        break;
      case Kind.ADDD: case Kind.XORD: case Kind.LRSCADDD: {
        if (e.inflight) {
          this.unknownWriter = true;
          break;
        }
        const rv = this.val(e.rlo, e.rhi);
        g = { e, t: 'rmw', rv, wv: e.kind === Kind.XORD ? rv ^ this.x(e) : (rv + this.x(e)) & MASK64, rn: -1, wn: -1 };
        break;
      }
      case Kind.LRSCD: case Kind.LRSCW:
        if (e.inflight) g = { e, t: 'w', wv: this.x(e), rn: -1, wn: -1 };
        else {
          g = { e, t: 'lrsc', rv: this.val(e.rlo, e.rhi), rn: -1, wn: -1 };
          if (e.sc === 0) {
            g.wv = this.x(e);
            this.ctx.stats.scSucceeded++;
          } else this.ctx.stats.scFailed++;
        }
        break;
      default:
        throw new Error(`${KINDS[e.kind].name} on a ${this.loc.cls} location`);
    }
    if (!g) return;
    if (g.wv !== undefined) {
      g.wn = this.nodes.length;
      this.nodes.push({ value: g.wv, g });
      if (this.byValue.has(g.wv)) this.duplicates++;
      else this.byValue.set(g.wv, g.wn);
    }
    if (!e.inflight) this.perCore[e.core].push(g);
  }

  describeNode(n: number): string {
    const x = this.nodes[n];
    const v = hexv(x.value, this.size);
    return x.g ? `${v} (${evName(x.g.e)}${x.g.e.inflight ? ', in flight' : ''})` : `${v} (initial value)`;
  }

  finish(): void {
    this.resolveReads();
    this.checkAtomicity();
    const full = this.checkOrder();
    if (full) this.checkFinal(full);
  }

  /** value: resolve every read to the write that produced it. */
  private resolveReads(): void {
    const ctx = this.ctx;
    for (const list of this.perCore) {
      for (const g of list) {
        if (g.rv === undefined) continue;
        ctx.stats.loadsChecked++;
        const n = this.byValue.get(g.rv);
        if (n !== undefined) {
          g.rn = n;
          continue;
        }
        if (this.unknownWriter) continue;
        this.violation('value', g.e, `${evName(g.e)} read ${hexv(g.rv, this.size)} at ${this.at}, a value no store wrote there`, () => this.expectedFor(g, Infinity));
      }
    }
  }

  /** atomicity: one read-modify-write per write. */
  private checkAtomicity(): void {
    const ctx = this.ctx;
    const loc = this.loc;
    const rmws = this.perCore.flat().filter((g) => (g.t === 'rmw' || (g.t === 'lrsc' && g.wn >= 0)) && g.rn >= 0);
    rmws.sort((a, b) => a.e.op - b.e.op || a.e.core - b.e.core);
    for (const g of rmws) {
      ctx.stats.rmwChecked++;
      const first = this.chainOf.get(g.rn);
      if (!first) {
        this.chainOf.set(g.rn, g);
        continue;
      }
      const what = (x: GEv) => (x.t === 'lrsc' ? `${evName(x.e)}, whose LR read it and whose SC succeeded,` : evName(x.e));
      this.violation(
        'atomicity',
        g.e,
        `${what(g)} and ${what(first)} both read ${this.describeNode(g.rn)} at 0x${loc.addr.toString(16)} (${ctx.where(loc)}) ` +
          `and both wrote: one update was lost (an atomic read-modify-write must read the write just before its own)`,
        () => [`  ${evName(first.e)} wrote ${this.describeNode(first.wn)}`, `  ${evName(g.e)} wrote ${this.describeNode(g.wn)}`],
      );
    }
  }

  /** order: the constraint graph must be acyclic. Returns the whole graph, or undefined after reporting a cycle. */
  private checkOrder(): ConstraintGraph | undefined {
    const ctx = this.ctx;
    const full = this.build(Infinity);
    ctx.stats.orderChecks += full.edges;
    if (full.cycle) {
      let lo = 0;
      let hi = 1 + Math.max(...this.perCore.map((l) => (l.length > 0 ? l[l.length - 1].e.op : 0)));
      // Smallest k such that the ops with index < k already form a cycle.
      while (lo + 1 < hi) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.build(mid).cycle) hi = mid;
        else lo = mid;
      }
      this.reportCycle(hi);
      return undefined;
    }
    return full;
  }

  /** final: the final value is the last write in coherence order (runs that ended normally). */
  private checkFinal(full: ConstraintGraph): void {
    const ctx = this.ctx;
    const loc = this.loc;
    const bytes = this.finalBytes();
    if (!bytes) return;
    const fb = bytesToBig(bytes);
    const f = this.byValue.get(fb);
    if (f === undefined) {
      this.violation('final', undefined, `0x${loc.addr.toString(16)} (${ctx.where(loc)}) ends holding ${hexv(fb, this.size)}, a value no store wrote there`);
      return;
    }
    const after = full.outOf(f);
    if (after) {
      this.violation(
        'final',
        undefined,
        `0x${loc.addr.toString(16)} (${ctx.where(loc)}) ends holding ${this.describeNode(f)}, ` +
          `but ${this.describeNode(after.v)} must come later in coherence order: the final value is not the last write (a lost write?)`,
        () => [`  because ${this.explain(after)}`],
      );
    }
  }

  explain(ed: Edge): string {
    if (ed.why === 'chain') return `both belong to one chain of atomic read-modify-writes, where nothing may come between`;
    if (ed.why === 'rmw' || !ed.g) return `${this.describeNode(ed.v)} read-modify-wrote ${this.describeNode(ed.u)}`;
    const g = ed.g;
    const prev = ed.prevOp >= 0 ? `at op ${ed.prevOp}` : 'initially';
    const saw = ed.u === 0 && ed.prevOp < 0 ? 'starts from the initial value' : `had observed ${this.describeNode(ed.u)} ${prev}`;
    if (g.t === 'w' || (g.wn === ed.v && g.rn !== ed.v)) return `core ${g.e.core} ${saw}, then wrote ${this.describeNode(ed.v)} at op ${g.e.op} (CoRW/CoWW)`;
    return `core ${g.e.core} ${saw}, then read ${this.describeNode(ed.v)} at op ${g.e.op} (CoRR/CoWR)`;
  }

  /** The values `g` may read given what its core had observed before it (ops < k). */
  private expectedFor(g: GEv, k: number): string[] {
    const b = this.build(k, g);
    const last = b.lastBefore;
    if (last < 0) return [];
    // Nodes that must precede `last` cannot be read any more.
    const before = b.reachesBack(last);
    const allowed: number[] = [];
    for (let n = 0; n < this.nodes.length; n++) {
      const x = this.nodes[n];
      if (x.g && !x.g.e.inflight && x.g.e.op >= k && k !== Infinity) continue;
      if (n === last || !before.has(n)) allowed.push(n);
    }
    return [
      `  core ${g.e.core} had already observed ${this.describeNode(last)}${b.lastOp >= 0 ? ` at op ${b.lastOp}` : ''}; ` +
        `it may read only writes not before that one in coherence order: ${allowed.length} candidates ${setList(allowed, (n) => this.describeNode(n))}`,
    ];
  }

  private reportCycle(k: number): void {
    const b = this.build(k);
    const cycle = b.cycle!;
    const isRead = (ed: Edge) => ed.g !== undefined && ed.why === 'po' && ed.g.rn === ed.v;
    let blame = cycle[0];
    for (const ed of cycle) {
      if (!ed.g) continue;
      if (!blame.g || ed.g.e.op > blame.g.e.op || (ed.g.e.op === blame.g.e.op && isRead(ed) && !isRead(blame))) blame = ed;
    }
    const g = blame.g!;
    const observed = g.t === 'w' || (g.wn === blame.v && g.rn !== blame.v) ? `wrote ${this.describeNode(blame.v)}` : `read ${this.describeNode(blame.v)}`;
    this.violation('order', g.e, `${evName(g.e)} at ${this.at} ${observed}: no single coherence order of the writes fits every core's program order`, () => [
      ...(g.rv !== undefined && blame.v === g.rn ? this.expectedFor(g, k) : []),
      `  the constraints form a cycle (ops < ${k}):`,
      ...cycle.map((ed) => `    ${this.describeNode(ed.u).split(' (')[0]} before ${this.describeNode(ed.v).split(' (')[0]}: ${this.explain(ed)}`),
    ]);
  }

  /** The constraint graph of the ops with index < k (see ConstraintGraph). */
  build(k: number, probe?: GEv): ConstraintGraph {
    return new ConstraintGraph(this, k, probe);
  }
}

/**
 * The constraint graph of a token slot's ops with index < k. Nodes are writes; an atomic chain
 * (a write, then the read-modify-write that read it) is contracted to one node, as nothing may
 * come between. With `probe`, also records what the probe's core had observed just before it.
 * Edges live in flat arrays; Edge objects are made only for what a report shows.
 * Built in steps: chain links, program-order edges, chains numbered, the contracted graph,
 * then a topological sort; the first step that finds a cycle leaves it in `cycle`.
 */
class ConstraintGraph {
  /** Edge i: eu[i] before ev[i], imposed by eg[i] (po: a core's program order; rmw: an atomic read-modify-write). */
  private readonly eu: number[] = [];
  private readonly ev: number[] = [];
  private readonly eg: (GEv | undefined)[] = [];
  private readonly eprev: number[] = [];
  private readonly ermw: boolean[] = [];
  private readonly chainNext: Int32Array;
  private readonly chainPrev: Int32Array;
  /** Per node: its chain (the contracted node) and its place in that chain. */
  private readonly chainId: Int32Array;
  private readonly pos: Int32Array;
  private nc = 0;
  /** The contracted graph as CSR arrays of edge indices (out-edges, in-edges). */
  private outStart = new Int32Array(1);
  private inStart = new Int32Array(1);
  private outE = new Int32Array(0);
  private inE = new Int32Array(0);
  cycle: Edge[] | undefined;
  /** With a probe: the node its core had observed last before it (-1: no probe), and at which op. */
  lastBefore = -1;
  lastOp = -1;

  constructor(
    private readonly g: GraphLoc,
    k: number,
    probe?: GEv,
  ) {
    const W = g.nodes.length;
    this.chainNext = new Int32Array(W).fill(-1);
    this.chainPrev = new Int32Array(W).fill(-1);
    this.chainId = new Int32Array(W).fill(-1);
    this.pos = new Int32Array(W);
    this.linkChains(k);
    this.addProgramOrder(k, probe);
    this.numberChains();
    const indeg = this.contract();
    if (!this.cycle) this.sortTopologically(indeg);
  }

  get edges(): number {
    return this.eu.length;
  }

  private edge(i: number): Edge {
    return { u: this.eu[i], v: this.ev[i], g: this.eg[i], prevOp: this.eprev[i], why: this.ermw[i] ? 'rmw' : 'po' };
  }

  private chainEdge(u: number): Edge {
    return { u, v: this.chainNext[u], g: this.g.chainOf.get(u), prevOp: -1, why: 'rmw' };
  }

  private chainPath(from: number, to: number): Edge[] {
    const out: Edge[] = [];
    for (let x = from; x !== to && x !== -1; x = this.chainNext[x]) out.push(this.chainEdge(x));
    return out;
  }

  /** Each write and the read-modify-write chained after it (ops < k). */
  private linkChains(k: number): void {
    for (const [src, g] of this.g.chainOf) {
      if (g.e.op < k) {
        this.chainNext[src] = g.wn;
        this.chainPrev[g.wn] = src;
      }
    }
  }

  /** Every core's observations must move forward: an edge from what it saw last to what it sees next. */
  private addProgramOrder(k: number, probe: GEv | undefined): void {
    const push = (u: number, v: number, g: GEv, prevOp: number, rmw: boolean) => {
      this.eu.push(u);
      this.ev.push(v);
      this.eg.push(g);
      this.eprev.push(prevOp);
      this.ermw.push(rmw);
    };
    for (const list of this.g.perCore) {
      let last = 0;
      let lastOp = -1;
      for (const g of list) {
        if (g.e.op >= k) break;
        if (g === probe) {
          // What the probe's core had seen; the probe's own constraints (and its core's
          // later ops) stay out, so the graph says what the probe was allowed to read.
          this.lastBefore = last;
          this.lastOp = lastOp;
          break;
        }
        if (g.rn >= 0) {
          if (g.rn !== last) push(last, g.rn, g, lastOp, false);
          last = g.rn;
          lastOp = g.e.op;
        }
        if (g.wn >= 0) {
          if (g.rn >= 0 && (g.t === 'rmw' || g.t === 'lrsc')) {
            if (this.g.chainOf.get(g.rn) !== g) push(g.rn, g.wn, g, g.e.op, true);
          } else if (g.wn !== last) push(last, g.wn, g, lastOp, false);
          last = g.wn;
          lastOp = g.e.op;
        }
      }
    }
  }

  /** Numbers the chains from their heads; a chain with no head is closed on itself (a cycle). */
  private numberChains(): void {
    const W = this.chainId.length;
    const { chainNext, chainPrev, chainId, pos } = this;
    for (let n = 0; n < W; n++) {
      if (chainPrev[n] !== -1) continue;
      const id = this.nc++;
      let p = 0;
      for (let x = n; x !== -1; x = chainNext[x]) {
        chainId[x] = id;
        pos[x] = p++;
      }
    }
    // A chain closed on itself (read-modify-writes reading each other).
    for (let n = 0; n < W && !this.cycle; n++) {
      if (chainId[n] !== -1) continue;
      const c: Edge[] = [];
      let x = n;
      do {
        chainId[x] = this.nc;
        c.push(this.chainEdge(x));
        x = chainNext[x];
      } while (x !== n && x !== -1 && c.length <= W);
      this.nc++;
      this.cycle = c;
    }
  }

  /** The graph over chains (CSR); an edge backwards inside one chain is a cycle. Returns the in-degrees. */
  private contract(): Int32Array {
    const { eu, ev, chainId, pos, nc } = this;
    const E = eu.length;
    const outStart = new Int32Array(nc + 1);
    const inStart = new Int32Array(nc + 1);
    const indeg = new Int32Array(nc);
    const skip = new Uint8Array(E);
    for (let i = 0; i < E && !this.cycle; i++) {
      const cu = chainId[eu[i]];
      const cv = chainId[ev[i]];
      if (cu === cv) {
        skip[i] = 1;
        if (pos[eu[i]] > pos[ev[i]]) this.cycle = [this.edge(i), ...this.chainPath(ev[i], eu[i])];
        continue;
      }
      outStart[cu + 1]++;
      inStart[cv + 1]++;
      indeg[cv]++;
    }
    for (let c = 0; c < nc; c++) {
      outStart[c + 1] += outStart[c];
      inStart[c + 1] += inStart[c];
    }
    this.outStart = outStart;
    this.inStart = inStart;
    this.outE = new Int32Array(outStart[nc]);
    this.inE = new Int32Array(inStart[nc]);
    if (!this.cycle) {
      const oFill = outStart.slice(0, nc);
      const iFill = inStart.slice(0, nc);
      for (let i = 0; i < E; i++) {
        if (skip[i]) continue;
        this.outE[oFill[chainId[eu[i]]]++] = i;
        this.inE[iFill[chainId[ev[i]]]++] = i;
      }
    }
    return indeg;
  }

  /** Kahn's algorithm over the chains; what it cannot order holds a cycle, found by walking in-edges back. */
  private sortTopologically(indeg: Int32Array): void {
    const { eu, ev, chainId, pos, nc, outStart, inStart, outE, inE } = this;
    const queue = new Int32Array(nc);
    let qh = 0;
    let qt = 0;
    for (let c = 0; c < nc; c++) if (indeg[c] === 0) queue[qt++] = c;
    while (qh < qt) {
      const c = queue[qh++];
      for (let j = outStart[c]; j < outStart[c + 1]; j++) {
        const d = chainId[ev[outE[j]]];
        if (--indeg[d] === 0) queue[qt++] = d;
      }
    }
    if (qt === nc) return;
    // Walk backwards through chains still holding in-edges: it must close a loop.
    let c = indeg.findIndex((d) => d > 0);
    const seen = new Map<number, number>();
    const path: number[] = [];
    while (!seen.has(c)) {
      seen.set(c, path.length);
      let i = -1;
      for (let j = inStart[c]; j < inStart[c + 1] && i < 0; j++) if (indeg[chainId[eu[inE[j]]]] > 0) i = inE[j];
      path.push(i);
      c = chainId[eu[i]];
    }
    const loop = path.slice(seen.get(c)!).reverse().map((i) => this.edge(i));
    // Expand: between consecutive edges, the chain path from one's head to the next's tail.
    const cycle: Edge[] = [];
    for (let j = 0; j < loop.length; j++) {
      const ed = loop[j];
      const nxt = loop[(j + 1) % loop.length];
      if (ed.v === nxt.u) cycle.push(ed);
      else if (pos[ed.v] < pos[nxt.u]) cycle.push(ed, ...this.chainPath(ed.v, nxt.u));
      else cycle.push(ed, { u: ed.v, v: nxt.u, prevOp: -1, why: 'chain' });
    }
    this.cycle = cycle;
  }

  /** An edge out of f's chain (or a chain successor of f): something that must follow f. */
  outOf(f: number): Edge | undefined {
    if (this.chainNext[f] !== -1) return this.chainEdge(f);
    const c = this.chainId[f];
    return this.outStart[c + 1] > this.outStart[c] ? this.edge(this.outE[this.outStart[c]]) : undefined;
  }

  /** Nodes that must come before n in coherence order (an atomic chain moves as one). */
  reachesBack(n: number): Set<number> {
    const { eu, ev, chainId, chainNext, pos, inStart, inE } = this;
    const W = chainId.length;
    const seen = new Set<number>();
    const cn = chainId[n];
    if (cn < 0 || this.cycle) {
      // Chains broken: plain node-level reachability.
      const back: number[][] = Array.from({ length: W }, () => []);
      for (let i = 0; i < eu.length; i++) back[ev[i]].push(eu[i]);
      for (let x = 0; x < W; x++) if (chainNext[x] !== -1) back[chainNext[x]].push(x);
      const stack = [n];
      while (stack.length > 0) {
        const x = stack.pop()!;
        for (const y of back[x]) if (!seen.has(y)) (seen.add(y), stack.push(y));
      }
      return seen;
    }
    const chains = new Set<number>();
    const stack = [cn];
    while (stack.length > 0) {
      const c = stack.pop()!;
      for (let j = inStart[c]; j < inStart[c + 1]; j++) {
        const d = chainId[eu[inE[j]]];
        if (!chains.has(d)) (chains.add(d), stack.push(d));
      }
    }
    for (let x = 0; x < W; x++) {
      if (chainId[x] === cn ? chains.has(cn) || pos[x] < pos[n] : chains.has(chainId[x])) seen.add(x);
    }
    return seen;
  }
}

// ---------------------------------------------------------------- counters: strictly rising values

class CounterLoc extends LocChecker {
  readonly evs: Ev[] = [];
  unknownWriter = false;

  private wrap(v: number): number {
    return this.loc.size === 4 ? v % 2 ** 32 : v;
  }

  private read(e: Ev): number {
    return this.loc.size === 4 ? e.rlo >>> 0 : (e.rhi >>> 0) * 2 ** 32 + (e.rlo >>> 0);
  }

  add(e: Ev): void {
    if (e.inflight) {
      if (e.kind !== Kind.LD && e.kind !== Kind.LW) this.unknownWriter = true;
      return;
    }
    this.evs.push(e);
  }

  finish(): void {
    const ctx = this.ctx;
    const loc = this.loc;
    const size = loc.size;
    const init = this.loc.size === 4 ? loc.init[0] >>> 0 : (loc.init[1] >>> 0) * 2 ** 32 + (loc.init[0] >>> 0);
    const isAmo = (e: Ev) => e.kind === Kind.ADDW || e.kind === Kind.ADDDI;
    const written = new Map<number, Ev[]>();
    let sum = 0;
    let amos = 0;
    for (const e of this.evs) {
      if (!isAmo(e)) continue;
      const w = this.wrap(this.read(e) + e.imm);
      sum += e.imm;
      amos++;
      const l = written.get(w);
      if (l) l.push(e);
      else written.set(w, [e]);
    }
    const at = this.at;
    const writer = (v: number, self?: Ev): string => {
      if (v === init) return 'the initial value';
      const l = (written.get(v) ?? []).filter((x) => x !== self);
      return l.length > 0 ? `written by ${evName(l[0])}` : 'written by nobody';
    };
    const chainValues = () => [init, ...[...written.keys()].sort((a, b) => a - b)];
    // Per core: the observations must rise along the (value-ordered) coherence order.
    const readers = new Map<number, Ev>();
    for (const list of this.byCore(this.evs)) {
      let cur = init;
      let curOp = -1;
      for (const e of list) {
        const v = this.read(e);
        ctx.stats.loadsChecked++;
        ctx.stats.orderChecks++;
        const w = written.get(v);
        const known = v === init || (w !== undefined && (w.length > 1 || w[0] !== e));
        if (!known && !this.unknownWriter) {
          const c0 = cur, o0 = curOp;
          this.violation('value', e, `${evName(e)} read ${hexv(v, size)} from the counter at ${at}, a value no amoadd produced there (nor the initial value)`, () => {
            const vals = chainValues().filter((x) => x >= c0);
            return [`  core ${e.core} had observed ${hexv(c0, size)}${o0 >= 0 ? ` at op ${o0}` : ' (initially)'}; values it could read: ${setList(vals, (x) => `${hexv(x, size)} (${writer(x)})`)}`];
          });
        } else if (v < cur) {
          const c0 = cur, o0 = curOp;
          this.violation(
            'order',
            e,
            `${evName(e)} read ${hexv(v, size)} (${writer(v, e)}) from the counter at ${at} after core ${e.core} had observed the later value ${hexv(c0, size)}${o0 >= 0 ? ` at op ${o0}` : ''}: counters only rise, so coherence order went backwards (CoRR/CoWR)`,
            () => [`  expected a value >= ${hexv(c0, size)}: ${setList(chainValues().filter((x) => x >= c0), (x) => `${hexv(x, size)} (${writer(x)})`)}`],
          );
        }
        if (isAmo(e)) {
          ctx.stats.rmwChecked++;
          const first = readers.get(v);
          if (first) {
            this.violation('atomicity', e, `lost update: ${evName(e)} and ${evName(first)} both read ${hexv(v, size)} from the counter at ${at} and both added to it`, () => [
              `  ${evName(first)} added ${first.imm}, ${evName(e)} added ${e.imm}`,
            ]);
          } else readers.set(v, e);
          cur = this.wrap(v + e.imm);
        } else cur = v;
        curOp = e.op;
      }
    }
    const fb = this.finalBytes();
    if (!fb) return;
    const fin = fb.reduceRight((acc, x) => acc * 256 + x, 0);
    const expect = this.wrap(init + sum);
    if (fin !== expect) {
      this.violation('final', undefined, `counter at ${at} ends at ${hexv(fin, size)} but initial ${hexv(init, size)} + ${amos} increments totalling ${sum} = ${hexv(expect, size)}${fin < expect ? ' (updates lost)' : ''}`);
    }
  }
}

// ---------------------------------------------------------------- max / min slots

class MaxLoc extends LocChecker {
  readonly evs: Ev[] = [];
  readonly inflightX: number[] = [];

  /** Values mapped so that the slot's AMO is a max: min slots negate (signed 32-bit). */
  private t(lo: number, hi: number): number {
    return this.loc.cls === 'minw' ? -(lo | 0) : (hi >>> 0) * 2 ** 32 + (lo >>> 0);
  }
  private back(v: number): bigint {
    return this.loc.cls === 'minw' ? BigInt((-v) >>> 0) : BigInt(v);
  }
  private fmt(v: number): string {
    return hexv(this.back(v), this.loc.size);
  }
  private op(e: Ev): number {
    return this.loc.cls === 'minw' ? -e.imm : e.imm;
  }

  add(e: Ev): void {
    const amo = e.kind === Kind.MAXD || e.kind === Kind.MAXUD || e.kind === Kind.MINW;
    if (e.inflight) {
      if (amo) this.inflightX.push(this.op(e));
      return;
    }
    this.evs.push(e);
  }

  finish(): void {
    const ctx = this.ctx;
    const loc = this.loc;
    const size = loc.size;
    const name = loc.cls === 'minw' ? 'min' : 'max';
    const at = this.at;
    const init = this.t(loc.init[0], loc.init[1]);
    const isAmo = (e: Ev) => e.kind !== Kind.LD && e.kind !== Kind.LW;
    const R = (e: Ev) => this.t(e.rlo, e.rhi);
    // Raisers: AMOs whose operand became the new value. Operands are unique per slot.
    const raisers = this.evs.filter((e) => isAmo(e) && this.op(e) > R(e));
    const raisedTo = new Map<number, Ev>();
    for (const e of raisers) raisedTo.set(this.op(e), e);
    const pending = new Set(this.inflightX);
    const known = (v: number, self?: Ev) => v === init || (raisedTo.has(v) && raisedTo.get(v) !== self) || pending.has(v);
    const chain = [init, ...[...raisedTo.keys()].sort((a, b) => a - b)];
    const writer = (v: number) => (v === init ? 'initial value' : raisedTo.has(v) ? evName(raisedTo.get(v)!) : 'in flight');
    for (const list of this.byCore(this.evs)) {
      let cur = init;
      let curOp = -1;
      for (const e of list) {
        const v = R(e);
        ctx.stats.loadsChecked++;
        ctx.stats.orderChecks++;
        if (!known(v, e)) {
          const operandOnly = this.evs.find((x) => isAmo(x) && this.op(x) === v);
          const c0 = cur;
          this.violation(
            'value',
            e,
            `${evName(e)} read ${this.fmt(v)} from the ${name} slot at ${at}, a value no amo${name} wrote there` +
              (operandOnly ? ` (${evName(operandOnly)} had it as operand but read ${this.fmt(R(operandOnly))}, so it did not write it)` : ''),
            () => [`  values it could read: ${setList(chain.filter((x) => x >= c0), (x) => `${this.fmt(x)} (${writer(x)})`)}`],
          );
        } else if (v < cur) {
          const c0 = cur, o0 = curOp;
          this.violation(
            'order',
            e,
            `${evName(e)} read ${this.fmt(v)} (${writer(v)}) from the ${name} slot at ${at} after core ${e.core} had observed ${this.fmt(c0)}${o0 >= 0 ? ` at op ${o0}` : ''}: a ${name} slot only moves one way, so coherence order went backwards (CoRR/CoWR)`,
            () => [`  expected one of ${setList(chain.filter((x) => x >= c0), (x) => `${this.fmt(x)} (${writer(x)})`)}`],
          );
        }
        cur = isAmo(e) ? Math.max(v, this.op(e)) : v;
        curOp = e.op;
      }
    }
    // Atomicity: the raisers form one chain, each reading the previous raiser's value.
    const sorted = [...raisers].sort((a, b) => this.op(a) - this.op(b));
    ctx.stats.rmwChecked += this.evs.filter(isAmo).length;
    if (pending.size === 0) {
      let prev = init;
      let prevEv: Ev | undefined;
      for (const e of sorted) {
        const v = R(e);
        if (v !== prev && known(v, e)) {
          const p = prev, pe = prevEv;
          this.violation(
            'atomicity',
            e,
            `${evName(e)} read ${this.fmt(v)} from the ${name} slot at ${at} and wrote ${this.fmt(this.op(e))}, but the value just before ` +
              `${this.fmt(this.op(e))} in coherence order is ${this.fmt(p)} (${pe ? evName(pe) : 'initial value'}): ` +
              (v < p ? 'it read a stale value and its update overtook a newer one' : 'another update came between its read and its write'),
          );
        }
        prev = this.op(e);
        prevEv = e;
      }
    }
    const fb = this.finalBytes();
    if (!fb) return;
    const lo = (fb[0] | (fb[1] << 8) | (fb[2] << 16) | (fb[3] << 24)) >>> 0;
    const hi = size === 8 ? (fb[4] | (fb[5] << 8) | (fb[6] << 16) | (fb[7] << 24)) >>> 0 : 0;
    const fin = this.t(lo, hi);
    const expect = chain[chain.length - 1];
    const maxOperand = Math.max(init, ...this.evs.filter(isAmo).map((e) => this.op(e)));
    if (fin !== expect || fin !== maxOperand) {
      this.violation('final', undefined, `the ${name} slot at ${at} ends at ${this.fmt(fin)} but the ${name} of its initial value and every operand is ${this.fmt(maxOperand)}`);
    }
  }
}

// ---------------------------------------------------------------- single-writer byte lanes

class BytesLoc extends LocChecker {
  /** Per byte: the owner's writes in program order (index 0: initial value). */
  readonly vals: number[][] = [];
  readonly valOps: number[][] = [];
  readonly evs: Ev[] = [];
  private index?: Map<number, number[]>[];

  constructor(ctx: Ctx, loc: Location) {
    super(ctx, loc);
    for (let b = 0; b < 8; b++) {
      this.vals.push([byteOf(loc.init[0], loc.init[1], b)]);
      this.valOps.push([-1]);
    }
  }

  add(e: Ev): void {
    this.evs.push(e);
  }

  private writes(e: Ev): boolean {
    return KINDS[e.kind].writes;
  }

  finish(): void {
    const ctx = this.ctx;
    const loc = this.loc;
    const owners = loc.owners!;
    // Pass 1: every byte's write sequence, from its owner's program order.
    const cur = [0, 0, 0, 0, 0, 0, 0, 0];
    for (const e of this.evs) {
      if (!this.writes(e)) continue;
      const off = e.addr - loc.addr;
      for (let k = 0; k < e.size; k++) {
        const vs = this.vals[off + k];
        cur[k] = vs[vs.length - 1];
      }
      const out = storedBytes(e.kind, e.core, e.op, e.imm, cur);
      for (let k = 0; k < e.size; k++) {
        const b = off + k;
        if (owners[b] !== e.core) continue;
        this.vals[b].push(out[k]);
        this.valOps[b].push(e.op);
      }
    }
    this.index = this.vals.map((vs) => {
      const m = new Map<number, number[]>();
      vs.forEach((v, j) => {
        const l = m.get(v);
        if (l) l.push(j);
        else m.set(v, [j]);
      });
      return m;
    });
    // Pass 2: every observed byte.
    const cores = ctx.plan.cores;
    const seen = Array.from({ length: cores }, () => new Int32Array(8)); // write index each core has observed per byte
    const seenOp = Array.from({ length: cores }, () => new Int32Array(8).fill(-1));
    const ownIdx = new Int32Array(8);
    const failed = new Set<number>(); // cores already reported here (one violation per core and slot)
    for (const e of this.evs) {
      const off = e.addr - loc.addr;
      if (KINDS[e.kind].reads && !e.inflight) {
        ctx.stats.loadsChecked++;
        for (let k = 0; k < e.size && !failed.has(e.core); k++) {
          const b = off + k;
          const v = byteOf(e.rlo, e.rhi, k);
          ctx.stats.orderChecks++;
          if (owners[b] === e.core) {
            const want = this.vals[b][ownIdx[b]];
            if (v !== want) {
              failed.add(e.core);
              this.report(e, b, v, 'own', ownIdx[b], -1);
            }
            continue;
          }
          const from = seen[e.core][b];
          const js = this.index[b].get(v);
          const j = js ? firstAtLeast(js, from) : -1;
          if (j < 0) {
            failed.add(e.core);
            this.report(e, b, v, js ? 'order' : 'value', from, seenOp[e.core][b]);
            continue;
          }
          seen[e.core][b] = j;
          seenOp[e.core][b] = e.op;
        }
      }
      if (this.writes(e)) for (let k = 0; k < e.size; k++) if (owners[off + k] === e.core) ownIdx[off + k]++;
    }
    const fb = this.finalBytes(8);
    if (!fb) return;
    for (let b = 0; b < 8; b++) {
      const vs = this.vals[b];
      if (fb[b] === vs[vs.length - 1]) continue;
      const n = vs.length - 1;
      const lastOp = this.valOps[b][n];
      const stale = this.index[b].get(fb[b]);
      ctx.add({
        kind: 'final',
        core: owners[b],
        op: Infinity,
        addr: loc.addr + b,
        size: 1,
        summary:
          `byte 0x${(loc.addr + b).toString(16)} (${ctx.where(loc)}, written only by core ${owners[b]}) ends as ${hexv(fb[b], 1)} but ` +
          (n === 0 ? `nobody wrote it: it should hold its initial value ${hexv(vs[0], 1)}` : `core ${owners[b]}'s last write there (op ${lastOp}, write #${n}) stored ${hexv(vs[n], 1)}`) +
          (stale ? ` (${hexv(fb[b], 1)} is what write #${stale[stale.length - 1]} stored: a later write was lost)` : ''),
        details: () => [],
      });
      break;
    }
  }

  private report(e: Ev, b: number, v: number, why: 'own' | 'order' | 'value', from: number, fromOp: number): void {
    const ctx = this.ctx;
    const loc = this.loc;
    const owner = loc.owners![b];
    const vs = this.vals[b];
    const ops = this.valOps[b];
    const a = loc.addr + b;
    const full = e.size > 1 ? ` (the ${e.size}-byte access at 0x${e.addr.toString(16)} returned ${hexv(u64(e.rlo, e.rhi) & ((1n << BigInt(8 * e.size)) - 1n), e.size)})` : '';
    const wdesc = (j: number) => (j === 0 ? `${hexv(vs[0], 1)} (initial)` : `${hexv(vs[j], 1)} (write #${j}, core ${owner} op ${ops[j]})`);
    let summary: string;
    let details: () => string[];
    if (why === 'own') {
      summary =
        `${evName(e)} read its own byte 0x${a.toString(16)} (${ctx.where(loc)}) as ${hexv(v, 1)}${full}, but its last write there ` +
        `${from === 0 ? 'was none: the initial value' : `(op ${ops[from]})`} is ${hexv(vs[from], 1)} and no other core writes that byte: its store was lost or overwritten (CoWR)`;
      details = () => [];
    } else if (why === 'value') {
      summary = `${evName(e)} read byte 0x${a.toString(16)} (${ctx.where(loc)}) as ${hexv(v, 1)}${full}, a value its only writer core ${owner} never stored there`;
      details = () => [`  expected one of ${setList(distinct(vs.slice(from)), (x) => hexv(x, 1))} (writes #${from}..#${vs.length - 1})`];
    } else {
      const js = this.index![b].get(v)!;
      summary =
        `${evName(e)} read byte 0x${a.toString(16)} (${ctx.where(loc)}) as ${hexv(v, 1)}${full}, which core ${owner} stored only at ` +
        `${setList(js, (j) => `write #${j} (op ${ops[j]})`, 3)}, before write #${from} that core ${e.core} had already observed` +
        `${fromOp >= 0 ? ` at op ${fromOp}` : ''}: coherence order went backwards (CoRR)`;
      details = () => [`  expected one of ${setList(distinct(vs.slice(from)), (x) => hexv(x, 1))}: writes #${from}..#${vs.length - 1}, from ${wdesc(from)} on`];
    }
    ctx.add({ kind: why === 'own' ? 'order' : why, core: e.core, op: e.op, addr: a, size: 1, summary, details });
  }
}

function distinct(xs: number[]): number[] {
  return [...new Set(xs)];
}

/** Smallest element >= x of an ascending list, or -1. */
function firstAtLeast(xs: number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (xs[m] < x) lo = m + 1;
    else hi = m;
  }
  return lo < xs.length ? xs[lo] : -1;
}

// ---------------------------------------------------------------- entry

export function checkStress(plan: StressPlan, obs: Observed): CheckResult {
  const ctx = new Ctx(plan, obs.complete);
  ctx.finalBytes = (addr, size) => {
    const li = plan.lines.findIndex((l) => addr >= l.addr && addr < l.addr + plan.lineBytes);
    const off = addr - plan.lines[li].addr;
    return Array.from(obs.lines[li].subarray(off, off + size));
  };
  const completed: number[] = [];
  for (let c = 0; c < plan.cores; c++) {
    const total = plan.ops[c].kind.length;
    let n = obs.progress[c];
    if (!Number.isSafeInteger(n) || n < 0 || n > total) {
      ctx.add({
        kind: 'log', core: c, op: -1, addr: plan.layout.progressAddr[c], size: 8,
        summary: `core ${c}'s progress word reads back as ${n}, outside 0..${total}: the memory system corrupted the core's own private data`,
        details: () => [],
      });
      n = 0;
    } else if (obs.complete && n !== total) {
      const n0 = n;
      ctx.add({
        kind: 'log', core: c, op: Infinity, addr: plan.layout.progressAddr[c], size: 8,
        summary: `core ${c} ran all ${total} ops and exited, but its progress word reads back as ${n0}: the memory system lost the core's own store (CoWR)`,
        details: () => [],
      });
    }
    completed.push(n);
  }

  // Events per location.
  type Checker = GraphLoc | CounterLoc | MaxLoc | BytesLoc;
  const checkers: Checker[] = plan.locations.map((loc) => {
    switch (loc.cls) {
      case 'tokd': case 'tokw': return new GraphLoc(ctx, loc);
      case 'cntd': case 'cntw': return new CounterLoc(ctx, loc);
      case 'maxd': case 'minw': return new MaxLoc(ctx, loc);
      default: return new BytesLoc(ctx, loc);
    }
  });
  for (let c = 0; c < plan.cores; c++) {
    const o = plan.ops[c];
    const log = obs.logs[c];
    const dv = new DataView(log.buffer, log.byteOffset, log.byteLength);
    let p = 0;
    const n = completed[c];
    const last = obs.complete ? n : Math.min(n + 1, o.kind.length);
    const logBase = plan.layout.logAddr[c];
    /** Reads entry j as [lo, hi], or undefined when it does not read back as written. */
    const entry = (j: number): [number, number] | undefined => {
      const q = LOG_ENTRY_BYTES * j;
      if (q + 16 > log.byteLength) return undefined;
      const lo = dv.getUint32(q, true);
      const hi = dv.getUint32(q + 4, true);
      const klo = dv.getUint32(q + 8, true);
      const khi = dv.getUint32(q + 12, true);
      return khi === hi && klo === ((lo ^ (logBase + q)) >>> 0) ? [lo, hi] : undefined;
    };
    for (let i = 0; i < last; i++) {
      const kind = o.kind[i] as Kind;
      const info = KINDS[kind];
      let inflight = i >= n;
      let rlo = 0, rhi = 0, sc = 0;
      if (!inflight && info.logs > 0) {
        const a = entry(p);
        const b = info.logs > 1 ? entry(p + 1) : [0, 0];
        if (a && b) {
          [rlo, rhi] = a;
          sc = b[0] | b[1];
        } else {
          const bad = a ? p + 1 : p;
          const q = LOG_ENTRY_BYTES * bad;
          const raw = q + 16 <= log.byteLength ? Array.from({ length: 4 }, (_, w) => dv.getUint32(q + 4 * w, true)) : [];
          const op = i;
          ctx.add({
            kind: 'log', core: c, op, addr: logBase + q, size: LOG_ENTRY_BYTES,
            summary:
              `core ${c} op ${op} (${info.name}): its log entry at 0x${(logBase + q).toString(16)} reads back as ` +
              `${raw.length ? `${hexv(u64(raw[0], raw[1]), 8)}, ${hexv(u64(raw[2], raw[3]), 8)}` : 'nothing'}, not the value and its check word ` +
              `(value ^ address) the core stored: the memory system lost the core's own store to its private log ` +
              `(CoWR on a location only it writes; e.g. a dirty line dropped on eviction). The op counts as unobserved.`,
            details: () => [],
          });
          inflight = true;
        }
        p += info.logs;
      }
      if (!inflight) ctx.stats.opsChecked++;
      if (o.loc[i] < 0) continue;
      checkers[o.loc[i]].add({ core: c, op: i, kind, addr: o.addr[i], size: info.size, rlo, rhi, sc, imm: o.imm[i], inflight });
    }
  }
  for (const ch of checkers) {
    ctx.stats.locations++;
    ch.finish();
  }
  const violations = ctx.violations.sort((a, b) => a.op - b.op || a.core - b.core);
  return { violations, stats: ctx.stats, completed };
}

/** The first violation, with its details, as lines. */
export function formatViolation(v: Violation): string[] {
  return [`[${v.kind}] ${v.summary}`, ...v.details()];
}

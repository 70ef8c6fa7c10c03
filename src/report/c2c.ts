// False-sharing analyzer and a perf-c2c-style report over the per-core c2c
// records (cores/c2c_recorder.ts).
//
// The records are keyed by (line, offset, core, pc). L1d hits are sampled one in
// SAMPLE_EVERY and carry that weight; misses (the accesses that can HITM) are
// exact, so every count below is a weighted estimate, like perf's.
//
// Offsets: the recorder keeps only the START offset of each access, not its
// size, so two accesses overlap here only when they start at the same byte. An
// 8-byte store at +0x0 and a 4-byte load at +0x4 look disjoint (false sharing)
// although they touch the same bytes. Aligned scalar fields — the usual layout —
// are classified correctly.
//
// Evidence: a core counts as an accessor of an offset (for `cores`, `writers`,
// `readers`, hence the verdict and the advice) only when its accesses there are
// significant against the busiest (offset, core) pair of the line: at least
// MIN_SHARE of its HITMs, of its stores, or of its accesses; and never on the
// strength of a single sampled L1 hit. A lone sampled read (hart 0 summing the
// counters once at the end) lands on a different offset from run to run and must
// not turn false sharing into true sharing. Such accesses stay in the tables and
// the per-pc rows, and the JSON lists their cores as `minor`.
//
// --boot linux: the records' addresses are physical (what the caches see), so lines are
// grouped by physical line, and the verdict is the caches' truth. Each record also carries
// the process that made it and the virtual address it used (cores/c2c_recorder.ts): a line
// is named after the (process, virtual line) that accessed it most — its `vaddr`, `pid` and
// `comm` — and its symbol and fields are looked up at that virtual address, in the booted
// program's symbols (a process that exec'd another image gets bare addresses). Other
// mappings of the same physical line (a page reused, a shared mapping) are listed too.
//
// HITM: the emulator counts both loads and stores (RFOs) that find the line
// Modified in another core's cache; `hitm` is that total. Loads that HITM'd are
// loads - l1Hits - l2Hits - l3Hits - ramLoads. There is one socket, so every
// HITM is local (perf's "Lcl"); remote columns and Snoop Peer are 0.

import {
  R_CYCLES,
  R_HITM,
  R_L1_HIT,
  R_L2_HIT,
  R_L3_HIT,
  R_LOADS,
  R_RAM,
  R_STORES,
  R_ST_L1_HIT,
  R_ST_L1_MISS,
  SAMPLE_EVERY,
} from '../../cores/c2c_recorder.ts';
import type { C2cEntry } from '../../cores/c2c_recorder.ts';
import { SymbolTable } from '../loader/symbols.ts';

export type C2cVerdict = 'false sharing' | 'true sharing' | 'read-shared' | 'private';

/** One code address accessing one offset (a Pareto row). */
export interface C2cPc {
  pc: number;
  /** Code symbol, e.g. "main+0x1c" (or the bare hex address). */
  symbol: string;
  /** Weighted accesses (loads + stores). */
  count: number;
  hitm: number;
  loadHitm: number;
  loads: number;
  stores: number;
  storeL1Hit: number;
  storeL1Miss: number;
  /** Number of recorder entries (perf's PA cnt). */
  records: number;
  cores: number[];
  avgLoadCycles: number;
}

export interface C2cOffset {
  offset: number;
  /** The data symbol (+offset) at line+offset, or "". */
  field: string;
  hitm: number;
  loads: number;
  stores: number;
  storeL1Hit: number;
  storeL1Miss: number;
  /** Cores that loaded or stored at this offset, significantly (see the header). */
  cores: number[];
  /** Cores that stored at this offset (significant ones). */
  writers: number[];
  /** Cores that loaded from this offset (significant ones). */
  readers: number[];
  /** Cores whose accesses here were too few to count for the verdict (e.g. one sampled read). */
  minor: number[];
  /** By HITM, then count (descending). */
  pcs: C2cPc[];
  avgLoadCycles: number;
}

/** A process's view of a physical line: its pid, comm and the line's virtual address (-1: none found). */
export interface C2cMapping {
  pid: number;
  comm: string;
  vaddr: number;
}

export interface C2cLine {
  /** The line's address as the caches see it: physical under --boot linux (then see vaddr). */
  address: number;
  /** --boot linux: the virtual address of the line in the process that accessed it most (absent: no user mapping, e.g. a page table). */
  vaddr?: number;
  /** --boot linux: that process's pid (thread group) and comm. */
  pid?: number;
  comm?: string;
  /** --boot linux: every (process, virtual line) that accessed the line, the most accesses first. */
  mappings?: C2cMapping[];
  /** Data symbol containing the line, e.g. "packed_counters" or "packed_counters+0x40", or "". */
  symbol: string;
  hitm: number;
  loads: number;
  stores: number;
  l1Hits: number;
  l2Hits: number;
  l3Hits: number;
  ramLoads: number;
  storeL1Hit: number;
  storeL1Miss: number;
  /** Number of recorder entries on this line (perf's PA cnt). */
  records: number;
  /** Cores with significant accesses to the line (see the header). */
  cores: number[];
  /** By offset (ascending). */
  offsets: C2cOffset[];
  verdict: C2cVerdict;
  /** Why: e.g. "cores 0,1,2,3 write disjoint offsets 0x0,0x8,0x10,0x18". */
  reason: string;
  advice: string;
}

export interface AnalyzeOptions {
  /** Keep every line, not only the contended ones (read-shared and private lines too). */
  all?: boolean;
  /**
   * The records' addresses are physical (--boot linux): a line no record names a virtual
   * address for is never looked up in `symbols` (a physical address is not the program's).
   */
  physical?: boolean;
  /**
   * With `physical`: the kernel's data by physical address (`runqueues[2].__lock`, the run
   * queues' locks: src/kernel/sched/rq_lock.ts), naming the lines no record names a virtual
   * address for.
   */
  kernelSymbols?: SymbolTable;
}

// ---------------------------------------------------------------------------
// Analysis

interface Acc {
  loads: number;
  stores: number;
  l1: number;
  l2: number;
  l3: number;
  ram: number;
  hitm: number;
  stL1Hit: number;
  stL1Miss: number;
  cycles: number;
  records: number;
}

const newAcc = (): Acc => ({ loads: 0, stores: 0, l1: 0, l2: 0, l3: 0, ram: 0, hitm: 0, stL1Hit: 0, stL1Miss: 0, cycles: 0, records: 0 });

function addTo(a: Acc, c: readonly number[]): void {
  a.loads += c[R_LOADS] ?? 0;
  a.stores += c[R_STORES] ?? 0;
  a.l1 += c[R_L1_HIT] ?? 0;
  a.l2 += c[R_L2_HIT] ?? 0;
  a.l3 += c[R_L3_HIT] ?? 0;
  a.ram += c[R_RAM] ?? 0;
  a.hitm += c[R_HITM] ?? 0;
  a.stL1Hit += c[R_ST_L1_HIT] ?? 0;
  a.stL1Miss += c[R_ST_L1_MISS] ?? 0;
  a.cycles += c[R_CYCLES] ?? 0;
  a.records++;
}

/** Loads that hit a Modified line in another core: the loads no cache level and not RAM served. */
const loadHitm = (loads: number, l1: number, l2: number, l3: number, ram: number): number => Math.max(0, loads - l1 - l2 - l3 - ram);
const loadHitmOf = (a: Acc): number => loadHitm(a.loads, a.l1, a.l2, a.l3, a.ram);
const avgCycles = (a: Acc): number => (a.loads > 0 ? Math.round((a.cycles / a.loads) * 10) / 10 : 0);
const sorted = (s: Iterable<number>): number[] => [...s].sort((x, y) => x - y);
const hex = (n: number): string => '0x' + n.toString(16);
const list = (ns: readonly (number | string)[]): string => ns.join(',');

interface PcAcc {
  acc: Acc;
  cores: Set<number>;
}

interface OffAcc {
  acc: Acc;
  /** Per core: the evidence that decides whether it counts. */
  byCore: Map<number, Acc>;
  pcs: Map<number, PcAcc>;
}

interface MapAcc {
  pid: number;
  comm: string;
  image: number;
  vaddr: number;
  weight: number;
}

interface LineAcc {
  acc: Acc;
  offsets: Map<number, OffAcc>;
  /** --boot linux: by "pid:image:vaddr", the processes (and executables) and virtual lines that made its records. */
  maps: Map<string, MapAcc>;
}

/** Names nothing: data of a process whose executable is not the booted program, or with no user mapping. */
const NO_SYMBOLS = new SymbolTable([]);

/** The mapping a line is named after: the heaviest with a virtual address, else the heaviest. */
function mainMapping(maps: Map<string, MapAcc>): MapAcc | undefined {
  const better = (m: MapAcc, b: MapAcc): boolean =>
    (m.vaddr >= 0) !== (b.vaddr >= 0) ? m.vaddr >= 0 : m.weight > b.weight || (m.weight === b.weight && (m.pid < b.pid || (m.pid === b.pid && m.vaddr < b.vaddr)));
  let best: MapAcc | undefined;
  for (const m of maps.values()) if (!best || better(m, best)) best = m;
  return best;
}

/** Share of the busiest (offset, core) pair's HITMs, stores or accesses that makes a pair count. */
export const MIN_SHARE = 0.02;

interface Maxima {
  hitm: number;
  stores: number;
  count: number;
}

function maxima(l: LineAcc): Maxima {
  const m: Maxima = { hitm: 0, stores: 0, count: 0 };
  for (const o of l.offsets.values()) {
    for (const a of o.byCore.values()) {
      m.hitm = Math.max(m.hitm, a.hitm);
      m.stores = Math.max(m.stores, a.stores);
      m.count = Math.max(m.count, a.loads + a.stores);
    }
  }
  return m;
}

/** Whether one core's accesses to one offset count as evidence (see the header). */
function significant(a: Acc, m: Maxima): boolean {
  const count = a.loads + a.stores;
  if (count <= 0 && a.hitm <= 0) return false;
  // Reads that are one sampled L1 hit and nothing else: one sample is not evidence.
  if (a.stores === 0 && a.hitm === 0 && a.loads === a.l1 && a.loads <= SAMPLE_EVERY) return false;
  return (
    (a.hitm > 0 && a.hitm >= MIN_SHARE * m.hitm) ||
    (a.stores > 0 && a.stores >= MIN_SHARE * m.stores) ||
    count >= MIN_SHARE * m.count
  );
}

/**
 * Groups the records by cache line (of `lineBytes`), classifies each line and
 * returns the contended ones ranked by HITMs, then stores. A line is contended
 * when it has HITMs, or when at least one core stored to it and two or more
 * cores accessed it. Lines only read (even by many cores) are not contended;
 * pass { all: true } to get every line, read-shared and private ones included.
 */
export function analyzeC2c(entries: C2cEntry[], symbols: SymbolTable, lineBytes: number, opts: AnalyzeOptions = {}): C2cLine[] {
  if (!(lineBytes > 0)) throw new RangeError(`lineBytes must be positive, got ${lineBytes}`);
  const lines = new Map<number, LineAcc>();
  for (const e of entries) {
    const addr = e.line + e.offset;
    const line = addr - (addr % lineBytes);
    const offset = addr - line;
    let l = lines.get(line);
    if (!l) lines.set(line, (l = { acc: newAcc(), offsets: new Map(), maps: new Map() }));
    if (e.pid !== undefined) {
      const vaddr = e.va !== undefined ? e.va - offset : -1;
      const key = `${e.pid}:${e.image ?? 0}:${vaddr}`;
      let mp = l.maps.get(key);
      if (!mp) l.maps.set(key, (mp = { pid: e.pid, comm: e.comm ?? '', image: e.image ?? 0, vaddr, weight: 0 }));
      mp.weight += (e.counts[R_LOADS] ?? 0) + (e.counts[R_STORES] ?? 0);
    }
    let o = l.offsets.get(offset);
    if (!o) l.offsets.set(offset, (o = { acc: newAcc(), byCore: new Map(), pcs: new Map() }));
    let p = o.pcs.get(e.pc);
    if (!p) o.pcs.set(e.pc, (p = { acc: newAcc(), cores: new Set() }));
    let c = o.byCore.get(e.core);
    if (!c) o.byCore.set(e.core, (c = newAcc()));
    addTo(l.acc, e.counts);
    addTo(o.acc, e.counts);
    addTo(p.acc, e.counts);
    addTo(c, e.counts);
    if ((e.counts[R_LOADS] ?? 0) + (e.counts[R_STORES] ?? 0) + (e.counts[R_HITM] ?? 0) > 0) p.cores.add(e.core);
  }

  const out: C2cLine[] = [];
  for (const [address, l] of lines) {
    // Who counts: per offset, the cores with significant evidence.
    const m = maxima(l);
    const lineCores = new Set<number>();
    const who = new Map<number, { cores: number[]; writers: number[]; readers: number[]; minor: number[] }>();
    for (const [offset, o] of l.offsets) {
      const w = { cores: [] as number[], writers: [] as number[], readers: [] as number[], minor: [] as number[] };
      for (const core of sorted(o.byCore.keys())) {
        const a = o.byCore.get(core)!;
        if (!significant(a, m)) {
          if (a.loads + a.stores + a.hitm > 0) w.minor.push(core);
          continue;
        }
        w.cores.push(core);
        lineCores.add(core);
        if (a.stores > 0) w.writers.push(core);
        if (a.loads > 0) w.readers.push(core);
      }
      who.set(offset, w);
    }
    const contended = l.acc.hitm > 0 || (l.acc.stores > 0 && lineCores.size >= 2);
    if (!contended && !opts.all) continue;
    // Names: at the virtual address, with the program's symbols, when the records say where (--boot linux).
    const main = mainMapping(l.maps);
    const owned = main !== undefined;
    const name = main && main.vaddr >= 0 ? main.vaddr : address;
    const kernelSyms = opts.physical ? (opts.kernelSymbols ?? NO_SYMBOLS) : NO_SYMBOLS;
    const syms = !owned ? (opts.physical ? kernelSyms : symbols) : main.vaddr >= 0 ? (main.image === 1 ? symbols : NO_SYMBOLS) : kernelSyms;
    const codeSyms = !owned || main.image === 1 ? symbols : NO_SYMBOLS;
    const offsets: C2cOffset[] = sorted(l.offsets.keys()).map((offset) => {
      const o = l.offsets.get(offset)!;
      const w = who.get(offset)!;
      const hit = syms.lookup(name + offset);
      const pcs: C2cPc[] = [...o.pcs].map(([pc, p]) => ({
        pc,
        symbol: codeSyms.format(pc),
        count: p.acc.loads + p.acc.stores,
        hitm: p.acc.hitm,
        loadHitm: loadHitmOf(p.acc),
        loads: p.acc.loads,
        stores: p.acc.stores,
        storeL1Hit: p.acc.stL1Hit,
        storeL1Miss: p.acc.stL1Miss,
        records: p.acc.records,
        cores: sorted(p.cores),
        avgLoadCycles: avgCycles(p.acc),
      }));
      pcs.sort((a, b) => b.hitm - a.hitm || b.count - a.count || a.pc - b.pc);
      return {
        offset,
        field: hit ? syms.format(name + offset) : '',
        hitm: o.acc.hitm,
        loads: o.acc.loads,
        stores: o.acc.stores,
        storeL1Hit: o.acc.stL1Hit,
        storeL1Miss: o.acc.stL1Miss,
        cores: w.cores,
        writers: w.writers,
        readers: w.readers,
        minor: w.minor,
        pcs,
        avgLoadCycles: avgCycles(o.acc),
      };
    });
    const cores = sorted(lineCores);
    // Offsets nobody accesses significantly take no part in the verdict (nor in the field sizes).
    const evident = offsets.filter((o) => o.cores.length > 0);
    const symbol = lineSymbol(name, evident.length > 0 ? evident : offsets, syms);
    const { verdict, reason, advice } = classify(name, cores, evident, l.acc.hitm, syms, lineBytes);
    const where: Pick<C2cLine, 'vaddr' | 'pid' | 'comm' | 'mappings'> = {};
    if (main) {
      if (main.vaddr >= 0) where.vaddr = main.vaddr;
      where.pid = main.pid;
      where.comm = main.comm;
      where.mappings = [...l.maps.values()]
        .sort((a, b) => b.weight - a.weight || a.pid - b.pid || a.vaddr - b.vaddr)
        .map((m) => ({ pid: m.pid, comm: m.comm, vaddr: m.vaddr }));
    }
    out.push({
      address,
      ...where,
      symbol,
      hitm: l.acc.hitm,
      loads: l.acc.loads,
      stores: l.acc.stores,
      l1Hits: l.acc.l1,
      l2Hits: l.acc.l2,
      l3Hits: l.acc.l3,
      ramLoads: l.acc.ram,
      storeL1Hit: l.acc.stL1Hit,
      storeL1Miss: l.acc.stL1Miss,
      records: l.acc.records,
      cores,
      offsets,
      verdict,
      reason,
      advice,
    });
  }
  out.sort((a, b) => b.hitm - a.hitm || b.stores - a.stores || a.address - b.address);
  return out;
}

/** The symbol at the line's start, else the one at its lowest accessed offset, else "". */
function lineSymbol(address: number, offsets: readonly C2cOffset[], symbols: SymbolTable): string {
  if (symbols.lookup(address)) return symbols.format(address);
  for (const o of offsets) if (o.field) return o.field;
  return '';
}

/** Name of the data at line+offset: its symbol (+offset) or the bare address. */
function fieldName(address: number, o: C2cOffset): string {
  return o.field || hex(address + o.offset);
}

/** "packed+0x0, +0x8, +0x10": names after the first drop a repeated base symbol. */
function fieldList(names: readonly string[]): string {
  const base = (n: string): string => {
    const i = n.lastIndexOf('+0x');
    return i > 0 ? n.slice(0, i) : n;
  };
  const first = names[0];
  if (first === undefined) return '';
  const b0 = base(first);
  const rest = names.slice(1).map((n) => (base(n) === b0 && n !== b0 && !n.startsWith('0x') ? n.slice(b0.length) : n));
  const showFirst = rest.some((r) => r.startsWith('+')) && first === b0 ? `${first}+0x0` : first;
  return [showFirst, ...rest].join(', ');
}

/**
 * Estimated size of the field at each accessed offset: the size of a data
 * symbol starting exactly there, else the distance to the next accessed
 * offset, else the smallest such distance on the line (the stride of an array
 * of per-core slots), else the rest of the line.
 */
function fieldSizes(address: number, offsets: readonly C2cOffset[], symbols: SymbolTable, lineBytes: number): Map<number, number> {
  const offs = offsets.map((o) => o.offset);
  let minGap = Infinity;
  for (let i = 1; i < offs.length; i++) minGap = Math.min(minGap, offs[i]! - offs[i - 1]!);
  const sizes = new Map<number, number>();
  offs.forEach((off, i) => {
    const next = offs[i + 1];
    let size = next !== undefined ? next - off : Math.min(Number.isFinite(minGap) ? minGap : lineBytes - off, lineBytes - off);
    const hit = symbols.lookup(address + off);
    if (hit && hit.offset === 0) {
      const s = symbols.find(hit.name);
      if (s && s.value === address + off && s.size > 0 && s.size <= size) size = s.size;
    }
    sizes.set(off, Math.max(1, size));
  });
  return sizes;
}

function classify(
  address: number,
  cores: readonly number[],
  offsets: readonly C2cOffset[],
  hitm: number,
  symbols: SymbolTable,
  lineBytes: number,
): { verdict: C2cVerdict; reason: string; advice: string } {
  const writers = new Set<number>();
  for (const o of offsets) for (const w of o.writers) writers.add(w);
  const shared = offsets.filter((o) => o.writers.length > 0 && o.cores.length >= 2);

  if (cores.length < 2) {
    const who = cores.length === 1 ? `only core ${cores[0]} accesses the line` : 'no recorded accesses';
    const unseen = hitm > 0 ? `; its ${fmtNum(hitm)} HITMs mean another core wrote the line in accesses the 1-in-${SAMPLE_EVERY} L1-hit sampling missed` : '';
    return { verdict: 'private', reason: who + unseen, advice: hitm > 0 ? 'no action for the recorded accesses; look at the other cores writing this line' : 'no action needed' };
  }

  if (writers.size === 0) {
    return {
      verdict: 'read-shared',
      reason: `cores ${list(cores)} read offsets ${list(offsets.map((o) => o.offset).map(hex))}, nobody writes`,
      advice: 'no action needed',
    };
  }

  const sizes = fieldSizes(address, offsets, symbols, lineBytes);

  if (shared.length > 0) {
    const parts = shared.map((o) => {
      const readersOnly = o.cores.filter((c) => !o.writers.includes(c));
      const rd = readersOnly.length > 0 ? `, read by core${readersOnly.length > 1 ? 's' : ''} ${list(readersOnly)}` : '';
      return `offset ${hex(o.offset)} written by core${o.writers.length > 1 ? 's' : ''} ${list(o.writers)}${rd}`;
    });
    const names = fieldList(shared.map((o) => fieldName(address, o)));
    let advice =
      `reduce sharing of ${names}: give each core its own copy (on its own ${lineBytes}-byte line) and combine them at the end, ` +
      'or batch updates locally and publish them less often';
    // Mixed line: disjoint per-core data next to the truly shared datum also bounces with it.
    const bystanders = offsets.filter((o) => !shared.includes(o) && o.writers.length > 0);
    if (bystanders.length > 0) {
      advice += `; also move ${fieldList(bystanders.map((o) => fieldName(address, o)))} (written only by core${
        new Set(bystanders.flatMap((o) => o.writers)).size > 1 ? 's' : ''
      } ${list(sorted(new Set(bystanders.flatMap((o) => o.writers))))}) off this line`;
    }
    return { verdict: 'true sharing', reason: parts.join('; '), advice };
  }

  // False sharing: every written offset has exactly one writer and no other accessor.
  const written = offsets.filter((o) => o.writers.length > 0);
  const readOnly = offsets.filter((o) => o.writers.length === 0);
  const writerList = sorted(writers);
  let reason = `core${writerList.length > 1 ? 's' : ''} ${list(writerList)} write${writerList.length > 1 ? '' : 's'} disjoint offsets ${list(written.map((o) => hex(o.offset)))}`;
  if (readOnly.length > 0) {
    const rd = sorted(new Set(readOnly.flatMap((o) => o.readers)));
    reason += `; core${rd.length > 1 ? 's' : ''} ${list(rd)} read${rd.length > 1 ? '' : 's'} ${list(readOnly.map((o) => hex(o.offset)))}`;
  }

  // One group per writer core (its written offsets), plus one for data nobody writes.
  const groups: { label: string; offs: C2cOffset[] }[] = writerList.map((w) => ({
    label: `core ${w}`,
    offs: written.filter((o) => o.writers[0] === w),
  }));
  if (readOnly.length > 0) groups.push({ label: 'read-only', offs: readOnly });
  const span = (g: C2cOffset[]): number => {
    const first = g[0]!.offset;
    const last = g[g.length - 1]!;
    return last.offset + sizes.get(last.offset)! - first;
  };
  const pad = (bytes: number): number => Math.ceil(bytes / lineBytes) * lineBytes - bytes;
  const singleSize = groups.every((g) => g.offs.length === 1) ? new Set(groups.map((g) => span(g.offs))) : new Set<number>();
  let advice: string;
  if (singleSize.size === 1) {
    const size = [...singleSize][0]!;
    // In address order, whichever core wrote which (threads land on cores in any order).
    const names = fieldList(groups.map((g) => g.offs[0]!).sort((a, b) => a.offset - b.offset).map((o) => fieldName(address, o)));
    advice =
      `pad each of ${names} to its own ${lineBytes}-byte line: ${pad(size)} bytes of padding after each ${size}-byte field, ` +
      `or align each to ${lineBytes}`;
  } else {
    const parts = groups.map((g) => {
      const s = span(g.offs);
      return `${g.label === 'read-only' ? 'the read-only' : g.label + "'s"} ${fieldList(g.offs.map((o) => fieldName(address, o)))} (${s} bytes: pad ${pad(s)})`;
    });
    advice = `put each writer's data on its own ${lineBytes}-byte line — ${parts.join('; ')} — or align each group to ${lineBytes}`;
  }
  return { verdict: 'false sharing', reason, advice };
}

// ---------------------------------------------------------------------------
// Text report (perf c2c report --stdio layout)

export interface FormatC2cOptions {
  lineBytes: number;
  /** Denominator of the HITM percentages (default: the sum over `lines`). */
  totalHitm?: number;
  /** Show only the first `top` lines (percentages still use every line). */
  top?: number;
  /** Object column of the Pareto (default "guest"). */
  program?: string;
}

interface Col {
  w: number;
  h1?: string;
  h2: string;
  /** Literal group bar (exactly the width of the columns sharing it). */
  group?: string;
  /** Text column: left-aligned, width grows to fit. */
  text?: boolean;
}

const BANNER = '=================================================';

function banner(title: string): string {
  const padL = Math.max(0, Math.floor((BANNER.length - title.length) / 2));
  return `${BANNER}\n${' '.repeat(padL)}${title}\n${BANNER}\n`;
}

function fmtNum(n: number): string {
  return String(Math.round(n));
}

function pct(n: number, d: number): string {
  return (d > 0 ? (100 * n) / d : 0).toFixed(2) + '%';
}

function renderTable(cols: Col[], rows: string[][]): string[] {
  const widths = cols.map((c, i) =>
    c.text ? Math.max(c.h2.length, (c.h1 ?? '').length, ...rows.map((r) => (r[i] ?? '').length)) : c.w,
  );
  const cell = (i: number, s: string): string => {
    const c = cols[i]!;
    return c.text ? '  ' + s.padEnd(widths[i]!) : s.padStart(c.w);
  };
  let h1 = '';
  let h2 = '';
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    if (i === 0) {
      h1 += ('  ' + (c.h1 ?? '')).padEnd(c.w);
      h2 += ('  ' + c.h2).padEnd(c.w);
      continue;
    }
    if (c.group !== undefined) {
      let w = 0;
      let j = i;
      while (j < cols.length && cols[j]!.group === c.group) w += cols[j++]!.w;
      h1 += c.group.padStart(w);
      for (let k = i; k < j; k++) h2 += cell(k, cols[k]!.h2);
      i = j - 1;
      continue;
    }
    h1 += cell(i, c.h1 ?? '');
    h2 += cell(i, c.h2);
  }
  const out = [h1.trimEnd(), h2.trimEnd()];
  for (const r of rows) out.push(r.map((s, i) => cell(i, s)).join('').trimEnd());
  return out;
}

/** Columns under one group bar (the bar is exactly as wide as they are together). */
function grouped(group: string, cols: Col[]): Col[] {
  return cols.map((c) => ({ ...c, group }));
}

const LINE_COLS: Col[] = [
  { w: 9, h1: '#', h2: '# Index' },
  ...grouped('  ----------- Cacheline ----------', [{ w: 20, h2: 'Address' }, { w: 6, h2: 'Node' }, { w: 8, h2: 'PA cnt' }]),
  { w: 9, h1: 'Tot', h2: 'Hitm' },
  ...grouped('  ------- Load Hitm -------', [{ w: 9, h2: 'Total' }, { w: 9, h2: 'LclHitm' }, { w: 9, h2: 'RmtHitm' }]),
  { w: 9, h1: 'Snoop', h2: 'Peer' },
  { w: 9, h1: 'Total', h2: 'records' },
  { w: 9, h1: 'Total', h2: 'Loads' },
  { w: 9, h1: 'Total', h2: 'Stores' },
  ...grouped('  --------- Stores --------', [{ w: 9, h2: 'L1Hit' }, { w: 9, h2: 'L1Miss' }, { w: 9, h2: 'N/A' }]),
  ...grouped('  ----- Core Load Hit -----', [{ w: 9, h2: 'FB' }, { w: 9, h2: 'L1' }, { w: 9, h2: 'L2' }]),
  ...grouped('  - LLC Load Hit --', [{ w: 10, h2: 'LclHit' }, { w: 9, h2: 'LclHitm' }]),
  ...grouped('  - RMT Load Hit --', [{ w: 10, h2: 'RmtHit' }, { w: 9, h2: 'RmtHitm' }]),
  ...grouped('  --- Load Dram ----', [{ w: 10, h2: 'Lcl' }, { w: 10, h2: 'Rmt' }]),
  { w: 0, h1: 'Data', h2: 'Symbol', text: true },
];

const PARETO_COLS: Col[] = [
  { w: 9, h1: '#', h2: '#   Num' },
  ...grouped('  ----- HITM -----', [{ w: 9, h2: 'RmtHitm' }, { w: 9, h2: 'LclHitm' }]),
  { w: 9, h1: 'Snoop', h2: 'Peer' },
  ...grouped('  ------- Store Refs ------', [{ w: 9, h2: 'L1 Hit' }, { w: 9, h2: 'L1 Miss' }, { w: 9, h2: 'N/A' }]),
  ...grouped('  --------- Data address ---------', [{ w: 20, h2: 'Offset' }, { w: 6, h2: 'Node' }, { w: 8, h2: 'PA cnt' }]),
  { w: 20, h2: 'Code address' },
  ...grouped('  --------------- cycles ---------------', [{ w: 10, h2: 'rmt hitm' }, { w: 10, h2: 'lcl hitm' }, { w: 10, h2: 'load' }, { w: 10, h2: 'peer' }]),
  { w: 9, h1: 'Total', h2: 'records' },
  { w: 10, h1: 'cpu', h2: 'cnt' },
  { w: 0, h2: 'Symbol', text: true },
  { w: 0, h1: 'Shared', h2: 'Object', text: true },
  { w: 0, h2: 'Source:Line', text: true },
  { w: 0, h2: 'Node', text: true },
];

function kv(label: string, value: string | number): string {
  return `  ${label.padEnd(34)}:${String(value).padStart(11)}`;
}

/** The address a line is shown at: virtual when the records said where (--boot linux), else the caches' address. */
const shownAddress = (l: C2cLine): number => l.vaddr ?? l.address;
/** "  [pid 1 fs_packed]" under --boot linux, else "". */
const owner = (l: C2cLine): string => (l.pid !== undefined ? `  [pid ${l.pid} ${l.comm ?? ''}]` : '');
/** The verdict's " (pid 1 fs_packed, pa 0x8012c0c0; also pid 2 at 0x7f4c0)" under --boot linux, else "". */
function where(l: C2cLine): string {
  if (l.pid === undefined) return '';
  // No virtual address: the kernel's or the page walker's physical accesses (page tables, page copies), made while the process ran.
  const others = (l.mappings ?? []).slice(1).map((m) => `pid ${m.pid} ${m.vaddr >= 0 ? 'at ' + hex(m.vaddr) : 'through the kernel'}`);
  return ` (pid ${l.pid} ${l.comm ?? ''}, pa ${hex(l.address)}${l.vaddr === undefined ? ', kernel accesses only' : ''}${others.length > 0 ? '; also ' + others.join(', ') : ''})`;
}

const lineLoadHitm = (l: C2cLine): number => loadHitm(l.loads, l.l1Hits, l.l2Hits, l.l3Hits, l.ramLoads);

/**
 * The report in perf c2c report --stdio layout: Trace Event Information,
 * Global Shared Cache Line Event Information, c2c details, Shared Data Cache
 * Line Table, Shared Cache Line Distribution Pareto, then a Verdict section
 * (what perf leaves to the reader: false vs true sharing, and how to fix it).
 */
export function formatC2c(lines: C2cLine[], opts: FormatC2cOptions): string {
  const sum = (f: (l: C2cLine) => number): number => lines.reduce((s, l) => s + f(l), 0);
  const totalHitm = opts.totalHitm ?? sum((l) => l.hitm);
  const shown = opts.top !== undefined ? lines.slice(0, Math.max(0, opts.top)) : lines;
  const object = opts.program ?? 'guest';
  const loads = sum((l) => l.loads);
  const stores = sum((l) => l.stores);
  const loadHitm = sum(lineLoadHitm);
  const hitm = sum((l) => l.hitm);
  const ram = sum((l) => l.ramLoads);
  const llcMiss = loadHitm + ram;
  let s = '';

  s += banner('Trace Event Information');
  s += [
    kv('Total records', fmtNum(loads + stores)),
    kv('Load Operations', fmtNum(loads)),
    kv('Load L1D hit', fmtNum(sum((l) => l.l1Hits))),
    kv('Load L2D hit', fmtNum(sum((l) => l.l2Hits))),
    kv('Load LLC hit', fmtNum(sum((l) => l.l3Hits))),
    kv('Load Local HITM', fmtNum(loadHitm)),
    kv('Load Remote HITM', 0),
    kv('Load Local DRAM', fmtNum(ram)),
    kv('Load Remote DRAM', 0),
    kv('Load LLC Misses', fmtNum(llcMiss)),
    kv('LLC Misses to Local DRAM', (llcMiss > 0 ? (100 * ram) / llcMiss : 0).toFixed(1) + '%'),
    kv('LLC Misses to Remote cache (HITM)', (llcMiss > 0 ? (100 * loadHitm) / llcMiss : 0).toFixed(1) + '%'),
    kv('Store Operations', fmtNum(stores)),
    kv('Store L1D Hit', fmtNum(sum((l) => l.storeL1Hit))),
    kv('Store L1D Miss', fmtNum(sum((l) => l.storeL1Miss))),
    kv('Store Local HITM', fmtNum(hitm - loadHitm)),
    kv('Total HITMs (loads + stores)', fmtNum(hitm)),
  ].join('\n');
  s += '\n\n';

  s += banner('Global Shared Cache Line Event Information');
  s += [
    kv('Total Shared Cache Lines', lines.length),
    kv('Load HITs on shared lines', fmtNum(loads)),
    kv('L1D hits on shared lines', fmtNum(sum((l) => l.l1Hits))),
    kv('L2D hits on shared lines', fmtNum(sum((l) => l.l2Hits))),
    kv('LLC hits on shared lines', fmtNum(sum((l) => l.l3Hits))),
    kv('Store HITs on shared lines', fmtNum(stores)),
    kv('Store L1D hits on shared lines', fmtNum(sum((l) => l.storeL1Hit))),
    kv('Total Merged records', sum((l) => l.records)),
    kv('False sharing lines', lines.filter((l) => l.verdict === 'false sharing').length),
    kv('True sharing lines', lines.filter((l) => l.verdict === 'true sharing').length),
  ].join('\n');
  s += '\n\n';

  s += banner('c2c details');
  s += [
    `  ${'Events'.padEnd(34)}: emulator L1d accesses (hits sampled about 1 in ${SAMPLE_EVERY}, seeded per core; misses and atomics exact)`,
    `  ${'Cachelines sort on'.padEnd(34)}: Total HITMs`,
    `  ${'Cacheline size'.padEnd(34)}: ${opts.lineBytes} bytes`,
    `  ${'Cacheline data grouping'.padEnd(34)}: offset,iaddr`,
    ...(lines.some((l) => l.pid !== undefined)
      ? [`  ${'Data addresses'.padEnd(34)}: virtual, of the process in [pid comm] (lines grouped by physical address, pa in the Verdict)`]
      : []),
  ].join('\n');
  s += '\n\n';

  s += banner('Shared Data Cache Line Table');
  const tableRows = shown.map((l, i) => [
    String(i),
    hex(shownAddress(l)),
    '0',
    String(l.records),
    pct(l.hitm, totalHitm),
    fmtNum(l.hitm),
    fmtNum(l.hitm),
    '0',
    '0',
    fmtNum(l.loads + l.stores),
    fmtNum(l.loads),
    fmtNum(l.stores),
    fmtNum(l.storeL1Hit),
    fmtNum(l.storeL1Miss),
    '0',
    '0',
    fmtNum(l.l1Hits),
    fmtNum(l.l2Hits),
    fmtNum(l.l3Hits),
    fmtNum(lineLoadHitm(l)),
    '0',
    '0',
    fmtNum(l.ramLoads),
    '0',
    (l.symbol || '?') + owner(l),
  ]);
  s += renderTable(LINE_COLS, tableRows).join('\n') + '\n';
  s += '  # Hitm counts loads and stores that hit a Modified line in another core; LLC Load Hit LclHitm counts loads only.\n\n';

  s += banner('Shared Cache Line Distribution Pareto');
  const dash = '    ' + '-'.repeat(79);
  const heads: string[] = [];
  const counts: number[] = [];
  const pRows: string[][] = [];
  shown.forEach((l, i) => {
    heads.push(
      [
        String(i).padStart(9),
        '0'.padStart(9),
        fmtNum(l.hitm).padStart(9),
        '0'.padStart(9),
        fmtNum(l.storeL1Hit).padStart(9),
        fmtNum(l.storeL1Miss).padStart(9),
        '0'.padStart(9),
        hex(shownAddress(l)).padStart(20),
        l.symbol ? '  ' + l.symbol : '',
        owner(l),
      ].join(''),
    );
    let n = 0;
    for (const o of l.offsets) {
      for (const p of o.pcs) {
        pRows.push([
          '',
          pct(0, 1),
          pct(p.hitm, l.hitm),
          pct(0, 1),
          pct(p.storeL1Hit, l.storeL1Hit),
          pct(p.storeL1Miss, l.storeL1Miss),
          pct(0, 1),
          hex(o.offset),
          '0',
          String(p.records),
          hex(p.pc),
          '0',
          // One latency sum is kept per record, over all its loads: it is the
          // HITM latency only when every load of the record HITM'd.
          p.loadHitm === 0 ? '0' : p.loadHitm === p.loads ? fmtNum(p.avgLoadCycles) : '-',
          fmtNum(p.avgLoadCycles),
          '0',
          fmtNum(p.count),
          String(p.cores.length),
          `[.] ${p.symbol}`,
          object,
          '?',
          '0',
        ]);
        n++;
      }
    }
    counts.push(n);
  });
  // One table for every row, so the text columns line up across lines.
  const rendered = renderTable(PARETO_COLS, pRows);
  s += rendered.slice(0, 2).join('\n') + '\n';
  let r = 2;
  heads.forEach((head, i) => {
    s += [dash, head, dash, ...rendered.slice(r, r + counts[i]!)].join('\n') + '\n';
    r += counts[i]!;
  });
  s += '\n';

  s += banner('Verdict');
  for (const l of shown) {
    s += `  ${hex(shownAddress(l))}${l.symbol ? ' ' + l.symbol : ''}${where(l)}: ${l.verdict} — ${l.reason}\n`;
    s += `      advice: ${l.advice}\n`;
  }
  return s;
}

// ---------------------------------------------------------------------------
// JSON

export interface C2cJson {
  totalHitm: number;
  lines: (Omit<C2cLine, 'offsets'> & {
    addressHex: string;
    /** --boot linux: vaddr in hex. */
    vaddrHex?: string;
    offsets: (C2cOffset & { offsetHex: string; pcs: (C2cPc & { pcHex: string })[] })[];
  })[];
}

/** A plain (JSON-serializable) object with the same data, plus hex spellings of addresses. */
export function c2cJson(lines: C2cLine[]): C2cJson {
  return {
    totalHitm: lines.reduce((s, l) => s + l.hitm, 0),
    lines: lines.map((l) => ({
      ...l,
      addressHex: hex(l.address),
      ...(l.vaddr !== undefined ? { vaddrHex: hex(l.vaddr) } : {}),
      ...(l.mappings ? { mappings: l.mappings.map((m) => ({ ...m })) } : {}),
      cores: [...l.cores],
      offsets: l.offsets.map((o) => ({
        ...o,
        offsetHex: hex(o.offset),
        cores: [...o.cores],
        writers: [...o.writers],
        readers: [...o.readers],
        minor: [...o.minor],
        pcs: o.pcs.map((p) => ({ ...p, cores: [...p.cores], pcHex: hex(p.pc) })),
      })),
    })),
  };
}

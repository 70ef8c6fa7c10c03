// Parser for herd7's RISC-V litmus format (tests/non-mixed-size/*.litmus and
// hand-written tests):
//
//   RISCV MP                           name line: architecture and test name
//   "PodWW Rfe PodRR Fre"              metadata: quoted doc string, Key=value lines (ignored)
//   { 0:x5=1; 0:x6=x; uint64_t y; }    init: registers (ints or location addresses), typed locations
//    P0          | P1          ;       code table: one column per thread, rows end with ';'
//    sw x5,0(x6) | lw x5,0(x6) ;
//   locations [x; 1:x5;]               optional: extra observed locations / registers
//   filter (1:x5=1)                    optional: runs not satisfying it are discarded
//   exists (1:x5=1 /\ 1:x7=0)          final condition: exists, ~exists or forall
//
// OCaml-style (* *) comments may appear anywhere. Errors are LitmusError with a
// 1-based line number.

import { parseRegister } from '../asm/encode.ts';

export class LitmusError extends Error {
  override name = 'LitmusError';
  constructor(
    readonly line: number,
    readonly detail: string,
    readonly file?: string,
  ) {
    super(`${file ? `${file}:` : ''}${line > 0 ? `line ${line}: ` : ''}${detail}`);
  }
}

/** A C-ish type of a location or register: byte width and signedness. */
export interface LitmusType {
  name: string;
  bytes: 1 | 2 | 4 | 8;
  signed: boolean;
}

export const DEFAULT_TYPE: LitmusType = { name: 'int', bytes: 4, signed: true };

const TYPES: Record<string, Omit<LitmusType, 'name'>> = {
  int: { bytes: 4, signed: true },
  'signed int': { bytes: 4, signed: true },
  'unsigned int': { bytes: 4, signed: false },
  unsigned: { bytes: 4, signed: false },
  int32_t: { bytes: 4, signed: true },
  uint32_t: { bytes: 4, signed: false },
  long: { bytes: 8, signed: true },
  'long long': { bytes: 8, signed: true },
  'unsigned long': { bytes: 8, signed: false },
  'unsigned long long': { bytes: 8, signed: false },
  int64_t: { bytes: 8, signed: true },
  uint64_t: { bytes: 8, signed: false },
  intptr_t: { bytes: 8, signed: true },
  uintptr_t: { bytes: 8, signed: false },
  short: { bytes: 2, signed: true },
  'unsigned short': { bytes: 2, signed: false },
  int16_t: { bytes: 2, signed: true },
  uint16_t: { bytes: 2, signed: false },
  char: { bytes: 1, signed: true },
  'unsigned char': { bytes: 1, signed: false },
  int8_t: { bytes: 1, signed: true },
  uint8_t: { bytes: 1, signed: false },
};

export function typeNamed(name: string): LitmusType | undefined {
  const n = name.replace(/\s+/g, ' ').trim();
  if (n.endsWith('*')) return { name: n, bytes: 8, signed: false };
  const t = TYPES[n];
  return t ? { name: n, ...t } : undefined;
}

export type Value = { k: 'int'; v: bigint } | { k: 'loc'; name: string };

export interface LocationDecl {
  name: string;
  type: LitmusType;
  init: Value;
  line: number;
}

export interface RegInit {
  thread: number;
  reg: number;
  /** As written (x5, a0, s1). */
  regName: string;
  value: Value;
  type?: LitmusType;
  line: number;
}

export type Var = { k: 'reg'; thread: number; reg: number; name: string } | { k: 'mem'; loc: string };

export type Prop =
  | { k: 'true' }
  | { k: 'false' }
  | { k: 'not'; p: Prop }
  | { k: 'and'; a: Prop; b: Prop }
  | { k: 'or'; a: Prop; b: Prop }
  | { k: 'atom'; v: Var; op: '=' | '!='; value: Value };

export type Quantifier = 'exists' | '~exists' | 'forall';

export interface ThreadCode {
  /** P0, P1, ... */
  name: string;
  /** The column's cells, top to bottom, with their line numbers (empty cells left out). */
  lines: { text: string; line: number }[];
}

export interface LitmusTest {
  arch: string;
  name: string;
  file?: string;
  /** Key=value metadata lines. */
  meta: Record<string, string>;
  locations: LocationDecl[];
  regInits: RegInit[];
  /** Register types declared without a value (`uint64_t 0:x5;`) or with one. */
  regTypes: { thread: number; reg: number; type: LitmusType }[];
  threads: ThreadCode[];
  quantifier: Quantifier;
  condition: Prop;
  /** The condition as written (normalized spacing), for the output. */
  conditionText: string;
  filter?: Prop;
  /** `locations [...]`: extra observed variables. */
  observe: Var[];
}

// ---------------------------------------------------------------- comments

/** Blanks out (* ... *) comments (nesting allowed), keeping newlines so line numbers hold. */
export function stripComments(src: string, file?: string): string {
  let out = '';
  let depth = 0;
  let line = 1;
  let openLine = 0;
  let inString = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\n') {
      line++;
      out += c;
      inString = false;
      continue;
    }
    if (depth === 0 && c === '"') inString = !inString;
    if (!inString && c === '(' && src[i + 1] === '*') {
      if (depth === 0) openLine = line;
      depth++;
      out += '  ';
      i++;
      continue;
    }
    if (!inString && depth > 0 && c === '*' && src[i + 1] === ')') {
      depth--;
      out += '  ';
      i++;
      continue;
    }
    out += depth > 0 ? ' ' : c;
  }
  if (depth > 0) throw new LitmusError(openLine, 'unterminated comment (* ...', file);
  return out;
}

// ---------------------------------------------------------------- values, variables

const INT_RE = /^[+-]?(?:0[xX][0-9a-fA-F]+|[0-9]+)$/;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function parseInt64(text: string): bigint {
  const t = text.trim();
  const neg = t.startsWith('-');
  const body = t.replace(/^[+-]/, '');
  const v = BigInt(body);
  return neg ? -v : v;
}

function parseValue(text: string, line: number, file?: string): Value {
  const t = text.trim().replace(/^&/, '');
  if (INT_RE.test(t)) return { k: 'int', v: parseInt64(t) };
  if (IDENT_RE.test(t)) return { k: 'loc', name: t };
  throw new LitmusError(line, `bad value '${text.trim()}' (expected an integer or a location name)`, file);
}

function parseReg(thread: number, name: string, line: number, nThreads: number | undefined, file?: string): Var & { k: 'reg' } {
  const reg = parseRegister(name);
  if (reg === undefined) throw new LitmusError(line, `unknown register '${name}' (expected x0..x31 or an ABI name)`, file);
  if (nThreads !== undefined && thread >= nThreads) {
    throw new LitmusError(line, `thread ${thread} in '${thread}:${name}' does not exist (the test has ${nThreads} thread${nThreads === 1 ? '' : 's'})`, file);
  }
  return { k: 'reg', thread, reg, name: name.toLowerCase() };
}

// ---------------------------------------------------------------- the parser

interface SrcLine {
  text: string;
  line: number;
}

export function parseLitmus(source: string, file?: string): LitmusTest {
  const text = stripComments(source, file);
  const lines: SrcLine[] = text.split(/\r?\n/).map((t, i) => ({ text: t, line: i + 1 }));
  const r = new LineReader(lines, file);
  const { arch, name, nameLine } = r.nameLine();
  const meta = r.metadata(nameLine);
  const init = parseInitItems(r.initBlock(), file);
  const threads = codeThreads(r.codeRows(), lines, r.i, file);
  const nThreads = threads.length;
  for (const ri of init.regInits) {
    if (ri.thread >= nThreads) r.fail(ri.line, `register ${ri.thread}:${ri.regName} belongs to thread ${ri.thread}, but the test has ${nThreads} thread${nThreads === 1 ? '' : 's'}`);
  }
  const clauses = new ClauseParser(lines, r.i, nThreads, file).clauses();
  return {
    arch,
    name,
    file,
    meta,
    locations: init.locations,
    regInits: init.regInits,
    regTypes: init.regTypes,
    threads,
    quantifier: clauses.quantifier,
    condition: clauses.condition,
    conditionText: prettyCondition(clauses.conditionText),
    filter: clauses.filter,
    observe: clauses.observe,
  };
}

/** The line-oriented part of a test (name, metadata, init block, code table), read in order. */
class LineReader {
  /** The next line to read. */
  i = 0;

  constructor(
    private readonly lines: SrcLine[],
    private readonly file: string | undefined,
  ) {}

  fail(line: number, msg: string): never {
    throw new LitmusError(line, msg, this.file);
  }

  /** 'RISCV <name>'. */
  nameLine(): { arch: string; name: string; nameLine: SrcLine } {
    const lines = this.lines;
    while (this.i < lines.length && lines[this.i]!.text.trim() === '') this.i++;
    if (this.i >= lines.length) this.fail(0, 'empty litmus file');
    const nameLine = lines[this.i]!;
    const nm = /^\s*(\S+)\s+(\S+)\s*$/.exec(nameLine.text);
    if (!nm) this.fail(nameLine.line, `expected the name line 'RISCV <name>', got '${nameLine.text.trim()}'`);
    const arch = nm![1]!;
    const name = nm![2]!;
    if (arch.toUpperCase() !== 'RISCV') {
      this.fail(nameLine.line, `architecture '${arch}' is not supported (only RISCV tests)`);
    }
    this.i++;
    return { arch, name, nameLine };
  }

  /** Key=value lines (and "doc" strings) until '{'. */
  metadata(nameLine: SrcLine): Record<string, string> {
    const lines = this.lines;
    const meta: Record<string, string> = {};
    while (this.i < lines.length && !lines[this.i]!.text.trimStart().startsWith('{')) {
      const t = lines[this.i]!.text.trim();
      const kv = /^([A-Za-z][\w-]*)\s*=\s*(.*)$/.exec(t);
      if (kv) meta[kv[1]!] = kv[2]!;
      else if (t !== '' && !t.startsWith('"')) {
        this.fail(lines[this.i]!.line, `unexpected '${t}' before the init block '{' (metadata lines are "doc" or Key=value)`);
      }
      this.i++;
    }
    if (this.i >= lines.length) this.fail(nameLine.line, "no init block: expected '{' after the name line");
    return meta;
  }

  /** The init block's text from '{' to the matching '}', with the source line of every character. */
  initBlock(): InitBlock {
    const lines = this.lines;
    const initStart = lines[this.i]!.line;
    let body = '';
    const bodyLines: number[] = []; // line number of each char of body
    let first = true;
    let closed = false;
    while (this.i < lines.length && !closed) {
      let t = lines[this.i]!.text;
      if (first) {
        t = t.slice(t.indexOf('{') + 1);
        first = false;
      }
      const close = t.indexOf('}');
      if (close >= 0) {
        const after = t.slice(close + 1).trim();
        t = t.slice(0, close);
        closed = true;
        if (after !== '') {
          // Allow the code table header on the same line? herd never does; keep it strict.
          this.fail(lines[this.i]!.line, `unexpected '${after}' after the init block's '}'`);
        }
      }
      body += t + '\n';
      for (let k = 0; k <= t.length; k++) bodyLines.push(lines[this.i]!.line);
      this.i++;
    }
    if (!closed) this.fail(initStart, "unterminated init block: no '}'");
    return { body, bodyLines, initStart };
  }

  /** Code table rows (cells split at '|'); rows end with ';', the table with a condition keyword. */
  codeRows(): { cells: string[]; line: number }[] {
    const lines = this.lines;
    const rows: { cells: string[]; line: number }[] = [];
    let pending = '';
    let pendingLine = 0;
    while (this.i < lines.length && !KEYWORDS.test(lines[this.i]!.text)) {
      const l = lines[this.i]!;
      let t = l.text;
      this.i++;
      if (t.trim() === '' && pending.trim() === '') continue;
      while (t.length > 0) {
        const semi = t.indexOf(';');
        if (pending.trim() === '') pendingLine = l.line;
        if (semi < 0) {
          pending += t + ' ';
          break;
        }
        pending += t.slice(0, semi);
        rows.push({ cells: pending.split('|').map((c) => c.trim()), line: pendingLine });
        pending = '';
        t = t.slice(semi + 1);
        if (t.trim() === '') break;
      }
    }
    if (pending.trim() !== '') this.fail(pendingLine, `code row does not end with ';': '${pending.trim()}'`);
    return rows;
  }
}

const KEYWORDS = /^\s*(exists|~\s*exists|forall|locations|filter|cases)\b/;

interface InitBlock {
  body: string;
  bodyLines: number[];
  initStart: number;
}

/** The init block's items: 'T:reg=value', 'location=value', 'type location', separated by ';'. */
function parseInitItems(
  { body, bodyLines, initStart }: InitBlock,
  file: string | undefined,
): { locations: LocationDecl[]; regInits: RegInit[]; regTypes: { thread: number; reg: number; type: LitmusType }[] } {
  const fail = (line: number, msg: string): never => {
    throw new LitmusError(line, msg, file);
  };
  const locations: LocationDecl[] = [];
  const regInits: RegInit[] = [];
  const regTypes: { thread: number; reg: number; type: LitmusType }[] = [];
  let pos = 0;
  for (const item of body.split(';')) {
    const itemLine = bodyLines[pos + (item.length - item.trimStart().length)] ?? initStart;
    pos += item.length + 1;
    const t = item.trim();
    if (t === '') continue;
    const m = /^(.*?)\s*(?:=\s*(.*))?$/s.exec(t)!;
    let lhs = m[1]!.trim();
    const rhs = m[2];
    if (rhs !== undefined && rhs.trim() === '') fail(itemLine, `missing value after '=' in '${t}'`);
    // Type prefix: everything before the last word.
    let type: LitmusType | undefined;
    const words = lhs.split(/\s+/);
    if (words.length > 1) {
      const tname = words.slice(0, -1).join(' ');
      const last = words[words.length - 1]!;
      type = last.startsWith('*') ? typeNamed(tname + '*') : typeNamed(tname);
      if (!type) fail(itemLine, `unknown type '${tname}' in '${t}'`);
      lhs = last.replace(/^\*/, '');
    }
    const rm = /^P?(\d+)\s*:\s*([A-Za-z][A-Za-z0-9]*)$/.exec(lhs);
    if (rm) {
      const r = parseReg(Number(rm[1]), rm[2]!, itemLine, undefined, file);
      if (type) regTypes.push({ thread: r.thread, reg: r.reg, type });
      if (rhs !== undefined) {
        if (r.reg === 0) fail(itemLine, `cannot initialise x0 in '${t}'`);
        if (regInits.some((x) => x.thread === r.thread && x.reg === r.reg)) fail(itemLine, `register ${lhs} initialised twice`);
        regInits.push({ thread: r.thread, reg: r.reg, regName: r.name, value: parseValue(rhs, itemLine, file), type, line: itemLine });
      }
      continue;
    }
    const loc = lhs.replace(/^\[(.*)\]$/, '$1').trim();
    if (!IDENT_RE.test(loc)) fail(itemLine, `bad init item '${t}' (expected 'T:reg=value', 'location=value' or 'type location')`);
    if (locations.some((l) => l.name === loc)) fail(itemLine, `location '${loc}' declared twice`);
    const init = rhs !== undefined ? parseValue(rhs, itemLine, file) : ({ k: 'int', v: 0n } as Value);
    locations.push({ name: loc, type: type ?? DEFAULT_TYPE, init, line: itemLine });
  }
  return { locations, regInits, regTypes };
}

/** The threads' code from the table rows: a header 'P0 | P1 ...', then one cell per thread per row. */
function codeThreads(rows: { cells: string[]; line: number }[], lines: SrcLine[], i: number, file: string | undefined): ThreadCode[] {
  const fail = (line: number, msg: string): never => {
    throw new LitmusError(line, msg, file);
  };
  if (rows.length === 0) fail(lines[Math.min(i, lines.length - 1)]?.line ?? 0, "no code table (expected a header row 'P0 | P1 ... ;')");
  const header = rows[0]!;
  const threads: ThreadCode[] = header.cells.map((c, k) => {
    if (c !== `P${k}`) fail(header.line, `code table header: expected 'P${k}', got '${c}'`);
    return { name: c, lines: [] };
  });
  for (const row of rows.slice(1)) {
    if (row.cells.length === 1 && row.cells[0] === '') continue; // a lone ';'
    // herd pads every row to the header's width: a short row means a missing column
    if (row.cells.length !== threads.length) {
      fail(row.line, `code row has ${row.cells.length} column${row.cells.length === 1 ? '' : 's'}, the header names ${threads.length} threads`);
    }
    row.cells.forEach((c, k) => {
      if (c !== '') threads[k]!.lines.push({ text: c, line: row.line });
    });
  }
  return threads;
}

/** The clauses after the code table: locations, filter and the final condition, over tokens. */
class ClauseParser {
  private readonly toks: Tok[];
  private p = 0;
  /** End-of-file errors point at the last line with text on it. */
  private readonly lastLine: number;

  constructor(
    lines: SrcLine[],
    i: number,
    private readonly nThreads: number,
    private readonly file: string | undefined,
  ) {
    this.toks = tokenize(lines.slice(i), file);
    let lastLine = lines.length;
    while (lastLine > 1 && lines[lastLine - 1]!.text.trim() === '') lastLine--;
    this.lastLine = lastLine;
  }

  private fail(line: number, msg: string): never {
    throw new LitmusError(line, msg, this.file);
  }

  private peek(): Tok | undefined {
    return this.toks[this.p];
  }

  private next(what: string): Tok {
    const t = this.toks[this.p];
    if (!t) this.fail(this.lastLine, `unexpected end of file: expected ${what}`);
    this.p++;
    return t!;
  }

  private expect(v: string): Tok {
    const t = this.next(`'${v}'`);
    if (t.v !== v) this.fail(t.line, `expected '${v}', got '${t.v}'`);
    return t;
  }

  private parseVar(t: Tok): Var {
    const rm = /^P?(\d+):([A-Za-z][A-Za-z0-9]*)$/.exec(t.v);
    if (rm) return parseReg(Number(rm[1]), rm[2]!, t.line, this.nThreads, this.file);
    if (t.v === '[') {
      const n = this.next('a location name');
      if (!IDENT_RE.test(n.v)) this.fail(n.line, `expected a location name, got '${n.v}'`);
      this.expect(']');
      return { k: 'mem', loc: n.v };
    }
    if (IDENT_RE.test(t.v) && !['not', 'true', 'false'].includes(t.v)) return { k: 'mem', loc: t.v };
    return this.fail(t.line, `expected a register 'T:reg' or a location, got '${t.v}'`);
  }

  private parseProp(): Prop {
    let a = this.parseConj();
    while (this.peek()?.v === '\\/') {
      this.p++;
      a = { k: 'or', a, b: this.parseConj() };
    }
    return a;
  }

  private parseConj(): Prop {
    let a = this.parseUnary();
    while (this.peek()?.v === '/\\') {
      this.p++;
      a = { k: 'and', a, b: this.parseUnary() };
    }
    return a;
  }

  private parseUnary(): Prop {
    const t = this.next('a condition');
    if (t.v === 'not' || t.v === '~') return { k: 'not', p: this.parseUnary() };
    if (t.v === '(') {
      const inner = this.parseProp();
      const c = this.next("')'");
      if (c.v !== ')') this.fail(c.line, `expected ')' or an operator, got '${c.v}'`);
      return inner;
    }
    if (t.v === 'true') return { k: 'true' };
    if (t.v === 'false') return { k: 'false' };
    const v = this.parseVar(t);
    const op = this.next("'='");
    if (op.v !== '=' && op.v !== '!=') this.fail(op.line, `expected '=' after '${t.v}', got '${op.v}'`);
    const val = this.next('a value');
    return { k: 'atom', v, op: op.v as '=' | '!=', value: parseValue(val.v, val.line, this.file) };
  }

  clauses(): { quantifier: Quantifier; condition: Prop; conditionText: string; filter?: Prop; observe: Var[] } {
    const toks = this.toks;
    let quantifier: Quantifier | undefined;
    let condition: Prop | undefined;
    let conditionText = '';
    let filter: Prop | undefined;
    const observe: Var[] = [];
    while (this.p < toks.length) {
      const t = this.next('a clause');
      if (t.v === 'locations') {
        this.expect('[');
        while (this.peek() && this.peek()!.v !== ']') {
          const v = this.next('a location');
          if (v.v === ';') continue;
          observe.push(this.parseVar(v));
        }
        this.expect(']');
      } else if (t.v === 'filter') {
        filter = this.parseProp();
      } else if (t.v === 'exists' || t.v === '~exists' || t.v === 'forall') {
        if (quantifier) this.fail(t.line, 'a second final condition');
        quantifier = t.v;
        const start = this.p;
        condition = this.parseProp();
        conditionText = toks.slice(start, this.p).map((x) => x.v).join(' ');
      } else if (t.v === 'cases') {
        this.fail(t.line, "'cases' conditions are not supported");
      } else {
        this.fail(t.line, `unexpected '${t.v}' (expected exists, ~exists, forall, locations or filter)`);
      }
    }
    if (!quantifier || !condition) this.fail(this.lastLine, 'no final condition (exists, ~exists or forall)');
    return { quantifier: quantifier!, condition: condition!, conditionText, filter, observe };
  }
}

interface Tok {
  v: string;
  line: number;
}

function tokenize(lines: SrcLine[], file?: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(\/\\|\\\/|!=|~\s*exists\b|[()[\]=;~]|P?\d+:[A-Za-z][A-Za-z0-9]*|[+-]?(?:0[xX][0-9a-fA-F]+|\d+)|&?[A-Za-z_][A-Za-z0-9_.]*)/y;
  for (const l of lines) {
    re.lastIndex = 0;
    const t = l.text;
    while (re.lastIndex < t.length) {
      const start = re.lastIndex;
      if (t.slice(start).trim() === '') break;
      const m = re.exec(t);
      if (!m) {
        const bad = t.slice(start).trim().split(/\s+/)[0];
        throw new LitmusError(l.line, `unexpected '${bad}' in the condition`, file);
      }
      out.push({ v: m[1]!.replace(/^~\s*exists$/, '~exists').replace(/^&/, ''), line: l.line });
    }
  }
  return out;
}

function prettyCondition(s: string): string {
  return s.replace(/\( /g, '(').replace(/ \)/g, ')').replace(/ = /g, '=').replace(/ != /g, '!=').replace(/^not \(/, 'not (');
}

// ---------------------------------------------------------------- helpers over a parsed test

export function varKey(v: Var): string {
  return v.k === 'reg' ? `${v.thread}:x${v.reg}` : v.loc;
}

/** Variables a proposition mentions, in order of first appearance. */
export function propVars(p: Prop | undefined, out: Var[] = []): Var[] {
  if (!p) return out;
  switch (p.k) {
    case 'atom':
      if (!out.some((v) => varKey(v) === varKey(p.v))) out.push(p.v);
      break;
    case 'not':
      propVars(p.p, out);
      break;
    case 'and':
    case 'or':
      propVars(p.a, out);
      propVars(p.b, out);
      break;
  }
  return out;
}

/** Every location the test names (init, register values, condition, locations, filter), in order. */
export function allLocations(t: LitmusTest): string[] {
  const names: string[] = [];
  const add = (n: string) => {
    if (!names.includes(n)) names.push(n);
  };
  for (const l of t.locations) add(l.name);
  for (const l of t.locations) if (l.init.k === 'loc') add(l.init.name);
  for (const r of t.regInits) if (r.value.k === 'loc') add(r.value.name);
  const vals = (p: Prop | undefined): void => {
    if (!p) return;
    if (p.k === 'atom') {
      if (p.v.k === 'mem') add(p.v.loc);
      if (p.value.k === 'loc') add(p.value.name);
    } else if (p.k === 'not') vals(p.p);
    else if (p.k === 'and' || p.k === 'or') {
      vals(p.a);
      vals(p.b);
    }
  };
  vals(t.condition);
  vals(t.filter);
  for (const v of t.observe) if (v.k === 'mem') add(v.loc);
  return names;
}

/**
 * The observed variables (the condition's, `locations [...]`'s and the filter's) in
 * litmus7's order: registers by thread and number, then locations by name.
 */
export function observedVars(t: LitmusTest): Var[] {
  const out = propVars(t.condition);
  for (const v of t.observe) if (!out.some((x) => varKey(x) === varKey(v))) out.push(v);
  propVars(t.filter, out);
  const regs = out.filter((v): v is Var & { k: 'reg' } => v.k === 'reg').sort((a, b) => a.thread - b.thread || a.reg - b.reg);
  const mems = out.filter((v): v is Var & { k: 'mem' } => v.k === 'mem').sort((a, b) => (a.loc < b.loc ? -1 : a.loc > b.loc ? 1 : 0));
  return [...regs, ...mems];
}

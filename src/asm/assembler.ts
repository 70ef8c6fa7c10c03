// Two-pass assembler for RV64IMAFD + Zicsr + Zifencei + Zalasr.
//
// Syntax: one instruction per line, `#` and `//` comments, `name:` labels
// (several allowed, also in front of an instruction), x0..x31 / ABI register
// names, f0..f31 / FP ABI names, decimal / hex (0x) / binary (0b) immediates with
// optional sign. F/D rounding modes as the last operand (rne, rtz, rdn, rup, rmm, dyn).
// C: the explicit c.* mnemonics (rvc_encode.ts) assemble to 16-bit parcels; nothing is
// compressed implicitly, so a program without c.* is exactly the 32-bit words it names.
// Branch and jump targets are labels or numeric byte offsets relative to the
// instruction itself.

import {
  CSR_NAMES,
  encAMO,
  encB,
  encCSR,
  encFence,
  encI,
  encJ,
  encR,
  encS,
  encU,
  lookupMnemonic,
  OP,
  parseFpRegister,
  parseRegister,
  ROUNDING_MODES,
  type InstrSpec,
} from './encode.ts';
import { unimplementedExtension } from './extensions.ts';
import { C_INSTRUCTIONS, encodeCompressed, type COperands } from './rvc_encode.ts';

export class AsmError extends Error {
  readonly line: number;
  readonly column: number;
  /** The message without the `line N, column M: ` prefix. */
  readonly detail: string;
  /** Set when the mnemonic is a real instruction of a standard extension this machine lacks. */
  readonly extension?: string;
  constructor(line: number, column: number, detail: string, extension?: string) {
    super(`line ${line}, column ${column}: ${detail}`);
    this.name = 'AsmError';
    this.line = line;
    this.column = column;
    this.detail = detail;
    if (extension !== undefined) this.extension = extension;
  }
}

export interface AssembleOptions {
  /** Address of the first word (labels are absolute: base + byte offset). Default 0. */
  base?: number;
}

export interface AssembleResult {
  /** The image: instructions and data, little-endian. */
  bytes: Uint8Array;
  /**
   * The image as little-endian 32-bit words (padded with zero bytes to a multiple of 4): one
   * word per instruction when the program has no compressed (c.*) instructions.
   */
  words: Uint32Array;
  /** Byte offsets (from base) of the 16-bit instructions. */
  parcels: number[];
  /** Label → absolute address (base + byte offset). */
  labels: Map<string, number>;
  /** 1-based source line of each word of `words` (of the item its first byte belongs to). */
  lines: number[];
}

interface Operand {
  text: string;
  /** 1-based column of the first character. */
  col: number;
}

interface Item {
  line: number;
  mnemonic: string;
  mnemCol: number;
  ops: Operand[];
  /** Byte offset from base. */
  offset: number;
  /** Number of bytes emitted. */
  size: number;
  /** Error found in pass 1, reported in line order in pass 2. */
  error?: AsmError;
}

const LABEL_RE = /^[A-Za-z_.$][A-Za-z0-9_.$]*$/;
const NUM_RE = /^[+-]?(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|[0-9][0-9_]*)$/;
const NOP = 0x00000013;

const PSEUDO_SIZES: Record<string, number> = {
  nop: 1,
  la: 2,
  lla: 2,
  call: 2,
  tail: 2,
  mv: 1,
  not: 1,
  neg: 1,
  negw: 1,
  'sext.w': 1,
  'zext.b': 1,
  seqz: 1,
  snez: 1,
  sltz: 1,
  sgtz: 1,
  j: 1,
  jr: 1,
  ret: 1,
  beqz: 1,
  bnez: 1,
  blez: 1,
  bgez: 1,
  bltz: 1,
  bgtz: 1,
  bgt: 1,
  ble: 1,
  bgtu: 1,
  bleu: 1,
  rdcycle: 1,
  rdtime: 1,
  rdinstret: 1,
  csrr: 1,
  csrw: 1,
  csrs: 1,
  csrc: 1,
  csrwi: 1,
  csrsi: 1,
  csrci: 1,
  frcsr: 1,
  fscsr: 1,
  frrm: 1,
  fsrm: 1,
  frflags: 1,
  fsflags: 1,
  fsrmi: 1,
  fsflagsi: 1,
  'fmv.s': 1,
  'fabs.s': 1,
  'fneg.s': 1,
  'fmv.d': 1,
  'fabs.d': 1,
  'fneg.d': 1,
};

/** F/D pseudo-instructions on fcsr: CSR number of each. */
const FCSR_PSEUDO: Record<string, number> = { frcsr: 3, fscsr: 3, frrm: 2, fsrm: 2, frflags: 1, fsflags: 1, fsrmi: 2, fsflagsi: 1 };

// ---------------------------------------------------------------- li expansion

export type LiStep = { op: 'lui' | 'addiw' | 'addi' | 'slli'; imm: number };

const I32_MIN = -(2n ** 31n);
const I32_MAX = 2n ** 31n - 1n;

/**
 * The instruction sequence `li rd, value` expands to (same algorithm as LLVM's
 * RISCVMatInt without the later refinements). The first step operates on x0 if
 * it is an `addi`; every later step operates on rd. `value` is taken modulo 2^64.
 */
export function liSequence(value: bigint): LiStep[] {
  const out: LiStep[] = [];
  const gen = (val: bigint): void => {
    if (val >= I32_MIN && val <= I32_MAX) {
      const lo12 = BigInt.asIntN(12, val);
      const hi20 = Number(BigInt.asUintN(20, (val + 0x800n) >> 12n));
      if (hi20 !== 0) out.push({ op: 'lui', imm: hi20 });
      if (lo12 !== 0n || hi20 === 0) out.push({ op: hi20 !== 0 ? 'addiw' : 'addi', imm: Number(lo12) });
      return;
    }
    const lo12 = BigInt.asIntN(12, val);
    let hi52 = BigInt.asUintN(64, val + 0x800n) >> 12n;
    let tz = 0;
    while (((hi52 >> BigInt(tz)) & 1n) === 0n) tz++;
    const shift = 12 + tz;
    hi52 = BigInt.asIntN(64 - shift, hi52 >> BigInt(tz));
    gen(hi52);
    out.push({ op: 'slli', imm: shift });
    if (lo12 !== 0n) out.push({ op: 'addi', imm: Number(lo12) });
  };
  gen(BigInt.asIntN(64, value));
  return out;
}

// ---------------------------------------------------------------- line parsing

function stripComment(line: string): string {
  let cut = line.length;
  const h = line.indexOf('#');
  if (h >= 0) cut = h;
  const s = line.indexOf('//');
  if (s >= 0 && s < cut) cut = s;
  return line.slice(0, cut);
}

function splitOperands(text: string, startCol: number, lineNo: number): Operand[] {
  if (text.trim() === '') return [];
  const ops: Operand[] = [];
  let start = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || text[i] === ',') {
      const raw = text.slice(start, i);
      const lead = raw.length - raw.trimStart().length;
      const t = raw.trim();
      const col = startCol + start + lead;
      if (t === '') throw new AsmError(lineNo, col, 'empty operand');
      ops.push({ text: t, col });
      start = i + 1;
    }
  }
  return ops;
}

// ---------------------------------------------------------------- assembler

export function assemble(source: string, opts: AssembleOptions = {}): AssembleResult {
  const base = opts.base ?? 0;
  const labels = new Map<string, number>();
  const items: Item[] = [];
  const srcLines = source.split(/\r?\n/);
  let offset = 0;

  // ---- pass 1: labels, sizes
  for (let ln = 0; ln < srcLines.length; ln++) {
    const lineNo = ln + 1;
    let text = stripComment(srcLines[ln]!);
    let pos = 0; // index into the original line
    // labels
    for (;;) {
      const m = /^(\s*)([^\s:,()]+)\s*:/.exec(text.slice(pos));
      if (!m) break;
      const name = m[2]!;
      const col = pos + m[1]!.length + 1;
      if (!LABEL_RE.test(name)) throw new AsmError(lineNo, col, `bad label name '${name}'`);
      if (labels.has(name)) throw new AsmError(lineNo, col, `duplicate label '${name}'`);
      labels.set(name, base + offset);
      pos += m[0].length;
    }
    const rest = text.slice(pos);
    const mm = /^(\s*)(\S+)/.exec(rest);
    if (!mm) continue;
    const mnemCol = pos + mm[1]!.length + 1;
    const mnemonic = mm[2]!.toLowerCase();
    const opsStart = pos + mm[0].length;
    const item: Item = { line: lineNo, mnemonic, mnemCol, ops: [], offset, size: 0 };
    try {
      item.ops = splitOperands(text.slice(opsStart), opsStart + 1, lineNo);
      item.size = sizeOf(item, base + offset);
    } catch (e) {
      if (!(e instanceof AsmError)) throw e;
      item.error = e;
    }
    items.push(item);
    offset += item.size;
  }

  // ---- pass 2: encode
  const padded = Math.ceil(offset / 4) * 4;
  const bytes = new Uint8Array(padded);
  const dv = new DataView(bytes.buffer);
  const lineAt = new Array<number>(padded).fill(0);
  const parcels: number[] = [];
  for (const item of items) {
    if (item.error) throw item.error;
    const out = encodeItem(item, base, labels);
    const compressed = C_INSTRUCTIONS.has(item.mnemonic);
    const size = compressed ? 2 : out.length * 4 - (item.size % 4 === 2 && !compressed ? 2 : 0);
    if (size !== item.size) {
      throw new AsmError(item.line, item.mnemCol, `internal error: size mismatch for '${item.mnemonic}'`);
    }
    if (compressed) {
      dv.setUint16(item.offset, out[0]!, true);
      parcels.push(item.offset);
    } else if (item.size % 4 === 2) {
      // alignment padding starting at a 2-byte boundary: c.nop, then nops
      dv.setUint16(item.offset, 0x0001, true);
      for (let i = 1; i < out.length; i++) dv.setUint32(item.offset + 2 + 4 * (i - 1), out[i]! >>> 0, true);
    } else {
      for (let i = 0; i < out.length; i++) dv.setUint32(item.offset + 4 * i, out[i]! >>> 0, true);
    }
    lineAt.fill(item.line, item.offset, item.offset + item.size);
  }
  const words = new Uint32Array(bytes.buffer, 0, padded / 4);
  const lines = Array.from({ length: padded / 4 }, (_, i) => lineAt[4 * i] || lineAt[4 * i + 2]!);
  return { bytes: bytes.subarray(0, offset), words, parcels, labels, lines };
}

// ---------------------------------------------------------------- operand helpers

function err(item: Item, col: number, msg: string): AsmError {
  return new AsmError(item.line, col, msg);
}

/** A mnemonic the tables lack: an unimplemented extension's instruction, or no instruction at all. */
function unknownMnemonic(item: Item): AsmError {
  const ext = unimplementedExtension(item.mnemonic);
  if (ext) return new AsmError(item.line, item.mnemCol, `instruction '${item.mnemonic}' (${ext} extension) is not implemented`, ext);
  return err(item, item.mnemCol, `unknown mnemonic '${item.mnemonic}'`);
}

function expectOps(item: Item, ...counts: number[]): void {
  if (!counts.includes(item.ops.length)) {
    const want = counts.join(' or ');
    throw err(
      item,
      item.mnemCol,
      `wrong operand count for '${item.mnemonic}': expected ${want}, got ${item.ops.length}`,
    );
  }
}

function parseBig(item: Item, text: string, col: number): bigint {
  const t = text.trim();
  if (!NUM_RE.test(t)) throw err(item, col, `bad number '${text}'`);
  let neg = false;
  let body = t;
  if (body[0] === '-' || body[0] === '+') {
    neg = body[0] === '-';
    body = body.slice(1);
  }
  const v = BigInt(body.replace(/_/g, ''));
  return neg ? -v : v;
}

function isNumber(text: string): boolean {
  return NUM_RE.test(text.trim());
}

function immRange(item: Item, text: string, col: number, lo: bigint, hi: bigint, what = 'immediate'): bigint {
  const v = parseBig(item, text, col);
  if (v < lo || v > hi) throw err(item, col, `${what} ${text.trim()} out of range [${lo}, ${hi}]`);
  return v;
}

function imm(item: Item, op: Operand, lo: number, hi: number, what = 'immediate'): number {
  return Number(immRange(item, op.text, op.col, BigInt(lo), BigInt(hi), what));
}

function reg(item: Item, op: Operand): number {
  const r = parseRegister(op.text);
  if (r === undefined) {
    const hint = parseFpRegister(op.text) !== undefined ? ` (an FP register where an integer register belongs)` : '';
    throw err(item, op.col, `unknown register '${op.text}'${hint}`);
  }
  return r;
}

function freg(item: Item, op: Operand): number {
  const r = parseFpRegister(op.text);
  if (r === undefined) {
    const hint = parseRegister(op.text) !== undefined ? ` (an integer register where an FP register belongs)` : '';
    throw err(item, op.col, `unknown FP register '${op.text}'${hint}`);
  }
  return r;
}

/** The optional rounding-mode operand at index i (absent: the spec's default). */
function roundingMode(item: Item, i: number, dflt: number): number {
  const op = item.ops[i];
  if (op === undefined) return dflt;
  const rm = ROUNDING_MODES.indexOf(op.text.toLowerCase());
  if (rm < 0 || op.text === '') throw err(item, op.col, `bad rounding mode '${op.text}' (rne, rtz, rdn, rup, rmm or dyn)`);
  return rm;
}

interface Mem {
  off: string;
  offCol: number;
  reg: Operand;
}

function mem(item: Item, op: Operand): Mem | undefined {
  const m = /^([^()]*)\(\s*([^()]*?)\s*\)$/.exec(op.text);
  if (!m) return undefined;
  const off = m[1]!.trim();
  const inner = op.text.indexOf('(') + 1;
  const regLead = op.text.slice(inner).length - op.text.slice(inner).trimStart().length;
  return { off: off === '' ? '0' : off, offCol: op.col, reg: { text: m[2]!, col: op.col + inner + regLead } };
}

function memOperand(item: Item, op: Operand): { off: number; rs1: number } {
  const m = mem(item, op);
  if (!m) throw err(item, op.col, `expected memory operand 'offset(register)', got '${op.text}'`);
  const off = Number(immRange(item, m.off, m.offCol, -2048n, 2047n, 'offset'));
  return { off, rs1: reg(item, m.reg) };
}

/** `(rs1)` or `0(rs1)` for AMO / LR / SC. */
function amoAddr(item: Item, op: Operand): number {
  const m = mem(item, op);
  if (!m) throw err(item, op.col, `expected address operand '(register)', got '${op.text}'`);
  const off = parseBig(item, m.off, m.offCol);
  if (off !== 0n) throw err(item, m.offCol, `offset ${m.off} out of range [0, 0] (AMO address must be '(reg)' or '0(reg)')`);
  return reg(item, m.reg);
}

function csrOperand(item: Item, op: Operand): number {
  const named = CSR_NAMES.get(op.text.toLowerCase());
  if (named !== undefined) return named;
  if (!isNumber(op.text)) throw err(item, op.col, `unknown CSR '${op.text}'`);
  return imm(item, op, 0, 0xfff, 'CSR number');
}

function lookupLabel(item: Item, op: Operand, labels: Map<string, number>): number {
  if (!LABEL_RE.test(op.text)) throw err(item, op.col, `bad label '${op.text}'`);
  const v = labels.get(op.text);
  if (v === undefined) throw err(item, op.col, `undefined label '${op.text}'`);
  return v;
}

/** Branch / jump target: label or numeric byte offset. Returns the pc-relative offset. */
function target(item: Item, op: Operand, pc: number, labels: Map<string, number>, bits: number): number {
  const lo = -(2 ** (bits - 1));
  const hi = 2 ** (bits - 1) - 2;
  if (isNumber(op.text)) {
    const v = parseBig(item, op.text, op.col);
    if ((v & 1n) !== 0n) throw err(item, op.col, `misaligned branch offset ${op.text} (must be a multiple of 2)`);
    if (v < BigInt(lo) || v > BigInt(hi)) throw err(item, op.col, `branch offset ${op.text} out of range [${lo}, ${hi}]`);
    return Number(v);
  }
  const off = lookupLabel(item, op, labels) - pc;
  if (off & 1) throw err(item, op.col, `misaligned branch offset ${off} to '${op.text}'`);
  if (off < lo || off > hi) throw err(item, op.col, `branch target '${op.text}' out of range (offset ${off}, range [${lo}, ${hi}])`);
  return off;
}

/** Split a pc-relative offset into auipc hi20 and addi/jalr lo12. */
function pcrel(item: Item, op: Operand, off: number): { hi: number; lo: number } {
  const hi = Math.floor((off + 0x800) / 4096);
  const lo = off - hi * 4096;
  if (hi < -(2 ** 19) || hi >= 2 ** 19) {
    throw err(item, op.col, `target '${op.text}' out of range for auipc (offset ${off}, range [${-(2 ** 31) - 0x800}, ${2 ** 31 - 0x801}])`);
  }
  return { hi: hi & 0xfffff, lo };
}

function fenceSet(item: Item, op: Operand): number {
  const t = op.text.toLowerCase();
  if (t === '0') return 0;
  let v = 0;
  for (const ch of t) {
    const bit = { i: 8, o: 4, r: 2, w: 1 }[ch];
    if (bit === undefined || v & bit) throw err(item, op.col, `bad fence set '${op.text}' (letters from 'iorw', or 0)`);
    v |= bit;
  }
  return v;
}

// ---------------------------------------------------------------- pass 1 sizes

/** `address` is the absolute address of the item (for alignment). */
function sizeOf(item: Item, address: number): number {
  const m = item.mnemonic;
  if (m.startsWith('.')) {
    switch (m) {
      case '.word':
      case '.4byte':
      case '.long':
        if (item.ops.length === 0) throw err(item, item.mnemCol, `wrong operand count for '${m}': expected at least 1, got 0`);
        return item.ops.length * 4;
      case '.dword':
      case '.8byte':
      case '.quad':
        if (item.ops.length === 0) throw err(item, item.mnemCol, `wrong operand count for '${m}': expected at least 1, got 0`);
        return item.ops.length * 8;
      case '.zero':
      case '.space': {
        expectOps(item, 1);
        const n = imm(item, item.ops[0]!, 0, 1 << 28, 'size');
        if (n % 4) throw err(item, item.ops[0]!.col, `size ${n} is not a multiple of 4`);
        return n;
      }
      case '.align':
      case '.p2align':
      case '.balign': {
        expectOps(item, 1);
        let bytes: number;
        if (m === '.balign') {
          bytes = imm(item, item.ops[0]!, 1, 1 << 16, 'alignment');
          if (bytes & (bytes - 1)) throw err(item, item.ops[0]!.col, `alignment ${bytes} is not a power of two`);
        } else {
          bytes = 2 ** imm(item, item.ops[0]!, 0, 16, 'alignment');
        }
        if (bytes <= 2) return 0;
        const rem = ((address % bytes) + bytes) % bytes;
        return rem === 0 ? 0 : bytes - rem;
      }
      case '.text':
      case '.globl':
      case '.global':
      case '.option':
        return 0;
      default:
        throw err(item, item.mnemCol, `unknown directive '${m}'`);
    }
  }
  if (m === 'li') {
    expectOps(item, 2);
    reg(item, item.ops[0]!);
    const v = immRange(item, item.ops[1]!.text, item.ops[1]!.col, -(2n ** 63n), 2n ** 64n - 1n);
    return liSequence(v).length * 4;
  }
  const p = PSEUDO_SIZES[m];
  if (p !== undefined) return p * 4;
  if (lookupMnemonic(m)) return 4;
  if (C_INSTRUCTIONS.has(m)) return 2;
  throw unknownMnemonic(item);
}

// ---------------------------------------------------------------- pass 2 encoding

function encodeItem(item: Item, base: number, labels: Map<string, number>): number[] {
  const m = item.mnemonic;
  const ops = item.ops;
  const pc = base + item.offset;

  if (m.startsWith('.')) return encodeDirective(item, labels);

  const o = (i: number): Operand => ops[i]!;
  const R = (i: number): number => reg(item, o(i));
  const addi = (rd: number, rs1: number, v: number): number => encI(OP.OP_IMM, rd, 0, rs1, v);
  const br = (f3: number, rs1: number, rs2: number, t: Operand): number =>
    encB(OP.BRANCH, f3, rs1, rs2, target(item, t, pc, labels, 13));

  switch (m) {
    case 'nop':
      expectOps(item, 0);
      return [NOP];
    case 'li': {
      expectOps(item, 2);
      const rd = R(0);
      const v = immRange(item, o(1).text, o(1).col, -(2n ** 63n), 2n ** 64n - 1n);
      return liSequence(v).map((s, i) => {
        switch (s.op) {
          case 'lui':
            return encU(OP.LUI, rd, s.imm);
          case 'addiw':
            return encI(OP.OP_IMM_32, rd, 0, rd, s.imm);
          case 'addi':
            return addi(rd, i === 0 ? 0 : rd, s.imm);
          case 'slli':
            return encI(OP.OP_IMM, rd, 1, rd, s.imm);
        }
      });
    }
    case 'la':
    case 'lla': {
      expectOps(item, 2);
      const rd = R(0);
      const off = lookupLabel(item, o(1), labels) - pc;
      const { hi, lo } = pcrel(item, o(1), off);
      return [encU(OP.AUIPC, rd, hi), addi(rd, rd, lo)];
    }
    case 'call':
    case 'tail': {
      expectOps(item, 1);
      const off = isNumber(o(0).text) ? Number(parseBig(item, o(0).text, o(0).col)) : lookupLabel(item, o(0), labels) - pc;
      if (off & 1) throw err(item, o(0).col, `misaligned branch offset ${off}`);
      const { hi, lo } = pcrel(item, o(0), off);
      const tmp = m === 'call' ? 1 : 6;
      return [encU(OP.AUIPC, tmp, hi), encI(OP.JALR, m === 'call' ? 1 : 0, 0, tmp, lo)];
    }
    case 'mv':
      expectOps(item, 2);
      return [addi(R(0), R(1), 0)];
    case 'not':
      expectOps(item, 2);
      return [encI(OP.OP_IMM, R(0), 4, R(1), -1)];
    case 'neg':
      expectOps(item, 2);
      return [encR(OP.OP, R(0), 0, 0, R(1), 0x20)];
    case 'negw':
      expectOps(item, 2);
      return [encR(OP.OP_32, R(0), 0, 0, R(1), 0x20)];
    case 'sext.w':
      expectOps(item, 2);
      return [encI(OP.OP_IMM_32, R(0), 0, R(1), 0)];
    case 'zext.b':
      expectOps(item, 2);
      return [encI(OP.OP_IMM, R(0), 7, R(1), 255)];
    case 'seqz':
      expectOps(item, 2);
      return [encI(OP.OP_IMM, R(0), 3, R(1), 1)];
    case 'snez':
      expectOps(item, 2);
      return [encR(OP.OP, R(0), 3, 0, R(1), 0)];
    case 'sltz':
      expectOps(item, 2);
      return [encR(OP.OP, R(0), 2, R(1), 0, 0)];
    case 'sgtz':
      expectOps(item, 2);
      return [encR(OP.OP, R(0), 2, 0, R(1), 0)];
    case 'j':
      expectOps(item, 1);
      return [encJ(OP.JAL, 0, target(item, o(0), pc, labels, 21))];
    case 'jr':
      expectOps(item, 1);
      return [encI(OP.JALR, 0, 0, R(0), 0)];
    case 'ret':
      expectOps(item, 0);
      return [encI(OP.JALR, 0, 0, 1, 0)];
    case 'beqz':
      expectOps(item, 2);
      return [br(0, R(0), 0, o(1))];
    case 'bnez':
      expectOps(item, 2);
      return [br(1, R(0), 0, o(1))];
    case 'blez':
      expectOps(item, 2);
      return [br(5, 0, R(0), o(1))];
    case 'bgez':
      expectOps(item, 2);
      return [br(5, R(0), 0, o(1))];
    case 'bltz':
      expectOps(item, 2);
      return [br(4, R(0), 0, o(1))];
    case 'bgtz':
      expectOps(item, 2);
      return [br(4, 0, R(0), o(1))];
    case 'bgt':
      expectOps(item, 3);
      return [br(4, R(1), R(0), o(2))];
    case 'ble':
      expectOps(item, 3);
      return [br(5, R(1), R(0), o(2))];
    case 'bgtu':
      expectOps(item, 3);
      return [br(6, R(1), R(0), o(2))];
    case 'bleu':
      expectOps(item, 3);
      return [br(7, R(1), R(0), o(2))];
    case 'rdcycle':
    case 'rdtime':
    case 'rdinstret':
      expectOps(item, 1);
      return [encCSR(2, R(0), CSR_NAMES.get(m.slice(2))!, 0)];
    case 'csrr':
      expectOps(item, 2);
      return [encCSR(2, R(0), csrOperand(item, o(1)), 0)];
    case 'csrw':
    case 'csrs':
    case 'csrc':
      expectOps(item, 2);
      return [encCSR({ csrw: 1, csrs: 2, csrc: 3 }[m], 0, csrOperand(item, o(0)), R(1))];
    case 'csrwi':
    case 'csrsi':
    case 'csrci':
      expectOps(item, 2);
      return [encCSR({ csrwi: 5, csrsi: 6, csrci: 7 }[m], 0, csrOperand(item, o(0)), imm(item, o(1), 0, 31))];
  }

  const cs = C_INSTRUCTIONS.get(m);
  if (cs) return [encodeC(item, cs.syntax, cs.fp === true, pc, labels)];

  if (m in FCSR_PSEUDO) {
    const csr = FCSR_PSEUDO[m]!;
    if (m === 'frcsr' || m === 'frrm' || m === 'frflags') {
      expectOps(item, 1);
      return [encCSR(2, R(0), csr, 0)]; // csrrs rd, csr, x0
    }
    expectOps(item, 1, 2);
    const rd = ops.length === 2 ? R(0) : 0;
    const src = o(ops.length - 1);
    if (m === 'fsrmi' || m === 'fsflagsi') return [encCSR(5, rd, csr, imm(item, src, 0, 31))]; // csrrwi
    return [encCSR(1, rd, csr, reg(item, src))]; // csrrw
  }
  if (/^f(mv|abs|neg)\.[sd]$/.test(m)) {
    // fsgnj / fsgnjx / fsgnjn fd, fs, fs
    expectOps(item, 2);
    const fs = freg(item, o(1));
    const f3 = m.startsWith('fmv') ? 0 : m.startsWith('fneg') ? 1 : 2;
    return [encR(OP.OP_FP, freg(item, o(0)), f3, fs, fs, (0x04 << 2) | (m.endsWith('.d') ? 1 : 0))];
  }

  const found = lookupMnemonic(m);
  if (!found) throw unknownMnemonic(item);
  return [encodeReal(item, found.spec, found.aq, found.rl, pc, labels)];
}

/** A compressed instruction's parcel (operands checked against its 32-bit twin). */
function encodeC(item: Item, syntax: string, fp: boolean, pc: number, labels: Map<string, number>): number {
  const ops = item.ops;
  const o = (i: number): Operand => ops[i]!;
  const R = (i: number): number => reg(item, o(i));
  const num = (i: number): number => Number(immRange(item, o(i).text, o(i).col, -(2n ** 31n), 2n ** 32n - 1n));
  const sp = (i: number): void => {
    if (R(i) !== 2) throw err(item, o(i).col, `'${item.mnemonic}' takes sp here, not '${o(i).text}'`);
  };
  let a: COperands;
  switch (syntax) {
    case 'none':
      if (item.mnemonic === 'c.nop') {
        expectOps(item, 0, 1);
        a = { imm: ops.length ? num(0) : 0 };
      } else {
        expectOps(item, 0);
        a = {};
      }
      break;
    case 'r':
      expectOps(item, 1);
      a = { rs1: R(0) };
      break;
    case 'rr':
      expectOps(item, 2);
      a = { rd: R(0), rs2: R(1) };
      break;
    case 'ri':
      expectOps(item, 2);
      a = { rd: R(0), imm: num(1) };
      break;
    case 'spi':
      expectOps(item, 2);
      sp(0);
      a = { imm: num(1) };
      break;
    case 'rspi':
      expectOps(item, 3);
      sp(1);
      a = { rd: R(0), imm: num(2) };
      break;
    case 'mem': {
      expectOps(item, 2);
      const r = fp ? freg(item, o(0)) : R(0);
      const { off, rs1 } = memOperand(item, o(1));
      const store = /^c\.f?s[wd]/.test(item.mnemonic);
      a = store ? { rs2: r, rs1, imm: off } : { rd: r, rs1, imm: off };
      break;
    }
    case 'branch':
      expectOps(item, 2);
      a = { rs1: R(0), imm: target(item, o(1), pc, labels, 9) };
      break;
    default: // jump
      expectOps(item, 1);
      a = { imm: target(item, o(0), pc, labels, 12) };
  }
  const h = encodeCompressed(item.mnemonic, a);
  if (typeof h === 'string') throw err(item, item.mnemCol, h);
  return h;
}

/** An OP-FP word: the spec's funct7 with the given register fields and funct3 (rm). */
function fpWord(s: InstrSpec, rd: number, rs1: number, rs2: number, f3: number): number {
  return encR(OP.OP_FP, rd, f3, rs1, rs2, s.funct7!);
}

function encodeReal(item: Item, s: InstrSpec, aq: boolean, rl: boolean, pc: number, labels: Map<string, number>): number {
  const ops = item.ops;
  const o = (i: number): Operand => ops[i]!;
  const R = (i: number): number => reg(item, o(i));
  const F = (i: number): number => freg(item, o(i));
  switch (s.syntax) {
    case 'rrr':
      expectOps(item, 3);
      return encR(s.opcode, R(0), s.funct3, R(1), R(2), s.funct7!);
    case 'rri':
      expectOps(item, 3);
      return encI(s.opcode, R(0), s.funct3, R(1), imm(item, o(2), -2048, 2047));
    case 'shift':
    case 'shiftw': {
      expectOps(item, 3);
      const sh = imm(item, o(2), 0, s.syntax === 'shift' ? 63 : 31, 'shift amount');
      return encR(s.opcode, R(0), s.funct3, R(1), sh & 31, s.funct7! | (sh >> 5));
    }
    case 'load': {
      expectOps(item, 2);
      const rd = R(0);
      const { off, rs1 } = memOperand(item, o(1));
      return encI(s.opcode, rd, s.funct3, rs1, off);
    }
    case 'store': {
      expectOps(item, 2);
      const rs2 = R(0);
      const { off, rs1 } = memOperand(item, o(1));
      return encS(s.opcode, s.funct3, rs1, rs2, off);
    }
    case 'branch':
      expectOps(item, 3);
      return encB(s.opcode, s.funct3, R(0), R(1), target(item, o(2), pc, labels, 13));
    case 'upper':
      expectOps(item, 2);
      return encU(s.opcode, R(0), imm(item, o(1), 0, 0xfffff));
    case 'jal':
      expectOps(item, 1, 2);
      if (ops.length === 1) return encJ(s.opcode, 1, target(item, o(0), pc, labels, 21));
      return encJ(s.opcode, R(0), target(item, o(1), pc, labels, 21));
    case 'jalr': {
      // jalr rs | jalr rd, rs | jalr rd, off(rs) | jalr rd, rs, off
      expectOps(item, 1, 2, 3);
      if (ops.length === 1) {
        if (mem(item, o(0))) {
          const { off, rs1 } = memOperand(item, o(0));
          return encI(s.opcode, 1, 0, rs1, off);
        }
        return encI(s.opcode, 1, 0, R(0), 0);
      }
      const rd = R(0);
      if (ops.length === 3) return encI(s.opcode, rd, 0, R(1), imm(item, o(2), -2048, 2047));
      if (mem(item, o(1))) {
        const { off, rs1 } = memOperand(item, o(1));
        return encI(s.opcode, rd, 0, rs1, off);
      }
      return encI(s.opcode, rd, 0, R(1), 0);
    }
    case 'fence':
      expectOps(item, 0, 2);
      if (ops.length === 0) return encFence(0xf, 0xf);
      return encFence(fenceSet(item, o(0)), fenceSet(item, o(1)));
    case 'fixed':
      expectOps(item, 0);
      return s.word! >>> 0;
    case 'sfence':
      expectOps(item, 0, 1, 2);
      return encR(s.opcode, 0, 0, ops.length > 0 ? R(0) : 0, ops.length > 1 ? R(1) : 0, s.funct7!);
    case 'csr':
      expectOps(item, 3);
      return encCSR(s.funct3, R(0), csrOperand(item, o(1)), R(2));
    case 'csri':
      expectOps(item, 3);
      return encCSR(s.funct3, R(0), csrOperand(item, o(1)), imm(item, o(2), 0, 31));
    case 'lr':
      expectOps(item, 2);
      return encAMO(s.funct5!, aq, rl, 0, amoAddr(item, o(1)), s.funct3, R(0));
    case 'amo': {
      expectOps(item, 3);
      const rd = R(0);
      const rs2 = R(1);
      return encAMO(s.funct5!, aq, rl, rs2, amoAddr(item, o(2)), s.funct3, rd);
    }
    case 'lraq':
      expectOps(item, 2);
      return encR(s.opcode, R(0), s.funct3, amoAddr(item, o(1)), 0, s.funct7!);
    case 'strl':
      expectOps(item, 2);
      return encR(s.opcode, 0, s.funct3, amoAddr(item, o(1)), R(0), s.funct7!);
    case 'fload': {
      expectOps(item, 2);
      const fd = F(0);
      const { off, rs1 } = memOperand(item, o(1));
      return encI(s.opcode, fd, s.funct3, rs1, off);
    }
    case 'fstore': {
      expectOps(item, 2);
      const fs2 = F(0);
      const { off, rs1 } = memOperand(item, o(1));
      return encS(s.opcode, s.funct3, rs1, fs2, off);
    }
    case 'fr4': {
      expectOps(item, 4, 5);
      const rm = roundingMode(item, 4, s.rmDefault!);
      return (encR(s.opcode, F(0), rm, F(1), F(2), s.match >>> 25) | (F(3) << 27)) >>> 0;
    }
    case 'frrm':
      expectOps(item, 3, 4);
      return fpWord(s, F(0), F(1), F(2), roundingMode(item, 3, s.rmDefault!));
    case 'frr':
      expectOps(item, 3);
      return fpWord(s, F(0), F(1), F(2), s.funct3);
    case 'fr1rm':
      expectOps(item, 2, 3);
      return fpWord(s, F(0), F(1), (s.match >>> 20) & 31, roundingMode(item, 2, s.rmDefault!));
    case 'xff':
      expectOps(item, 3);
      return fpWord(s, R(0), F(1), F(2), s.funct3);
    case 'xf':
      expectOps(item, 2);
      return fpWord(s, R(0), F(1), 0, s.funct3);
    case 'xfrm':
      expectOps(item, 2, 3);
      return fpWord(s, R(0), F(1), (s.match >>> 20) & 31, roundingMode(item, 2, s.rmDefault!));
    case 'fxrm':
      expectOps(item, 2, 3);
      return fpWord(s, F(0), R(1), (s.match >>> 20) & 31, roundingMode(item, 2, s.rmDefault!));
    case 'fx':
      expectOps(item, 2);
      return fpWord(s, F(0), R(1), 0, s.funct3);
  }
}

function encodeDirective(item: Item, labels: Map<string, number>): number[] {
  const m = item.mnemonic;
  const value = (op: Operand, lo: bigint, hi: bigint): bigint => {
    if (isNumber(op.text)) return immRange(item, op.text, op.col, lo, hi, 'value');
    return BigInt(lookupLabel(item, op, labels));
  };
  switch (m) {
    case '.word':
    case '.4byte':
    case '.long':
      return item.ops.map((op) => Number(BigInt.asUintN(32, value(op, -(2n ** 31n), 2n ** 32n - 1n))));
    case '.dword':
    case '.8byte':
    case '.quad':
      return item.ops.flatMap((op) => {
        const v = BigInt.asUintN(64, value(op, -(2n ** 63n), 2n ** 64n - 1n));
        return [Number(v & 0xffffffffn), Number(v >> 32n)];
      });
    case '.zero':
    case '.space':
      return new Array<number>(item.size / 4).fill(0);
    case '.align':
    case '.p2align':
    case '.balign':
      // a 2-byte remainder is written as a leading c.nop by assemble()
      return new Array<number>(Math.ceil(item.size / 4)).fill(NOP);
    default:
      return [];
  }
}

// The C extension's explicit mnemonics (c.addi, c.lw, c.j, ...; RV64 with D's c.fld/c.fsd/c.fldsp/
// c.fsdsp), as llvm-mc writes them: each assembles to one 16-bit parcel. An encoder packs the
// fields by the spec's formats; the parcel is then checked against its 32-bit twin
// (cores/rvc.ts expandCompressed must give exactly the base instruction the operands name), so a
// field out of range or misaligned is an error rather than a silently different instruction.
// The disassembler prints parcels back in this syntax (compressedText).

import { decodeWord, mnemonic, type Instr } from '../../cores/decode.ts';
import { expandCompressed, RVC_ILLEGAL } from '../../cores/rvc.ts';
import { ABI_NAMES, FP_ABI_NAMES } from './encode.ts';

/**
 * Operand shape of a compressed mnemonic:
 *  - none            c.nop (also `c.nop imm`, a HINT), c.ebreak
 *  - r               c.jr / c.jalr rs1
 *  - rr              c.mv / c.add rd, rs2; CA ops rd', rs2'
 *  - ri              c.addi / c.addiw / c.li / c.andi / c.slli / c.srli / c.srai / c.lui rd, imm
 *  - spi             c.addi16sp sp, imm
 *  - rspi            c.addi4spn rd', sp, imm
 *  - mem             c.lw / c.ld / c.fld / c.lwsp ... rd, off(rs1); stores rs2, off(rs1)
 *  - branch          c.beqz / c.bnez rs1', offset
 *  - jump            c.j offset
 */
export type CSyntax = 'none' | 'r' | 'rr' | 'ri' | 'spi' | 'rspi' | 'mem' | 'branch' | 'jump';

export interface CSpec {
  mnemonic: string;
  syntax: CSyntax;
  /** Loads and stores: FP register operand. */
  fp?: boolean;
}

const C: CSpec[] = [
  ['c.addi4spn', 'rspi'], ['c.fld', 'mem', true], ['c.lw', 'mem'], ['c.ld', 'mem'], ['c.fsd', 'mem', true], ['c.sw', 'mem'], ['c.sd', 'mem'],
  ['c.nop', 'none'], ['c.addi', 'ri'], ['c.addiw', 'ri'], ['c.li', 'ri'], ['c.addi16sp', 'spi'], ['c.lui', 'ri'],
  ['c.srli', 'ri'], ['c.srai', 'ri'], ['c.andi', 'ri'], ['c.sub', 'rr'], ['c.xor', 'rr'], ['c.or', 'rr'], ['c.and', 'rr'],
  ['c.subw', 'rr'], ['c.addw', 'rr'], ['c.j', 'jump'], ['c.beqz', 'branch'], ['c.bnez', 'branch'],
  ['c.slli', 'ri'], ['c.fldsp', 'mem', true], ['c.lwsp', 'mem'], ['c.ldsp', 'mem'], ['c.jr', 'r'], ['c.mv', 'rr'],
  ['c.ebreak', 'none'], ['c.jalr', 'r'], ['c.add', 'rr'], ['c.fsdsp', 'mem', true], ['c.swsp', 'mem'], ['c.sdsp', 'mem'],
].map(([mnemonic, syntax, fp]) => ({ mnemonic: mnemonic as string, syntax: syntax as CSyntax, ...(fp ? { fp: true } : {}) }));

export const C_INSTRUCTIONS: ReadonlyMap<string, CSpec> = new Map(C.map((s) => [s.mnemonic, s]));

/** Operands of a compressed instruction, already parsed (register numbers, immediates, offsets). */
export interface COperands {
  rd?: number;
  rs1?: number;
  rs2?: number;
  imm?: number;
}

const b = (v: number, hi: number, lo: number): number => (v >> lo) & ((1 << (hi - lo + 1)) - 1);
const prime = (r: number): number => (r - 8) & 7;

/** The parcel for mnemonic + operands before any range check (fields truncated). */
function pack(mn: string, o: COperands): number {
  const rd = o.rd ?? 0, rs1 = o.rs1 ?? 0, rs2 = o.rs2 ?? 0, i = o.imm ?? 0;
  const ci = (f3: number, op: number, r: number, imm: number) => (f3 << 13) | (b(imm, 5, 5) << 12) | (r << 7) | (b(imm, 4, 0) << 2) | op;
  const clD = (f3: number, r1: number, r2: number, off: number) => (f3 << 13) | (b(off, 5, 3) << 10) | (prime(r1) << 7) | (b(off, 7, 6) << 5) | (prime(r2) << 2);
  const clW = (f3: number, r1: number, r2: number, off: number) => (f3 << 13) | (b(off, 5, 3) << 10) | (prime(r1) << 7) | (b(off, 2, 2) << 6) | (b(off, 6, 6) << 5) | (prime(r2) << 2);
  const cb = (f2: number, r: number, imm: number) => (4 << 13) | (b(imm, 5, 5) << 12) | (f2 << 10) | (prime(r) << 7) | (b(imm, 4, 0) << 2) | 1;
  const ca = (bit12: number, f2: number) => (4 << 13) | (bit12 << 12) | (3 << 10) | (prime(rd) << 7) | (f2 << 5) | (prime(rs2) << 2) | 1;
  const br = (f3: number) => (f3 << 13) | (b(i, 8, 8) << 12) | (b(i, 4, 3) << 10) | (prime(rs1) << 7) | (b(i, 7, 6) << 5) | (b(i, 2, 1) << 3) | (b(i, 5, 5) << 2) | 1;
  const cr = (f4: number, r: number, r2: number) => (f4 << 12) | (r << 7) | (r2 << 2) | 2;
  switch (mn) {
    case 'c.addi4spn': return (b(i, 5, 4) << 11) | (b(i, 9, 6) << 7) | (b(i, 2, 2) << 6) | (b(i, 3, 3) << 5) | (prime(rd) << 2);
    case 'c.fld': return clD(1, rs1, rd, i);
    case 'c.lw': return clW(2, rs1, rd, i);
    case 'c.ld': return clD(3, rs1, rd, i);
    case 'c.fsd': return clD(5, rs1, rs2, i);
    case 'c.sw': return clW(6, rs1, rs2, i);
    case 'c.sd': return clD(7, rs1, rs2, i);
    case 'c.nop': return ci(0, 1, 0, i);
    case 'c.addi': return ci(0, 1, rd, i);
    case 'c.addiw': return ci(1, 1, rd, i);
    case 'c.li': return ci(2, 1, rd, i);
    case 'c.addi16sp': return (3 << 13) | (b(i, 9, 9) << 12) | (2 << 7) | (b(i, 4, 4) << 6) | (b(i, 6, 6) << 5) | (b(i, 8, 7) << 3) | (b(i, 5, 5) << 2) | 1;
    case 'c.lui': return ci(3, 1, rd, i);
    case 'c.srli': return cb(0, rd, i);
    case 'c.srai': return cb(1, rd, i);
    case 'c.andi': return cb(2, rd, i);
    case 'c.sub': return ca(0, 0);
    case 'c.xor': return ca(0, 1);
    case 'c.or': return ca(0, 2);
    case 'c.and': return ca(0, 3);
    case 'c.subw': return ca(1, 0);
    case 'c.addw': return ca(1, 1);
    case 'c.j': return (5 << 13) | (b(i, 11, 11) << 12) | (b(i, 4, 4) << 11) | (b(i, 9, 8) << 9) | (b(i, 10, 10) << 8) | (b(i, 6, 6) << 7) | (b(i, 7, 7) << 6) | (b(i, 3, 1) << 3) | (b(i, 5, 5) << 2) | 1;
    case 'c.beqz': return br(6);
    case 'c.bnez': return br(7);
    case 'c.slli': return ci(0, 2, rd, i);
    case 'c.fldsp': return (1 << 13) | (b(i, 5, 5) << 12) | (rd << 7) | (b(i, 4, 3) << 5) | (b(i, 8, 6) << 2) | 2;
    case 'c.lwsp': return (2 << 13) | (b(i, 5, 5) << 12) | (rd << 7) | (b(i, 4, 2) << 4) | (b(i, 7, 6) << 2) | 2;
    case 'c.ldsp': return (3 << 13) | (b(i, 5, 5) << 12) | (rd << 7) | (b(i, 4, 3) << 5) | (b(i, 8, 6) << 2) | 2;
    case 'c.jr': return cr(8, rs1, 0);
    case 'c.mv': return cr(8, rd, rs2);
    case 'c.ebreak': return cr(9, 0, 0);
    case 'c.jalr': return cr(9, rs1, 0);
    case 'c.add': return cr(9, rd, rs2);
    case 'c.fsdsp': return (5 << 13) | (b(i, 5, 3) << 10) | (b(i, 8, 6) << 7) | (rs2 << 2) | 2;
    case 'c.swsp': return (6 << 13) | (b(i, 5, 2) << 9) | (b(i, 7, 6) << 7) | (rs2 << 2) | 2;
    case 'c.sdsp': return (7 << 13) | (b(i, 5, 3) << 10) | (b(i, 8, 6) << 7) | (rs2 << 2) | 2;
  }
  throw new Error(`not a compressed mnemonic: ${mn}`);
}

/** The mnemonic of the parcel's 32-bit twin, and its fields in the shape of the compressed form. */
function twinOf(half: number): { d: Instr; name: string } | undefined {
  const w = expandCompressed(half);
  if (w === RVC_ILLEGAL) return undefined;
  const d = decodeWord(w >>> 0, 2);
  return { d, name: mnemonic(d) };
}

/** The compressed mnemonic of a parcel (undefined: reserved or not a parcel). */
export function compressedMnemonic(half: number): string | undefined {
  const h = half & 0xffff;
  if ((h & 3) === 3 || expandCompressed(h) === RVC_ILLEGAL) return undefined;
  const q = h & 3, f3 = h >>> 13;
  if (q === 0) return ['c.addi4spn', 'c.fld', 'c.lw', 'c.ld', '', 'c.fsd', 'c.sw', 'c.sd'][f3];
  if (q === 1) {
    if (f3 === 0) return ((h >>> 7) & 31) === 0 ? 'c.nop' : 'c.addi';
    if (f3 === 3) return ((h >>> 7) & 31) === 2 ? 'c.addi16sp' : 'c.lui';
    if (f3 === 4) {
      const f2 = (h >>> 10) & 3;
      if (f2 < 3) return ['c.srli', 'c.srai', 'c.andi'][f2];
      return [['c.sub', 'c.xor', 'c.or', 'c.and'], ['c.subw', 'c.addw', '', '']][(h >>> 12) & 1]![(h >>> 5) & 3];
    }
    return ['', 'c.addiw', 'c.li', '', '', 'c.j', 'c.beqz', 'c.bnez'][f3];
  }
  if (f3 === 4) {
    const rd = (h >>> 7) & 31, rs2 = (h >>> 2) & 31;
    if (((h >>> 12) & 1) === 0) return rs2 === 0 ? 'c.jr' : 'c.mv';
    return rs2 !== 0 ? 'c.add' : rd === 0 ? 'c.ebreak' : 'c.jalr';
  }
  return ['c.slli', 'c.fldsp', 'c.lwsp', 'c.ldsp', '', 'c.fsdsp', 'c.swsp', 'c.sdsp'][f3];
}

/** The operands of a parcel as the assembler reads them back (from its twin's fields). */
function operandsOf(mn: string, d: Instr): COperands {
  switch (mn) {
    case 'c.lui': return { rd: d.rd, imm: (d.imm >>> 12) & 0xfffff };
    case 'c.sw': case 'c.sd': case 'c.fsd': case 'c.swsp': case 'c.sdsp': case 'c.fsdsp': return { rs1: d.rs1, rs2: d.rs2, imm: d.imm };
    case 'c.jr': case 'c.jalr': case 'c.beqz': case 'c.bnez': return { rs1: d.rs1, imm: d.imm };
    case 'c.mv': return { rd: d.rd, rs2: d.rs1 }; // twin addi rd, rs2, 0
    case 'c.add': case 'c.sub': case 'c.xor': case 'c.or': case 'c.and': case 'c.subw': case 'c.addw': return { rd: d.rd, rs2: d.rs2 };
    default: return { rd: d.rd, rs1: d.rs1, imm: d.imm };
  }
}

/**
 * The parcel for a compressed mnemonic and its operands, or an error message: a field out of
 * range, misaligned, a register outside x8..x15 where the form needs one, or a reserved encoding.
 */
export function encodeCompressed(mn: string, o: COperands): number | string {
  const h = pack(mn, o) & 0xffff;
  const t = twinOf(h);
  if (!t || compressedMnemonic(h) !== mn) return `operands make a reserved encoding of '${mn}'`;
  const back = operandsOf(mn, t.d);
  for (const k of ['rd', 'rs1', 'rs2', 'imm'] as const) {
    const want = o[k];
    if (want !== undefined && back[k] !== want) {
      if (k === 'imm') return `immediate ${want} out of range or misaligned for '${mn}'`;
      return `register ${ABI_NAMES[want] ?? want} cannot be encoded in '${mn}'${['c.mv', 'c.add', 'c.jr', 'c.jalr', 'c.li', 'c.addi', 'c.lui', 'c.slli'].includes(mn) ? '' : ' (x8..x15 only)'}`;
    }
  }
  return h;
}

const hex = (v: number): string => '0x' + (v >>> 0).toString(16);

/** A parcel in the compressed syntax (like `objdump -M no-aliases`), or undefined if reserved. */
export function compressedText(half: number, pc?: number): string | undefined {
  const mn = compressedMnemonic(half);
  const t = twinOf(half);
  if (!mn || !t) return undefined;
  const d = t.d;
  const X = ABI_NAMES, F = FP_ABI_NAMES;
  const target = (off: number) => (pc === undefined ? String(off) : `${off} # 0x${(pc + off).toString(16)}`);
  switch (mn) {
    case 'c.nop': return d.imm === 0 ? 'c.nop' : `c.nop ${d.imm}`;
    case 'c.ebreak': return 'c.ebreak';
    case 'c.addi4spn': return `c.addi4spn ${X[d.rd]}, sp, ${d.imm}`;
    case 'c.addi16sp': return `c.addi16sp sp, ${d.imm}`;
    case 'c.lui': return `c.lui ${X[d.rd]}, ${hex((d.imm >>> 12) & 0xfffff)}`;
    case 'c.jr': case 'c.jalr': return `${mn} ${X[d.rs1]}`;
    case 'c.mv': return `c.mv ${X[d.rd]}, ${X[d.rs1]}`;
    case 'c.j': return `c.j ${target(d.imm)}`;
    case 'c.beqz': case 'c.bnez': return `${mn} ${X[d.rs1]}, ${target(d.imm)}`;
    case 'c.fld': case 'c.fldsp': return `${mn} ${F[d.rd]}, ${d.imm}(${X[d.rs1]})`;
    case 'c.fsd': case 'c.fsdsp': return `${mn} ${F[d.rs2]}, ${d.imm}(${X[d.rs1]})`;
    case 'c.lw': case 'c.ld': case 'c.lwsp': case 'c.ldsp': return `${mn} ${X[d.rd]}, ${d.imm}(${X[d.rs1]})`;
    case 'c.sw': case 'c.sd': case 'c.swsp': case 'c.sdsp': return `${mn} ${X[d.rs2]}, ${d.imm}(${X[d.rs1]})`;
    case 'c.add': case 'c.sub': case 'c.xor': case 'c.or': case 'c.and': case 'c.subw': case 'c.addw': return `${mn} ${X[d.rd]}, ${X[d.rs2]}`;
    default: return `${mn} ${X[d.rd]}, ${d.imm}`; // c.addi, c.addiw, c.li, c.andi, c.slli, c.srli, c.srai
  }
}

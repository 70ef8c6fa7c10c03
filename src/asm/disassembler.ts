// Disassembler producing canonical text that `assemble` accepts back:
// assemble(disassemble(w)).words[0] === w for every word that does not print
// as `illegal 0x........`.
//
// The instruction comes from the one decoder (cores/decode.ts); the operand shape from the
// assembler's table (encode.ts), so a word prints only if the assembler knows its mnemonic
// and the word has every bit the assembler fixes (a fence with its reserved fields set
// decodes, but has no syntax). Base instructions are always printed (no
// pseudo-instructions), with ABI register names (FP ones for FP operands); an F/D rounding mode
// is printed when it is not the mnemonic's default (dyn; rne for the exact fcvt.d.s/.d.w/.d.wu). Branch and jal targets are printed as
// pc-relative byte offsets; when `pc` is given the absolute target follows in a `#` comment.

import { decodeWord, mnemonic, Op, type Instr } from '../../cores/decode.ts';
import { ABI_NAMES, CSR_BY_NUMBER, FP_ABI_NAMES, INSTRUCTIONS, ROUNDING_MODES } from './encode.ts';
import { compressedText } from './rvc_encode.ts';

const hex = (v: number): string => '0x' + (v >>> 0).toString(16);

function fenceSet(v: number): string {
  if (v === 0) return '0';
  let s = '';
  if (v & 8) s += 'i';
  if (v & 4) s += 'o';
  if (v & 2) s += 'r';
  if (v & 1) s += 'w';
  return s;
}

function csrName(n: number): string {
  return CSR_BY_NUMBER.get(n) ?? hex(n);
}

function targetText(off: number, pc: number | undefined): string {
  if (pc === undefined) return String(off);
  const abs = BigInt.asUintN(64, BigInt(pc) + BigInt(off));
  return `${off} # 0x${abs.toString(16)}`;
}

export function illegal(word: number): string {
  return 'illegal 0x' + (word >>> 0).toString(16).padStart(8, '0');
}

/** The .aq/.rl/.aqrl suffix of an AMO, LR or SC. */
function aqrl(d: Instr): string {
  return d.aq && d.rl ? '.aqrl' : d.aq ? '.aq' : d.rl ? '.rl' : '';
}

export function disassemble(word: number, pc?: number): string {
  const w = word >>> 0;
  const d = decodeWord(w);
  const s = INSTRUCTIONS.get(mnemonic(d));
  if (d.op === Op.ILLEGAL || !s || ((w & s.mask) >>> 0) !== s.match) return illegal(w);
  const rd = ABI_NAMES[d.rd]!;
  const rs1 = ABI_NAMES[d.rs1]!;
  const rs2 = ABI_NAMES[d.rs2]!;
  const mn = s.mnemonic;
  const fd = FP_ABI_NAMES[d.rd]!;
  const fs1 = FP_ABI_NAMES[d.rs1]!;
  const fs2 = FP_ABI_NAMES[d.rs2]!;
  // The rounding mode is printed when it is not the mnemonic's default (dyn, as llvm-objdump does).
  const rm = d.rm === s.rmDefault ? '' : `, ${ROUNDING_MODES[d.rm]}`;
  switch (s.syntax) {
    case 'rrr':
      return `${mn} ${rd}, ${rs1}, ${rs2}`;
    case 'rri':
    case 'shift':
    case 'shiftw':
      return `${mn} ${rd}, ${rs1}, ${d.imm}`;
    case 'load':
    case 'jalr':
      return `${mn} ${rd}, ${d.imm}(${rs1})`;
    case 'store':
      return `${mn} ${rs2}, ${d.imm}(${rs1})`;
    case 'branch':
      return `${mn} ${rs1}, ${rs2}, ${targetText(d.imm, pc)}`;
    case 'upper':
      return `${mn} ${rd}, ${hex(d.imm >>> 12)}`;
    case 'jal':
      return `${mn} ${rd}, ${targetText(d.imm, pc)}`;
    case 'fence':
      return `${mn} ${fenceSet((d.imm >>> 4) & 15)}, ${fenceSet(d.imm & 15)}`;
    case 'fixed':
      return mn;
    case 'sfence':
      return `${mn} ${rs1}, ${rs2}`;
    case 'csr':
      return `${mn} ${rd}, ${csrName(d.csr)}, ${rs1}`;
    case 'csri':
      return `${mn} ${rd}, ${csrName(d.csr)}, ${d.imm}`;
    case 'lraq':
      return `${mn} ${rd}, (${rs1})`;
    case 'strl':
      return `${mn} ${rs2}, (${rs1})`;
    case 'lr':
      return `${mn}${aqrl(d)} ${rd}, (${rs1})`;
    case 'amo':
      return `${mn}${aqrl(d)} ${rd}, ${rs2}, (${rs1})`;
    case 'fload':
      return `${mn} ${fd}, ${d.imm}(${rs1})`;
    case 'fstore':
      return `${mn} ${fs2}, ${d.imm}(${rs1})`;
    case 'fr4':
      return `${mn} ${fd}, ${fs1}, ${fs2}, ${FP_ABI_NAMES[d.rs3]}${rm}`;
    case 'frrm':
      return `${mn} ${fd}, ${fs1}, ${fs2}${rm}`;
    case 'frr':
      return `${mn} ${fd}, ${fs1}, ${fs2}`;
    case 'fr1rm':
      return `${mn} ${fd}, ${fs1}${rm}`;
    case 'xff':
      return `${mn} ${rd}, ${fs1}, ${fs2}`;
    case 'xf':
      return `${mn} ${rd}, ${fs1}`;
    case 'xfrm':
      return `${mn} ${rd}, ${fs1}${rm}`;
    case 'fxrm':
      return `${mn} ${fd}, ${rs1}${rm}`;
    case 'fx':
      return `${mn} ${fd}, ${rs1}`;
  }
}

/**
 * A 16-bit parcel in its c. form (as `objdump -M no-aliases` prints it, and as the assembler takes
 * it back), or `illegal 0x....` for a reserved one. The expansion is what the hart executes.
 */
export function disassembleParcel(half: number, pc?: number): string {
  return compressedText(half & 0xffff, pc) ?? 'illegal 0x' + (half & 0xffff).toString(16).padStart(4, '0');
}

/** The instruction at byte offset `off` of an image (16 or 32 bits, by its low two bits). */
export function disassembleAt(bytes: Uint8Array, off: number, pc?: number): { text: string; size: 2 | 4 } {
  const half = bytes[off]! | (bytes[off + 1]! << 8);
  if ((half & 3) !== 3) return { text: disassembleParcel(half, pc), size: 2 };
  const w = (half | (bytes[off + 2]! << 16) | (bytes[off + 3]! << 24)) >>> 0;
  return { text: disassemble(w, pc), size: 4 };
}

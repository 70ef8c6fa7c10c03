// Disassembler producing canonical text that `assemble` accepts back:
// assemble(disassemble(w)).words[0] === w for every word that does not print
// as `illegal 0x........`.
//
// Base instructions are always printed (no pseudo-instructions), with ABI
// register names. Branch and jal targets are printed as pc-relative byte
// offsets; when `pc` is given the absolute target follows in a `#` comment.

import { ABI_NAMES, CSR_BY_NUMBER, immB, immI, immJ, immS, immU, matchSpec } from './encode.ts';

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

export function disassemble(word: number, pc?: number): string {
  const w = word >>> 0;
  const s = matchSpec(w);
  if (!s) return illegal(w);
  const rd = ABI_NAMES[(w >>> 7) & 31]!;
  const rs1 = ABI_NAMES[(w >>> 15) & 31]!;
  const rs2 = ABI_NAMES[(w >>> 20) & 31]!;
  const mn = s.mnemonic;
  switch (s.syntax) {
    case 'rrr':
      return `${mn} ${rd}, ${rs1}, ${rs2}`;
    case 'rri':
      return `${mn} ${rd}, ${rs1}, ${immI(w)}`;
    case 'shift':
      return `${mn} ${rd}, ${rs1}, ${(w >>> 20) & 63}`;
    case 'shiftw':
      return `${mn} ${rd}, ${rs1}, ${(w >>> 20) & 31}`;
    case 'load':
      return `${mn} ${rd}, ${immI(w)}(${rs1})`;
    case 'store':
      return `${mn} ${rs2}, ${immS(w)}(${rs1})`;
    case 'branch':
      return `${mn} ${rs1}, ${rs2}, ${targetText(immB(w), pc)}`;
    case 'upper':
      return `${mn} ${rd}, ${hex(immU(w))}`;
    case 'jal':
      return `${mn} ${rd}, ${targetText(immJ(w), pc)}`;
    case 'jalr':
      return `${mn} ${rd}, ${immI(w)}(${rs1})`;
    case 'fence': {
      const pred = (w >>> 24) & 15;
      const succ = (w >>> 20) & 15;
      return `${mn} ${fenceSet(pred)}, ${fenceSet(succ)}`;
    }
    case 'fixed':
      return mn;
    case 'sfence':
      return `${mn} ${rs1}, ${rs2}`;
    case 'csr':
      return `${mn} ${rd}, ${csrName(w >>> 20)}, ${rs1}`;
    case 'csri':
      return `${mn} ${rd}, ${csrName(w >>> 20)}, ${(w >>> 15) & 31}`;
    case 'lraq':
      return `${mn} ${rd}, (${rs1})`;
    case 'strl':
      return `${mn} ${rs2}, (${rs1})`;
    case 'lr':
    case 'amo': {
      const aq = (w >>> 26) & 1;
      const rl = (w >>> 25) & 1;
      const suffix = aq && rl ? '.aqrl' : aq ? '.aq' : rl ? '.rl' : '';
      if (s.syntax === 'lr') return `${mn}${suffix} ${rd}, (${rs1})`;
      return `${mn}${suffix} ${rd}, ${rs2}, (${rs1})`;
    }
  }
}

// Instruction encoders and the mnemonic table for RV64IMAFD + Zicsr + Zifencei + Zalasr
// (plus a few privileged instructions: mret, sret, wfi, sfence.vma). The C extension's
// 16-bit forms live in rvc_encode.ts.

/** Encoding format of an instruction. */
export type Format = 'R' | 'I' | 'S' | 'B' | 'U' | 'J' | 'AMO' | 'CSR' | 'R4';

/**
 * Operand shape of an instruction (how it is written in assembly text).
 *  - rrr     rd, rs1, rs2
 *  - rri     rd, rs1, imm12
 *  - shift   rd, rs1, shamt(0..63)      (funct7 holds the top 6 bits << 1)
 *  - shiftw  rd, rs1, shamt(0..31)
 *  - load    rd, imm12(rs1)
 *  - store   rs2, imm12(rs1)
 *  - branch  rs1, rs2, offset13
 *  - upper   rd, imm20
 *  - jal     rd, offset21
 *  - jalr    rd, imm12(rs1)
 *  - fence   pred, succ
 *  - fixed   no operands, the whole word is fixed
 *  - csr     rd, csr, rs1
 *  - csri    rd, csr, uimm5
 *  - lr      rd, (rs1)
 *  - amo     rd, rs2, (rs1)       (also sc)
 *  - lraq    rd, (rs1)            Zalasr load-acquire (the ordering is part of the mnemonic)
 *  - strl    rs2, (rs1)           Zalasr store-release
 *  - sfence  rs1, rs2
 * F and D (f = FP register, x = integer register, [rm] = optional rounding mode, default dyn
 * or, where `rmDefault` says so, the mnemonic's own default):
 *  - fload   fd, imm12(rs1)          - fstore  fs2, imm12(rs1)
 *  - fr4     fd, fs1, fs2, fs3 [rm]  - frrm    fd, fs1, fs2 [rm]
 *  - frr     fd, fs1, fs2            - fr1rm   fd, fs1 [rm]
 *  - xff     rd, fs1, fs2            - xf      rd, fs1
 *  - xfrm    rd, fs1 [rm]            - fxrm    fd, rs1 [rm]
 *  - fx      fd, rs1
 */
export type Syntax =
  | 'rrr'
  | 'rri'
  | 'shift'
  | 'shiftw'
  | 'load'
  | 'store'
  | 'branch'
  | 'upper'
  | 'jal'
  | 'jalr'
  | 'fence'
  | 'fixed'
  | 'csr'
  | 'csri'
  | 'lr'
  | 'amo'
  | 'lraq'
  | 'strl'
  | 'sfence'
  | 'fload'
  | 'fstore'
  | 'fr4'
  | 'frrm'
  | 'frr'
  | 'fr1rm'
  | 'xff'
  | 'xf'
  | 'xfrm'
  | 'fxrm'
  | 'fx';

export interface InstrSpec {
  mnemonic: string;
  format: Format;
  syntax: Syntax;
  opcode: number;
  funct3: number;
  /** R-type funct7 (also the upper immediate bits of shifts). */
  funct7?: number;
  /** AMO funct5 (bits 31:27). */
  funct5?: number;
  /** For `fixed` instructions: the complete word. */
  word?: number;
  /** Bits that are fixed by the instruction (used by the decoder). */
  mask: number;
  /** Value of the fixed bits. */
  match: number;
  /** F/D ops with a rounding mode: the rm written when the text names none (7 = dyn unless said). */
  rmDefault?: number;
}

export const OP = {
  LOAD: 0x03,
  MISC_MEM: 0x0f,
  OP_IMM: 0x13,
  AUIPC: 0x17,
  OP_IMM_32: 0x1b,
  STORE: 0x23,
  AMO: 0x2f,
  OP: 0x33,
  LUI: 0x37,
  OP_32: 0x3b,
  BRANCH: 0x63,
  JALR: 0x67,
  JAL: 0x6f,
  SYSTEM: 0x73,
  LOAD_FP: 0x07,
  STORE_FP: 0x27,
  MADD: 0x43,
  MSUB: 0x47,
  NMSUB: 0x4b,
  NMADD: 0x4f,
  OP_FP: 0x53,
} as const;

// ---------------------------------------------------------------- encoders

function chkReg(r: number): number {
  if (!Number.isInteger(r) || r < 0 || r > 31) throw new RangeError(`bad register number ${r}`);
  return r;
}

function chkSigned(v: number, bits: number, what: string): number {
  const lo = -(2 ** (bits - 1));
  const hi = 2 ** (bits - 1) - 1;
  if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`${what} ${v} out of range [${lo}, ${hi}]`);
  return v;
}

function chkUnsigned(v: number, bits: number, what: string): number {
  const hi = 2 ** bits - 1;
  if (!Number.isInteger(v) || v < 0 || v > hi) throw new RangeError(`${what} ${v} out of range [0, ${hi}]`);
  return v;
}

export function encR(opcode: number, rd: number, funct3: number, rs1: number, rs2: number, funct7: number): number {
  return (
    (((funct7 & 0x7f) << 25) |
      (chkReg(rs2) << 20) |
      (chkReg(rs1) << 15) |
      ((funct3 & 7) << 12) |
      (chkReg(rd) << 7) |
      (opcode & 0x7f)) >>>
    0
  );
}

export function encI(opcode: number, rd: number, funct3: number, rs1: number, imm: number): number {
  chkSigned(imm, 12, 'immediate');
  return (((imm & 0xfff) << 20) | (chkReg(rs1) << 15) | ((funct3 & 7) << 12) | (chkReg(rd) << 7) | (opcode & 0x7f)) >>> 0;
}

export function encS(opcode: number, funct3: number, rs1: number, rs2: number, imm: number): number {
  chkSigned(imm, 12, 'immediate');
  return (
    ((((imm >> 5) & 0x7f) << 25) |
      (chkReg(rs2) << 20) |
      (chkReg(rs1) << 15) |
      ((funct3 & 7) << 12) |
      ((imm & 0x1f) << 7) |
      (opcode & 0x7f)) >>>
    0
  );
}

export function encB(opcode: number, funct3: number, rs1: number, rs2: number, imm: number): number {
  chkSigned(imm, 13, 'branch offset');
  if (imm & 1) throw new RangeError(`branch offset ${imm} is not a multiple of 2`);
  return (
    ((((imm >> 12) & 1) << 31) |
      (((imm >> 5) & 0x3f) << 25) |
      (chkReg(rs2) << 20) |
      (chkReg(rs1) << 15) |
      ((funct3 & 7) << 12) |
      (((imm >> 1) & 0xf) << 8) |
      (((imm >> 11) & 1) << 7) |
      (opcode & 0x7f)) >>>
    0
  );
}

export function encU(opcode: number, rd: number, imm20: number): number {
  chkUnsigned(imm20, 20, 'upper immediate');
  return ((imm20 << 12) | (chkReg(rd) << 7) | (opcode & 0x7f)) >>> 0;
}

export function encJ(opcode: number, rd: number, imm: number): number {
  chkSigned(imm, 21, 'jump offset');
  if (imm & 1) throw new RangeError(`jump offset ${imm} is not a multiple of 2`);
  return (
    ((((imm >> 20) & 1) << 31) |
      (((imm >> 1) & 0x3ff) << 21) |
      (((imm >> 11) & 1) << 20) |
      (((imm >> 12) & 0xff) << 12) |
      (chkReg(rd) << 7) |
      (opcode & 0x7f)) >>>
    0
  );
}

export function encAMO(
  funct5: number,
  aq: boolean,
  rl: boolean,
  rs2: number,
  rs1: number,
  funct3: number,
  rd: number,
): number {
  const funct7 = ((funct5 & 0x1f) << 2) | (aq ? 2 : 0) | (rl ? 1 : 0);
  return encR(OP.AMO, rd, funct3, rs1, rs2, funct7);
}

/** CSR instruction; `src` is rs1 for csrrw/csrrs/csrrc and uimm5 for the *i forms. */
export function encCSR(funct3: number, rd: number, csr: number, src: number): number {
  chkUnsigned(csr, 12, 'CSR number');
  chkUnsigned(src, 5, 'CSR source');
  return ((csr << 20) | (src << 15) | ((funct3 & 7) << 12) | (chkReg(rd) << 7) | OP.SYSTEM) >>> 0;
}

/** FENCE with pred/succ bit sets (bit 3=i, 2=o, 1=r, 0=w) and fm field. */
export function encFence(pred: number, succ: number, fm = 0): number {
  chkUnsigned(pred, 4, 'fence predecessor set');
  chkUnsigned(succ, 4, 'fence successor set');
  return (((fm & 0xf) << 28) | (pred << 24) | (succ << 20) | OP.MISC_MEM) >>> 0;
}

// ---------------------------------------------------------------- decoders of immediates

// The extractors live with the one decoder (cores must not import src/asm); re-exported here.
export { immB, immI, immJ, immS, immU } from '../../cores/decode.ts';

// ---------------------------------------------------------------- table

const M_OPC = 0x0000007f;
const M_F3 = 0x0000707f;
const M_F7 = 0xfe00707f;
const M_F6 = 0xfc00707f;
const M_AMO = 0xf800707f;
const M_LR = 0xf9f0707f;
/** Zalasr: funct5, aq, rl, funct3 and the field that must be zero (rs2 of a load, rd of a store). */
const M_LRAQ = 0xfff0707f;
const M_STRL = 0xfe007fff;

function spec(
  mnemonic: string,
  format: Format,
  syntax: Syntax,
  opcode: number,
  funct3: number,
  extra: { funct7?: number; funct5?: number; word?: number; mask?: number; match?: number; rmDefault?: number } = {},
): InstrSpec {
  let mask: number;
  let match: number;
  switch (syntax) {
    case 'rrr':
    case 'shiftw':
      mask = M_F7;
      match = ((extra.funct7 ?? 0) << 25) | (funct3 << 12) | opcode;
      break;
    case 'shift':
      mask = M_F6;
      match = ((extra.funct7 ?? 0) << 25) | (funct3 << 12) | opcode;
      break;
    case 'upper':
    case 'jal':
      mask = M_OPC;
      match = opcode;
      break;
    case 'lr':
      mask = M_LR;
      match = ((extra.funct5 ?? 0) << 27) | (funct3 << 12) | opcode;
      break;
    case 'amo':
      mask = M_AMO;
      match = ((extra.funct5 ?? 0) << 27) | (funct3 << 12) | opcode;
      break;
    case 'lraq':
    case 'strl':
      // funct7 = funct5 | aq | rl, all fixed by the mnemonic
      mask = syntax === 'lraq' ? M_LRAQ : M_STRL;
      match = ((extra.funct7 ?? 0) << 25) | (funct3 << 12) | opcode;
      break;
    case 'fixed':
      mask = 0xffffffff;
      match = extra.word ?? 0;
      break;
    case 'sfence':
      mask = 0xfe007fff;
      match = ((extra.funct7 ?? 0) << 25) | opcode;
      break;
    case 'fence':
      // fm=0, rs1=0, rd=0; pred/succ free.
      mask = 0xf00fffff;
      match = opcode;
      break;
    default:
      mask = M_F3;
      match = (funct3 << 12) | opcode;
  }
  if (extra.mask !== undefined) mask = extra.mask;
  if (extra.match !== undefined) match = extra.match;
  return { mnemonic, format, syntax, opcode, funct3, ...extra, mask: mask >>> 0, match: match >>> 0 };
}

const specs: InstrSpec[] = [
  spec('lui', 'U', 'upper', OP.LUI, 0),
  spec('auipc', 'U', 'upper', OP.AUIPC, 0),
  spec('jal', 'J', 'jal', OP.JAL, 0),
  spec('jalr', 'I', 'jalr', OP.JALR, 0),

  spec('beq', 'B', 'branch', OP.BRANCH, 0),
  spec('bne', 'B', 'branch', OP.BRANCH, 1),
  spec('blt', 'B', 'branch', OP.BRANCH, 4),
  spec('bge', 'B', 'branch', OP.BRANCH, 5),
  spec('bltu', 'B', 'branch', OP.BRANCH, 6),
  spec('bgeu', 'B', 'branch', OP.BRANCH, 7),

  spec('lb', 'I', 'load', OP.LOAD, 0),
  spec('lh', 'I', 'load', OP.LOAD, 1),
  spec('lw', 'I', 'load', OP.LOAD, 2),
  spec('ld', 'I', 'load', OP.LOAD, 3),
  spec('lbu', 'I', 'load', OP.LOAD, 4),
  spec('lhu', 'I', 'load', OP.LOAD, 5),
  spec('lwu', 'I', 'load', OP.LOAD, 6),

  spec('sb', 'S', 'store', OP.STORE, 0),
  spec('sh', 'S', 'store', OP.STORE, 1),
  spec('sw', 'S', 'store', OP.STORE, 2),
  spec('sd', 'S', 'store', OP.STORE, 3),

  spec('addi', 'I', 'rri', OP.OP_IMM, 0),
  spec('slti', 'I', 'rri', OP.OP_IMM, 2),
  spec('sltiu', 'I', 'rri', OP.OP_IMM, 3),
  spec('xori', 'I', 'rri', OP.OP_IMM, 4),
  spec('ori', 'I', 'rri', OP.OP_IMM, 6),
  spec('andi', 'I', 'rri', OP.OP_IMM, 7),
  spec('slli', 'I', 'shift', OP.OP_IMM, 1, { funct7: 0x00 }),
  spec('srli', 'I', 'shift', OP.OP_IMM, 5, { funct7: 0x00 }),
  spec('srai', 'I', 'shift', OP.OP_IMM, 5, { funct7: 0x20 }),

  spec('add', 'R', 'rrr', OP.OP, 0, { funct7: 0x00 }),
  spec('sub', 'R', 'rrr', OP.OP, 0, { funct7: 0x20 }),
  spec('sll', 'R', 'rrr', OP.OP, 1, { funct7: 0x00 }),
  spec('slt', 'R', 'rrr', OP.OP, 2, { funct7: 0x00 }),
  spec('sltu', 'R', 'rrr', OP.OP, 3, { funct7: 0x00 }),
  spec('xor', 'R', 'rrr', OP.OP, 4, { funct7: 0x00 }),
  spec('srl', 'R', 'rrr', OP.OP, 5, { funct7: 0x00 }),
  spec('sra', 'R', 'rrr', OP.OP, 5, { funct7: 0x20 }),
  spec('or', 'R', 'rrr', OP.OP, 6, { funct7: 0x00 }),
  spec('and', 'R', 'rrr', OP.OP, 7, { funct7: 0x00 }),

  spec('addiw', 'I', 'rri', OP.OP_IMM_32, 0),
  spec('slliw', 'I', 'shiftw', OP.OP_IMM_32, 1, { funct7: 0x00 }),
  spec('srliw', 'I', 'shiftw', OP.OP_IMM_32, 5, { funct7: 0x00 }),
  spec('sraiw', 'I', 'shiftw', OP.OP_IMM_32, 5, { funct7: 0x20 }),
  spec('addw', 'R', 'rrr', OP.OP_32, 0, { funct7: 0x00 }),
  spec('subw', 'R', 'rrr', OP.OP_32, 0, { funct7: 0x20 }),
  spec('sllw', 'R', 'rrr', OP.OP_32, 1, { funct7: 0x00 }),
  spec('srlw', 'R', 'rrr', OP.OP_32, 5, { funct7: 0x00 }),
  spec('sraw', 'R', 'rrr', OP.OP_32, 5, { funct7: 0x20 }),

  spec('fence', 'I', 'fence', OP.MISC_MEM, 0),
  spec('fence.tso', 'I', 'fixed', OP.MISC_MEM, 0, { word: 0x8330000f }),
  spec('fence.i', 'I', 'fixed', OP.MISC_MEM, 1, { word: 0x0000100f }),
  spec('ecall', 'I', 'fixed', OP.SYSTEM, 0, { word: 0x00000073 }),
  spec('ebreak', 'I', 'fixed', OP.SYSTEM, 0, { word: 0x00100073 }),
  spec('sret', 'R', 'fixed', OP.SYSTEM, 0, { word: 0x10200073 }),
  spec('mret', 'R', 'fixed', OP.SYSTEM, 0, { word: 0x30200073 }),
  spec('wfi', 'R', 'fixed', OP.SYSTEM, 0, { word: 0x10500073 }),
  spec('sfence.vma', 'R', 'sfence', OP.SYSTEM, 0, { funct7: 0x09 }),

  spec('csrrw', 'CSR', 'csr', OP.SYSTEM, 1),
  spec('csrrs', 'CSR', 'csr', OP.SYSTEM, 2),
  spec('csrrc', 'CSR', 'csr', OP.SYSTEM, 3),
  spec('csrrwi', 'CSR', 'csri', OP.SYSTEM, 5),
  spec('csrrsi', 'CSR', 'csri', OP.SYSTEM, 6),
  spec('csrrci', 'CSR', 'csri', OP.SYSTEM, 7),

  spec('mul', 'R', 'rrr', OP.OP, 0, { funct7: 0x01 }),
  spec('mulh', 'R', 'rrr', OP.OP, 1, { funct7: 0x01 }),
  spec('mulhsu', 'R', 'rrr', OP.OP, 2, { funct7: 0x01 }),
  spec('mulhu', 'R', 'rrr', OP.OP, 3, { funct7: 0x01 }),
  spec('div', 'R', 'rrr', OP.OP, 4, { funct7: 0x01 }),
  spec('divu', 'R', 'rrr', OP.OP, 5, { funct7: 0x01 }),
  spec('rem', 'R', 'rrr', OP.OP, 6, { funct7: 0x01 }),
  spec('remu', 'R', 'rrr', OP.OP, 7, { funct7: 0x01 }),
  spec('mulw', 'R', 'rrr', OP.OP_32, 0, { funct7: 0x01 }),
  spec('divw', 'R', 'rrr', OP.OP_32, 4, { funct7: 0x01 }),
  spec('divuw', 'R', 'rrr', OP.OP_32, 5, { funct7: 0x01 }),
  spec('remw', 'R', 'rrr', OP.OP_32, 6, { funct7: 0x01 }),
  spec('remuw', 'R', 'rrr', OP.OP_32, 7, { funct7: 0x01 }),
];

const AMO_FUNCT5: ReadonlyArray<[string, number]> = [
  ['amoadd', 0x00],
  ['amoswap', 0x01],
  ['amoxor', 0x04],
  ['amoor', 0x08],
  ['amoand', 0x0c],
  ['amomin', 0x10],
  ['amomax', 0x14],
  ['amominu', 0x18],
  ['amomaxu', 0x1c],
];

for (const [width, f3] of [
  ['w', 2],
  ['d', 3],
] as const) {
  specs.push(spec(`lr.${width}`, 'AMO', 'lr', OP.AMO, f3, { funct5: 0x02 }));
  specs.push(spec(`sc.${width}`, 'AMO', 'amo', OP.AMO, f3, { funct5: 0x03 }));
  for (const [name, f5] of AMO_FUNCT5) specs.push(spec(`${name}.${width}`, 'AMO', 'amo', OP.AMO, f3, { funct5: f5 }));
}

// Zalasr (load-acquire / store-release, funct5 00110 / 00111, width in funct3). A load
// must have aq and may have rl, a store must have rl and may have aq: the other
// combinations are reserved, so are rs2 != 0 in a load and rd != 0 in a store. Loads
// sign-extend (there are no unsigned forms).
export const ZALASR_LOAD_FUNCT5 = 0x06;
export const ZALASR_STORE_FUNCT5 = 0x07;
for (const [width, f3] of [['b', 0], ['h', 1], ['w', 2], ['d', 3]] as const) {
  for (const [sfx, aq, rl] of [['aq', 1, 0], ['aqrl', 1, 1]] as const) {
    specs.push(spec(`l${width}.${sfx}`, 'AMO', 'lraq', OP.AMO, f3, { funct7: (ZALASR_LOAD_FUNCT5 << 2) | (aq << 1) | rl }));
  }
  for (const [sfx, aq, rl] of [['rl', 0, 1], ['aqrl', 1, 1]] as const) {
    specs.push(spec(`s${width}.${sfx}`, 'AMO', 'strl', OP.AMO, f3, { funct7: (ZALASR_STORE_FUNCT5 << 2) | (aq << 1) | rl }));
  }
}

// F and D. An op with a rounding mode leaves funct3 free (the decoder refuses the reserved 5 and 6);
// the others fix it. fcvt.d.s, fcvt.d.w and fcvt.d.wu are exact: llvm-mc 14 writes rm = 0 (rne)
// for them and takes no rm operand; this assembler takes one too (so every word round-trips).
const M_FP_RM = 0xfe00007f; // funct7 + opcode
const M_FP_RM_RS2 = 0xfff0007f; // funct7 + rs2 + opcode
const M_FP_F3_RS2 = 0xfff0707f; // funct7 + rs2 + funct3 + opcode
const M_R4 = 0x0600007f; // fmt + opcode
const RNE_DEFAULT = new Set(['fcvt.d.s', 'fcvt.d.w', 'fcvt.d.wu']);
function fp(mn: string, syntax: Syntax, funct7: number, f3: number | undefined, rs2?: number): InstrSpec {
  const mask = f3 === undefined ? (rs2 === undefined ? M_FP_RM : M_FP_RM_RS2) : rs2 === undefined ? M_F7 : M_FP_F3_RS2;
  const match = (funct7 << 25) | ((rs2 ?? 0) << 20) | ((f3 ?? 0) << 12) | OP.OP_FP;
  const rmDefault = f3 === undefined ? (RNE_DEFAULT.has(mn) ? 0 : 7) : undefined;
  return spec(mn, 'R', syntax, OP.OP_FP, f3 ?? 0, { funct7, mask, match, ...(rmDefault === undefined ? {} : { rmDefault }) });
}
for (const [t, fmt, width] of [['s', 0, 2], ['d', 1, 3]] as const) {
  specs.push(spec(`fl${t === 's' ? 'w' : 'd'}`, 'I', 'fload', OP.LOAD_FP, width));
  specs.push(spec(`fs${t === 's' ? 'w' : 'd'}`, 'S', 'fstore', OP.STORE_FP, width));
  for (const [name, opc] of [['fmadd', OP.MADD], ['fmsub', OP.MSUB], ['fnmsub', OP.NMSUB], ['fnmadd', OP.NMADD]] as const) {
    specs.push(spec(`${name}.${t}`, 'R4', 'fr4', opc, 0, { mask: M_R4, match: (fmt << 25) | opc, rmDefault: 7 }));
  }
  const f7 = (f5: number) => (f5 << 2) | fmt;
  specs.push(fp(`fadd.${t}`, 'frrm', f7(0x00), undefined));
  specs.push(fp(`fsub.${t}`, 'frrm', f7(0x01), undefined));
  specs.push(fp(`fmul.${t}`, 'frrm', f7(0x02), undefined));
  specs.push(fp(`fdiv.${t}`, 'frrm', f7(0x03), undefined));
  specs.push(fp(`fsqrt.${t}`, 'fr1rm', f7(0x0b), undefined, 0));
  specs.push(fp(`fsgnj.${t}`, 'frr', f7(0x04), 0));
  specs.push(fp(`fsgnjn.${t}`, 'frr', f7(0x04), 1));
  specs.push(fp(`fsgnjx.${t}`, 'frr', f7(0x04), 2));
  specs.push(fp(`fmin.${t}`, 'frr', f7(0x05), 0));
  specs.push(fp(`fmax.${t}`, 'frr', f7(0x05), 1));
  specs.push(fp(`feq.${t}`, 'xff', f7(0x14), 2));
  specs.push(fp(`flt.${t}`, 'xff', f7(0x14), 1));
  specs.push(fp(`fle.${t}`, 'xff', f7(0x14), 0));
  specs.push(fp(`fclass.${t}`, 'xf', f7(0x1c), 1, 0));
  specs.push(fp(t === 's' ? 'fmv.x.w' : 'fmv.x.d', 'xf', f7(0x1c), 0, 0));
  specs.push(fp(t === 's' ? 'fmv.w.x' : 'fmv.d.x', 'fx', f7(0x1e), 0, 0));
  ['w', 'wu', 'l', 'lu'].forEach((i, k) => {
    specs.push(fp(`fcvt.${i}.${t}`, 'xfrm', f7(0x18), undefined, k));
    specs.push(fp(`fcvt.${t}.${i}`, 'fxrm', f7(0x1a), undefined, k));
  });
}
specs.push(fp('fcvt.s.d', 'fr1rm', (0x08 << 2) | 0, undefined, 1));
specs.push(fp('fcvt.d.s', 'fr1rm', (0x08 << 2) | 1, undefined, 0));

/** Every supported mnemonic (AMO/LR/SC without ordering suffix; Zalasr with theirs). */
export const INSTRUCTIONS: ReadonlyMap<string, InstrSpec> = new Map(specs.map((s) => [s.mnemonic, s]));

/** Ordering suffixes accepted on AMO/LR/SC mnemonics. */
export const AQRL_SUFFIXES: ReadonlyArray<readonly [string, boolean, boolean]> = [
  ['', false, false],
  ['.aq', true, false],
  ['.rl', false, true],
  ['.aqrl', true, true],
];

/**
 * Look a mnemonic up, handling `.aq`/`.rl`/`.aqrl` suffixes on AMO, LR and SC.
 */
export function lookupMnemonic(mnemonic: string): { spec: InstrSpec; aq: boolean; rl: boolean } | undefined {
  const direct = INSTRUCTIONS.get(mnemonic);
  if (direct) return { spec: direct, aq: false, rl: false };
  for (const [suffix, aq, rl] of AQRL_SUFFIXES) {
    if (suffix && mnemonic.endsWith(suffix)) {
      const base = INSTRUCTIONS.get(mnemonic.slice(0, -suffix.length));
      if (base && (base.syntax === 'amo' || base.syntax === 'lr')) return { spec: base, aq, rl };
    }
  }
  return undefined;
}

const byOpcode = new Map<number, InstrSpec[]>();
for (const s of specs) {
  let list = byOpcode.get(s.opcode);
  if (!list) byOpcode.set(s.opcode, (list = []));
  list.push(s);
}
// Most specific (largest mask) first so that fixed words win over generic patterns.
const popcount = (x: number): number => {
  let n = 0;
  for (let v = x >>> 0; v; v &= v - 1) n++;
  return n;
};
for (const list of byOpcode.values()) list.sort((a, b) => popcount(b.mask) - popcount(a.mask));

/** Find the spec whose fixed bits match `word` (or undefined). */
export function matchSpec(word: number): InstrSpec | undefined {
  const w = word >>> 0;
  const list = byOpcode.get(w & 0x7f);
  if (!list) return undefined;
  for (const s of list) if (((w & s.mask) >>> 0) === s.match) return s;
  return undefined;
}

// ---------------------------------------------------------------- registers & CSRs

export const ABI_NAMES: readonly string[] = [
  'zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2',
  's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5',
  'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7',
  's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6',
];

const REGS = new Map<string, number>();
for (let i = 0; i < 32; i++) {
  REGS.set(`x${i}`, i);
  REGS.set(ABI_NAMES[i]!, i);
}
REGS.set('fp', 8);

/** Register number for a name (x0..x31, ABI names, fp), or undefined. Case-insensitive. */
export function parseRegister(name: string): number | undefined {
  return REGS.get(name.toLowerCase());
}

/** ABI names of the FP registers f0..f31. */
export const FP_ABI_NAMES: readonly string[] = [
  'ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7',
  'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3', 'fa4', 'fa5',
  'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7',
  'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11',
];

const FREGS = new Map<string, number>();
for (let i = 0; i < 32; i++) {
  FREGS.set(`f${i}`, i);
  FREGS.set(FP_ABI_NAMES[i]!, i);
}

/** FP register number for a name (f0..f31, ABI names), or undefined. Case-insensitive. */
export function parseFpRegister(name: string): number | undefined {
  return FREGS.get(name.toLowerCase());
}

/** Rounding-mode operand names by rm value (5 and 6 are reserved). */
export const ROUNDING_MODES: readonly string[] = ['rne', 'rtz', 'rdn', 'rup', 'rmm', '', '', 'dyn'];

/** Named CSRs understood by the assembler and printed by the disassembler. */
export const CSR_NAMES: ReadonlyMap<string, number> = new Map<string, number>([
  ['fflags', 0x001],
  ['frm', 0x002],
  ['fcsr', 0x003],
  ['cycle', 0xc00],
  ['time', 0xc01],
  ['instret', 0xc02],
  ['sstatus', 0x100],
  ['sie', 0x104],
  ['stvec', 0x105],
  ['scounteren', 0x106],
  ['sscratch', 0x140],
  ['sepc', 0x141],
  ['scause', 0x142],
  ['stval', 0x143],
  ['sip', 0x144],
  ['satp', 0x180],
  ['mstatus', 0x300],
  ['misa', 0x301],
  ['medeleg', 0x302],
  ['mideleg', 0x303],
  ['mie', 0x304],
  ['mtvec', 0x305],
  ['mcounteren', 0x306],
  ['mscratch', 0x340],
  ['mepc', 0x341],
  ['mcause', 0x342],
  ['mtval', 0x343],
  ['mip', 0x344],
  ['mcycle', 0xb00],
  ['minstret', 0xb02],
  ['mvendorid', 0xf11],
  ['marchid', 0xf12],
  ['mimpid', 0xf13],
  ['mhartid', 0xf14],
]);

export const CSR_BY_NUMBER: ReadonlyMap<number, string> = new Map([...CSR_NAMES].map(([k, v]) => [v, k]));

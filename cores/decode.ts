// The one RISC-V decoder: instruction bits -> an instruction record (named operation and
// operands). Pure: it reads nothing but its arguments. Shared by the interpreter (cores/hart.ts
// turns a record into a decode-cache entry), the disassembler (src/asm/disassembler.ts) and,
// later, the translator.
//
// Covers RV64IMAFD + Zicsr + Zifencei + Zalasr and the privileged words the disassembler prints. A 16-bit instruction
// is decoded from its 32-bit expansion (cores/rvc.ts) with len = 2, so both forms share one
// record and one interpreter.
//
// Op is a const enum: esbuild inlines its members as literals when it bundles the worker
// (src/machine/spawn.ts), so Hart.run's `case Op.ADDI:` labels stay Smi literals and V8 builds
// a jump table. Under tsx (file by file) they are property loads; test/cores/decode.test.ts
// checks the bundle.


// ---- immediates of the 32-bit formats (sign-extended; U unshifted). src/asm re-exports them.

export function immI(w: number): number {
  return w >> 20;
}
export function immS(w: number): number {
  return ((w >> 25) << 5) | ((w >>> 7) & 0x1f);
}
export function immB(w: number): number {
  return ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 0xf) << 1);
}
export function immU(w: number): number {
  return w >>> 12;
}
export function immJ(w: number): number {
  return ((w >> 31) << 20) | (((w >>> 12) & 0xff) << 12) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1);
}

export const enum Op {
  ILLEGAL = 0,
  // RV64I
  LUI, AUIPC, JAL, JALR,
  BEQ, BNE, BLT, BGE, BLTU, BGEU,
  LB, LH, LW, LD, LBU, LHU, LWU,
  SB, SH, SW, SD,
  ADDI, SLTI, SLTIU, XORI, ORI, ANDI, SLLI, SRLI, SRAI,
  ADD, SUB, SLL, SLT, SLTU, XOR, SRL, SRA, OR, AND,
  ADDIW, SLLIW, SRLIW, SRAIW,
  ADDW, SUBW, SLLW, SRLW, SRAW,
  FENCE, FENCE_TSO, FENCE_I, ECALL, EBREAK,
  // Zicsr
  CSRRW, CSRRS, CSRRC, CSRRWI, CSRRSI, CSRRCI,
  // M
  MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU,
  MULW, DIVW, DIVUW, REMW, REMUW,
  // A (AMOs in funct5 order of AMO_FUNCT5 below)
  LR_W, SC_W, AMOSWAP_W, AMOADD_W, AMOXOR_W, AMOAND_W, AMOOR_W, AMOMIN_W, AMOMAX_W, AMOMINU_W, AMOMAXU_W,
  LR_D, SC_D, AMOSWAP_D, AMOADD_D, AMOXOR_D, AMOAND_D, AMOOR_D, AMOMIN_D, AMOMAX_D, AMOMINU_D, AMOMAXU_D,
  // Zalasr: load-acquire (aq = 1, rl optional) and store-release (rl = 1, aq optional)
  LB_AQ, LH_AQ, LW_AQ, LD_AQ, SB_RL, SH_RL, SW_RL, SD_RL,
  // Interpreter forms: decode() never returns these; the decode cache (cores/hart.ts decodeAt)
  // specialises a record into them. LI = addi rd, x0, imm; MV = addi/shift by 0; AMO_W/AMO_D
  // carry funct5 in imm; CSR carries funct3 in the rs2 slot and the CSR number in imm;
  // FLOAD/FSTORE = flw/fld and fsw/fsd (width 0/1 in the rs2 / rd slot); FP = every other F/D
  // op, the decoder's op in imm. They sit before the ops run() does not execute, so run()'s
  // case labels stay one dense range.
  LI, MV, AMO_W, AMO_D, CSR, FP, FLOAD, FSTORE,
  // Privileged (illegal in user mode; decoded so the disassembler can name them)
  SRET, MRET, WFI, SFENCE_VMA,
  // F (rm = rounding mode where the instruction has one; rs3 for the fused ops)
  FLW, FSW, FMADD_S, FMSUB_S, FNMSUB_S, FNMADD_S,
  FADD_S, FSUB_S, FMUL_S, FDIV_S, FSQRT_S, FSGNJ_S, FSGNJN_S, FSGNJX_S, FMIN_S, FMAX_S,
  FCVT_W_S, FCVT_WU_S, FCVT_L_S, FCVT_LU_S, FMV_X_W, FEQ_S, FLT_S, FLE_S, FCLASS_S,
  FCVT_S_W, FCVT_S_WU, FCVT_S_L, FCVT_S_LU, FMV_W_X,
  // D
  FLD, FSD, FMADD_D, FMSUB_D, FNMSUB_D, FNMADD_D,
  FADD_D, FSUB_D, FMUL_D, FDIV_D, FSQRT_D, FSGNJ_D, FSGNJN_D, FSGNJX_D, FMIN_D, FMAX_D,
  FCVT_W_D, FCVT_WU_D, FCVT_L_D, FCVT_LU_D, FMV_X_D, FEQ_D, FLT_D, FLE_D, FCLASS_D,
  FCVT_D_W, FCVT_D_WU, FCVT_D_L, FCVT_D_LU, FMV_D_X, FCVT_S_D, FCVT_D_S,
  /** Number of ops: op numbers fit in 8 bits of a decode-cache entry. */
  COUNT,
}

/** Mnemonic of every op, indexed by op number (A ops without .aq/.rl; Zalasr in its .aq/.rl form). */
export const OP_NAMES: readonly string[] = [
  'illegal',
  'lui', 'auipc', 'jal', 'jalr',
  'beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu',
  'lb', 'lh', 'lw', 'ld', 'lbu', 'lhu', 'lwu',
  'sb', 'sh', 'sw', 'sd',
  'addi', 'slti', 'sltiu', 'xori', 'ori', 'andi', 'slli', 'srli', 'srai',
  'add', 'sub', 'sll', 'slt', 'sltu', 'xor', 'srl', 'sra', 'or', 'and',
  'addiw', 'slliw', 'srliw', 'sraiw',
  'addw', 'subw', 'sllw', 'srlw', 'sraw',
  'fence', 'fence.tso', 'fence.i', 'ecall', 'ebreak',
  'csrrw', 'csrrs', 'csrrc', 'csrrwi', 'csrrsi', 'csrrci',
  'mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu',
  'mulw', 'divw', 'divuw', 'remw', 'remuw',
  'lr.w', 'sc.w', 'amoswap.w', 'amoadd.w', 'amoxor.w', 'amoand.w', 'amoor.w', 'amomin.w', 'amomax.w', 'amominu.w', 'amomaxu.w',
  'lr.d', 'sc.d', 'amoswap.d', 'amoadd.d', 'amoxor.d', 'amoand.d', 'amoor.d', 'amomin.d', 'amomax.d', 'amominu.d', 'amomaxu.d',
  'lb.aq', 'lh.aq', 'lw.aq', 'ld.aq', 'sb.rl', 'sh.rl', 'sw.rl', 'sd.rl',
  'li', 'mv', 'amo.w', 'amo.d', 'csr', 'fp', 'fload', 'fstore',
  'sret', 'mret', 'wfi', 'sfence.vma',
  'flw', 'fsw', 'fmadd.s', 'fmsub.s', 'fnmsub.s', 'fnmadd.s',
  'fadd.s', 'fsub.s', 'fmul.s', 'fdiv.s', 'fsqrt.s', 'fsgnj.s', 'fsgnjn.s', 'fsgnjx.s', 'fmin.s', 'fmax.s',
  'fcvt.w.s', 'fcvt.wu.s', 'fcvt.l.s', 'fcvt.lu.s', 'fmv.x.w', 'feq.s', 'flt.s', 'fle.s', 'fclass.s',
  'fcvt.s.w', 'fcvt.s.wu', 'fcvt.s.l', 'fcvt.s.lu', 'fmv.w.x',
  'fld', 'fsd', 'fmadd.d', 'fmsub.d', 'fnmsub.d', 'fnmadd.d',
  'fadd.d', 'fsub.d', 'fmul.d', 'fdiv.d', 'fsqrt.d', 'fsgnj.d', 'fsgnjn.d', 'fsgnjx.d', 'fmin.d', 'fmax.d',
  'fcvt.w.d', 'fcvt.wu.d', 'fcvt.l.d', 'fcvt.lu.d', 'fmv.x.d', 'feq.d', 'flt.d', 'fle.d', 'fclass.d',
  'fcvt.d.w', 'fcvt.d.wu', 'fcvt.d.l', 'fcvt.d.lu', 'fmv.d.x', 'fcvt.s.d', 'fcvt.d.s',
];

/** A decoded instruction. Fields an op does not use are 0. */
export interface Instr {
  op: Op;
  /** Bytes of the encoding: 4, or 2 for a compressed instruction decoded from its expansion. */
  len: number;
  /** Register numbers as encoded (0..31; x or f registers as the op says). */
  rd: number;
  rs1: number;
  rs2: number;
  /** Third source of the fused multiply-adds. */
  rs3: number;
  /**
   * Sign-extended immediate: I/S/B/J immediates, the U immediate in place (imm20 << 12), shift
   * amounts, the zimm of csrr*i, fence's 12-bit fm|pred|succ field.
   */
  imm: number;
  /** CSR number (Zicsr). */
  csr: number;
  /** Rounding mode field (F/D ops that round): 0..4 static, 7 dynamic. */
  rm: number;
  /** Ordering bits of A and Zalasr ops (0 or 1). */
  aq: number;
  rl: number;
}

/** A fresh record (callers on a hot path reuse one). */
export function newInstr(): Instr {
  return { op: Op.ILLEGAL, len: 4, rd: 0, rs1: 0, rs2: 0, rs3: 0, imm: 0, csr: 0, rm: 0, aq: 0, rl: 0 };
}

/** AMO funct5 values in Op order from AMOSWAP_x (A extension). */
const AMO_FUNCT5 = [0x01, 0x00, 0x04, 0x0c, 0x08, 0x10, 0x14, 0x18, 0x1c];

const LOADS = [Op.LB, Op.LH, Op.LW, Op.LD, Op.LBU, Op.LHU, Op.LWU, Op.ILLEGAL];
const STORES = [Op.SB, Op.SH, Op.SW, Op.SD];
const BRANCHES = [Op.BEQ, Op.BNE, Op.ILLEGAL, Op.ILLEGAL, Op.BLT, Op.BGE, Op.BLTU, Op.BGEU];
const OPS = [Op.ADD, Op.SLL, Op.SLT, Op.SLTU, Op.XOR, Op.SRL, Op.OR, Op.AND];
const MULDIV = [Op.MUL, Op.MULH, Op.MULHSU, Op.MULHU, Op.DIV, Op.DIVU, Op.REM, Op.REMU];
const MULDIVW = [Op.MULW, Op.ILLEGAL, Op.ILLEGAL, Op.ILLEGAL, Op.DIVW, Op.DIVUW, Op.REMW, Op.REMUW];
const IMMS = [Op.ADDI, Op.ILLEGAL, Op.SLTI, Op.SLTIU, Op.XORI, Op.ILLEGAL, Op.ORI, Op.ANDI];
const CSRS = [Op.ILLEGAL, Op.CSRRW, Op.CSRRS, Op.CSRRC, Op.ILLEGAL, Op.CSRRWI, Op.CSRRSI, Op.CSRRCI];

/** The D op is the S op plus this (the F and D groups above have the same order). */
const D_OFFSET = Op.FLD - Op.FLW;

/**
 * Decodes the 32-bit word w (a compressed instruction's expansion when len = 2) into `out`
 * and returns its op. An encoding this decoder does not know, or one the spec reserves
 * (a reserved rounding mode, lr with rs2 != 0, Zalasr without its aq/rl bit), is Op.ILLEGAL.
 */
export function decode(w: number, out: Instr, len = 4): Op {
  const opcode = w & 0x7f;
  const f3 = (w >>> 12) & 7;
  const f7 = w >>> 25;
  const rs2 = (w >>> 20) & 31;
  let op = Op.ILLEGAL;
  let imm = 0, csr = 0, rs3 = 0, rm = 0, aq = 0, rl = 0;
  switch (opcode) {
    case 0x37: op = Op.LUI; imm = w & ~0xfff; break;
    case 0x17: op = Op.AUIPC; imm = w & ~0xfff; break;
    case 0x6f: op = Op.JAL; imm = immJ(w); break;
    case 0x67: if (f3 === 0) { op = Op.JALR; imm = immI(w); } break;
    case 0x63: op = BRANCHES[f3]; imm = immB(w); break;
    case 0x03: op = LOADS[f3]; imm = immI(w); break;
    case 0x23: if (f3 < 4) { op = STORES[f3]; imm = immS(w); } break;
    case 0x13:
      op = IMMS[f3];
      imm = immI(w);
      if (f3 === 1) { if ((w >>> 26) === 0) { op = Op.SLLI; imm = (w >>> 20) & 63; } }
      else if (f3 === 5) {
        imm = (w >>> 20) & 63;
        if ((w >>> 26) === 0) op = Op.SRLI;
        else if ((w >>> 26) === 0x10) op = Op.SRAI;
      }
      break;
    case 0x1b:
      if (f3 === 0) { op = Op.ADDIW; imm = immI(w); }
      else if (f3 === 1 && f7 === 0) { op = Op.SLLIW; imm = rs2; }
      else if (f3 === 5 && f7 === 0) { op = Op.SRLIW; imm = rs2; }
      else if (f3 === 5 && f7 === 0x20) { op = Op.SRAIW; imm = rs2; }
      break;
    case 0x33:
      if (f7 === 0) op = OPS[f3];
      else if (f7 === 0x20) op = f3 === 0 ? Op.SUB : f3 === 5 ? Op.SRA : Op.ILLEGAL;
      else if (f7 === 1) op = MULDIV[f3];
      break;
    case 0x3b:
      if (f7 === 0) op = f3 === 0 ? Op.ADDW : f3 === 1 ? Op.SLLW : f3 === 5 ? Op.SRLW : Op.ILLEGAL;
      else if (f7 === 0x20) op = f3 === 0 ? Op.SUBW : f3 === 5 ? Op.SRAW : Op.ILLEGAL;
      else if (f7 === 1) op = MULDIVW[f3];
      break;
    case 0x0f:
      // rd, rs1 and (for fence) fm are reserved and ignored: any such word is still a fence.
      if (f3 === 0) { op = (w >>> 0) === 0x8330000f ? Op.FENCE_TSO : Op.FENCE; imm = immI(w); }
      else if (f3 === 1) { op = Op.FENCE_I; imm = immI(w); }
      break;
    case 0x73:
      if (f3 === 0) op = systemOp(w);
      else { op = CSRS[f3]; csr = w >>> 20; if (f3 >= 5) imm = (w >>> 15) & 31; }
      break;
    case 0x2f: {
      const f5 = w >>> 27;
      aq = (w >>> 26) & 1;
      rl = (w >>> 25) & 1;
      if (f3 === 2 || f3 === 3) {
        const d = f3 === 3 ? Op.LR_D - Op.LR_W : 0;
        if (f5 === 0x02) { if (rs2 === 0) op = Op.LR_W + d; }
        else if (f5 === 0x03) op = Op.SC_W + d;
        else {
          const i = AMO_FUNCT5.indexOf(f5);
          if (i >= 0) op = Op.AMOSWAP_W + i + d;
        }
      }
      // Zalasr: funct3 is the width (b, h, w, d).
      if (f5 === 0x06 && rs2 === 0 && aq === 1 && f3 < 4) op = Op.LB_AQ + f3;
      else if (f5 === 0x07 && ((w >>> 7) & 31) === 0 && rl === 1 && f3 < 4) op = Op.SB_RL + f3;
      break;
    }
    case 0x07: if (f3 === 2 || f3 === 3) { op = f3 === 2 ? Op.FLW : Op.FLD; imm = immI(w); } break;
    case 0x27: if (f3 === 2 || f3 === 3) { op = f3 === 2 ? Op.FSW : Op.FSD; imm = immS(w); } break;
    case 0x43: case 0x47: case 0x4b: case 0x4f: {
      const fmt = f7 & 3;
      if (fmt < 2) {
        op = Op.FMADD_S + ((opcode - 0x43) >>> 2) + (fmt === 1 ? D_OFFSET : 0);
        rs3 = w >>> 27;
        rm = f3;
      }
      break;
    }
    case 0x53: {
      const fmt = f7 & 3, f5 = f7 >>> 2;
      if (fmt < 2) {
        // fcvt.s.d / fcvt.d.s: the source format sits in rs2.
        if (f5 === 0x08) op = fmt === 0 ? (rs2 === 1 ? Op.FCVT_S_D : Op.ILLEGAL) : rs2 === 0 ? Op.FCVT_D_S : Op.ILLEGAL;
        else {
          op = opFp(f5, f3, rs2);
          if (op !== Op.ILLEGAL && fmt === 1) op += D_OFFSET;
        }
        if (op !== Op.ILLEGAL && roundsFp(f5)) rm = f3;
      }
      break;
    }
  }
  // Reserved static rounding modes (5, 6) make an F/D op illegal.
  if ((rm === 5 || rm === 6) && op >= Op.FLW) op = Op.ILLEGAL;
  out.op = op;
  out.len = len;
  out.rd = (w >>> 7) & 31;
  out.rs1 = (w >>> 15) & 31;
  out.rs2 = rs2;
  out.rs3 = rs3;
  out.imm = op === Op.ILLEGAL ? 0 : imm;
  out.csr = csr;
  out.rm = rm;
  out.aq = aq;
  out.rl = rl;
  return op;
}

/** SYSTEM with funct3 = 0: whole words (and sfence.vma's two registers). */
function systemOp(w: number): Op {
  switch (w >>> 0) {
    case 0x00000073: return Op.ECALL;
    case 0x00100073: return Op.EBREAK;
    case 0x10200073: return Op.SRET;
    case 0x30200073: return Op.MRET;
    case 0x10500073: return Op.WFI;
  }
  return (w >>> 25) === 0x09 && ((w >>> 7) & 31) === 0 ? Op.SFENCE_VMA : Op.ILLEGAL;
}

/** OP-FP funct5 groups that take a rounding mode in funct3. */
function roundsFp(f5: number): boolean {
  return f5 <= 3 || f5 === 0x0b || f5 === 0x08 || f5 === 0x18 || f5 === 0x1a;
}

/** OP-FP as its single-precision op, from funct5 (funct7 >>> 2), funct3 and rs2. */
function opFp(f5: number, f3: number, rs2: number): Op {
  switch (f5) {
    case 0x00: return Op.FADD_S;
    case 0x01: return Op.FSUB_S;
    case 0x02: return Op.FMUL_S;
    case 0x03: return Op.FDIV_S;
    case 0x0b: return rs2 === 0 ? Op.FSQRT_S : Op.ILLEGAL;
    case 0x04: return f3 < 3 ? Op.FSGNJ_S + f3 : Op.ILLEGAL;
    case 0x05: return f3 < 2 ? Op.FMIN_S + f3 : Op.ILLEGAL;
    case 0x14: return f3 === 2 ? Op.FEQ_S : f3 === 1 ? Op.FLT_S : f3 === 0 ? Op.FLE_S : Op.ILLEGAL;
    case 0x18: return rs2 < 4 ? Op.FCVT_W_S + rs2 : Op.ILLEGAL;
    case 0x1a: return rs2 < 4 ? Op.FCVT_S_W + rs2 : Op.ILLEGAL;
    case 0x1c: return rs2 !== 0 ? Op.ILLEGAL : f3 === 0 ? Op.FMV_X_W : f3 === 1 ? Op.FCLASS_S : Op.ILLEGAL;
    case 0x1e: return rs2 === 0 && f3 === 0 ? Op.FMV_W_X : Op.ILLEGAL;
  }
  return Op.ILLEGAL;
}

/** The assembly mnemonic of a record's op: Zalasr's names its ordering (lb.aq, lb.aqrl, sb.rl, sb.aqrl). */
export function mnemonic(d: Instr): string {
  const name = OP_NAMES[d.op]!;
  if (d.op < Op.LB_AQ || d.op > Op.SD_RL || !(d.aq && d.rl)) return name;
  return name.slice(0, -2) + 'aqrl'; // lb.aq -> lb.aqrl, sb.rl -> sb.aqrl
}

/** A record decoded into a new object (for the disassembler, tools and tests; not the hot path). */
export function decodeWord(w: number, len = 4): Instr {
  const r = newInstr();
  decode(w, r, len);
  return r;
}

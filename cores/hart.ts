// One RISC-V hart: RV64IMA + Zicsr + Zifencei. Decoder and interpreter live in
// this one file so the opcode constants stay file-local (V8 folds them).
//
// Registers are int32 pairs (xl = low word, xh = high word); x0 reads as zero and
// writes to it are decoded to go to slot 32, a sink nobody reads. Each word is
// decoded once into the DecodeCache. pc, the instruction counter and the stop
// point live in locals for the whole slice; memory latency moves the stop point
// (`lim`) instead of adding a second counter per instruction.

import {
  CAUSE_BREAKPOINT,
  CAUSE_FETCH_ACCESS,
  CAUSE_ECALL_U,
  CAUSE_ILLEGAL_INSTRUCTION,
  CAUSE_MISALIGNED_FETCH,
  GuestFault,
} from '../src/kernel/fault.ts';
import { TRAP_RESUME, type Cpu, type TrapHandler } from '../src/kernel/cpu.ts';
import { div32, div64, divu64, mul64, mulh64, mulhsu64, mulhu64, res } from './alu64.ts';
import { DECODE_MASK, DecodeCache } from './decode_cache.ts';
import type { HartMemory } from './memory.ts';

// Interpreter opcodes (dense, for a jump table).
const ILLEGAL = 0;
const LUI = 1, AUIPC = 2, JAL = 3, JALR = 4;
const BEQ = 5, BNE = 6, BLT = 7, BGE = 8, BLTU = 9, BGEU = 10;
const LB = 11, LH = 12, LW = 13, LD = 14, LBU = 15, LHU = 16, LWU = 17;
const SB = 18, SH = 19, SW = 20, SD = 21;
const ADDI = 22, SLTI = 23, SLTIU = 24, XORI = 25, ORI = 26, ANDI = 27, SLLI = 28, SRLI = 29, SRAI = 30;
const ADD = 31, SUB = 32, SLL = 33, SLT = 34, SLTU = 35, XOR = 36, SRL = 37, SRA = 38, OR = 39, AND = 40;
const ADDIW = 41, SLLIW = 42, SRLIW = 43, SRAIW = 44;
const ADDW = 45, SUBW = 46, SLLW = 47, SRLW = 48, SRAW = 49;
const FENCE = 50, FENCE_I = 51, ECALL = 52, EBREAK = 53, CSR = 54;
const MUL = 55, MULH = 56, MULHSU = 57, MULHU = 58, DIV = 59, DIVU = 60, REM = 61, REMU = 62;
const MULW = 63, DIVW = 64, DIVUW = 65, REMW = 66, REMUW = 67;
const LR_W = 68, SC_W = 69, AMO_W = 70, LR_D = 71, SC_D = 72, AMO_D = 73;
const LI = 74, MV = 75; // addi rd, x0, imm / addi rd, rs, 0
const JUMP_MISALIGNED = 76; // branch or jal whose offset is not 4-aligned: evaluated in slowJump

/** Names of the interpreter opcodes, for tests and traces. */
export const OP_NAMES = [
  'illegal', 'lui', 'auipc', 'jal', 'jalr', 'beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu',
  'lb', 'lh', 'lw', 'ld', 'lbu', 'lhu', 'lwu', 'sb', 'sh', 'sw', 'sd',
  'addi', 'slti', 'sltiu', 'xori', 'ori', 'andi', 'slli', 'srli', 'srai',
  'add', 'sub', 'sll', 'slt', 'sltu', 'xor', 'srl', 'sra', 'or', 'and',
  'addiw', 'slliw', 'srliw', 'sraiw', 'addw', 'subw', 'sllw', 'srlw', 'sraw',
  'fence', 'fence.i', 'ecall', 'ebreak', 'csr',
  'mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu', 'mulw', 'divw', 'divuw', 'remw', 'remuw',
  'lr.w', 'sc.w', 'amo.w', 'lr.d', 'sc.d', 'amo.d', 'li', 'mv', 'jump-misaligned',
];

const TWO32 = 4294967296;

// CSR numbers (user-level counters).
const CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02;

/** pc after a jump beyond any RAM: an aligned int32 no RAM address has; fetching it faults at farPc. */
const FAR_PC = -4;

/** A stretch's cycle budget as a small integer (a longer slice simply takes several stretches). */
function budget(cycles: number): number {
  return cycles > 0x3fffffff ? 0x3fffffff : cycles;
}

/** run() results. */
export const RUN_LIMIT = 0; // reached the cycle limit
export const RUN_STOPPED = 1; // the trap handler ended this hart or the machine

export interface HartOptions {
  hartId: number;
  mem: HartMemory;
  decode: DecodeCache;
  trap: TrapHandler;
  /** rdtime ticks per cycle (timebase / core clock). */
  timePerCycle: number;
}

export class Hart implements Cpu {
  readonly hartId: number;
  readonly xl = new Int32Array(33);
  readonly xh = new Int32Array(33);
  pc = 0;
  cycle = 0;
  instret = 0;
  /** Start of the fetch block the last L1i access covered. */
  private fetchLo = -1;
  /** A jump target beyond 2 GiB, kept exactly while pc holds FAR_PC (pc itself stays an int32). */
  private farPc = 0;
  readonly mem: HartMemory;
  readonly dc: DecodeCache;
  private readonly trapHandler: TrapHandler;
  private readonly timePerCycle: number;

  constructor(o: HartOptions) {
    this.hartId = o.hartId;
    this.mem = o.mem;
    this.dc = o.decode;
    this.trapHandler = o.trap;
    this.timePerCycle = o.timePerCycle;
  }

  /**
   * Runs until this.cycle reaches cycleLimit (RUN_LIMIT) or a trap handler stops
   * the hart (RUN_STOPPED). Every instruction costs one cycle plus its memory latency.
   */
  run(cycleLimit: number): number {
    const xl = this.xl, xh = this.xh, mem = this.mem, dc = this.dc;
    const ent = dc.ent;
    // pc stays an int32 (RAM lies below 2 GiB) so V8 keeps it in a register. n counts the
    // instructions retired in this stretch and the stretch ends when n reaches lim; each cycle
    // of memory latency pulls lim in by one, so the stretch's cycles are n + (lim0 - lim).
    // Both stay small integers whatever the totals: `commit` folds them into instret/cycle.
    let pc = this.pc | 0;
    let n = 0;
    let lim = budget(cycleLimit - this.cycle);
    let lim0 = lim;
    // Instruction fetch: an L1i access whenever pc leaves the current fetch block.
    const fSpan = mem.fetchSpan;
    let fLo = this.fetchLo;

    for (;;) {
      try {
        while (n < lim) {
          n++;
          if ((pc - fLo) >>> 0 >= fSpan) { lim -= mem.fetchAccess(pc); fLo = pc & -fSpan; this.fetchLo = fLo; }
          const e = ((pc >>> 2) & DECODE_MASK) << 2;
          if (ent[e] !== pc) this.decodeAt(pc, e);
          const pk = ent[e + 1], imm = ent[e + 2];
          const op = pk & 0xff, rd = (pk >>> 8) & 0xff, rs1 = (pk >>> 16) & 0xff, rs2 = pk >>> 24;
          switch (op) {
            case 74: /* LI */ xl[rd] = imm; xh[rd] = imm >> 31; pc = (pc + 4) | 0; break;
            case 75: /* MV */ xl[rd] = xl[rs1]; xh[rd] = xh[rs1]; pc = (pc + 4) | 0; break;
            case 22: /* ADDI */ {
              const a = xl[rs1], lo = (a + imm) | 0;
              xh[rd] = (xh[rs1] + (imm >> 31) + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0;
              xl[rd] = lo; pc = (pc + 4) | 0; break;
            }
            case 31: /* ADD */ {
              const a = xl[rs1], lo = (a + xl[rs2]) | 0;
              xh[rd] = (xh[rs1] + xh[rs2] + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0;
              xl[rd] = lo; pc = (pc + 4) | 0; break;
            }
            case 32: /* SUB */ {
              const a = xl[rs1], b = xl[rs2];
              xh[rd] = (xh[rs1] - xh[rs2] - ((a >>> 0) < (b >>> 0) ? 1 : 0)) | 0;
              xl[rd] = (a - b) | 0; pc = (pc + 4) | 0; break;
            }
            case 1: /* LUI */ xl[rd] = imm; xh[rd] = imm >> 31; pc = (pc + 4) | 0; break;
            case 2: /* AUIPC */ { const v = pc + imm; xl[rd] = v | 0; xh[rd] = v < 0 ? -1 : 0; pc = (pc + 4) | 0; break; }
            case 3: /* JAL */ { const link = pc + 4; pc = (pc + imm) | 0; xl[rd] = link | 0; xh[rd] = 0; break; }
            case 4: /* JALR */ {
              let t = (xl[rs1] >>> 0) + imm;
              const h = xh[rs1];
              if (h !== 0) t += h * TWO32;
              t -= t & 1;
              if ((t & 2) !== 0) throw new GuestFault(CAUSE_MISALIGNED_FETCH, t);
              const link = pc + 4;
              if (t >= 0 && t < 0x80000000) pc = t | 0;
              else { this.farPc = t; pc = FAR_PC; } // beyond any RAM: the fetch there faults
              xl[rd] = link | 0; xh[rd] = 0; break;
            }
            case 5: /* BEQ */ pc = (pc + (xl[rs1] === xl[rs2] && xh[rs1] === xh[rs2] ? imm : 4)) | 0; break;
            case 6: /* BNE */ pc = (pc + (xl[rs1] !== xl[rs2] || xh[rs1] !== xh[rs2] ? imm : 4)) | 0; break;
            case 7: /* BLT */ {
              const a = xh[rs1], b = xh[rs2];
              pc = (pc + (a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? imm : 4)) | 0; break;
            }
            case 8: /* BGE */ {
              const a = xh[rs1], b = xh[rs2];
              pc = (pc + (a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? 4 : imm)) | 0; break;
            }
            case 9: /* BLTU */ {
              const a = xh[rs1] >>> 0, b = xh[rs2] >>> 0;
              pc = (pc + (a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? imm : 4)) | 0; break;
            }
            case 10: /* BGEU */ {
              const a = xh[rs1] >>> 0, b = xh[rs2] >>> 0;
              pc = (pc + (a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? 4 : imm)) | 0; break;
            }
            case 11: /* LB */ case 12: /* LH */ case 13: /* LW */ case 14: /* LD */ case 15: /* LBU */ case 16: /* LHU */ case 17: /* LWU */ {
              mem.pc = pc;
              let a = (xl[rs1] >>> 0) + imm;
              const h = xh[rs1];
              if (h !== 0) a += h * TWO32;
              switch (op) {
                case 13: /* LW */ { const v = mem.load32(a); xl[rd] = v; xh[rd] = v >> 31; break; }
                case 14: /* LD */ { const v = mem.load64(a); xh[rd] = mem.hi; xl[rd] = v; break; }
                case 15: /* LBU */ xl[rd] = mem.load8u(a); xh[rd] = 0; break;
                case 11: /* LB */ { const v = mem.load8(a); xl[rd] = v; xh[rd] = v >> 31; break; }
                case 17: /* LWU */ xl[rd] = mem.load32(a); xh[rd] = 0; break;
                case 16: /* LHU */ xl[rd] = mem.load16u(a); xh[rd] = 0; break;
                default: { const v = mem.load16(a); xl[rd] = v; xh[rd] = v >> 31; break; }
              }
              lim -= mem.lastLatency;
              pc = (pc + 4) | 0; break;
            }
            case 18: /* SB */ case 19: /* SH */ case 20: /* SW */ case 21: /* SD */ {
              mem.pc = pc;
              let a = (xl[rs1] >>> 0) + imm;
              const h = xh[rs1];
              if (h !== 0) a += h * TWO32;
              switch (op) {
                case 20: /* SW */ mem.store32(a, xl[rs2]); break;
                case 21: /* SD */ mem.store64(a, xl[rs2], xh[rs2]); break;
                case 18: /* SB */ mem.store8(a, xl[rs2]); break;
                default: mem.store16(a, xl[rs2]); break;
              }
              lim -= mem.lastLatency;
              pc = (pc + 4) | 0; break;
            }
            case 23: /* SLTI */ {
              const a = xh[rs1], b = imm >> 31;
              xl[rd] = a < b || (a === b && (xl[rs1] >>> 0) < (imm >>> 0)) ? 1 : 0; xh[rd] = 0; pc = (pc + 4) | 0; break;
            }
            case 24: /* SLTIU */ {
              const a = xh[rs1] >>> 0, b = (imm >> 31) >>> 0;
              xl[rd] = a < b || (a === b && (xl[rs1] >>> 0) < (imm >>> 0)) ? 1 : 0; xh[rd] = 0; pc = (pc + 4) | 0; break;
            }
            case 25: /* XORI */ xl[rd] = xl[rs1] ^ imm; xh[rd] = xh[rs1] ^ (imm >> 31); pc = (pc + 4) | 0; break;
            case 26: /* ORI */ xl[rd] = xl[rs1] | imm; xh[rd] = xh[rs1] | (imm >> 31); pc = (pc + 4) | 0; break;
            case 27: /* ANDI */ xl[rd] = xl[rs1] & imm; xh[rd] = xh[rs1] & (imm >> 31); pc = (pc + 4) | 0; break;
            case 28: /* SLLI */ {
              const lo = xl[rs1], hi = xh[rs1];
              if (imm < 32) { xh[rd] = (hi << imm) | (lo >>> (32 - imm)); xl[rd] = lo << imm; } // imm > 0: 0 decodes as MV
              else { xh[rd] = lo << (imm - 32); xl[rd] = 0; }
              pc = (pc + 4) | 0; break;
            }
            case 29: /* SRLI */ {
              const lo = xl[rs1], hi = xh[rs1];
              if (imm < 32) { xl[rd] = (lo >>> imm) | (hi << (32 - imm)); xh[rd] = hi >>> imm; }
              else { xl[rd] = hi >>> (imm - 32); xh[rd] = 0; }
              pc = (pc + 4) | 0; break;
            }
            case 30: /* SRAI */ {
              const lo = xl[rs1], hi = xh[rs1];
              if (imm < 32) { xl[rd] = (lo >>> imm) | (hi << (32 - imm)); xh[rd] = hi >> imm; }
              else { xl[rd] = hi >> (imm - 32); xh[rd] = hi >> 31; }
              pc = (pc + 4) | 0; break;
            }
            case 33: /* SLL */ case 37: /* SRL */ case 38: /* SRA */ {
              const s = xl[rs2] & 63, lo = xl[rs1], hi = xh[rs1];
                            if (s === 0) { xl[rd] = lo; xh[rd] = hi; }
              else if (op === 33 /* SLL */) {
                if (s < 32) { xh[rd] = (hi << s) | (lo >>> (32 - s)); xl[rd] = lo << s; }
                else { xh[rd] = lo << (s - 32); xl[rd] = 0; }
              } else if (op === 37 /* SRL */) {
                if (s < 32) { xl[rd] = (lo >>> s) | (hi << (32 - s)); xh[rd] = hi >>> s; }
                else { xl[rd] = hi >>> (s - 32); xh[rd] = 0; }
              } else {
                if (s < 32) { xl[rd] = (lo >>> s) | (hi << (32 - s)); xh[rd] = hi >> s; }
                else { xl[rd] = hi >> (s - 32); xh[rd] = hi >> 31; }
              }
              pc = (pc + 4) | 0; break;
            }
            case 34: /* SLT */ {
              const a = xh[rs1], b = xh[rs2];
              xl[rd] = a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? 1 : 0; xh[rd] = 0; pc = (pc + 4) | 0; break;
            }
            case 35: /* SLTU */ {
              const a = xh[rs1] >>> 0, b = xh[rs2] >>> 0;
              xl[rd] = a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? 1 : 0; xh[rd] = 0; pc = (pc + 4) | 0; break;
            }
            case 36: /* XOR */ xl[rd] = xl[rs1] ^ xl[rs2]; xh[rd] = xh[rs1] ^ xh[rs2]; pc = (pc + 4) | 0; break;
            case 39: /* OR */ xl[rd] = xl[rs1] | xl[rs2]; xh[rd] = xh[rs1] | xh[rs2]; pc = (pc + 4) | 0; break;
            case 40: /* AND */ xl[rd] = xl[rs1] & xl[rs2]; xh[rd] = xh[rs1] & xh[rs2]; pc = (pc + 4) | 0; break;
            case 41: /* ADDIW */ { const v = (xl[rs1] + imm) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case 42: /* SLLIW */ { const v = xl[rs1] << imm; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case 43: /* SRLIW */ { const v = (xl[rs1] >>> imm) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case 44: /* SRAIW */ { const v = xl[rs1] >> imm; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case 45: /* ADDW */ { const v = (xl[rs1] + xl[rs2]) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case 46: /* SUBW */ { const v = (xl[rs1] - xl[rs2]) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case 47: /* SLLW */ { const v = xl[rs1] << (xl[rs2] & 31); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case 48: /* SRLW */ { const v = (xl[rs1] >>> (xl[rs2] & 31)) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case 49: /* SRAW */ { const v = xl[rs1] >> (xl[rs2] & 31); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case 55: /* MUL */ {
              const al = xl[rs1], ah = xh[rs1], bl = xl[rs2], bh = xh[rs2];
              // Both operands fit in 21 bits of magnitude: the product is exact in a double.
              if (((ah === 0 && al >= 0) || (ah === -1 && al < 0)) && ((bh === 0 && bl >= 0) || (bh === -1 && bl < 0))
                && al < 0x100000 && al > -0x100000 && bl < 0x100000 && bl > -0x100000) {
                const v = al * bl; xl[rd] = v | 0; xh[rd] = Math.floor(v / TWO32) | 0;
              } else { mul64(al, ah, bl, bh); xl[rd] = res[0]; xh[rd] = res[1]; }
              pc = (pc + 4) | 0; break;
            }
            case 56: /* MULH */ mulh64(xl[rs1], xh[rs1], xl[rs2], xh[rs2]); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + 4) | 0; break;
            case 57: /* MULHSU */ mulhsu64(xl[rs1], xh[rs1], xl[rs2], xh[rs2]); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + 4) | 0; break;
            case 58: /* MULHU */ mulhu64(xl[rs1], xh[rs1], xl[rs2], xh[rs2]); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + 4) | 0; break;
            case 59: /* DIV */ div64(xl[rs1], xh[rs1], xl[rs2], xh[rs2], false); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + 4) | 0; break;
            case 61: /* REM */ div64(xl[rs1], xh[rs1], xl[rs2], xh[rs2], true); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + 4) | 0; break;
            case 60: /* DIVU */ divu64(xl[rs1], xh[rs1], xl[rs2], xh[rs2], false); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + 4) | 0; break;
            case 62: /* REMU */ divu64(xl[rs1], xh[rs1], xl[rs2], xh[rs2], true); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + 4) | 0; break;
            case 63: /* MULW */ { const v = Math.imul(xl[rs1], xl[rs2]); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case 64: /* DIVW */ { const v = div32(xl[rs1], xl[rs2], false, false); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case 65: /* DIVUW */ { const v = div32(xl[rs1], xl[rs2], true, false); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case 66: /* REMW */ { const v = div32(xl[rs1], xl[rs2], false, true); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case 67: /* REMUW */ { const v = div32(xl[rs1], xl[rs2], true, true); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case 68: /* LR_W */ case 69: /* SC_W */ case 70: /* AMO_W */ case 71: /* LR_D */ case 72: /* SC_D */ case 73: /* AMO_D */ {
              mem.pc = pc;
              let a = xl[rs1] >>> 0;
              const h = xh[rs1];
              if (h !== 0) a += h * TWO32;
              switch (op) {
                case 70: /* AMO_W */ { const v = mem.amo32(imm, a, xl[rs2]); xl[rd] = v; xh[rd] = v >> 31; break; }
                case 73: /* AMO_D */ { const v = mem.amo64(imm, a, xl[rs2], xh[rs2]); xh[rd] = mem.hi; xl[rd] = v; break; }
                case 68: /* LR_W */ { const v = mem.lr32(a); xl[rd] = v; xh[rd] = v >> 31; break; }
                case 69: /* SC_W */ xl[rd] = mem.sc32(a, xl[rs2]); xh[rd] = 0; break;
                case 71: /* LR_D */ { const v = mem.lr64(a); xh[rd] = mem.hi; xl[rd] = v; break; }
                default: xl[rd] = mem.sc64(a, xl[rs2], xh[rs2]); xh[rd] = 0; break;
              }
              lim -= mem.lastLatency;
              pc = (pc + 4) | 0; break;
            }
            case 50: /* FENCE */ mem.fence(); pc = (pc + 4) | 0; break;
            case 51: /* FENCE_I */ mem.fence(); dc.flush(); pc = (pc + 4) | 0; break;
            case 54: /* CSR */ {
              this.pc = pc;
              this.instret += n; this.cycle += n + (lim0 - lim); n = 0; lim0 = lim;
              this.csr(rs2, rd, rs1, imm);
              pc = (pc + 4) | 0; break;
            }
            case 52: /* ECALL */ {
              this.pc = pc;
              this.instret += n; this.cycle += n + (lim0 - lim); n = 0; lim0 = lim;
              if (this.trapHandler.trap(this, CAUSE_ECALL_U, 0) !== TRAP_RESUME) return RUN_STOPPED;
              // The handler charged its cycles and set where to resume: start the stretch afresh.
              pc = this.pc | 0;
              lim = budget(cycleLimit - this.cycle);
              lim0 = lim;
              break;
            }
            case 53: /* EBREAK */ throw new GuestFault(CAUSE_BREAKPOINT, pc);
            case 76: /* JUMP_MISALIGNED */ {
              if (this.branchTaken(this.mem.fetch32(pc))) throw new GuestFault(CAUSE_MISALIGNED_FETCH, pc + imm);
              pc = (pc + 4) | 0; break;
            }
            default:
              throw new GuestFault(CAUSE_ILLEGAL_INSTRUCTION, imm);
          }
        }
        this.pc = pc;
        this.instret += n;
        this.cycle += n + (lim0 - lim);
        return this.cycle >= cycleLimit ? RUN_LIMIT : this.run(cycleLimit);
      } catch (e) {
        if (!(e instanceof GuestFault)) throw e;
        n--; // the faulting instruction does not retire
        this.pc = pc === FAR_PC ? this.farPc : pc;
        this.instret += n; this.cycle += n + (lim0 - lim); n = 0; lim0 = lim;
        if (this.trapHandler.trap(this, e.cause, e.tval) !== TRAP_RESUME) return RUN_STOPPED;
        pc = this.pc | 0;
        lim = budget(cycleLimit - this.cycle);
        lim0 = lim;
      }
    }
  }

  // ---- slow paths ----

  /** CSR access; f3 is the funct3 (kept in the rs2 slot by the decoder). */
  private csr(f3: number, rd: number, rs1: number, csrNo: number): void {
    // Writing a read-only counter (csrrw always writes; csrrs/csrrc write when rs1/uimm != 0).
    const writes = f3 === 1 || f3 === 5 || rs1 !== 0;
    let lo: number, hi: number;
    if (csrNo === CSR_CYCLE || csrNo === CSR_INSTRET || csrNo === CSR_TIME) {
      if (writes) throw new GuestFault(CAUSE_ILLEGAL_INSTRUCTION, this.mem.fetch32(this.pc));
      const v = csrNo === CSR_CYCLE ? this.cycle : csrNo === CSR_INSTRET ? this.instret : Math.floor(this.cycle * this.timePerCycle);
      lo = v | 0;
      hi = Math.floor(v / TWO32) | 0;
    } else {
      throw new GuestFault(CAUSE_ILLEGAL_INSTRUCTION, this.mem.fetch32(this.pc));
    }
    this.xl[rd] = lo;
    this.xh[rd] = hi;
  }

  private branchTaken(word: number): boolean {
    const opcode = word & 0x7f;
    if (opcode === 0x6f) return true; // jal
    const f3 = (word >>> 12) & 7;
    const r1 = (word >>> 15) & 31, r2 = (word >>> 20) & 31;
    const a = BigInt.asIntN(64, (BigInt(this.xh[r1]) << 32n) | BigInt(this.xl[r1] >>> 0));
    const b = BigInt.asIntN(64, (BigInt(this.xh[r2]) << 32n) | BigInt(this.xl[r2] >>> 0));
    const au = BigInt.asUintN(64, a), bu = BigInt.asUintN(64, b);
    switch (f3) {
      case 0: return a === b;
      case 1: return a !== b;
      case 4: return a < b;
      case 5: return a >= b;
      case 6: return au < bu;
      default: return au >= bu;
    }
  }

  /** Decodes the word at pc into the entry at ent[e]. Unknown encodings decode to ILLEGAL (faulting only if executed). */
  private decodeAt(pc: number, e: number): void {
    if (pc === FAR_PC) throw new GuestFault(CAUSE_FETCH_ACCESS, this.farPc);
    const w = this.mem.fetch32(pc);
    const dc = this.dc;
    const opcode = w & 0x7f;
    let rd = (w >>> 7) & 31;
    const f3 = (w >>> 12) & 7;
    const rs1 = (w >>> 15) & 31;
    const rs2 = (w >>> 20) & 31;
    const f7 = w >>> 25;
    let op = ILLEGAL;
    let imm = w; // ILLEGAL carries the encoding for the fault report
    switch (opcode) {
      case 0x37: op = LUI; imm = w & ~0xfff; break;
      case 0x17: op = AUIPC; imm = w & ~0xfff; break;
      case 0x6f:
        imm = ((w >> 31) << 20) | (((w >>> 12) & 255) << 12) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 1023) << 1);
        op = (imm & 3) === 0 ? JAL : JUMP_MISALIGNED;
        break;
      case 0x67: if (f3 === 0) { op = JALR; imm = w >> 20; } break;
      case 0x63: {
        const ops = [BEQ, BNE, ILLEGAL, ILLEGAL, BLT, BGE, BLTU, BGEU];
        op = ops[f3];
        if (op !== ILLEGAL) {
          imm = ((w >> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 63) << 5) | (((w >>> 8) & 15) << 1);
          if ((imm & 3) !== 0) op = JUMP_MISALIGNED;
        } else imm = w;
        break;
      }
      case 0x03: {
        const ops = [LB, LH, LW, LD, LBU, LHU, LWU, ILLEGAL];
        op = ops[f3];
        imm = op === ILLEGAL ? w : w >> 20;
        break;
      }
      case 0x23: {
        const ops = [SB, SH, SW, SD, ILLEGAL, ILLEGAL, ILLEGAL, ILLEGAL];
        op = ops[f3];
        imm = op === ILLEGAL ? w : ((w >> 25) << 5) | ((w >>> 7) & 31);
        break;
      }
      case 0x13: {
        imm = w >> 20;
        switch (f3) {
          case 0: op = rs1 === 0 ? LI : imm === 0 ? MV : ADDI; break;
          case 2: op = SLTI; break;
          case 3: op = SLTIU; break;
          case 4: op = XORI; break;
          case 6: op = ORI; break;
          case 7: op = ANDI; break;
          case 1: if ((w >>> 26) === 0) { imm = (w >>> 20) & 63; op = imm === 0 ? MV : SLLI; } break;
          case 5: {
            const sh = (w >>> 20) & 63;
            if ((w >>> 26) === 0) { op = sh === 0 ? MV : SRLI; imm = sh; }
            else if ((w >>> 26) === 0x10) { op = sh === 0 ? MV : SRAI; imm = sh; }
            break;
          }
        }
        if (op === ILLEGAL) imm = w;
        break;
      }
      case 0x1b: {
        const sh = (w >>> 20) & 31;
        if (f3 === 0) { op = ADDIW; imm = w >> 20; }
        else if (f3 === 1 && f7 === 0) { op = SLLIW; imm = sh; }
        else if (f3 === 5 && f7 === 0) { op = SRLIW; imm = sh; }
        else if (f3 === 5 && f7 === 0x20) { op = SRAIW; imm = sh; }
        break;
      }
      case 0x33: {
        if (f7 === 0) op = [ADD, SLL, SLT, SLTU, XOR, SRL, OR, AND][f3];
        else if (f7 === 0x20) op = f3 === 0 ? SUB : f3 === 5 ? SRA : ILLEGAL;
        else if (f7 === 1) op = [MUL, MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU][f3];
        if (op !== ILLEGAL) imm = 0;
        break;
      }
      case 0x3b: {
        if (f7 === 0) op = f3 === 0 ? ADDW : f3 === 1 ? SLLW : f3 === 5 ? SRLW : ILLEGAL;
        else if (f7 === 0x20) op = f3 === 0 ? SUBW : f3 === 5 ? SRAW : ILLEGAL;
        else if (f7 === 1) op = [MULW, ILLEGAL, ILLEGAL, ILLEGAL, DIVW, DIVUW, REMW, REMUW][f3];
        if (op !== ILLEGAL) imm = 0;
        break;
      }
      case 0x0f:
        if (f3 === 0) op = FENCE;
        else if (f3 === 1) op = FENCE_I;
        break;
      case 0x73:
        if (w === 0x00000073) op = ECALL;
        else if (w === 0x00100073) op = EBREAK;
        else if (f3 !== 0 && f3 !== 4) { op = CSR; imm = w >>> 20; }
        break;
      case 0x2f: {
        const f5 = w >>> 27;
        // Zalasr load-acquire (aq set, rs2 = 0) / store-release (rl set, rd = 0): every access
        // here is performed in program order and at once (SC per access), so they run as the
        // plain load / store of their width, address rs1 + 0. Other aq/rl combinations are reserved.
        if (f5 === 0x06 && f3 < 4 && rs2 === 0 && (w & 0x04000000) !== 0) { op = [LB, LH, LW, LD][f3]; imm = 0; }
        else if (f5 === 0x07 && f3 < 4 && rd === 0 && (w & 0x02000000) !== 0) { op = [SB, SH, SW, SD][f3]; imm = 0; }
        else if (f3 === 2 || f3 === 3) {
          const d = f3 === 3;
          if (f5 === 0x02) { if (rs2 === 0) op = d ? LR_D : LR_W; }
          else if (f5 === 0x03) op = d ? SC_D : SC_W;
          else if (f5 === 0x00 || f5 === 0x01 || f5 === 0x04 || f5 === 0x08 || f5 === 0x0c ||
                   f5 === 0x10 || f5 === 0x14 || f5 === 0x18 || f5 === 0x1c) {
            op = d ? AMO_D : AMO_W;
            imm = f5;
          }
        }
        break;
      }
    }
    if (op === ILLEGAL) imm = w;
    if (rd === 0) rd = 32;
    dc.ent[e + 1] = op | (rd << 8) | (rs1 << 16) | ((op === CSR ? f3 : rs2) << 24);
    dc.ent[e + 2] = imm;
    dc.ent[e] = pc;
  }

  // ---- Cpu interface for the kernel ----

  readGuest(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    for (let i = 0; i < len; i++) out[i] = this.mem.load8u(addr + i);
    return out;
  }

  writeGuest(addr: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.mem.store8(addr + i, data[i]);
  }
}

// One RISC-V hart: the RV64GC (RV64IMAFDC) + Zicsr + Zifencei + Zalasr interpreter. Decoding is
// cores/decode.ts's; decodeAt turns its record into a decode-cache entry, and run() switches on
// the entry's op (Op is a const enum: the worker bundle has literal case labels). A compressed
// parcel is decoded from its 32-bit twin (cores/rvc.ts): one interpreter, entries carry the
// length. F and D live in fp() (cores/fpu does the arithmetic), reached from one case, so the
// integer switch stays compact.
//
// Registers are int32 pairs (xl = low word, xh = high word); x0 reads as zero and
// writes to it are decoded to go to slot 32, a sink nobody reads. Each instruction is
// decoded once into the DecodeCache. pc, the instruction counter and the stop
// point live in locals for the whole slice; memory latency moves the stop point
// (`lim`) instead of adding a second counter per instruction.

import {
  CAUSE_BREAKPOINT,
  CAUSE_FETCH_ACCESS,
  CAUSE_ECALL_U,
  CAUSE_ILLEGAL_INSTRUCTION,
  CAUSE_MISALIGNED_LOAD,
  CAUSE_MISALIGNED_STORE,
  GuestFault,
} from '../src/kernel/fault.ts';
import { TRAP_IDLE, TRAP_RESUME, type Cpu, type TrapHandler } from '../src/kernel/cpu.ts';
import { div32, div64, divu64, mul64, mulh64, mulhsu64, mulhu64, res } from './alu64.ts';
import { DECODE_MASK, DecodeCache, holdsPc } from './decode_cache.ts';
import { decode, newInstr, Op } from './decode.ts';
import type { HartMemory } from './memory.ts';
import {
  effectiveRm, faddD, faddS, fclassD, fclassS, fcmpD, fcmpS, fcvtDInt, fcvtDS, fcvtIntD, fcvtIntS, fcvtSD, fcvtSInt,
  fdivD, fdivS, fmaD, fmaS, fminmaxD, fminmaxS, fmulD, fmulS, FpRegs, fsgnjD, fsgnjS, fsqrtD, fsqrtS, fsubD, fsubS,
} from './fpu/index.ts';
import type { Jit } from './jit/jit.ts';
import { expandCompressed } from './rvc.ts';

const TWO32 = 4294967296;

// CSR numbers (user-level counters).
const CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02;
// fcsr and its two views (F extension).
const CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003;

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
  /** --engine jit: this hart's translated blocks (cores/jit), over the same decode cache. */
  jit?: Jit;
}

export class Hart implements Cpu {
  readonly hartId: number;
  readonly xl = new Int32Array(33);
  readonly xh = new Int32Array(33);
  pc = 0;
  cycle = 0;
  instret = 0;
  /** Start of the fetch block the last L1i access covered (translated blocks keep it too). */
  fetchLo = -1;
  /** A jump target beyond 2 GiB, kept exactly while pc holds FAR_PC (pc itself stays an int32). */
  farPc = 0;
  readonly mem: HartMemory;
  readonly dc: DecodeCache;
  private readonly trapHandler: TrapHandler;
  private readonly timePerCycle: number;
  /** The F/D register file (cores/fpu/regs.ts) and fcsr's two fields. */
  readonly f = new FpRegs();
  frm = 0;
  fflags = 0;
  /** The decoder's output, reused: decoding allocates nothing. */
  private readonly rec = newInstr();
  /** --engine jit: translated blocks, entered after control transfers and at a stretch's start; null: interpret only. */
  readonly jit: Jit | null;

  constructor(o: HartOptions) {
    this.hartId = o.hartId;
    this.mem = o.mem;
    this.dc = o.decode;
    this.trapHandler = o.trap;
    this.timePerCycle = o.timePerCycle;
    this.jit = o.jit ?? null;
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
    // A 32-bit instruction at a block's last parcel reaches into the next block: from there on
    // (fEdge) the slow path decides. 4-byte-aligned code never stops at fEdge.
    const fSpan = mem.fetchSpan, fEdge = fSpan - 2;
    let fLo = this.fetchLo;
    const fw = this.f.w;
    const jit = this.jit, jst = jit !== null ? jit.st : null, jtag = jit !== null ? jit.tag : null, ttag = jit !== null ? jit.tailTag : null;

    for (;;) {
      try {
        if (jit !== null) {
          // A stretch's start, perhaps mid-block (the last slice ended there): translated code
          // goes on from pc if it holds pc (cores/jit/tail.ts). While a contended verdict
          // stands, only a region or a tail at pc is worth the call (as after a transfer below).
          const i = (pc >>> 1) & DECODE_MASK;
          if (jtag![i] === pc || ttag![i] === pc || this.instret + n >= jit.quietUntil) {
            jst![0] = n; jst![1] = lim;
            pc = jit.enter(pc, xl, xh, mem, this, true);
            n = jst![0]; lim = jst![1];
            fLo = this.fetchLo;
          }
        }
        while (n < lim) {
          n++;
          if ((pc - fLo) >>> 0 >= fEdge) {
            // fetchBlock's common case written out (a new block, pc not at its last parcel): one
            // call (fetchAccess, which V8 does not inline here) instead of two on every block change.
            if ((pc & fEdge) !== fEdge) { lim -= mem.fetchAccess(pc); fLo = pc & -fSpan; this.fetchLo = fLo; }
            else { lim -= this.fetchBlock(pc); fLo = this.fetchLo; }
          }
          const e = ((pc >>> 1) & DECODE_MASK) << 2;
          if (ent[e] !== pc) this.decodeAt(pc, e);
          const pk = ent[e + 1], imm = ent[e + 2];
          const op = pk & 0xff, rd = (pk >>> 8) & 63, rs1 = (pk >>> 14) & 31, rs2 = (pk >>> 19) & 31, len = pk >>> 24;
          transfer: {
          switch (op) {
            case Op.LI: xl[rd] = imm; xh[rd] = imm >> 31; pc = (pc + len) | 0; break;
            case Op.MV: xl[rd] = xl[rs1]; xh[rd] = xh[rs1]; pc = (pc + len) | 0; break;
            case Op.ADDI: {
              const a = xl[rs1], lo = (a + imm) | 0;
              xh[rd] = (xh[rs1] + (imm >> 31) + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0;
              xl[rd] = lo; pc = (pc + len) | 0; break;
            }
            case Op.ADD: {
              const a = xl[rs1], lo = (a + xl[rs2]) | 0;
              xh[rd] = (xh[rs1] + xh[rs2] + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0;
              xl[rd] = lo; pc = (pc + len) | 0; break;
            }
            case Op.SUB: {
              const a = xl[rs1], b = xl[rs2];
              xh[rd] = (xh[rs1] - xh[rs2] - ((a >>> 0) < (b >>> 0) ? 1 : 0)) | 0;
              xl[rd] = (a - b) | 0; pc = (pc + len) | 0; break;
            }
            case Op.LUI: xl[rd] = imm; xh[rd] = imm >> 31; pc = (pc + len) | 0; break;
            case Op.AUIPC: { const v = pc + imm; xl[rd] = v | 0; xh[rd] = v < 0 ? -1 : 0; pc = (pc + len) | 0; break; }
            case Op.JAL: { const link = pc + len; pc = (pc + imm) | 0; xl[rd] = link | 0; xh[rd] = 0; if (jit !== null) break transfer; break; }
            case Op.JALR: {
              let t = (xl[rs1] >>> 0) + imm;
              const h = xh[rs1];
              if (h !== 0) t += h * TWO32;
              t -= t & 1;
              const link = pc + len;
              if (t >= 0 && t < 0x80000000) pc = t | 0;
              else { this.farPc = t; pc = FAR_PC; } // beyond any RAM: the fetch there faults
              xl[rd] = link | 0; xh[rd] = 0; if (jit !== null) break transfer; break;
            }
            case Op.BEQ: pc = (pc + (xl[rs1] === xl[rs2] && xh[rs1] === xh[rs2] ? imm : len)) | 0; if (jit !== null) break transfer; break;
            case Op.BNE: pc = (pc + (xl[rs1] !== xl[rs2] || xh[rs1] !== xh[rs2] ? imm : len)) | 0; if (jit !== null) break transfer; break;
            case Op.BLT: {
              const a = xh[rs1], b = xh[rs2];
              pc = (pc + (a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? imm : len)) | 0; if (jit !== null) break transfer; break;
            }
            case Op.BGE: {
              const a = xh[rs1], b = xh[rs2];
              pc = (pc + (a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? len : imm)) | 0; if (jit !== null) break transfer; break;
            }
            case Op.BLTU: {
              const a = xh[rs1] >>> 0, b = xh[rs2] >>> 0;
              pc = (pc + (a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? imm : len)) | 0; if (jit !== null) break transfer; break;
            }
            case Op.BGEU: {
              const a = xh[rs1] >>> 0, b = xh[rs2] >>> 0;
              pc = (pc + (a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? len : imm)) | 0; if (jit !== null) break transfer; break;
            }
            case Op.LB: case Op.LH: case Op.LW: case Op.LD: case Op.LBU: case Op.LHU: case Op.LWU: {
              mem.pc = pc;
              let a = (xl[rs1] >>> 0) + imm;
              const h = xh[rs1];
              if (h !== 0) a += h * TWO32;
              switch (op) {
                case Op.LW: { const v = mem.load32(a); xl[rd] = v; xh[rd] = v >> 31; break; }
                case Op.LD: { const v = mem.load64(a); xh[rd] = mem.hi; xl[rd] = v; break; }
                case Op.LBU: xl[rd] = mem.load8u(a); xh[rd] = 0; break;
                case Op.LB: { const v = mem.load8(a); xl[rd] = v; xh[rd] = v >> 31; break; }
                case Op.LWU: xl[rd] = mem.load32(a); xh[rd] = 0; break;
                case Op.LHU: xl[rd] = mem.load16u(a); xh[rd] = 0; break;
                default: { const v = mem.load16(a); xl[rd] = v; xh[rd] = v >> 31; break; }
              }
              lim -= mem.lastLatency;
              pc = (pc + len) | 0; break;
            }
            case Op.SB: case Op.SH: case Op.SW: case Op.SD: {
              mem.pc = pc;
              let a = (xl[rs1] >>> 0) + imm;
              const h = xh[rs1];
              if (h !== 0) a += h * TWO32;
              switch (op) {
                case Op.SW: mem.store32(a, xl[rs2]); break;
                case Op.SD: mem.store64(a, xl[rs2], xh[rs2]); break;
                case Op.SB: mem.store8(a, xl[rs2]); break;
                default: mem.store16(a, xl[rs2]); break;
              }
              lim -= mem.lastLatency;
              pc = (pc + len) | 0; break;
            }
            case Op.SLTI: {
              const a = xh[rs1], b = imm >> 31;
              xl[rd] = a < b || (a === b && (xl[rs1] >>> 0) < (imm >>> 0)) ? 1 : 0; xh[rd] = 0; pc = (pc + len) | 0; break;
            }
            case Op.SLTIU: {
              const a = xh[rs1] >>> 0, b = (imm >> 31) >>> 0;
              xl[rd] = a < b || (a === b && (xl[rs1] >>> 0) < (imm >>> 0)) ? 1 : 0; xh[rd] = 0; pc = (pc + len) | 0; break;
            }
            case Op.XORI: xl[rd] = xl[rs1] ^ imm; xh[rd] = xh[rs1] ^ (imm >> 31); pc = (pc + len) | 0; break;
            case Op.ORI: xl[rd] = xl[rs1] | imm; xh[rd] = xh[rs1] | (imm >> 31); pc = (pc + len) | 0; break;
            case Op.ANDI: xl[rd] = xl[rs1] & imm; xh[rd] = xh[rs1] & (imm >> 31); pc = (pc + len) | 0; break;
            case Op.SLLI: {
              const lo = xl[rs1], hi = xh[rs1];
              if (imm < 32) { xh[rd] = (hi << imm) | (lo >>> (32 - imm)); xl[rd] = lo << imm; } // imm > 0: 0 decodes as MV
              else { xh[rd] = lo << (imm - 32); xl[rd] = 0; }
              pc = (pc + len) | 0; break;
            }
            case Op.SRLI: {
              const lo = xl[rs1], hi = xh[rs1];
              if (imm < 32) { xl[rd] = (lo >>> imm) | (hi << (32 - imm)); xh[rd] = hi >>> imm; }
              else { xl[rd] = hi >>> (imm - 32); xh[rd] = 0; }
              pc = (pc + len) | 0; break;
            }
            case Op.SRAI: {
              const lo = xl[rs1], hi = xh[rs1];
              if (imm < 32) { xl[rd] = (lo >>> imm) | (hi << (32 - imm)); xh[rd] = hi >> imm; }
              else { xl[rd] = hi >> (imm - 32); xh[rd] = hi >> 31; }
              pc = (pc + len) | 0; break;
            }
            case Op.SLL: case Op.SRL: case Op.SRA: {
              const s = xl[rs2] & 63, lo = xl[rs1], hi = xh[rs1];
                            if (s === 0) { xl[rd] = lo; xh[rd] = hi; }
              else if (op === Op.SLL) {
                if (s < 32) { xh[rd] = (hi << s) | (lo >>> (32 - s)); xl[rd] = lo << s; }
                else { xh[rd] = lo << (s - 32); xl[rd] = 0; }
              } else if (op === Op.SRL) {
                if (s < 32) { xl[rd] = (lo >>> s) | (hi << (32 - s)); xh[rd] = hi >>> s; }
                else { xl[rd] = hi >>> (s - 32); xh[rd] = 0; }
              } else {
                if (s < 32) { xl[rd] = (lo >>> s) | (hi << (32 - s)); xh[rd] = hi >> s; }
                else { xl[rd] = hi >> (s - 32); xh[rd] = hi >> 31; }
              }
              pc = (pc + len) | 0; break;
            }
            case Op.SLT: {
              const a = xh[rs1], b = xh[rs2];
              xl[rd] = a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? 1 : 0; xh[rd] = 0; pc = (pc + len) | 0; break;
            }
            case Op.SLTU: {
              const a = xh[rs1] >>> 0, b = xh[rs2] >>> 0;
              xl[rd] = a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? 1 : 0; xh[rd] = 0; pc = (pc + len) | 0; break;
            }
            case Op.XOR: xl[rd] = xl[rs1] ^ xl[rs2]; xh[rd] = xh[rs1] ^ xh[rs2]; pc = (pc + len) | 0; break;
            case Op.OR: xl[rd] = xl[rs1] | xl[rs2]; xh[rd] = xh[rs1] | xh[rs2]; pc = (pc + len) | 0; break;
            case Op.AND: xl[rd] = xl[rs1] & xl[rs2]; xh[rd] = xh[rs1] & xh[rs2]; pc = (pc + len) | 0; break;
            case Op.ADDIW: { const v = (xl[rs1] + imm) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + len) | 0; break; }
            case Op.SLLIW: { const v = xl[rs1] << imm; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + len) | 0; break; }
            case Op.SRLIW: { const v = (xl[rs1] >>> imm) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + len) | 0; break; }
            case Op.SRAIW: { const v = xl[rs1] >> imm; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + len) | 0; break; }
            case Op.ADDW: { const v = (xl[rs1] + xl[rs2]) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + len) | 0; break; }
            case Op.SUBW: { const v = (xl[rs1] - xl[rs2]) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + len) | 0; break; }
            case Op.SLLW: { const v = xl[rs1] << (xl[rs2] & 31); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + len) | 0; break; }
            case Op.SRLW: { const v = (xl[rs1] >>> (xl[rs2] & 31)) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + len) | 0; break; }
            case Op.SRAW: { const v = xl[rs1] >> (xl[rs2] & 31); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + len) | 0; break; }
            case Op.MUL: {
              const al = xl[rs1], ah = xh[rs1], bl = xl[rs2], bh = xh[rs2];
              // Both operands fit in 21 bits of magnitude: the product is exact in a double.
              if (((ah === 0 && al >= 0) || (ah === -1 && al < 0)) && ((bh === 0 && bl >= 0) || (bh === -1 && bl < 0))
                && al < 0x100000 && al > -0x100000 && bl < 0x100000 && bl > -0x100000) {
                const v = al * bl; xl[rd] = v | 0; xh[rd] = Math.floor(v / TWO32) | 0;
              } else { mul64(al, ah, bl, bh); xl[rd] = res[0]; xh[rd] = res[1]; }
              pc = (pc + len) | 0; break;
            }
            case Op.MULH: mulh64(xl[rs1], xh[rs1], xl[rs2], xh[rs2]); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + len) | 0; break;
            case Op.MULHSU: mulhsu64(xl[rs1], xh[rs1], xl[rs2], xh[rs2]); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + len) | 0; break;
            case Op.MULHU: mulhu64(xl[rs1], xh[rs1], xl[rs2], xh[rs2]); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + len) | 0; break;
            case Op.DIV: div64(xl[rs1], xh[rs1], xl[rs2], xh[rs2], false); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + len) | 0; break;
            case Op.REM: div64(xl[rs1], xh[rs1], xl[rs2], xh[rs2], true); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + len) | 0; break;
            case Op.DIVU: divu64(xl[rs1], xh[rs1], xl[rs2], xh[rs2], false); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + len) | 0; break;
            case Op.REMU: divu64(xl[rs1], xh[rs1], xl[rs2], xh[rs2], true); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + len) | 0; break;
            case Op.MULW: { const v = Math.imul(xl[rs1], xl[rs2]); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + len) | 0; break; }
            case Op.DIVW: { const v = div32(xl[rs1], xl[rs2], false, false); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + len) | 0; break; }
            case Op.DIVUW: { const v = div32(xl[rs1], xl[rs2], true, false); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + len) | 0; break; }
            case Op.REMW: { const v = div32(xl[rs1], xl[rs2], false, true); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + len) | 0; break; }
            case Op.REMUW: { const v = div32(xl[rs1], xl[rs2], true, true); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + len) | 0; break; }
            case Op.LR_W: case Op.SC_W: case Op.AMO_W: case Op.LR_D: case Op.SC_D: case Op.AMO_D: {
              mem.pc = pc;
              let a = xl[rs1] >>> 0;
              const h = xh[rs1];
              if (h !== 0) a += h * TWO32;
              switch (op) {
                case Op.AMO_W: { const v = mem.amo32(imm, a, xl[rs2]); xl[rd] = v; xh[rd] = v >> 31; break; }
                case Op.AMO_D: { const v = mem.amo64(imm, a, xl[rs2], xh[rs2]); xh[rd] = mem.hi; xl[rd] = v; break; }
                case Op.LR_W: { const v = mem.lr32(a); xl[rd] = v; xh[rd] = v >> 31; break; }
                case Op.SC_W: xl[rd] = mem.sc32(a, xl[rs2]); xh[rd] = 0; break;
                case Op.LR_D: { const v = mem.lr64(a); xh[rd] = mem.hi; xl[rd] = v; break; }
                default: xl[rd] = mem.sc64(a, xl[rs2], xh[rs2]); xh[rd] = 0; break;
              }
              lim -= mem.lastLatency;
              if (mem.holdUntil < 0) {
                // The LR opened an LR/SC hold (cores/memory.ts): time it, and end the stretch by then.
                const w = mem.lrscHold, cut = lim - n - w;
                mem.holdUntil = this.cycle + n + (lim0 - lim) + w;
                if (cut > 0) { lim -= cut; lim0 -= cut; }
              }
              pc = (pc + len) | 0; break;
            }
            case Op.FENCE: mem.fence(); pc = (pc + len) | 0; break;
            case Op.FENCE_I: mem.fence(); dc.flush(); pc = (pc + len) | 0; break;
            case Op.CSR: {
              this.pc = pc;
              this.commit(n, lim0 - lim); n = 0; lim0 = lim;
              this.csr(rs2, rd, rs1, imm);
              pc = (pc + len) | 0; break;
            }
            case Op.ECALL: {
              this.pc = pc;
              this.commit(n, lim0 - lim); n = 0; lim0 = lim;
              if (mem.holdUntil !== 0) mem.endHold(); // a trap ends an LR/SC hold
              const tr = this.trapHandler.trap(this, CAUSE_ECALL_U, 0);
              if (tr !== TRAP_RESUME) return tr === TRAP_IDLE ? RUN_LIMIT : RUN_STOPPED;
              // The handler charged its cycles and set where to resume: start the stretch afresh.
              pc = this.pc | 0;
              lim = budget(cycleLimit - this.cycle);
              lim0 = lim;
              break;
            }
            case Op.EBREAK: throw new GuestFault(CAUSE_BREAKPOINT, pc);
            case Op.LB_AQ: case Op.LH_AQ: case Op.LW_AQ: case Op.LD_AQ: case Op.SB_RL: case Op.SH_RL: case Op.SW_RL: case Op.SD_RL:
              mem.pc = pc;
              this.zalasr(op, rd, rs1, rs2);
              lim -= mem.lastLatency;
              pc = (pc + len) | 0; break;
            case Op.FLOAD: {
              mem.pc = pc;
              let a = (xl[rs1] >>> 0) + imm;
              const h = xh[rs1];
              if (h !== 0) a += h * TWO32;
              if (rs2 === 0) { fw[2 * rd] = mem.load32(a); fw[2 * rd + 1] = -1; } // flw: NaN-boxed
              else { const v = mem.load64(a); fw[2 * rd + 1] = mem.hi; fw[2 * rd] = v; }
              lim -= mem.lastLatency;
              pc = (pc + len) | 0; break;
            }
            case Op.FSTORE: {
              mem.pc = pc;
              let a = (xl[rs1] >>> 0) + imm;
              const h = xh[rs1];
              if (h !== 0) a += h * TWO32;
              if (rd === 0) mem.store32(a, fw[2 * rs2]); // fsw stores the low word, boxed or not
              else mem.store64(a, fw[2 * rs2], fw[2 * rs2 + 1]);
              lim -= mem.lastLatency;
              pc = (pc + len) | 0; break;
            }
            case Op.FP: this.fp(imm, rd, rs1, rs2, ent[e + 3]); pc = (pc + len) | 0; break;
            default:
              throw new GuestFault(CAUSE_ILLEGAL_INSTRUCTION, ent[e + 3]);
          }
          continue;
          }
          // --engine jit, after a control transfer: translated code runs from pc while there is
          // some (or pc just became hot), up to the stretch's end at most. While a contended
          // verdict stands (Jit.quietUntil) nothing new is translated: only a region at pc is
          // worth the call (counters_packed spends ~2% of its host time in enter otherwise).
          if (jtag![(pc >>> 1) & DECODE_MASK] !== pc && this.instret + n < jit!.quietUntil) continue;
          jst![0] = n; jst![1] = lim;
          pc = jit!.enter(pc, xl, xh, mem, this, false);
          n = jst![0]; lim = jst![1];
          fLo = this.fetchLo;
        }
        this.pc = pc;
        // commit() written out: reached once a quantum, commit has no type feedback yet when V8
        // first inlines it here, and the stretch's end then deoptimizes run (bench/ab.ts).
        this.instret += n; this.cycle += n + (lim0 - lim);
        if (mem.holdUntil > 0 && this.cycle >= mem.holdUntil) mem.endHold(); // the LR/SC hold ran out
        if (this.cycle >= cycleLimit) return RUN_LIMIT;
        // A long slice takes several stretches (and an LR/SC hold may have cut this one short).
        n = 0;
        lim = budget(cycleLimit - this.cycle);
        lim0 = lim;
      } catch (e) {
        if (!(e instanceof GuestFault)) throw e;
        if (jst !== null && jst[4] !== 0) {
          // Raised inside a translated block: its n (the faulting instruction counted), lim and pc.
          jst[4] = 0; n = jst[0]; lim = jst[1]; pc = jst[2]; fLo = this.fetchLo;
        }
        n--; // the faulting instruction does not retire
        this.pc = pc === FAR_PC ? this.farPc : pc;
        this.commit(n, lim0 - lim); n = 0; lim0 = lim;
        if (mem.holdUntil !== 0) mem.endHold(); // a trap ends an LR/SC hold
        const tr = this.trapHandler.trap(this, e.cause, e.tval);
        if (tr !== TRAP_RESUME) return tr === TRAP_IDLE ? RUN_LIMIT : RUN_STOPPED;
        pc = this.pc | 0;
        lim = budget(cycleLimit - this.cycle);
        lim0 = lim;
      }
    }
  }

  // ---- slow paths ----

  /** Folds a stretch into the totals: n instructions retired, `stalls` cycles of memory latency. */
  private commit(n: number, stalls: number): void {
    this.instret += n;
    this.cycle += n + stalls;
  }

  /**
   * Instruction fetch at a block boundary: an L1i access when pc enters a new block, and a second
   * one for the next block when the instruction at the block's last parcel is 32 bits wide.
   */
  fetchBlock(pc: number): number {
    const mem = this.mem, span = mem.fetchSpan;
    let cycles = 0;
    if ((pc - this.fetchLo) >>> 0 >= span) { cycles = mem.fetchAccess(pc); this.fetchLo = pc & -span; }
    if ((pc & (span - 1)) === span - 2 && this.lengthAt(pc) === 4) {
      cycles += mem.fetchAccess(pc + 2);
      this.fetchLo = (pc + 2) & -span;
    }
    return cycles;
  }

  /** Bytes of the instruction at pc: from its decode-cache entry, else from its first parcel. */
  private lengthAt(pc: number): number {
    const e = ((pc >>> 1) & DECODE_MASK) << 2, ent = this.dc.ent;
    if (ent[e] === pc) return ent[e + 1] >>> 24;
    return (this.mem.fetch16(pc) & 3) === 3 ? 4 : 2;
  }

  /** The encoding of the instruction at pc as fetched (16-bit parcel or 32-bit word): illegal-instruction faults report it. */
  private encodingAt(pc: number): number {
    const e = ((pc >>> 1) & DECODE_MASK) << 2;
    return this.dc.ent[e + 3];
  }

  private illegal(): never {
    throw new GuestFault(CAUSE_ILLEGAL_INSTRUCTION, this.encodingAt(this.pc));
  }

  /** CSR access; f3 is the funct3 (kept in the rs2 slot by the decoder); rs1 is the register or the zimm. */
  private csr(f3: number, rd: number, rs1: number, csrNo: number): void {
    // csrrw/csrrwi always write; csrrs/csrrc(i) write when rs1/uimm != 0.
    const writes = f3 === 1 || f3 === 5 || rs1 !== 0;
    let lo: number, hi: number;
    if (csrNo === CSR_CYCLE || csrNo === CSR_INSTRET || csrNo === CSR_TIME) {
      if (writes) this.illegal(); // read-only counters
      const v = csrNo === CSR_CYCLE ? this.cycle : csrNo === CSR_INSTRET ? this.instret : Math.floor(this.cycle * this.timePerCycle);
      lo = v | 0;
      hi = Math.floor(v / TWO32) | 0;
    } else if (csrNo === CSR_FFLAGS || csrNo === CSR_FRM || csrNo === CSR_FCSR) {
      const old = csrNo === CSR_FFLAGS ? this.fflags : csrNo === CSR_FRM ? this.frm : (this.frm << 5) | this.fflags;
      if (writes) {
        const v = f3 >= 5 ? rs1 : this.xl[rs1]; // only the low 8 bits matter
        const k = f3 & 3;
        const nv = k === 1 ? v : k === 2 ? old | v : old & ~v;
        if (csrNo === CSR_FFLAGS) this.fflags = nv & 0x1f;
        else if (csrNo === CSR_FRM) this.frm = nv & 7;
        else { this.fflags = nv & 0x1f; this.frm = (nv >>> 5) & 7; }
      }
      lo = old; hi = 0;
    } else {
      this.illegal();
    }
    this.xl[rd] = lo;
    this.xh[rd] = hi;
  }

  /**
   * Zalasr load-acquire / store-release: a plain access of its width (every access here is
   * performed in program order and at once), but the address must be naturally aligned: the spec
   * raises address-misaligned (load: cause 4, store: cause 6) where plain loads/stores would not.
   */
  private zalasr(op: Op, rd: number, rs1: number, rs2: number): void {
    const xl = this.xl, xh = this.xh, mem = this.mem;
    let a = xl[rs1] >>> 0;
    if (xh[rs1] !== 0) a += xh[rs1] * TWO32;
    const store = op >= Op.SB_RL, size = 1 << (op - (store ? Op.SB_RL : Op.LB_AQ));
    if (a % size !== 0) throw new GuestFault(store ? CAUSE_MISALIGNED_STORE : CAUSE_MISALIGNED_LOAD, a);
    switch (op) {
      case Op.LB_AQ: { const v = mem.load8(a); xl[rd] = v; xh[rd] = v >> 31; break; }
      case Op.LH_AQ: { const v = mem.load16(a); xl[rd] = v; xh[rd] = v >> 31; break; }
      case Op.LW_AQ: { const v = mem.load32(a); xl[rd] = v; xh[rd] = v >> 31; break; }
      case Op.LD_AQ: { const v = mem.load64(a); xh[rd] = mem.hi; xl[rd] = v; break; }
      case Op.SB_RL: mem.store8(a, xl[rs2]); break;
      case Op.SH_RL: mem.store16(a, xl[rs2]); break;
      case Op.SW_RL: mem.store32(a, xl[rs2]); break;
      default: mem.store64(a, xl[rs2], xh[rs2]); break;
    }
  }

  /** The rounding mode of F/D word w (rm field, or frm for dyn); reserved ones are illegal. */
  private rm(w: number): number {
    const r = effectiveRm((w >>> 12) & 7, this.frm);
    if (r < 0) throw new GuestFault(CAUSE_ILLEGAL_INSTRUCTION, w);
    return r;
  }

  /**
   * Every F/D instruction but the loads and stores (cores/fpu does the arithmetic). op is the
   * decoder's op; rd is an f register, or an x register (0 -> the sink 32) for the ops that write
   * one; w is the 32-bit word (rs3 and rm come from it). The flags raised accrue into fflags.
   */
  private fp(op: Op, rd: number, rs1: number, rs2: number, w: number): void {
    const f = this.f, xl = this.xl, xh = this.xh;
    let fl = 0;
    switch (op) {
      case Op.FMADD_S: case Op.FMSUB_S: case Op.FNMSUB_S: case Op.FNMADD_S:
        fl = fmaS(f, op - Op.FMADD_S, rd, rs1, rs2, w >>> 27, this.rm(w)); break;
      case Op.FMADD_D: case Op.FMSUB_D: case Op.FNMSUB_D: case Op.FNMADD_D:
        fl = fmaD(f, op - Op.FMADD_D, rd, rs1, rs2, w >>> 27, this.rm(w)); break;
      case Op.FADD_S: fl = faddS(f, rd, rs1, rs2, this.rm(w)); break;
      case Op.FSUB_S: fl = fsubS(f, rd, rs1, rs2, this.rm(w)); break;
      case Op.FMUL_S: fl = fmulS(f, rd, rs1, rs2, this.rm(w)); break;
      case Op.FDIV_S: fl = fdivS(f, rd, rs1, rs2, this.rm(w)); break;
      case Op.FSQRT_S: fl = fsqrtS(f, rd, rs1, this.rm(w)); break;
      case Op.FADD_D: fl = faddD(f, rd, rs1, rs2, this.rm(w)); break;
      case Op.FSUB_D: fl = fsubD(f, rd, rs1, rs2, this.rm(w)); break;
      case Op.FMUL_D: fl = fmulD(f, rd, rs1, rs2, this.rm(w)); break;
      case Op.FDIV_D: fl = fdivD(f, rd, rs1, rs2, this.rm(w)); break;
      case Op.FSQRT_D: fl = fsqrtD(f, rd, rs1, this.rm(w)); break;
      case Op.FSGNJ_S: case Op.FSGNJN_S: case Op.FSGNJX_S: fsgnjS(f, rd, rs1, rs2, op - Op.FSGNJ_S); break;
      case Op.FSGNJ_D: case Op.FSGNJN_D: case Op.FSGNJX_D: fsgnjD(f, rd, rs1, rs2, op - Op.FSGNJ_D); break;
      case Op.FMIN_S: case Op.FMAX_S: fl = fminmaxS(f, rd, rs1, rs2, op === Op.FMAX_S); break;
      case Op.FMIN_D: case Op.FMAX_D: fl = fminmaxD(f, rd, rs1, rs2, op === Op.FMAX_D); break;
      case Op.FCVT_W_S: case Op.FCVT_WU_S: case Op.FCVT_L_S: case Op.FCVT_LU_S:
        fl = fcvtIntS(f, op - Op.FCVT_W_S, rs1, this.rm(w)); xl[rd] = f.x[0]; xh[rd] = f.x[1]; break;
      case Op.FCVT_W_D: case Op.FCVT_WU_D: case Op.FCVT_L_D: case Op.FCVT_LU_D:
        fl = fcvtIntD(f, op - Op.FCVT_W_D, rs1, this.rm(w)); xl[rd] = f.x[0]; xh[rd] = f.x[1]; break;
      case Op.FEQ_S: case Op.FLT_S: case Op.FLE_S:
        fl = fcmpS(f, op - Op.FEQ_S, rs1, rs2); xl[rd] = f.x[0]; xh[rd] = 0; break;
      case Op.FEQ_D: case Op.FLT_D: case Op.FLE_D:
        fl = fcmpD(f, op - Op.FEQ_D, rs1, rs2); xl[rd] = f.x[0]; xh[rd] = 0; break;
      case Op.FCLASS_S: xl[rd] = fclassS(f, rs1); xh[rd] = 0; break;
      case Op.FCLASS_D: xl[rd] = fclassD(f, rs1); xh[rd] = 0; break;
      case Op.FMV_X_W: { const v = f.w[2 * rs1]; xl[rd] = v; xh[rd] = v >> 31; break; }
      case Op.FMV_X_D: xl[rd] = f.w[2 * rs1]; xh[rd] = f.w[2 * rs1 + 1]; break;
      case Op.FMV_W_X: f.w[2 * rd] = xl[rs1]; f.w[2 * rd + 1] = -1; break;
      case Op.FMV_D_X: f.w[2 * rd] = xl[rs1]; f.w[2 * rd + 1] = xh[rs1]; break;
      case Op.FCVT_S_W: case Op.FCVT_S_WU: case Op.FCVT_S_L: case Op.FCVT_S_LU:
        fl = fcvtSInt(f, rd, xl[rs1], xh[rs1], op - Op.FCVT_S_W, this.rm(w)); break;
      case Op.FCVT_D_W: case Op.FCVT_D_WU: case Op.FCVT_D_L: case Op.FCVT_D_LU:
        fl = fcvtDInt(f, rd, xl[rs1], xh[rs1], op - Op.FCVT_D_W, this.rm(w)); break;
      case Op.FCVT_S_D: fl = fcvtSD(f, rd, rs1, this.rm(w)); break;
      // Exact, but its rm field is decoded as usual (spec: "implementations must treat the rm field as usual").
      case Op.FCVT_D_S: this.rm(w); fl = fcvtDS(f, rd, rs1); break;
      default: throw new GuestFault(CAUSE_ILLEGAL_INSTRUCTION, w);
    }
    this.fflags |= fl;
  }

  /**
   * Decodes the instruction at pc into the entry at ent[e] (layout in cores/decode_cache.ts): the
   * decoder's record, specialised into the interpreter forms run() switches on. A 16-bit parcel
   * is decoded from its 32-bit twin (cores/rvc.ts) with len 2; the entry keeps the parcel as
   * fetched. An encoding this hart cannot execute becomes ILLEGAL, faulting only if executed.
   */
  private decodeAt(pc: number, e: number): void {
    if (pc === FAR_PC) throw new GuestFault(CAUSE_FETCH_ACCESS, this.farPc);
    const mem = this.mem;
    let w: number;
    if ((pc & 3) === 0) w = mem.fetch32(pc); // an aligned word: within one page and one line
    else {
      w = mem.fetch16(pc);
      if ((w & 3) === 3) w |= mem.fetch16(pc + 2) << 16; // may straddle a line or a page
    }
    let enc = w, len = 4;
    if ((w & 3) !== 3) { enc = w & 0xffff; len = 2; w = expandCompressed(enc); }
    const d = this.rec;
    let op: Op = decode(w, d, len);
    let rd = d.rd, rs2 = d.rs2, imm = d.imm, sink = true;
    switch (op) {
      case Op.ADDI: if (d.rs1 === 0) op = Op.LI; else if (imm === 0) op = Op.MV; break;
      case Op.SLLI: case Op.SRLI: case Op.SRAI: if (imm === 0) op = Op.MV; break;
      case Op.FENCE_TSO: op = Op.FENCE; break;
      case Op.CSRRW: case Op.CSRRS: case Op.CSRRC: case Op.CSRRWI: case Op.CSRRSI: case Op.CSRRCI:
        op = Op.CSR; rs2 = (w >>> 12) & 7; imm = d.csr; break;
      case Op.AMOSWAP_W: case Op.AMOADD_W: case Op.AMOXOR_W: case Op.AMOAND_W: case Op.AMOOR_W:
      case Op.AMOMIN_W: case Op.AMOMAX_W: case Op.AMOMINU_W: case Op.AMOMAXU_W:
        op = Op.AMO_W; imm = w >>> 27; break;
      case Op.AMOSWAP_D: case Op.AMOADD_D: case Op.AMOXOR_D: case Op.AMOAND_D: case Op.AMOOR_D:
      case Op.AMOMIN_D: case Op.AMOMAX_D: case Op.AMOMINU_D: case Op.AMOMAXU_D:
        op = Op.AMO_D; imm = w >>> 27; break;
      // F/D loads and stores: the width in a slot the form does not use (FLOAD rs2, FSTORE rd).
      case Op.FLW: case Op.FLD: rs2 = op === Op.FLD ? 1 : 0; op = Op.FLOAD; sink = false; break;
      case Op.FSW: case Op.FSD: rd = op === Op.FSD ? 1 : 0; op = Op.FSTORE; sink = false; break;
      default:
        if (op >= Op.FMADD_S) {
          // One form for the rest of F and D; the op goes in imm. Only some write an x register.
          sink = (op >= Op.FCVT_W_S && op <= Op.FCLASS_S) || (op >= Op.FCVT_W_D && op <= Op.FCLASS_D);
          imm = op; op = Op.FP;
        } else if (op >= Op.SRET) op = Op.ILLEGAL; // privileged: not executable in this user-mode hart
    }
    if (rd === 0 && sink) rd = 32;
    const ent = this.dc.ent;
    if (this.jit !== null && holdsPc(ent, e, 4)) this.jit.dropped(ent[e]); // a block held the entry replaced
    ent[e + 1] = op | (rd << 8) | (d.rs1 << 14) | (rs2 << 19) | (len << 24);
    ent[e + 2] = imm;
    ent[e + 3] = enc;
    ent[e] = pc;
  }

  // ---- Cpu interface for the kernel ----

  /** The kernel's copies: line by line through this core's memory path, charged to its cycles. */
  readGuest(addr: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    this.cycle += this.mem.copyFromGuest(addr, out);
    return out;
  }

  writeGuest(addr: number, data: Uint8Array): void {
    this.cycle += this.mem.copyToGuest(addr, data);
  }
}

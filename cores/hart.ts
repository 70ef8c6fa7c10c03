// One RISC-V hart: the RV64IMA + Zicsr + Zifencei (+ Zalasr) interpreter. Decoding is
// cores/decode.ts's; decodeAt turns its record into a decode-cache entry, and run() switches
// on the entry's op (Op is a const enum: the worker bundle has literal case labels).
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
import { decode, newInstr, Op } from './decode.ts';
import type { HartMemory } from './memory.ts';

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
  /** The decoder's output, reused: decoding allocates nothing. */
  private readonly rec = newInstr();

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
            case Op.LI: xl[rd] = imm; xh[rd] = imm >> 31; pc = (pc + 4) | 0; break;
            case Op.MV: xl[rd] = xl[rs1]; xh[rd] = xh[rs1]; pc = (pc + 4) | 0; break;
            case Op.ADDI: {
              const a = xl[rs1], lo = (a + imm) | 0;
              xh[rd] = (xh[rs1] + (imm >> 31) + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0;
              xl[rd] = lo; pc = (pc + 4) | 0; break;
            }
            case Op.ADD: {
              const a = xl[rs1], lo = (a + xl[rs2]) | 0;
              xh[rd] = (xh[rs1] + xh[rs2] + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0;
              xl[rd] = lo; pc = (pc + 4) | 0; break;
            }
            case Op.SUB: {
              const a = xl[rs1], b = xl[rs2];
              xh[rd] = (xh[rs1] - xh[rs2] - ((a >>> 0) < (b >>> 0) ? 1 : 0)) | 0;
              xl[rd] = (a - b) | 0; pc = (pc + 4) | 0; break;
            }
            case Op.LUI: xl[rd] = imm; xh[rd] = imm >> 31; pc = (pc + 4) | 0; break;
            case Op.AUIPC: { const v = pc + imm; xl[rd] = v | 0; xh[rd] = v < 0 ? -1 : 0; pc = (pc + 4) | 0; break; }
            case Op.JAL: { const link = pc + 4; pc = (pc + imm) | 0; xl[rd] = link | 0; xh[rd] = 0; break; }
            case Op.JALR: {
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
            case Op.BEQ: pc = (pc + (xl[rs1] === xl[rs2] && xh[rs1] === xh[rs2] ? imm : 4)) | 0; break;
            case Op.BNE: pc = (pc + (xl[rs1] !== xl[rs2] || xh[rs1] !== xh[rs2] ? imm : 4)) | 0; break;
            case Op.BLT: {
              const a = xh[rs1], b = xh[rs2];
              pc = (pc + (a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? imm : 4)) | 0; break;
            }
            case Op.BGE: {
              const a = xh[rs1], b = xh[rs2];
              pc = (pc + (a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? 4 : imm)) | 0; break;
            }
            case Op.BLTU: {
              const a = xh[rs1] >>> 0, b = xh[rs2] >>> 0;
              pc = (pc + (a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? imm : 4)) | 0; break;
            }
            case Op.BGEU: {
              const a = xh[rs1] >>> 0, b = xh[rs2] >>> 0;
              pc = (pc + (a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? 4 : imm)) | 0; break;
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
              pc = (pc + 4) | 0; break;
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
              pc = (pc + 4) | 0; break;
            }
            case Op.SLTI: {
              const a = xh[rs1], b = imm >> 31;
              xl[rd] = a < b || (a === b && (xl[rs1] >>> 0) < (imm >>> 0)) ? 1 : 0; xh[rd] = 0; pc = (pc + 4) | 0; break;
            }
            case Op.SLTIU: {
              const a = xh[rs1] >>> 0, b = (imm >> 31) >>> 0;
              xl[rd] = a < b || (a === b && (xl[rs1] >>> 0) < (imm >>> 0)) ? 1 : 0; xh[rd] = 0; pc = (pc + 4) | 0; break;
            }
            case Op.XORI: xl[rd] = xl[rs1] ^ imm; xh[rd] = xh[rs1] ^ (imm >> 31); pc = (pc + 4) | 0; break;
            case Op.ORI: xl[rd] = xl[rs1] | imm; xh[rd] = xh[rs1] | (imm >> 31); pc = (pc + 4) | 0; break;
            case Op.ANDI: xl[rd] = xl[rs1] & imm; xh[rd] = xh[rs1] & (imm >> 31); pc = (pc + 4) | 0; break;
            case Op.SLLI: {
              const lo = xl[rs1], hi = xh[rs1];
              if (imm < 32) { xh[rd] = (hi << imm) | (lo >>> (32 - imm)); xl[rd] = lo << imm; } // imm > 0: 0 decodes as MV
              else { xh[rd] = lo << (imm - 32); xl[rd] = 0; }
              pc = (pc + 4) | 0; break;
            }
            case Op.SRLI: {
              const lo = xl[rs1], hi = xh[rs1];
              if (imm < 32) { xl[rd] = (lo >>> imm) | (hi << (32 - imm)); xh[rd] = hi >>> imm; }
              else { xl[rd] = hi >>> (imm - 32); xh[rd] = 0; }
              pc = (pc + 4) | 0; break;
            }
            case Op.SRAI: {
              const lo = xl[rs1], hi = xh[rs1];
              if (imm < 32) { xl[rd] = (lo >>> imm) | (hi << (32 - imm)); xh[rd] = hi >> imm; }
              else { xl[rd] = hi >> (imm - 32); xh[rd] = hi >> 31; }
              pc = (pc + 4) | 0; break;
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
              pc = (pc + 4) | 0; break;
            }
            case Op.SLT: {
              const a = xh[rs1], b = xh[rs2];
              xl[rd] = a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? 1 : 0; xh[rd] = 0; pc = (pc + 4) | 0; break;
            }
            case Op.SLTU: {
              const a = xh[rs1] >>> 0, b = xh[rs2] >>> 0;
              xl[rd] = a < b || (a === b && (xl[rs1] >>> 0) < (xl[rs2] >>> 0)) ? 1 : 0; xh[rd] = 0; pc = (pc + 4) | 0; break;
            }
            case Op.XOR: xl[rd] = xl[rs1] ^ xl[rs2]; xh[rd] = xh[rs1] ^ xh[rs2]; pc = (pc + 4) | 0; break;
            case Op.OR: xl[rd] = xl[rs1] | xl[rs2]; xh[rd] = xh[rs1] | xh[rs2]; pc = (pc + 4) | 0; break;
            case Op.AND: xl[rd] = xl[rs1] & xl[rs2]; xh[rd] = xh[rs1] & xh[rs2]; pc = (pc + 4) | 0; break;
            case Op.ADDIW: { const v = (xl[rs1] + imm) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case Op.SLLIW: { const v = xl[rs1] << imm; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case Op.SRLIW: { const v = (xl[rs1] >>> imm) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case Op.SRAIW: { const v = xl[rs1] >> imm; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case Op.ADDW: { const v = (xl[rs1] + xl[rs2]) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case Op.SUBW: { const v = (xl[rs1] - xl[rs2]) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case Op.SLLW: { const v = xl[rs1] << (xl[rs2] & 31); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case Op.SRLW: { const v = (xl[rs1] >>> (xl[rs2] & 31)) | 0; xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case Op.SRAW: { const v = xl[rs1] >> (xl[rs2] & 31); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case Op.MUL: {
              const al = xl[rs1], ah = xh[rs1], bl = xl[rs2], bh = xh[rs2];
              // Both operands fit in 21 bits of magnitude: the product is exact in a double.
              if (((ah === 0 && al >= 0) || (ah === -1 && al < 0)) && ((bh === 0 && bl >= 0) || (bh === -1 && bl < 0))
                && al < 0x100000 && al > -0x100000 && bl < 0x100000 && bl > -0x100000) {
                const v = al * bl; xl[rd] = v | 0; xh[rd] = Math.floor(v / TWO32) | 0;
              } else { mul64(al, ah, bl, bh); xl[rd] = res[0]; xh[rd] = res[1]; }
              pc = (pc + 4) | 0; break;
            }
            case Op.MULH: mulh64(xl[rs1], xh[rs1], xl[rs2], xh[rs2]); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + 4) | 0; break;
            case Op.MULHSU: mulhsu64(xl[rs1], xh[rs1], xl[rs2], xh[rs2]); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + 4) | 0; break;
            case Op.MULHU: mulhu64(xl[rs1], xh[rs1], xl[rs2], xh[rs2]); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + 4) | 0; break;
            case Op.DIV: div64(xl[rs1], xh[rs1], xl[rs2], xh[rs2], false); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + 4) | 0; break;
            case Op.REM: div64(xl[rs1], xh[rs1], xl[rs2], xh[rs2], true); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + 4) | 0; break;
            case Op.DIVU: divu64(xl[rs1], xh[rs1], xl[rs2], xh[rs2], false); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + 4) | 0; break;
            case Op.REMU: divu64(xl[rs1], xh[rs1], xl[rs2], xh[rs2], true); xl[rd] = res[0]; xh[rd] = res[1]; pc = (pc + 4) | 0; break;
            case Op.MULW: { const v = Math.imul(xl[rs1], xl[rs2]); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case Op.DIVW: { const v = div32(xl[rs1], xl[rs2], false, false); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case Op.DIVUW: { const v = div32(xl[rs1], xl[rs2], true, false); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case Op.REMW: { const v = div32(xl[rs1], xl[rs2], false, true); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
            case Op.REMUW: { const v = div32(xl[rs1], xl[rs2], true, true); xl[rd] = v; xh[rd] = v >> 31; pc = (pc + 4) | 0; break; }
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
              pc = (pc + 4) | 0; break;
            }
            case Op.FENCE: mem.fence(); pc = (pc + 4) | 0; break;
            case Op.FENCE_I: mem.fence(); dc.flush(); pc = (pc + 4) | 0; break;
            case Op.CSR: {
              this.pc = pc;
              this.commit(n, lim0 - lim); n = 0; lim0 = lim;
              this.csr(rs2, rd, rs1, imm);
              pc = (pc + 4) | 0; break;
            }
            case Op.ECALL: {
              this.pc = pc;
              this.commit(n, lim0 - lim); n = 0; lim0 = lim;
              if (mem.holdUntil !== 0) mem.endHold(); // a trap ends an LR/SC hold
              if (this.trapHandler.trap(this, CAUSE_ECALL_U, 0) !== TRAP_RESUME) return RUN_STOPPED;
              // The handler charged its cycles and set where to resume: start the stretch afresh.
              pc = this.pc | 0;
              lim = budget(cycleLimit - this.cycle);
              lim0 = lim;
              break;
            }
            case Op.EBREAK: throw new GuestFault(CAUSE_BREAKPOINT, pc);
            case Op.JUMP_MISALIGNED: {
              if (this.branchTaken(ent[e + 3])) throw new GuestFault(CAUSE_MISALIGNED_FETCH, pc + imm);
              pc = (pc + 4) | 0; break;
            }
            default:
              throw new GuestFault(CAUSE_ILLEGAL_INSTRUCTION, ent[e + 3]);
          }
        }
        this.pc = pc;
        this.commit(n, lim0 - lim);
        if (mem.holdUntil > 0 && this.cycle >= mem.holdUntil) mem.endHold(); // the LR/SC hold ran out
        if (this.cycle >= cycleLimit) return RUN_LIMIT;
        // A long slice takes several stretches (and an LR/SC hold may have cut this one short).
        n = 0;
        lim = budget(cycleLimit - this.cycle);
        lim0 = lim;
      } catch (e) {
        if (!(e instanceof GuestFault)) throw e;
        n--; // the faulting instruction does not retire
        this.pc = pc === FAR_PC ? this.farPc : pc;
        this.commit(n, lim0 - lim); n = 0; lim0 = lim;
        if (mem.holdUntil !== 0) mem.endHold(); // a trap ends an LR/SC hold
        if (this.trapHandler.trap(this, e.cause, e.tval) !== TRAP_RESUME) return RUN_STOPPED;
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

  /** Whether the jal or branch `word` jumps (the slow path of JUMP_MISALIGNED). */
  private branchTaken(word: number): boolean {
    const d = this.rec;
    const op = decode(word, d);
    if (op === Op.JAL) return true;
    const r1 = d.rs1, r2 = d.rs2;
    const a = BigInt.asIntN(64, (BigInt(this.xh[r1]) << 32n) | BigInt(this.xl[r1] >>> 0));
    const b = BigInt.asIntN(64, (BigInt(this.xh[r2]) << 32n) | BigInt(this.xl[r2] >>> 0));
    const au = BigInt.asUintN(64, a), bu = BigInt.asUintN(64, b);
    switch (op) {
      case Op.BEQ: return a === b;
      case Op.BNE: return a !== b;
      case Op.BLT: return a < b;
      case Op.BGE: return a >= b;
      case Op.BLTU: return au < bu;
      default: return au >= bu;
    }
  }

  /**
   * Decodes the word at pc into the entry at ent[e] (layout in cores/decode_cache.ts): the
   * decoder's record, specialised into the interpreter forms run() switches on. An encoding
   * this hart cannot execute becomes ILLEGAL, faulting only if executed.
   * C lands here: fetch a 16-bit parcel, and if (half & 3) !== 3 decode
   * expandCompressed(half) (cores/rvc.ts) with len 2 and keep the parcel in ent[e + 3].
   */
  private decodeAt(pc: number, e: number): void {
    if (pc === FAR_PC) throw new GuestFault(CAUSE_FETCH_ACCESS, this.farPc);
    const w = this.mem.fetch32(pc);
    const d = this.rec;
    let op: Op = decode(w, d);
    let rd = d.rd, rs2 = d.rs2, imm = d.imm;
    switch (op) {
      case Op.ADDI: if (d.rs1 === 0) op = Op.LI; else if (imm === 0) op = Op.MV; break;
      case Op.SLLI: case Op.SRLI: case Op.SRAI: if (imm === 0) op = Op.MV; break;
      // IALIGN = 32: a target off a 4-byte boundary faults, if the jump is taken.
      case Op.JAL: case Op.BEQ: case Op.BNE: case Op.BLT: case Op.BGE: case Op.BLTU: case Op.BGEU:
        if ((imm & 3) !== 0) op = Op.JUMP_MISALIGNED;
        break;
      case Op.FENCE_TSO: op = Op.FENCE; break;
      case Op.CSRRW: case Op.CSRRS: case Op.CSRRC: case Op.CSRRWI: case Op.CSRRSI: case Op.CSRRCI:
        op = Op.CSR; rs2 = (w >>> 12) & 7; imm = d.csr; break;
      case Op.AMOSWAP_W: case Op.AMOADD_W: case Op.AMOXOR_W: case Op.AMOAND_W: case Op.AMOOR_W:
      case Op.AMOMIN_W: case Op.AMOMAX_W: case Op.AMOMINU_W: case Op.AMOMAXU_W:
        op = Op.AMO_W; imm = w >>> 27; break;
      case Op.AMOSWAP_D: case Op.AMOADD_D: case Op.AMOXOR_D: case Op.AMOAND_D: case Op.AMOOR_D:
      case Op.AMOMIN_D: case Op.AMOMAX_D: case Op.AMOMINU_D: case Op.AMOMAXU_D:
        op = Op.AMO_D; imm = w >>> 27; break;
      // Zalasr runs as the plain load / store of its width: every access here is performed in
      // program order and at once (SC per access).
      case Op.LB_AQ: case Op.LH_AQ: case Op.LW_AQ: case Op.LD_AQ: op = Op.LB + (op - Op.LB_AQ); break;
      case Op.SB_RL: case Op.SH_RL: case Op.SW_RL: case Op.SD_RL: op = Op.SB + (op - Op.SB_RL); break;
      default:
        // Privileged, F and D (SRET and after): not executable in this user-mode hart yet.
        if (op >= Op.SRET) op = Op.ILLEGAL;
    }
    if (rd === 0) rd = 32;
    const ent = this.dc.ent;
    ent[e + 1] = op | (rd << 8) | (d.rs1 << 16) | (rs2 << 24);
    ent[e + 2] = imm;
    ent[e + 3] = w;
    ent[e] = pc;
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

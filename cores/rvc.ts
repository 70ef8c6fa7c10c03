// The C extension for RV64 (RVC, with the D extension's c.fld/c.fsd/c.fldsp/c.fsdsp): each 16-bit
// parcel expands to the 32-bit instruction the spec names as its twin ("RVC instructions expand
// into a single base instruction", unprivileged spec ch. 16), so the interpreter has one semantics.
//
// expandCompressed(half) returns that 32-bit word as an int32 (the same bits the decoder reads
// with fetch32), or RVC_ILLEGAL = 0 for a reserved or illegal parcel. 0 is never a legal 32-bit
// instruction (its low two bits are 00, i.e. not a 32-bit encoding at all), so the decoder can tell
// "illegal" apart from every expansion. Parcels whose low two bits are 11 are not compressed and
// give RVC_ILLEGAL as well.
//
// Reserved (RVC_ILLEGAL): the all-zero halfword; c.addi4spn with nzuimm = 0; quadrant 0 funct3 100;
// c.addiw with rd = 0; c.addi16sp and c.lui with a zero immediate; c.lwsp / c.ldsp with rd = 0;
// c.jr with rs1 = 0; c.subw/c.addw's neighbours 100 1 11 ... 1x (funct2 10, 11).
// HINTs execute as their expansion, which the base ISA defines as a HINT too (no architectural
// effect but the ones shown): c.nop with imm != 0 and c.addi with imm = 0 (addi), c.li / c.lui /
// c.mv / c.add / c.slli with rd = 0 (writes to x0), c.slli / c.srli / c.srai with shamt = 0 (shift by
// 0). RV64 shift amounts use shamt[5] (bit 12). qemu-riscv64 7.2 executes exactly these as above.
// c.mv expands to `addi rd, rs2, 0` (mv), as qemu and LLVM do and as the spec's commentary allows
// ("may find it more convenient to expand C.MV to MV instead of ADD"): the decoder's MV fast path.
//
// The map is a 64K Int32Array (EXPANSION) filled on first use, so a repeated expansion is one load.

/** Returned for reserved/illegal parcels: not a 32-bit encoding (low bits 00). */
export const RVC_ILLEGAL = 0;

// 32-bit major opcodes used by the expansions
const LOAD = 0x03, LOAD_FP = 0x07, OP_IMM = 0x13, OP_IMM_32 = 0x1b, STORE = 0x23, STORE_FP = 0x27;
const OP = 0x33, LUI = 0x37, OP_32 = 0x3b, BRANCH = 0x63, JALR = 0x67, JAL = 0x6f;
const EBREAK = 0x00100073;
const SP = 2, RA = 1;

const iType = (opc: number, rd: number, f3: number, rs1: number, imm: number): number =>
  ((imm & 0xfff) << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
const sType = (opc: number, f3: number, rs1: number, rs2: number, imm: number): number =>
  (((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | ((imm & 31) << 7) | opc;
const rType = (opc: number, f7: number, rd: number, f3: number, rs1: number, rs2: number): number =>
  (f7 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | opc;
const bType = (f3: number, rs1: number, rs2: number, off: number): number =>
  (((off >> 12) & 1) << 31) | (((off >> 5) & 63) << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) |
  (((off >> 1) & 15) << 8) | (((off >> 11) & 1) << 7) | BRANCH;
const jType = (rd: number, off: number): number =>
  (((off >> 20) & 1) << 31) | (((off >> 1) & 1023) << 21) | (((off >> 11) & 1) << 20) |
  (((off >> 12) & 255) << 12) | (rd << 7) | JAL;

const bit = (h: number, i: number): number => (h >>> i) & 1;
const bits = (h: number, hi: number, lo: number): number => (h >>> lo) & ((1 << (hi - lo + 1)) - 1);
const sext = (v: number, width: number): number => (v << (32 - width)) >> (32 - width);

/** The spec's expansion of one parcel (slow path: used to build the table, and by tests). */
export function expandCompressedSlow(h: number): number {
  h &= 0xffff;
  const quadrant = h & 3;
  const f3 = h >>> 13;
  const rdp = bits(h, 4, 2) + 8; // rd' / rs2' (x8..x15)
  const rs1p = bits(h, 9, 7) + 8; // rs1' / rd'
  const rd = bits(h, 11, 7);
  const rs2 = bits(h, 6, 2);
  const imm6 = sext((bit(h, 12) << 5) | rs2, 6); // CI-format immediate
  if (quadrant === 0) {
    const offD = (bits(h, 12, 10) << 3) | (bits(h, 6, 5) << 6); // c.ld / c.sd / c.fld / c.fsd
    const offW = (bits(h, 12, 10) << 3) | (bit(h, 6) << 2) | (bit(h, 5) << 6); // c.lw / c.sw
    switch (f3) {
      case 0: { // c.addi4spn (nzuimm = 0, including the all-zero halfword, is reserved)
        const nzuimm = (bits(h, 10, 7) << 6) | (bits(h, 12, 11) << 4) | (bit(h, 5) << 3) | (bit(h, 6) << 2);
        return nzuimm === 0 ? RVC_ILLEGAL : iType(OP_IMM, rdp, 0, SP, nzuimm);
      }
      case 1: return iType(LOAD_FP, rdp, 3, rs1p, offD); // c.fld
      case 2: return iType(LOAD, rdp, 2, rs1p, offW); // c.lw
      case 3: return iType(LOAD, rdp, 3, rs1p, offD); // c.ld (RV32: c.flw)
      case 4: return RVC_ILLEGAL; // reserved
      case 5: return sType(STORE_FP, 3, rs1p, rdp, offD); // c.fsd
      case 6: return sType(STORE, 2, rs1p, rdp, offW); // c.sw
      default: return sType(STORE, 3, rs1p, rdp, offD); // c.sd (RV32: c.fsw)
    }
  }
  if (quadrant === 1) {
    switch (f3) {
      case 0: return iType(OP_IMM, rd, 0, rd, imm6); // c.addi; c.nop; HINTs for rd = 0 or imm = 0
      case 1: return rd === 0 ? RVC_ILLEGAL : iType(OP_IMM_32, rd, 0, rd, imm6); // c.addiw (RV32: c.jal)
      case 2: return iType(OP_IMM, rd, 0, 0, imm6); // c.li; rd = 0 is a HINT
      case 3: {
        if (rd === SP) { // c.addi16sp
          const nzimm = sext((bit(h, 12) << 9) | (bit(h, 6) << 4) | (bit(h, 5) << 6) | (bits(h, 4, 3) << 7) |
            (bit(h, 2) << 5), 10);
          return nzimm === 0 ? RVC_ILLEGAL : iType(OP_IMM, SP, 0, SP, nzimm);
        }
        // c.lui: nzimm[17:12] sign-extended; rd = 0 is a HINT
        return imm6 === 0 ? RVC_ILLEGAL : (imm6 << 12) | (rd << 7) | LUI;
      }
      case 4: {
        const shamt = (bit(h, 12) << 5) | rs2; // RV64: shamt[5] legal; 0 is a HINT
        switch (bits(h, 11, 10)) {
          case 0: return iType(OP_IMM, rs1p, 5, rs1p, shamt); // c.srli
          case 1: return iType(OP_IMM, rs1p, 5, rs1p, 0x400 | shamt); // c.srai
          case 2: return iType(OP_IMM, rs1p, 7, rs1p, imm6); // c.andi
          default: {
            const r2 = rdp;
            const f2 = bits(h, 6, 5);
            if (bit(h, 12) === 0) {
              switch (f2) {
                case 0: return rType(OP, 0x20, rs1p, 0, rs1p, r2); // c.sub
                case 1: return rType(OP, 0, rs1p, 4, rs1p, r2); // c.xor
                case 2: return rType(OP, 0, rs1p, 6, rs1p, r2); // c.or
                default: return rType(OP, 0, rs1p, 7, rs1p, r2); // c.and
              }
            }
            if (f2 === 0) return rType(OP_32, 0x20, rs1p, 0, rs1p, r2); // c.subw
            if (f2 === 1) return rType(OP_32, 0, rs1p, 0, rs1p, r2); // c.addw
            return RVC_ILLEGAL; // reserved
          }
        }
      }
      case 5: { // c.j
        const off = sext((bit(h, 12) << 11) | (bit(h, 11) << 4) | (bits(h, 10, 9) << 8) | (bit(h, 8) << 10) |
          (bit(h, 7) << 6) | (bit(h, 6) << 7) | (bits(h, 5, 3) << 1) | (bit(h, 2) << 5), 12);
        return jType(0, off);
      }
      default: { // c.beqz / c.bnez
        const off = sext((bit(h, 12) << 8) | (bits(h, 11, 10) << 3) | (bits(h, 6, 5) << 6) | (bits(h, 4, 3) << 1) |
          (bit(h, 2) << 5), 9);
        return bType(f3 === 6 ? 0 : 1, rs1p, 0, off);
      }
    }
  }
  if (quadrant === 2) {
    const offDsp = (bit(h, 12) << 5) | (bits(h, 6, 5) << 3) | (bits(h, 4, 2) << 6); // c.ldsp / c.fldsp
    const offDss = (bits(h, 12, 10) << 3) | (bits(h, 9, 7) << 6); // c.sdsp / c.fsdsp
    switch (f3) {
      case 0: return iType(OP_IMM, rd, 1, rd, (bit(h, 12) << 5) | rs2); // c.slli; HINTs: rd = 0, shamt = 0
      case 1: return iType(LOAD_FP, rd, 3, SP, offDsp); // c.fldsp
      case 2: // c.lwsp
        return rd === 0 ? RVC_ILLEGAL : iType(LOAD, rd, 2, SP, (bit(h, 12) << 5) | (bits(h, 6, 4) << 2) | (bits(h, 3, 2) << 6));
      case 3: return rd === 0 ? RVC_ILLEGAL : iType(LOAD, rd, 3, SP, offDsp); // c.ldsp (RV32: c.flwsp)
      case 4:
        if (bit(h, 12) === 0) {
          if (rs2 !== 0) return iType(OP_IMM, rd, 0, rs2, 0); // c.mv as mv (addi rd, rs2, 0); rd = 0 is a HINT
          return rd === 0 ? RVC_ILLEGAL : iType(JALR, 0, 0, rd, 0); // c.jr
        }
        if (rs2 !== 0) return rType(OP, 0, rd, 0, rd, rs2); // c.add; rd = 0 is a HINT
        return rd === 0 ? EBREAK : iType(JALR, RA, 0, rd, 0); // c.ebreak / c.jalr
      case 5: return sType(STORE_FP, 3, SP, rs2, offDss); // c.fsdsp
      case 6: return sType(STORE, 2, SP, rs2, (bits(h, 12, 9) << 2) | (bits(h, 8, 7) << 6)); // c.swsp
      default: return sType(STORE, 3, SP, rs2, offDss); // c.sdsp (RV32: c.fswsp)
    }
  }
  return RVC_ILLEGAL; // low bits 11: a 32-bit (or longer) instruction, not a parcel
}

// Each parcel's expansion, filled on first use: building all 64K eagerly costs ~30 ms of cold
// code per worker at start-up (bench/rvc.ts), while a program touches a few thousand parcels.
// NOT_YET (low bits 01) is neither RVC_ILLEGAL nor any expansion (those end in 11).
const NOT_YET = 1;
const EXPANSION = new Int32Array(65536).fill(NOT_YET);

/** The 32-bit twin of the 16-bit parcel `half` (int32 bits), or RVC_ILLEGAL (0). */
export function expandCompressed(half: number): number {
  const h = half & 0xffff;
  const w = EXPANSION[h];
  return w !== NOT_YET ? w : (EXPANSION[h] = expandCompressedSlow(h));
}

/** True when a parcel's low two bits say it is a 16-bit instruction. */
export function isCompressed(half: number): boolean {
  return (half & 3) !== 3;
}

/** Bytes taken by the instruction whose first parcel is `half`: 2 (RVC) or 4 (RV64GC has no longer ones). */
export function instructionLength(half: number): 2 | 4 {
  return (half & 3) === 3 ? 4 : 2;
}

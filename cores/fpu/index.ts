// RISC-V F and D arithmetic, exact to the bit and the flag against the spec and qemu-riscv64.
//
// How the interpreter uses it
//   Registers: one FpRegs per hart (regs.ts): f.d (Float64Array 32), f.s (Float32Array 64: single i
//   is f.s[2*i]) and f.w (Int32Array 64: lo f.w[2*i], hi f.w[2*i+1]) over one buffer. The D ops read
//   f.d[rs] with no conversion; the F ops read f.s[2*rs] after checking the box (f.w[2*rs+1] === -1);
//   moves, loads, stores and sign injection use f.w. NaN results are written as canonical bits.
//     FLW  rd: f.w[2*rd] = word; f.w[2*rd+1] = -1        FSW: store f.w[2*rs] (box not checked)
//     FLD  rd: f.w[2*rd] = lo;   f.w[2*rd+1] = hi        FSD: store f.w[2*rs], f.w[2*rs+1]
//     FMV.W.X: f.w[2*rd] = xl[rs]; f.w[2*rd+1] = -1      FMV.X.W: xl = f.w[2*rs]; xh = xl >> 31
//     FMV.D.X / FMV.X.D: copy the (lo, hi) pair.
//   fcsr: the hart keeps frm (0..7) and fflags (5 bits) as plain ints; each op returns the flags it
//   raised (0 in the common exact case) and the hart does fflags |= flags. The rm field is resolved
//   first with effectiveRm(rm, frm): -1 (rm 5/6, or DYN with frm 5..7) is an illegal instruction,
//   else 0 RNE, 1 RTZ, 2 RDN, 3 RUP, 4 RMM is what the ops take.
//   Integer results (fcvt to W/WU/L/LU, feq/flt/fle) land in f.x as [lo, hi], already sign-extended
//   as RV64 writes them; fclass returns its mask. Nothing allocates on the common paths
//   (bench/fpu-alloc.ts checks); the BigInt slow path (exact.ts) only runs for double results near
//   overflow or underflow and for huge or cancelling operands that error-free transformations
//   cannot settle.
//
// Signatures (f: FpRegs; rd, rs1, rs2, rs3: register numbers; rm: 0..4; result: fflags raised)
//   faddD fsubD fmulD fdivD (f, rd, rs1, rs2, rm)   fsqrtD (f, rd, rs1, rm)        and the S twins
//   fmaD / fmaS (f, k, rd, rs1, rs2, rs3, rm)        k: 0 fmadd, 1 fmsub, 2 fnmsub, 3 fnmadd
//   fcmpD / fcmpS (f, op, rs1, rs2) -> flags, f.x    op: 0 feq, 1 flt, 2 fle
//   fminmaxD / fminmaxS (f, rd, rs1, rs2, max)       fclassD / fclassS (f, rs1) -> mask
//   fsgnjD / fsgnjS (f, rd, rs1, rs2, k): void       k: 0 fsgnj, 1 fsgnjn, 2 fsgnjx
//   fcvtIntD / fcvtIntS (f, kind, rs1, rm) -> flags, f.x     kind: 0 W, 1 WU, 2 L, 3 LU
//   fcvtDInt / fcvtSInt (f, rd, lo, hi, kind, rm)    the integer register's (lo, hi)
//   fcvtSD (f, rd, rs1, rm)    fcvtDS (f, rd, rs1)
export * from './flags.ts';
export * from './regs.ts';
export { faddD, fsubD, fmulD, fdivD, fsqrtD } from './f64.ts';
export { faddS, fsubS, fmulS, fdivS, fsqrtS } from './f32.ts';
export { fmaD, fmaS } from './fma.ts';
export { fcvtIntD, fcvtIntS, fcvtDInt, fcvtSInt, fcvtSD, fcvtDS, roundInt } from './convert.ts';
export { fcmpD, fcmpS, fminmaxD, fminmaxS, fclassD, fclassS, fsgnjD, fsgnjS } from './compare.ts';

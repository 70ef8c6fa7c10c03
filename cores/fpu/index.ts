// RISC-V F and D arithmetic, exact to the bit and the flag (see the files for how). The interpreter
// holds its FP registers in an FpRegs and calls these with register numbers and a resolved rounding
// mode (0 RNE, 1 RTZ, 2 RDN, 3 RUP, 4 RMM); each returns the fflags bits it raised.
export * from './flags.ts';
export * from './regs.ts';
export { faddD, fsubD, fmulD, fdivD, fsqrtD } from './f64.ts';
export { faddS, fsubS, fmulS, fdivS, fsqrtS } from './f32.ts';
export { fmaD, fmaS } from './fma.ts';
export { fcvtIntD, fcvtIntS, fcvtDInt, fcvtSInt, fcvtSD, fcvtDS, roundInt } from './convert.ts';
export { fcmpD, fcmpS, fminmaxD, fminmaxS, fclassD, fclassS, fsgnjD, fsgnjS } from './compare.ts';

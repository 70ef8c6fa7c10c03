// F-extension arithmetic: fadd.s, fsub.s, fmul.s, fdiv.s, fsqrt.s. Singles are computed in double,
// where the exact result X is known well enough to round once: a sum is h + e (TwoSum, exact), a
// product of two 24-bit significands is exact, a quotient or root is q with the sign of X - q from a
// remainder that is exact whenever it matters (q on the 25-bit grid, so q·b and q·q are exact).
// round32 then rounds X to a single in any mode with the right flags.
// Each op: (register file, rd, rs1, rs2, rm 0..4) -> fflags raised. Operands that are not properly
// NaN-boxed read as the canonical NaN; results are NaN-boxed.

import { T, roundS } from './round.ts';
import { U, rebox, unbox, type FpRegs } from './regs.ts';

const RDN = 2;
const NV = 16, DZ = 8, NX = 1;
const MIN32 = 1.1754943508222875e-38; // 2^-126

function nan(f: FpRegs, rd: number): void { f.w[2 * rd] = 0x7fc00000; f.w[2 * rd + 1] = -1; }
function snan(f: FpRegs, r: number): boolean {
  if (f.w[2 * r + 1] !== -1) return false;
  const b = f.w[2 * r];
  return (b & 0x7fc00000) === 0x7f800000 && (b & 0x003fffff) !== 0;
}
function nanOp(f: FpRegs, rd: number, rs1: number, rs2: number): number {
  const flags = snan(f, rs1) || snan(f, rs2) ? NV : 0;
  nan(f, rd);
  return flags;
}

function add(f: FpRegs, rd: number, rs1: number, rs2: number, neg: boolean, rm: number): number {
  if ((f.w[2 * rs1 + 1] & f.w[2 * rs2 + 1]) !== -1) {
    rebox(f, rs1, rs2, rs2); const fl = add(U, 0, 1, 2, neg, rm); unbox(f, rd); return fl;
  }
  const a = f.s[2 * rs1], b = neg ? -f.s[2 * rs2] : f.s[2 * rs2];
  const h = a + b;
  if (h - h !== 0) { // singles cannot overflow a double: NaN or infinite operands
    if (a !== a || b !== b) return nanOp(f, rd, rs1, rs2);
    if (h !== h) { nan(f, rd); return NV; }
    f.s[2 * rd] = h; f.w[2 * rd + 1] = -1; return 0;
  }
  const bb = h - a, e = (a - (h - bb)) + (b - bb);
  if (h === 0 && e === 0) { // exact zero: x - x is -0 in RDN
    f.s[2 * rd] = rm === RDN && !(1 / a > 0 && 1 / b > 0) ? -0 : h; f.w[2 * rd + 1] = -1; return 0;
  }
  if (rm === 0 && e === 0) { // the sum is exact in double: one fround is the whole rounding
    const r = Math.fround(h), ar = Math.abs(r);
    if (ar > MIN32 && ar !== Infinity) { f.s[2 * rd] = r; f.w[2 * rd + 1] = -1; return r === h ? 0 : NX; }
  }
  T[0] = h;
  return roundS(f, rd, e > 0 ? 1 : e < 0 ? -1 : 0, rm);
}

export function faddS(f: FpRegs, rd: number, rs1: number, rs2: number, rm: number): number { return add(f, rd, rs1, rs2, false, rm); }
export function fsubS(f: FpRegs, rd: number, rs1: number, rs2: number, rm: number): number { return add(f, rd, rs1, rs2, true, rm); }

export function fmulS(f: FpRegs, rd: number, rs1: number, rs2: number, rm: number): number {
  if ((f.w[2 * rs1 + 1] & f.w[2 * rs2 + 1]) !== -1) {
    rebox(f, rs1, rs2, rs2); const fl = fmulS(U, 0, 1, 2, rm); unbox(f, rd); return fl;
  }
  const a = f.s[2 * rs1], b = f.s[2 * rs2];
  const p = a * b; // exact: 48 significant bits, exponent within a double's range
  if (p !== p) {
    if (a !== a || b !== b) return nanOp(f, rd, rs1, rs2);
    nan(f, rd); return NV; // inf · 0
  }
  if (rm === 0) { // RNE of an exact product is one fround, away from the overflow and underflow edges
    const r = Math.fround(p), ar = Math.abs(r);
    if (ar > MIN32 && ar !== Infinity) { f.s[2 * rd] = r; f.w[2 * rd + 1] = -1; return r === p ? 0 : NX; }
  }
  T[0] = p;
  return roundS(f, rd, 0, rm);
}

export function fdivS(f: FpRegs, rd: number, rs1: number, rs2: number, rm: number): number {
  if ((f.w[2 * rs1 + 1] & f.w[2 * rs2 + 1]) !== -1) {
    rebox(f, rs1, rs2, rs2); const fl = fdivS(U, 0, 1, 2, rm); unbox(f, rd); return fl;
  }
  const a = f.s[2 * rs1], b = f.s[2 * rs2];
  const q = a / b;
  if (q - q !== 0 || q === 0) {
    if (a !== a || b !== b) return nanOp(f, rd, rs1, rs2);
    if (q !== q) { nan(f, rd); return NV; }
    f.s[2 * rd] = q; f.w[2 * rd + 1] = -1;
    return b === 0 && a - a === 0 ? DZ : 0; // finite / 0; inf / 0, 0 / x and x / inf are exact
  }
  // a - q·b is exact when q has at most 25 significant bits, the only case where round32 reads it.
  const rem = a - q * b;
  T[0] = q;
  return roundS(f, rd, rem === 0 ? 0 : (rem > 0) === (b > 0) ? 1 : -1, rm);
}

export function fsqrtS(f: FpRegs, rd: number, rs1: number, rm: number): number {
  if (f.w[2 * rs1 + 1] !== -1) { rebox(f, rs1, rs1, rs1); const fl = fsqrtS(U, 0, 1, rm); unbox(f, rd); return fl; }
  const a = f.s[2 * rs1];
  if (!(a > 0) || a === Infinity) {
    if (a !== a) return nanOp(f, rd, rs1, rs1);
    if (a < 0) { nan(f, rd); return NV; }
    f.s[2 * rd] = a; f.w[2 * rd + 1] = -1; return 0; // ±0, +inf
  }
  const r = Math.sqrt(a), rem = a - r * r; // exact when r has at most 25 significant bits
  T[0] = r;
  return roundS(f, rd, rem === 0 ? 0 : rem > 0 ? 1 : -1, rm);
}

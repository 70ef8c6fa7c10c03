// The ops that do not round: feq/flt/fle, fmin/fmax, fclass, fsgnj/fsgnjn/fsgnjx.
// feq is a quiet compare (NV only for a signalling NaN); flt and fle signal NV for any NaN.
// fmin/fmax are IEEE 754-2019 minimumNumber/maximumNumber (RISC-V F 2.2): -0 < +0, a NaN operand
// yields the other operand, two NaNs the canonical NaN, and a signalling NaN sets NV.
// Compare results land in f.x[0] (f.x[1] = 0); fclass returns its 10-bit mask.
// Sign injection works on bits, so it never looks inside a NaN (a single's unboxed input reads as
// the canonical NaN first).

import { U, rebox, unbox, unboxX, type FpRegs } from './regs.ts';

const NV = 16;

function sn64(w: Int32Array, r: number): boolean {
  const h = w[2 * r + 1];
  return (h & 0x7ff80000) === 0x7ff00000 && ((h & 0x0007ffff) | w[2 * r]) !== 0;
}
function sn32(w: Int32Array, r: number): boolean {
  if (w[2 * r + 1] !== -1) return false;
  const b = w[2 * r];
  return (b & 0x7fc00000) === 0x7f800000 && (b & 0x003fffff) !== 0;
}

// op: 0 feq, 1 flt, 2 fle. (Written out per format: a helper taking doubles would box them.)
export function fcmpD(f: FpRegs, op: number, rs1: number, rs2: number): number {
  const a = f.d[rs1], b = f.d[rs2];
  f.x[1] = 0;
  if (a !== a || b !== b) { f.x[0] = 0; return op !== 0 || sn64(f.w, rs1) || sn64(f.w, rs2) ? NV : 0; }
  f.x[0] = op === 0 ? +(a === b) : op === 1 ? +(a < b) : +(a <= b);
  return 0;
}
export function fcmpS(f: FpRegs, op: number, rs1: number, rs2: number): number {
  if ((f.w[2 * rs1 + 1] & f.w[2 * rs2 + 1]) !== -1) { rebox(f, rs1, rs2, rs2); const fl = fcmpS(U, op, 1, 2); unboxX(f); return fl; }
  const a = f.s[2 * rs1], b = f.s[2 * rs2];
  f.x[1] = 0;
  if (a !== a || b !== b) { f.x[0] = 0; return op !== 0 || sn32(f.w, rs1) || sn32(f.w, rs2) ? NV : 0; }
  f.x[0] = op === 0 ? +(a === b) : op === 1 ? +(a < b) : +(a <= b);
  return 0;
}

/** fmin.d (max false) / fmax.d (max true). */
export function fminmaxD(f: FpRegs, rd: number, rs1: number, rs2: number, max: boolean): number {
  const a = f.d[rs1], b = f.d[rs2], w = f.w;
  const flags = (a !== a || b !== b) && (sn64(w, rs1) || sn64(w, rs2)) ? NV : 0;
  // Operand picked: 1 or 2, or 0 for the canonical NaN; equal values are ±0 (min takes -0, max +0).
  const k = a !== a ? (b !== b ? 0 : 2) : b !== b ? 1 : a === b ? ((1 / a < 0) === max ? 2 : 1) : (a < b) === max ? 2 : 1;
  if (k === 0) { w[2 * rd] = 0; w[2 * rd + 1] = 0x7ff80000; }
  else { const r = k === 1 ? rs1 : rs2; w[2 * rd] = w[2 * r]; w[2 * rd + 1] = w[2 * r + 1]; }
  return flags;
}
export function fminmaxS(f: FpRegs, rd: number, rs1: number, rs2: number, max: boolean): number {
  if ((f.w[2 * rs1 + 1] & f.w[2 * rs2 + 1]) !== -1) { rebox(f, rs1, rs2, rs2); const fl = fminmaxS(U, 0, 1, 2, max); unbox(f, rd); return fl; }
  const a = f.s[2 * rs1], b = f.s[2 * rs2], w = f.w;
  const flags = (a !== a || b !== b) && (sn32(w, rs1) || sn32(w, rs2)) ? NV : 0;
  const k = a !== a ? (b !== b ? 0 : 2) : b !== b ? 1 : a === b ? ((1 / a < 0) === max ? 2 : 1) : (a < b) === max ? 2 : 1;
  w[2 * rd] = k === 0 ? 0x7fc00000 : w[2 * (k === 1 ? rs1 : rs2)];
  w[2 * rd + 1] = -1;
  return flags;
}

function classify(neg: boolean, expAllOnes: boolean, expZero: boolean, fracZero: boolean, quiet: boolean): number {
  if (expAllOnes) return fracZero ? (neg ? 1 << 0 : 1 << 7) : quiet ? 1 << 9 : 1 << 8;
  if (expZero) return fracZero ? (neg ? 1 << 3 : 1 << 4) : (neg ? 1 << 2 : 1 << 5);
  return neg ? 1 << 1 : 1 << 6;
}
export function fclassD(f: FpRegs, rs1: number): number {
  const h = f.w[2 * rs1 + 1], e = h & 0x7ff00000;
  return classify(h < 0, e === 0x7ff00000, e === 0, ((h & 0xfffff) | f.w[2 * rs1]) === 0, (h & 0x80000) !== 0);
}
export function fclassS(f: FpRegs, rs1: number): number {
  const b = f.w[2 * rs1 + 1] === -1 ? f.w[2 * rs1] : 0x7fc00000, e = b & 0x7f800000;
  return classify(b < 0, e === 0x7f800000, e === 0, (b & 0x7fffff) === 0, (b & 0x400000) !== 0);
}

// k: 0 fsgnj (sign of rs2), 1 fsgnjn (its opposite), 2 fsgnjx (xor of both signs).
function inject(x: number, y: number, k: number): number {
  const s = k === 0 ? y : k === 1 ? ~y : x ^ y;
  return (x & 0x7fffffff) | (s & 0x80000000);
}
export function fsgnjD(f: FpRegs, rd: number, rs1: number, rs2: number, k: number): void {
  const w = f.w;
  w[2 * rd + 1] = inject(w[2 * rs1 + 1], w[2 * rs2 + 1], k);
  w[2 * rd] = w[2 * rs1];
}
export function fsgnjS(f: FpRegs, rd: number, rs1: number, rs2: number, k: number): void {
  const w = f.w;
  const x = w[2 * rs1 + 1] === -1 ? w[2 * rs1] : 0x7fc00000, y = w[2 * rs2 + 1] === -1 ? w[2 * rs2] : 0x7fc00000;
  w[2 * rd] = inject(x, y, k);
  w[2 * rd + 1] = -1;
}

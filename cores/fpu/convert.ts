// fcvt between the integer widths (W, WU, L, LU; 64-bit values as [lo, hi] int32 pairs) and the
// two formats, and between the formats. Float -> int rounds in the mode, then saturates as the
// RISC-V F spec's table says: NaN and too-large values give the largest integer, too-small the
// smallest, with NV (and no NX); an in-range inexact result sets NX. 32-bit results are
// sign-extended to 64 bits (WU included). Int -> float: hi·2^32 + lo as a TwoSum d + e, exact, then
// one rounding. Integer results land in f.x as [lo, hi].

import { T, fixD, roundS } from './round.ts';
import { U, rebox, unboxX, type FpRegs } from './regs.ts';

const RNE = 0, RTZ = 1, RDN = 2, RUP = 3;
const NV = 16, NX = 1;
const TWO32 = 4294967296, TWO52 = 4503599627370496, TWO63 = 9223372036854775808, TWO64 = 18446744073709551616;

/** The integer nearest v (finite) in mode rm, as a double (-0 comes back as 0). */
export function roundInt(v: number, rm: number): number {
  T[1] = v;
  roundIntT(rm);
  return T[1];
}

// roundInt on T[1], in place (no double crosses a call on the conversion path).
function roundIntT(rm: number): void {
  const v = T[1], a = Math.abs(v);
  if (a >= TWO52) return;
  let r: number;
  switch (rm) {
    case RTZ: r = Math.trunc(v); break;
    case RDN: r = Math.floor(v); break;
    case RUP: r = Math.ceil(v); break;
    case RNE: {
      const fl = Math.floor(a), diff = a - fl;
      const m = diff > 0.5 || (diff === 0.5 && fl % 2 === 1) ? fl + 1 : fl;
      r = v < 0 ? -m : m; break;
    }
    default: { const fl = Math.floor(a), m = a - fl >= 0.5 ? fl + 1 : fl; r = v < 0 ? -m : m; }
  }
  T[1] = r + 0; // -0 -> 0
}

// kind: 0 W, 1 WU, 2 L, 3 LU.
const LO = [-2147483648, 0, -TWO63, 0], HI = [2147483647, 4294967295, TWO63, TWO64]; // HI exclusive for L/LU
function saturate(f: FpRegs, kind: number, high: boolean): number {
  const x = f.x;
  switch (kind) {
    case 0: x[0] = high ? 0x7fffffff : 0x80000000; x[1] = high ? 0 : -1; break;
    case 1: x[0] = high ? -1 : 0; x[1] = high ? -1 : 0; break;
    case 2: x[0] = high ? -1 : 0; x[1] = high ? 0x7fffffff : 0x80000000; break;
    default: x[0] = high ? -1 : 0; x[1] = high ? -1 : 0;
  }
  return NV;
}

/** Convert T[0] (a double holding the operand's exact value; NaN for any NaN) to integer kind. */
function toInt(f: FpRegs, kind: number, rm: number): number {
  const v = T[0];
  if (v !== v) return saturate(f, kind, true);
  if (v - v !== 0) return saturate(f, kind, v > 0);
  T[1] = v;
  roundIntT(rm);
  const r = T[1];
  if (kind < 2 ? r < LO[kind] || r > HI[kind] : r < LO[kind] || r >= HI[kind]) return saturate(f, kind, r > 0);
  const x = f.x;
  if (kind < 2) { x[0] = r; x[1] = x[0] >> 31; }
  else { const h = Math.floor(r / TWO32); x[1] = h; x[0] = r - h * TWO32; }
  return r === v ? 0 : NX;
}

export function fcvtIntD(f: FpRegs, kind: number, rs1: number, rm: number): number {
  T[0] = f.d[rs1];
  return toInt(f, kind, rm);
}
export function fcvtIntS(f: FpRegs, kind: number, rs1: number, rm: number): number {
  if (f.w[2 * rs1 + 1] !== -1) { rebox(f, rs1, rs1, rs1); const fl = fcvtIntS(U, kind, 1, rm); unboxX(f); return fl; }
  T[0] = f.s[2 * rs1];
  return toInt(f, kind, rm);
}

// Integer operand (lo, hi) of kind as an exact sum T[0] + T[1] of doubles.
function intSum(lo: number, hi: number, kind: number): void {
  switch (kind) {
    case 0: T[0] = lo | 0; T[1] = 0; return;
    case 1: T[0] = lo >>> 0; T[1] = 0; return;
    default: {
      const H = (kind === 2 ? hi | 0 : hi >>> 0) * TWO32, L = lo >>> 0, d = H + L, z = d - H;
      T[0] = d; T[1] = (H - (d - z)) + (L - z);
    }
  }
}

/** fcvt.d.{w,wu,l,lu}: register rd gets the integer (lo, hi) of kind, rounded. */
export function fcvtDInt(f: FpRegs, rd: number, lo: number, hi: number, kind: number, rm: number): number {
  intSum(lo, hi, kind);
  const d = T[0], e = T[1];
  f.d[rd] = d;
  if (e === 0) return 0;
  if (rm === RNE) return NX;
  const sg = e > 0 ? 1 : -1, n = d + sg * Math.abs(d) * 1.1102230246251568e-16; // succ64/pred64
  return fixD(f, rd, sg, n - d === 2 * e, rm);
}

/** fcvt.s.{w,wu,l,lu}. */
export function fcvtSInt(f: FpRegs, rd: number, lo: number, hi: number, kind: number, rm: number): number {
  intSum(lo, hi, kind);
  const e = T[1];
  return roundS(f, rd, e > 0 ? 1 : e < 0 ? -1 : 0, rm);
}

/** fcvt.s.d: round a double to a single; NaN -> canonical (NV if signalling). */
export function fcvtSD(f: FpRegs, rd: number, rs1: number, rm: number): number {
  const v = f.d[rs1];
  if (v !== v) {
    const h = f.w[2 * rs1 + 1];
    const sig = (h & 0x7ff80000) === 0x7ff00000;
    f.w[2 * rd] = 0x7fc00000; f.w[2 * rd + 1] = -1;
    return sig ? NV : 0;
  }
  T[0] = v;
  return roundS(f, rd, 0, rm);
}

/** fcvt.d.s: exact; NaN -> canonical (NV if signalling). */
export function fcvtDS(f: FpRegs, rd: number, rs1: number): number {
  if (f.w[2 * rs1 + 1] !== -1) { f.w[2 * rd] = 0; f.w[2 * rd + 1] = 0x7ff80000; return 0; }
  const b = f.w[2 * rs1];
  if ((b & 0x7f800000) === 0x7f800000 && (b & 0x007fffff) !== 0) {
    f.w[2 * rd] = 0; f.w[2 * rd + 1] = 0x7ff80000;
    return (b & 0x00400000) === 0 ? NV : 0;
  }
  f.d[rd] = f.s[2 * rs1];
  return 0;
}

void RUP; void RDN;

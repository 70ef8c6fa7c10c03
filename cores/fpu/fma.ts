// Fused multiply-add, one rounding: fmadd (a·b + c), fmsub (a·b - c), fnmsub (-(a·b) + c),
// fnmadd (-(a·b) - c), for doubles and singles.
// Doubles: X = a·b + c is carried exactly as h + m + l by error-free transformations (TwoProduct,
// then TwoSums), with h the nearest double to the sum so far and |m| at most half a gap of h; the
// signs of m and l and whether |m| is exactly half a gap are what fixD needs. When that shape does
// not hold (heavy cancellation, tiny or huge values), the BigInt slow path rounds the exact value.
// Singles: a·b is exact in double and TwoSum makes a·b + c = d + e exactly; round32 rounds once.
// The op number k selects the variant: 0 fmadd, 1 fmsub, 2 fnmsub, 3 fnmadd.

import { T, fixD, roundS } from './round.ts';
import { fmaSlow, rx } from './exact.ts';
import { U, rebox, unbox, type FpRegs } from './regs.ts';

const RDN = 2;
const NV = 16, NX = 1;
const SPLIT = 134217729;
const BIG = 2 ** 995, SMALL = 2 ** -960, HUGE = 2 ** 1020;

// Cases with a NaN or infinite operand, shared by both formats. Returns flags; sets nanOut when the
// result is the canonical NaN, else leaves the (infinite) result in sv.
let nanOut = false, sv = 0;
function special(a: number, b: number, c: number, sa: boolean, sb: boolean, sc: boolean): number {
  const aInf = a === Infinity || a === -Infinity, bInf = b === Infinity || b === -Infinity;
  // inf · 0 is invalid even when c is a quiet NaN (RISC-V F: "...even when the addend is a quiet NaN").
  const infZero = (aInf && b === 0) || (bInf && a === 0);
  nanOut = true;
  if (a !== a || b !== b || c !== c) return sa || sb || sc || infZero ? NV : 0;
  if (infZero) return NV;
  if (aInf || bInf) {
    const pv = a * b;
    if (c === -pv) return NV; // inf - inf
    nanOut = false; sv = pv; return 0;
  }
  nanOut = false; sv = c; return 0; // c infinite, a·b finite
}

function snan64(f: FpRegs, r: number): boolean {
  const h = f.w[2 * r + 1];
  return (h & 0x7ff80000) === 0x7ff00000 && ((h & 0x0007ffff) | f.w[2 * r]) !== 0;
}

function zeroSum(pNeg: boolean, cNeg: boolean, rm: number): number {
  return pNeg && cNeg ? -0 : pNeg !== cNeg && rm === RDN ? -0 : 0;
}

/** Double FMA variant k: (register file, rd, rs1, rs2, rs3, rm) -> fflags. */
export function fmaD(f: FpRegs, k: number, rd: number, rs1: number, rs2: number, rs3: number, rm: number): number {
  let a = f.d[rs1];
  const b = f.d[rs2];
  let c = f.d[rs3];
  if (k >= 2) a = -a;
  if (k === 1 || k === 3) c = -c;
  const p = a * b, ap = Math.abs(p);
  if (ap < HUGE && ap > SMALL && Math.abs(a) < BIG && Math.abs(b) < BIG && Math.abs(c) < HUGE) {
    let t0 = SPLIT * a; const ah = t0 - (t0 - a), al = a - ah;
    t0 = SPLIT * b; const bh = t0 - (t0 - b), bl = b - bh;
    const pe = ((ah * bh - p) + ah * bl + al * bh) + al * bl; // a·b = p + pe
    const s = c + p; let z = s - c;
    const se = (c - (s - z)) + (p - z); // c + p = s + se
    const t = se + pe; z = t - se;
    const te = (se - (t - z)) + (pe - z); // X = s + t + te
    const h = s + t; z = h - s;
    const m = (s - (h - z)) + (t - z); // X = h + m + te
    const m2 = m + te; z = m2 - m;
    const l = (m - (m2 - z)) + (te - z); // X = h + m2 + l, |l| <= ulp(m2)/2
    const ah2 = Math.abs(h);
    if (ah2 < HUGE && ah2 > SMALL) {
      if (m2 === 0) { f.d[rd] = h; return 0; }
      if (rm === 0 && m === m2 && l === 0 && te === 0) { f.d[rd] = h; return NX; } // h = RN(s + t) = RN(X)
      let sg = m2 > 0 ? 1 : -1;
      const n = h + sg * ah2 * 1.1102230246251568e-16, hg = (n - h) * 0.5; // neighbour toward sg (succ64/pred64)
      let base = h, tie = false;
      if (m2 === hg) {
        if (l === 0) tie = true;
        else if ((l > 0) === (sg > 0)) { base = n; sg = -sg; } // past the midpoint: n is nearest
      } else if (Math.abs(m2) > Math.abs(hg)) {
        return slowFma(f, rd, a, b, c, rm);
      }
      f.d[rd] = base;
      return fixD(f, rd, sg, tie, rm);
    }
    if (h === 0 && m2 === 0) { f.d[rd] = rm === RDN ? -0 : 0; return 0; } // exact cancellation
    return slowFma(f, rd, a, b, c, rm);
  }
  if (a - a !== 0 || b - b !== 0 || c - c !== 0) {
    const flags = special(a, b, c, snan64(f, rs1), snan64(f, rs2), snan64(f, rs3));
    if (nanOut) { f.w[2 * rd] = 0; f.w[2 * rd + 1] = 0x7ff80000; } else f.d[rd] = sv;
    return flags;
  }
  if (a === 0 || b === 0) { // exact ±0 product
    f.d[rd] = c === 0 ? zeroSum(1 / p < 0, 1 / c < 0, rm) : c;
    return 0;
  }
  return slowFma(f, rd, a, b, c, rm);
}

function slowFma(f: FpRegs, rd: number, a: number, b: number, c: number, rm: number): number {
  const flags = fmaSlow(a, b, c, rm);
  f.d[rd] = rx;
  return flags;
}

function snan32(f: FpRegs, r: number): boolean {
  if (f.w[2 * r + 1] !== -1) return false;
  const x = f.w[2 * r];
  return (x & 0x7fc00000) === 0x7f800000 && (x & 0x003fffff) !== 0;
}

/** Single FMA variant k: (register file, rd, rs1, rs2, rs3, rm) -> fflags. */
export function fmaS(f: FpRegs, k: number, rd: number, rs1: number, rs2: number, rs3: number, rm: number): number {
  if ((f.w[2 * rs1 + 1] & f.w[2 * rs2 + 1] & f.w[2 * rs3 + 1]) !== -1) {
    rebox(f, rs1, rs2, rs3); const fl = fmaS(U, k, 0, 1, 2, 3, rm); unbox(f, rd); return fl;
  }
  let a = f.s[2 * rs1];
  const b = f.s[2 * rs2];
  let c = f.s[2 * rs3];
  if (k >= 2) a = -a;
  if (k === 1 || k === 3) c = -c;
  const p = a * b; // exact
  const d = p + c;
  if (d - d !== 0) {
    const flags = special(a, b, c, snan32(f, rs1), snan32(f, rs2), snan32(f, rs3));
    if (nanOut) { f.w[2 * rd] = 0x7fc00000; f.w[2 * rd + 1] = -1; return flags; }
    f.s[2 * rd] = sv; f.w[2 * rd + 1] = -1; return flags;
  }
  const z = d - c, e = (c - (d - z)) + (p - z); // p + c = d + e
  if (d === 0 && e === 0) {
    f.s[2 * rd] = p === 0 && c === 0 ? zeroSum(1 / p < 0, 1 / c < 0, rm) : rm === RDN ? -0 : 0;
    f.w[2 * rd + 1] = -1;
    return 0;
  }
  if (rm === 0 && e === 0) { // a·b + c exact in double: one fround is the whole rounding
    const r = Math.fround(d), ar = Math.abs(r);
    if (ar > 1.1754943508222875e-38 && ar !== Infinity) { f.s[2 * rd] = r; f.w[2 * rd + 1] = -1; return r === d ? 0 : NX; }
  }
  T[0] = d;
  return roundS(f, rd, e > 0 ? 1 : e < 0 ? -1 : 0, rm);
}

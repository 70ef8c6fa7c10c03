// Final rounding for the fast paths. An op computes h, the double nearest its exact result X, and
// enough about the rest X - h (its sign, whether it is exactly half a gap) from error-free
// transformations; these functions turn that into the result of each rounding mode.

import type { FpRegs } from './regs.ts';

const RNE = 0, RTZ = 1, RDN = 2, RUP = 3;
const NX = 1, OF = 4, UF = 2;

// Successor and predecessor of a double with |x| >= 2^-969 (Rump, Zimmermann, Boldo, Melquiond:
// x ± |x|·(2^-53 + 2^-105) rounds to the neighbour in round-to-nearest). succ(MAX) is +Infinity.
const PHI = 1.1102230246251568e-16; // 2^-53 + 2^-105
export function succ64(x: number): number { return x + Math.abs(x) * PHI; }
export function pred64(x: number): number { return x - Math.abs(x) * PHI; }

/** Scratch for passing a double between the ops and the rounding helpers without boxing it. */
export const T = new Float64Array(2);

/**
 * Round X = h + r, h = f.d[rd], where r != 0 has sign sg (±1), |r| <= half the gap from h toward sg,
 * and tie says |r| is exactly that half; h is in the fast-path range (2^-960 <= |h| < 2^1023).
 * Writes the rounded double back to f.d[rd]; returns NX, or OF | NX when the mode steps past the
 * largest finite double.
 */
export function fixD(f: FpRegs, rd: number, sg: number, tie: boolean, rm: number): number {
  const h = f.d[rd];
  let r = h;
  switch (rm) {
    // n: h's neighbour toward sg (the succ64/pred64 formula, written out so no double crosses a call)
    case RNE:
      if (tie) { const n = h + sg * Math.abs(h) * PHI; r = h + (n - h) * 0.5; } // the hardware picks the even one
      break;
    case RTZ: if ((sg > 0) !== (h > 0)) r = h + sg * Math.abs(h) * PHI; break;
    case RDN: if (sg < 0) r = h - Math.abs(h) * PHI; break;
    case RUP: if (sg > 0) r = h + Math.abs(h) * PHI; break;
    default: /* RMM */ if (tie && (sg > 0) === (h > 0)) r = h + sg * Math.abs(h) * PHI;
  }
  f.d[rd] = r;
  return r - r !== 0 ? OF | NX : NX;
}

// ---------------------------------------------------------------- singles

const s32 = new Float32Array(1), i32 = new Int32Array(s32.buffer);
const TWO128 = 3.402823669209385e38; // 2^128
const MIN32 = 1.1754943508222875e-38; // 2^-126
const TWO64 = 18446744073709551616;

function next32(m: number): number { // m >= 0 on the single grid; MAX -> 2^128
  s32[0] = m; i32[0] = i32[0] + 1;
  const r = s32[0];
  return r === Infinity ? TWO128 : r;
}
function prev32(m: number): number { s32[0] = m; i32[0] = i32[0] - 1; return s32[0]; }
function odd32(m: number): boolean { s32[0] = m; return (i32[0] & 1) !== 0; }

// Magnitude of X = ad + δ (ad = T[1] > 0, sign(δ) = sg, |δ| tiny) rounded to the single grid
// (subnormals included, no overflow handling: may give 2^128) for a value of sign neg; into T[1].
function pick32(sg: number, neg: boolean, rm: number): void {
  const ad = T[1], r = Math.fround(ad);
  let lo: number;
  if (r === ad) lo = sg < 0 ? prev32(ad) : ad;
  else if (r === Infinity) lo = 3.4028234663852886e38;
  else lo = r > ad ? prev32(r) : r;
  if (lo === ad && sg === 0) return;
  const hi = next32(lo), mid = (lo + hi) * 0.5;
  const cmp = ad < mid ? -1 : ad > mid ? 1 : sg;
  let up: boolean;
  switch (rm) {
    case RNE: up = cmp > 0 || (cmp === 0 && odd32(lo)); break;
    case RTZ: up = false; break;
    case RDN: up = neg; break;
    case RUP: up = !neg; break;
    default: up = cmp >= 0;
  }
  T[1] = up ? hi : lo;
}

/**
 * Round X = d + δ, d = T[0], to a single in mode rm, write it NaN-boxed to register rd and return
 * the flags. sg is the sign of δ (0 when X = d); |δ| < ulp(d)/2, and sg only has to be right when d
 * lies on the single grid or halfway between two of its points (callers compute it exactly then).
 */
export function roundS(f: FpRegs, rd: number, sg: number, rm: number): number {
  const d = T[0], r = Math.fround(d);
  f.w[2 * rd + 1] = -1;
  if (r === d && sg === 0) { f.s[2 * rd] = r; return 0; }
  const ad = Math.abs(r);
  if (rm === RNE && ad > MIN32 && ad !== Infinity) {
    // fround(d) is the nearest single to X unless d sits exactly halfway between two singles and
    // δ decides (double rounding): only a d of at most 25 significant bits can (Veltkamp split).
    if (r === d || sg === 0) { f.s[2 * rd] = r; return NX; }
    const c = d * 268435457;
    if (c - (c - d) !== d) { f.s[2 * rd] = r; return NX; }
  }
  return round32slow(f, rd, sg, rm);
}

function round32slow(f: FpRegs, rd: number, sg: number, rm: number): number {
  const d = T[0], neg = d < 0, ad = Math.abs(d), sgm = neg ? -sg : sg;
  if (ad > TWO128 || (ad === TWO128 && sgm >= 0)) {
    // Overflows in every mode: the unbounded rounding is at least 2^128.
    f.s[2 * rd] = rm === RTZ || (rm === RDN && !neg) || (rm === RUP && neg) ? (neg ? -3.4028234663852886e38 : 3.4028234663852886e38) : (neg ? -Infinity : Infinity);
    return OF | NX;
  }
  T[1] = ad;
  pick32(sgm, neg, rm);
  const m = T[1];
  if (m === ad && sgm === 0) { f.s[2 * rd] = d; return 0; }
  let flags = NX;
  if (m === TWO128) { f.s[2 * rd] = neg ? -Infinity : Infinity; return OF | NX; }
  if (m < MIN32) flags |= UF;
  else if (m === MIN32 && (ad < MIN32 || (ad === MIN32 && sgm < 0))) {
    // Tininess after rounding: round again with the exponent range unbounded (scaled up, exact).
    T[1] = ad * TWO64;
    pick32(sgm, neg, rm);
    if (T[1] < MIN32 * TWO64) flags |= UF;
  }
  f.s[2 * rd] = neg ? -m : m;
  return flags;
}

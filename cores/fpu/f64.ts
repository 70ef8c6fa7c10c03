// D-extension arithmetic: fadd.d, fsub.d, fmul.d, fdiv.d, fsqrt.d. The host computes the
// round-to-nearest-even result h; an error-free transformation gives the exact rest X - h
// (TwoSum for add, Dekker's TwoProduct for mul, the remainder a - q·b for div and a - r·r for sqrt),
// which yields NX and, through fixD, the directed modes. Outside the range where those are exact
// (huge operands, overflow, tiny results) the BigInt slow path in exact.ts takes over.
// Each op: (register file, rd, rs1, rs2, rm 0..4) -> fflags raised.

import { fixD } from './round.ts';
import { addSlow, divSlow, mulSlow, rx, sqrtSlow } from './exact.ts';
import type { FpRegs } from './regs.ts';

const RDN = 2;
const NV = 16, DZ = 8, NX = 1;
const SPLIT = 134217729; // 2^27 + 1
const BIG = 2 ** 995, SMALL = 2 ** -960, HUGE = 2 ** 1020, TOP = 2 ** 1022;

function nan(f: FpRegs, rd: number): void { f.w[2 * rd] = 0; f.w[2 * rd + 1] = 0x7ff80000; }
function snan(f: FpRegs, r: number): boolean {
  const h = f.w[2 * r + 1];
  return (h & 0x7ff80000) === 0x7ff00000 && ((h & 0x0007ffff) | f.w[2 * r]) !== 0;
}
// NaN result of an op with a NaN operand: canonical, NV if either is signalling.
function nanOp(f: FpRegs, rd: number, rs1: number, rs2: number): number {
  const flags = snan(f, rs1) || snan(f, rs2) ? NV : 0;
  nan(f, rd);
  return flags;
}

function slow(f: FpRegs, rd: number, flags: number): number { f.d[rd] = rx; return flags; }

// fadd.d (neg false) and fsub.d (neg true).
function add(f: FpRegs, rd: number, rs1: number, rs2: number, neg: boolean, rm: number): number {
  const a = f.d[rs1], b = neg ? -f.d[rs2] : f.d[rs2];
  const h = a + b;
  if (h - h !== 0) { // NaN or infinite
    if (a !== a || b !== b) return nanOp(f, rd, rs1, rs2);
    if (a - a !== 0 || b - b !== 0) { // an infinite operand: inf - inf is invalid
      if (h !== h) { nan(f, rd); return NV; }
      f.d[rd] = h; return 0;
    }
    return slow(f, rd, addSlow(a, b, rm)); // overflow: the result depends on the mode
  }
  // TwoSum (a + b = h + e exactly) may overflow inside when |a| or |h| nears the top binade.
  if (Math.abs(a) >= TOP || Math.abs(h) >= TOP) return slow(f, rd, addSlow(a, b, rm));
  const bb = h - a, e = (a - (h - bb)) + (b - bb);
  if (e === 0) {
    f.d[rd] = h === 0 && rm === RDN && !(1 / a > 0 && 1 / b > 0) ? -0 : h; // x - x is -0 in RDN
    return 0;
  }
  f.d[rd] = h;
  if (rm === 0) return NX;
  if (Math.abs(h) < SMALL) return slow(f, rd, addSlow(a, b, rm)); // an inexact sum is >= 2^-1021: rare
  const sg = e > 0 ? 1 : -1;
  const n = sg > 0 ? h + Math.abs(h) * 1.1102230246251568e-16 : h - Math.abs(h) * 1.1102230246251568e-16;
  return fixD(f, rd, sg, n - h === 2 * e, rm);
}

export function faddD(f: FpRegs, rd: number, rs1: number, rs2: number, rm: number): number {
  return add(f, rd, rs1, rs2, false, rm);
}
export function fsubD(f: FpRegs, rd: number, rs1: number, rs2: number, rm: number): number {
  return add(f, rd, rs1, rs2, true, rm);
}

export function fmulD(f: FpRegs, rd: number, rs1: number, rs2: number, rm: number): number {
  const a = f.d[rs1], b = f.d[rs2], p = a * b, ap = Math.abs(p);
  if (ap < HUGE && ap > SMALL && Math.abs(a) < BIG && Math.abs(b) < BIG) {
    // Dekker's TwoProduct with Veltkamp splits: a·b = p + e exactly.
    let c = SPLIT * a; const ah = c - (c - a), al = a - ah;
    c = SPLIT * b; const bh = c - (c - b), bl = b - bh;
    const e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    f.d[rd] = p;
    if (e === 0) return 0;
    if (rm === 0) return NX;
    const sg = e > 0 ? 1 : -1;
    const n = sg > 0 ? p + ap * 1.1102230246251568e-16 : p - ap * 1.1102230246251568e-16;
    return fixD(f, rd, sg, n - p === 2 * e, rm);
  }
  if (a !== a || b !== b) return nanOp(f, rd, rs1, rs2);
  if (a - a !== 0 || b - b !== 0) { // an infinite operand: inf · 0 is invalid
    if (p !== p) { nan(f, rd); return NV; }
    f.d[rd] = p; return 0;
  }
  if (a === 0 || b === 0) { f.d[rd] = p; return 0; }
  return slow(f, rd, mulSlow(a, b, rm));
}

export function fdivD(f: FpRegs, rd: number, rs1: number, rs2: number, rm: number): number {
  const a = f.d[rs1], b = f.d[rs2], q = a / b, aq = Math.abs(q), aa = Math.abs(a), ab = Math.abs(b);
  if (aq < BIG && aq > SMALL && aa < BIG && aa > SMALL && ab < BIG && ab > SMALL) {
    // The remainder a - q·b is a double (q is a nearest quotient); its sign says where a/b lies.
    let c = SPLIT * q; const qh = c - (c - q), ql = q - qh;
    c = SPLIT * b; const bh = c - (c - b), bl = b - bh;
    const p = q * b, pe = ((qh * bh - p) + qh * bl + ql * bh) + ql * bl;
    const rem = (a - p) - pe;
    f.d[rd] = q;
    if (rem === 0) return 0;
    if (rm === 0) return NX; // a quotient is never a tie
    return fixD(f, rd, (rem > 0) === (b > 0) ? 1 : -1, false, rm);
  }
  if (a !== a || b !== b) return nanOp(f, rd, rs1, rs2);
  if (q !== q) { nan(f, rd); return NV; } // 0/0, inf/inf
  if (b === 0) { f.d[rd] = q; return a - a === 0 ? DZ : 0; } // finite/0 divides by zero; inf/0 is exact
  if (a - a !== 0 || b - b !== 0 || a === 0) { f.d[rd] = q; return 0; } // inf/x, x/inf, 0/x: exact
  return slow(f, rd, divSlow(a, b, rm));
}

export function fsqrtD(f: FpRegs, rd: number, rs1: number, rm: number): number {
  const a = f.d[rs1];
  if (a < BIG && a > SMALL) {
    const r = Math.sqrt(a);
    const c = SPLIT * r, rh = c - (c - r), rl = r - rh;
    const p = r * r, pe = ((rh * rh - p) + 2 * rh * rl) + rl * rl;
    const rem = (a - p) - pe;
    f.d[rd] = r;
    if (rem === 0) return 0;
    if (rm === 0) return NX;
    return fixD(f, rd, rem > 0 ? 1 : -1, false, rm); // a root is never a tie
  }
  if (a !== a) return nanOp(f, rd, rs1, rs1);
  if (a < 0) { nan(f, rd); return NV; } // -0 is not below zero: sqrt(-0) = -0
  if (a === 0 || a === Infinity) { f.d[rd] = a; return 0; }
  return slow(f, rd, sqrtSlow(a, rm));
}

// The FP register file: 32 registers of 64 bits in one buffer, seen three ways so that each op reads
// its operands in the form it computes with and nothing is converted through a scratch word:
//   d[i]      register i as a double               (the D ops read and write this)
//   s[2*i]    the low 32 bits of register i as a single (the F ops, after checking the box)
//   w[2*i]    low 32 bits, w[2*i+1] high 32 bits   (moves, sign injection, NaN tests, loads/stores)
// A single is NaN-boxed: w[2*i+1] === -1. An improperly boxed single reads as the canonical NaN.
// Results that are NaN are always written through w (canonical bits), never as a double, so no
// engine NaN canonicalisation can change what the guest sees.
// Integer results of conversions, compares and fclass land in x ([lo, hi]), like cores/alu64.ts res.

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) throw new Error('smpemu: FP register views need a little-endian host');

export class FpRegs {
  readonly buf = new ArrayBuffer(32 * 8);
  readonly d = new Float64Array(this.buf);
  readonly s = new Float32Array(this.buf);
  readonly w = new Int32Array(this.buf);
  /** Integer result of the last fcvt-to-int / compare / fclass: [lo, hi]. */
  readonly x = new Int32Array(2);
}

/** Write a single to register i, NaN-boxed. v must not be NaN (write canonical NaN with setNaN32). */
export function setS(f: FpRegs, i: number, v: number): void {
  f.s[2 * i] = v;
  f.w[2 * i + 1] = -1;
}

export function setNaN32(f: FpRegs, i: number): void {
  f.w[2 * i] = 0x7fc00000;
  f.w[2 * i + 1] = -1;
}

export function setNaN64(f: FpRegs, i: number): void {
  f.w[2 * i] = 0;
  f.w[2 * i + 1] = 0x7ff80000;
}

/** Bits of register i as a single: the low word when boxed, else the canonical NaN. */
export function bits32(f: FpRegs, i: number): number {
  return f.w[2 * i + 1] === -1 ? f.w[2 * i] : 0x7fc00000;
}

/** Is register i a signalling NaN as a single (a properly boxed one: an unboxed value is a quiet NaN)? */
export function isSNaN32(f: FpRegs, i: number): boolean {
  if (f.w[2 * i + 1] !== -1) return false;
  const b = f.w[2 * i];
  return (b & 0x7fc00000) === 0x7f800000 && (b & 0x003fffff) !== 0;
}

/** Is register i a signalling NaN as a double? */
export function isSNaN64(f: FpRegs, i: number): boolean {
  const h = f.w[2 * i + 1];
  return (h & 0x7ff80000) === 0x7ff00000 && ((h & 0x0007ffff) | f.w[2 * i]) !== 0;
}

// Ops on singles read f.s directly and first check that every operand is boxed; when one is not,
// they run again on copies in U where each such operand is the canonical NaN. (A single read as
// "boxed ? f.s[i] : NaN" makes V8 box the double on every op: the hot path must not have that phi.)
export const U = new FpRegs();

/** Copy singles rs1, rs2, rs3 of f into U registers 1, 2, 3, unboxed ones as the canonical NaN. */
export function rebox(f: FpRegs, rs1: number, rs2: number, rs3: number): void {
  const w = f.w, u = U.w;
  u[2] = w[2 * rs1 + 1] === -1 ? w[2 * rs1] : 0x7fc00000; u[3] = -1;
  u[4] = w[2 * rs2 + 1] === -1 ? w[2 * rs2] : 0x7fc00000; u[5] = -1;
  u[6] = w[2 * rs3 + 1] === -1 ? w[2 * rs3] : 0x7fc00000; u[7] = -1;
}

/** Copy U register 0 (a result computed on reboxed operands) to f register rd. */
export function unbox(f: FpRegs, rd: number): void {
  f.w[2 * rd] = U.w[0];
  f.w[2 * rd + 1] = U.w[1];
}

/** Copy U's integer result to f's. */
export function unboxX(f: FpRegs): void {
  f.x[0] = U.x[0];
  f.x[1] = U.x[1];
}

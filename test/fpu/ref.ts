// Reference model of RISC-V F and D for the tests, written from the spec apart from cores/fpu:
// operands become exact rationals n/d (BigInt), the exact result is computed (a root through an
// integer square root at the right scale), and it is rounded by counting quanta: the result's
// binade E, the quantum 2^(max(E, emin) - p + 1), the integer k of quanta below it and how the
// rest compares with half a quantum. Flags follow from that (UF: tiny after rounding, i.e. the
// result rounded with an unbounded exponent is below 2^emin, and inexact).
// Values are 64-bit register images as bigint; a single is NaN-boxed (upper 32 bits all ones).

export const NV = 16, DZ = 8, OF = 4, UF = 2, NX = 1;
export type Res = { r: bigint; flags: number };

const M64 = (1n << 64n) - 1n, BOX = 0xffffffffn << 32n;
type Fmt = { p: number; emin: number; emax: number; ebits: number };
const S: Fmt = { p: 24, emin: -126, emax: 127, ebits: 8 };
const D: Fmt = { p: 53, emin: -1022, emax: 1023, ebits: 11 };
const width = (F: Fmt) => F.p + F.ebits; // 32 or 64

type Val =
  | { k: 'nan'; snan: boolean }
  | { k: 'inf'; neg: boolean }
  | { k: 'num'; neg: boolean; n: bigint; d: bigint }; // |value| = n/d, zero when n = 0

const CANON = (F: Fmt) => (F === S ? BOX | 0x7fc00000n : 0x7ff8000000000000n);

function decode(F: Fmt, reg: bigint): Val {
  let b = reg;
  if (F === S) {
    if (reg >> 32n !== 0xffffffffn) return { k: 'nan', snan: false }; // improperly boxed
    b = reg & 0xffffffffn;
  }
  const w = BigInt(width(F)), fb = BigInt(F.p - 1);
  const neg = (b >> (w - 1n)) === 1n;
  const e = Number((b >> fb) & ((1n << BigInt(F.ebits)) - 1n));
  const frac = b & ((1n << fb) - 1n);
  const emaxField = (1 << F.ebits) - 1;
  if (e === emaxField) return frac === 0n ? { k: 'inf', neg } : { k: 'nan', snan: (frac >> (fb - 1n)) === 0n };
  const m = e === 0 ? frac : frac | (1n << fb);
  const q = (e === 0 ? 1 : e) - ((1 << (F.ebits - 1)) - 1) - (F.p - 1); // value = m · 2^q
  return q >= 0 ? { k: 'num', neg, n: m << BigInt(q), d: 1n } : { k: 'num', neg, n: m, d: 1n << BigInt(-q) };
}

function encode(F: Fmt, neg: boolean, biased: number, frac: bigint): bigint {
  const w = BigInt(width(F));
  const b = ((neg ? 1n : 0n) << (w - 1n)) | (BigInt(biased) << BigInt(F.p - 1)) | frac;
  return F === S ? BOX | b : b;
}
const zero = (F: Fmt, neg: boolean) => encode(F, neg, 0, 0n);
const inf = (F: Fmt, neg: boolean) => encode(F, neg, (1 << F.ebits) - 1, 0n);
const maxFinite = (F: Fmt, neg: boolean) => encode(F, neg, (1 << F.ebits) - 2, (1n << BigInt(F.p - 1)) - 1n);

function bl(x: bigint): number { return x === 0n ? 0 : x.toString(2).length; }

// Floor of log2(n/d), n, d > 0.
function ilog2(n: bigint, d: bigint): number {
  let e = bl(n) - bl(d);
  const ge = e >= 0 ? n >= d << BigInt(e) : n << BigInt(-e) >= d;
  if (!ge) e--;
  return e;
}

function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  // Bisection-free digit method: build the root bit by bit from the top.
  let r = 0n;
  for (let b = BigInt(bl(n) >> 1); b >= 0n; b--) {
    const t = r | (1n << b);
    if (t * t <= n) r = t;
  }
  return r;
}

// Rounding of a positive exact value given by quanta(Q): [k, c] with k = floor(value / 2^Q) and c
// the comparison of the rest with half a quantum (-1 below, 0 equal, 1 above) or null when exact.
type Quanta = (Q: number) => [bigint, number | null];

function roundInt(k: bigint, c: number | null, neg: boolean, rm: number): bigint {
  if (c === null) return k;
  switch (rm) {
    case 0: return c > 0 || (c === 0 && (k & 1n) === 1n) ? k + 1n : k;
    case 1: return k;
    case 2: return neg ? k + 1n : k;
    case 3: return neg ? k : k + 1n;
    default: return c >= 0 ? k + 1n : k;
  }
}

function roundValue(F: Fmt, neg: boolean, E: number, quanta: Quanta, rm: number): Res {
  const P = BigInt(F.p);
  // Unbounded exponent range: overflow and tininess.
  const [k0, c0] = quanta(E - F.p + 1);
  const u = roundInt(k0, c0, neg, rm);
  const Eu = u === 1n << P ? E + 1 : E;
  if (Eu > F.emax) {
    const toMax = rm === 1 || (rm === 2 && !neg) || (rm === 3 && neg);
    return { r: toMax ? maxFinite(F, neg) : inf(F, neg), flags: OF | NX };
  }
  const tiny = Eu < F.emin;
  const Q = Math.max(E, F.emin) - F.p + 1;
  const [k1, c1] = quanta(Q);
  let k = roundInt(k1, c1, neg, rm), q = Q;
  if (k === 1n << P) { k >>= 1n; q++; }
  const flags = c1 === null ? 0 : NX | (tiny ? UF : 0);
  if (k === 0n) return { r: zero(F, neg), flags };
  if (k < 1n << (P - 1n)) return { r: encode(F, neg, 0, k), flags }; // subnormal
  const biased = q + F.p - 1 + ((1 << (F.ebits - 1)) - 1);
  return { r: encode(F, neg, biased, k - (1n << (P - 1n))), flags };
}

// Round n/d (n, d > 0).
function roundRat(F: Fmt, neg: boolean, n: bigint, d: bigint, rm: number): Res {
  const quanta: Quanta = (Q) => {
    const N = Q >= 0 ? n : n << BigInt(-Q), Dd = Q >= 0 ? d << BigInt(Q) : d;
    const k = N / Dd, rest = N - k * Dd;
    if (rest === 0n) return [k, null];
    const two = 2n * rest;
    return [k, two < Dd ? -1 : two > Dd ? 1 : 0];
  };
  return roundValue(F, neg, ilog2(n, d), quanta, rm);
}

// Round sqrt(n/d) (n, d > 0).
function roundSqrt(F: Fmt, n: bigint, d: bigint, rm: number): Res {
  const quanta: Quanta = (Q) => {
    // sqrt(n/d) / 2^Q = sqrt(N/Dd) with N/Dd = n/d · 2^-2Q; k = isqrt(floor(N/Dd)).
    const N = Q <= 0 ? n << BigInt(-2 * Q) : n, Dd = Q <= 0 ? d : d << BigInt(2 * Q);
    const k = isqrt(N / Dd);
    if (k * k * Dd === N) return [k, null];
    const lhs = 4n * N, rhs = (2n * k + 1n) ** 2n * Dd; // compare sqrt(N/Dd) with k + 1/2
    return [k, lhs < rhs ? -1 : lhs > rhs ? 1 : 0];
  };
  return roundValue(F, false, Math.floor(ilog2(n, d) / 2), quanta, rm);
}

const nanRes = (F: Fmt, flags: number): Res => ({ r: CANON(F), flags });
const isSNaN = (v: Val) => v.k === 'nan' && v.snan;

// Signed rational arithmetic on finite values.
type Q = { s: bigint; d: bigint }; // s signed numerator
const q = (v: Val & { k: 'num' }): Q => ({ s: v.neg ? -v.n : v.n, d: v.d });
function addQ(a: Q, b: Q): Q { return { s: a.s * b.d + b.s * a.d, d: a.d * b.d }; }
function mulQ(a: Q, b: Q): Q { return { s: a.s * b.s, d: a.d * b.d }; }
function finish(F: Fmt, x: Q, rm: number, zeroNeg: boolean): Res {
  if (x.s === 0n) return { r: zero(F, zeroNeg), flags: 0 };
  return roundRat(F, x.s < 0n, x.s < 0n ? -x.s : x.s, x.d, rm);
}
// The sign of an exact zero sum x + y (IEEE 754 6.3).
const zeroSumNeg = (xNeg: boolean, yNeg: boolean, rm: number) => (xNeg === yNeg ? xNeg : rm === 2);

function add(F: Fmt, a: Val, b: Val, rm: number): Res {
  if (a.k === 'nan' || b.k === 'nan') return nanRes(F, isSNaN(a) || isSNaN(b) ? NV : 0);
  if (a.k === 'inf' && b.k === 'inf') return a.neg === b.neg ? { r: inf(F, a.neg), flags: 0 } : nanRes(F, NV);
  if (a.k === 'inf') return { r: inf(F, a.neg), flags: 0 };
  if (b.k === 'inf') return { r: inf(F, b.neg), flags: 0 };
  const bothZero = a.n === 0n && b.n === 0n;
  return finish(F, addQ(q(a), q(b)), rm, bothZero ? zeroSumNeg(a.neg, b.neg, rm) : rm === 2);
}
const neg = (v: Val): Val => (v.k === 'nan' ? v : { ...v, neg: !v.neg });

function mul(F: Fmt, a: Val, b: Val, rm: number): Res {
  if (a.k === 'nan' || b.k === 'nan') return nanRes(F, isSNaN(a) || isSNaN(b) ? NV : 0);
  const sgn = a.neg !== b.neg;
  if (a.k === 'inf' || b.k === 'inf') {
    if ((a.k === 'num' && a.n === 0n) || (b.k === 'num' && b.n === 0n)) return nanRes(F, NV);
    return { r: inf(F, sgn), flags: 0 };
  }
  return finish(F, mulQ(q(a), q(b)), rm, sgn);
}

function div(F: Fmt, a: Val, b: Val, rm: number): Res {
  if (a.k === 'nan' || b.k === 'nan') return nanRes(F, isSNaN(a) || isSNaN(b) ? NV : 0);
  const sgn = a.neg !== b.neg;
  if (a.k === 'inf') return b.k === 'inf' ? nanRes(F, NV) : { r: inf(F, sgn), flags: 0 };
  if (b.k === 'inf') return { r: zero(F, sgn), flags: 0 };
  if (b.n === 0n) return a.n === 0n ? nanRes(F, NV) : { r: inf(F, sgn), flags: DZ };
  if (a.n === 0n) return { r: zero(F, sgn), flags: 0 };
  return roundRat(F, sgn, a.n * b.d, a.d * b.n, rm);
}

function sqrt(F: Fmt, a: Val, rm: number): Res {
  if (a.k === 'nan') return nanRes(F, a.snan ? NV : 0);
  if (a.k === 'inf') return a.neg ? nanRes(F, NV) : { r: inf(F, false), flags: 0 };
  if (a.n === 0n) return { r: zero(F, a.neg), flags: 0 };
  if (a.neg) return nanRes(F, NV);
  return roundSqrt(F, a.n, a.d, rm);
}

function fma(F: Fmt, a: Val, b: Val, c: Val, rm: number): Res {
  const isZero = (v: Val) => v.k === 'num' && v.n === 0n;
  const infZero = (a.k === 'inf' && isZero(b)) || (b.k === 'inf' && isZero(a));
  if (a.k === 'nan' || b.k === 'nan' || c.k === 'nan') return nanRes(F, isSNaN(a) || isSNaN(b) || isSNaN(c) || infZero ? NV : 0);
  if (infZero) return nanRes(F, NV);
  const pNeg = a.neg !== b.neg;
  if (a.k === 'inf' || b.k === 'inf') {
    if (c.k === 'inf' && c.neg !== pNeg) return nanRes(F, NV);
    return { r: inf(F, pNeg), flags: 0 };
  }
  if (c.k === 'inf') return { r: inf(F, c.neg), flags: 0 };
  const p = mulQ(q(a), q(b));
  const bothZero = p.s === 0n && c.n === 0n;
  return finish(F, addQ(p, q(c)), rm, bothZero ? zeroSumNeg(pNeg, c.neg, rm) : rm === 2);
}

// -1, 0, 1, or null when unordered.
function compare(a: Val, b: Val): number | null {
  if (a.k === 'nan' || b.k === 'nan') return null;
  const key = (v: Val): Q => (v.k === 'inf' ? { s: v.neg ? -1n : 1n, d: 0n } : q(v as Val & { k: 'num' }));
  const x = key(a), y = key(b);
  if (x.d === 0n || y.d === 0n) { // an infinity
    const sx = x.d === 0n ? Number(x.s) * 2 : 0, sy = y.d === 0n ? Number(y.s) * 2 : 0;
    if (x.d === 0n && y.d === 0n) return Math.sign(sx - sy);
    return x.d === 0n ? Math.sign(sx) : -Math.sign(sy);
  }
  const l = x.s * y.d, r = y.s * x.d;
  return l < r ? -1 : l > r ? 1 : 0;
}

function minmax(F: Fmt, ra: bigint, rb: bigint, a: Val, b: Val, max: boolean): Res {
  const flags = isSNaN(a) || isSNaN(b) ? NV : 0;
  const norm = (reg: bigint, v: Val) => (v.k === 'nan' ? CANON(F) : reg);
  if (a.k === 'nan' && b.k === 'nan') return nanRes(F, flags);
  if (a.k === 'nan') return { r: norm(rb, b), flags };
  if (b.k === 'nan') return { r: norm(ra, a), flags };
  let c = compare(a, b)!;
  if (c === 0 && a.k === 'num' && a.n === 0n) c = a.neg === b.neg ? 0 : a.neg ? -1 : 1; // -0 < +0
  const pickA = max ? c >= 0 : c <= 0;
  return { r: pickA ? ra : rb, flags };
}

function classify(v: Val, reg: bigint, F: Fmt): number {
  if (v.k === 'nan') return v.snan ? 1 << 8 : 1 << 9;
  if (v.k === 'inf') return v.neg ? 1 : 1 << 7;
  if (v.n === 0n) return v.neg ? 1 << 3 : 1 << 4;
  const sub = ilog2(v.n, v.d) < F.emin;
  void reg;
  return v.neg ? (sub ? 1 << 2 : 1 << 1) : sub ? 1 << 5 : 1 << 6;
}

// Float -> integer of `bits` width, signed or not; 32-bit results sign-extended to 64.
function toInt(v: Val, bits: number, signed: boolean, rm: number): Res {
  const lo = signed ? -(1n << BigInt(bits - 1)) : 0n, hi = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  const out = (x: bigint) => BigInt.asUintN(64, bits === 32 ? BigInt.asIntN(32, x) : x);
  if (v.k === 'nan') return { r: out(hi), flags: NV };
  if (v.k === 'inf') return { r: out(v.neg ? lo : hi), flags: NV };
  const k = v.n / v.d, rest = v.n - k * v.d;
  const c = rest === 0n ? null : 2n * rest < v.d ? -1 : 2n * rest > v.d ? 1 : 0;
  const m = roundInt(k, c, v.neg, rm), x = v.neg ? -m : m;
  if (x < lo || x > hi) return { r: out(x < lo ? lo : hi), flags: NV };
  return { r: out(x), flags: c === null ? 0 : NX };
}

function fromInt(F: Fmt, reg: bigint, bits: number, signed: boolean, rm: number): Res {
  let x = BigInt.asUintN(bits, reg);
  if (signed) x = BigInt.asIntN(bits, x);
  if (x === 0n) return { r: zero(F, false), flags: 0 };
  return roundRat(F, x < 0n, x < 0n ? -x : x, 1n, rm);
}

function sgnj(F: Fmt, a: bigint, b: bigint, kind: number): bigint {
  const w = BigInt(width(F)), sb = 1n << (w - 1n);
  const x = F === S ? (a >> 32n === 0xffffffffn ? a & 0xffffffffn : 0x7fc00000n) : a;
  const y = F === S ? (b >> 32n === 0xffffffffn ? b & 0xffffffffn : 0x7fc00000n) : b;
  const s = kind === 0 ? y & sb : kind === 1 ? ~y & sb : (x ^ y) & sb;
  const r = (x & (sb - 1n)) | s;
  return F === S ? BOX | r : r;
}

/** The reference result of op (a mnemonic as in fpu_oracle.c) on register images a, b, c. */
export function ref(op: string, rm: number, a: bigint, b: bigint, c: bigint): Res {
  a &= M64; b &= M64; c &= M64;
  const parts = op.split('.');
  const F = parts[parts.length - 1] === 's' ? S : D;
  const A = () => decode(F, a), B = () => decode(F, b), C = () => decode(F, c);
  switch (parts[0] + (parts.length === 3 ? '.' + parts[1] : '')) {
    case 'fadd': return add(F, A(), B(), rm);
    case 'fsub': return add(F, A(), neg(B()), rm);
    case 'fmul': return mul(F, A(), B(), rm);
    case 'fdiv': return div(F, A(), B(), rm);
    case 'fsqrt': return sqrt(F, A(), rm);
    case 'fmadd': return fma(F, A(), B(), C(), rm);
    case 'fmsub': return fma(F, A(), B(), neg(C()), rm);
    case 'fnmsub': return fma(F, neg(A()), B(), C(), rm);
    case 'fnmadd': return fma(F, neg(A()), B(), neg(C()), rm);
    case 'fmin': return minmax(F, a, b, A(), B(), false);
    case 'fmax': return minmax(F, a, b, A(), B(), true);
    case 'fsgnj': return { r: sgnj(F, a, b, 0), flags: 0 };
    case 'fsgnjn': return { r: sgnj(F, a, b, 1), flags: 0 };
    case 'fsgnjx': return { r: sgnj(F, a, b, 2), flags: 0 };
    case 'feq': { const x = A(), y = B(); return { r: compare(x, y) === 0 ? 1n : 0n, flags: isSNaN(x) || isSNaN(y) ? NV : 0 }; }
    case 'flt': { const k = compare(A(), B()); return { r: k === -1 ? 1n : 0n, flags: k === null ? NV : 0 }; }
    case 'fle': { const k = compare(A(), B()); return { r: k !== null && k <= 0 ? 1n : 0n, flags: k === null ? NV : 0 }; }
    case 'fclass': return { r: BigInt(classify(A(), a, F)), flags: 0 };
  }
  // fcvt.X.Y: X the destination.
  const [, dst, src] = parts;
  const ints: Record<string, [number, boolean]> = { w: [32, true], wu: [32, false], l: [64, true], lu: [64, false] };
  if (dst in ints) {
    const Fs = src === 's' ? S : D;
    return toInt(decode(Fs, a), ints[dst][0], ints[dst][1], rm);
  }
  const Fd = dst === 's' ? S : D;
  if (src in ints) return fromInt(Fd, a, ints[src][0], ints[src][1], rm);
  const v = decode(src === 's' ? S : D, a);
  if (v.k === 'nan') return nanRes(Fd, v.snan ? NV : 0);
  if (v.k === 'inf') return { r: inf(Fd, v.neg), flags: 0 };
  if (v.n === 0n) return { r: zero(Fd, v.neg), flags: 0 };
  return roundRat(Fd, v.neg, v.n, v.d, rm);
}

export const OPS_F = ['fadd', 'fsub', 'fmul', 'fdiv', 'fsqrt', 'fmadd', 'fmsub', 'fnmsub', 'fnmadd', 'fmin', 'fmax',
  'fsgnj', 'fsgnjn', 'fsgnjx', 'feq', 'flt', 'fle', 'fclass', 'fcvt.w', 'fcvt.wu', 'fcvt.l', 'fcvt.lu'];
/** Every mnemonic the oracle and the tests know. */
export const ALL_OPS: string[] = [
  ...['d', 's'].flatMap((t) => [...OPS_F.map((o) => `${o}.${t}`), ...['w', 'wu', 'l', 'lu'].map((i) => `fcvt.${t}.${i}`)]),
  'fcvt.s.d', 'fcvt.d.s',
];

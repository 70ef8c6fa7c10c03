// The slow path for doubles: exact integer-significand arithmetic in BigInt, one rounding at the end
// (IEEE 754 with RISC-V's choices: tininess after rounding, UF only when inexact). The fast paths
// send here only what error-free transformations cannot settle: results near or past the overflow
// threshold, subnormal and near-subnormal results, huge operands. Rare in real programs.
// Operands are finite, non-NaN doubles; results are finite doubles or ±Infinity, left in rx.

const RNE = 0, RTZ = 1, RDN = 2, RUP = 3;
const NX = 1, UF = 2, OF = 4;

const f64 = new Float64Array(1), u32 = new Uint32Array(f64.buffer);

/** Result of the last slow op. */
export let rx = 0;

let dNeg = false, dMan = 0n, dExp = 0;
function decode(x: number): void { // x = (-1)^dNeg · dMan · 2^dExp
  f64[0] = x;
  const hi = u32[1], e = (hi >>> 20) & 0x7ff;
  dNeg = hi >>> 31 !== 0;
  dMan = (BigInt(hi & 0xfffff) << 32n) | BigInt(u32[0]);
  if (e === 0) dExp = -1074;
  else { dMan |= 1n << 52n; dExp = e - 1075; }
}

function bitLength(m: bigint): number { return m === 0n ? 0 : m.toString(2).length; }

function fromBits(neg: boolean, biased: number, frac: bigint): number {
  u32[0] = Number(frac & 0xffffffffn);
  u32[1] = ((neg ? 0x80000000 : 0) | (biased << 20) | Number(frac >> 32n)) >>> 0;
  return f64[0];
}

let rInexact = false;
// man >> sh rounded in mode rm (sticky: bits below man were lost and were nonzero).
function roundAt(man: bigint, sh: number, sticky: boolean, neg: boolean, rm: number): bigint {
  if (sh <= 0) { rInexact = sticky; return man << BigInt(-sh); } // callers keep sticky false here
  const s = BigInt(sh), q = man >> s, rem = man & ((1n << s) - 1n), half = 1n << (s - 1n);
  rInexact = rem !== 0n || sticky;
  if (!rInexact) return q;
  const cmp = rem > half ? 1 : rem < half ? -1 : sticky ? 1 : 0;
  let up: boolean;
  switch (rm) {
    case RNE: up = cmp > 0 || (cmp === 0 && (q & 1n) === 1n); break;
    case RTZ: up = false; break;
    case RDN: up = neg; break;
    case RUP: up = !neg; break;
    default: up = cmp >= 0;
  }
  return up ? q + 1n : q;
}

/** Round (-1)^neg · (man + sticky·ε) · 2^exp (man > 0; sticky: the value is a bit more) to a double. */
function roundPack(neg: boolean, man: bigint, exp: number, sticky: boolean, rm: number): number {
  let L = bitLength(man);
  if (L < 56) { man <<= BigInt(56 - L); exp -= 56 - L; L = 56; }
  // Unbounded exponent range first: it decides overflow and tininess.
  const sh = L - 53;
  let q = roundAt(man, sh, sticky, neg, rm);
  let top = exp + L - 1; // exponent of the leading bit
  if (q === 1n << 53n) { q >>= 1n; top++; }
  const inexact = rInexact;
  if (top > 1023) {
    rx = rm === RTZ || (rm === RDN && !neg) || (rm === RUP && neg) ? (neg ? -Number.MAX_VALUE : Number.MAX_VALUE) : (neg ? -Infinity : Infinity);
    return OF | NX;
  }
  if (top >= -1022) { rx = fromBits(neg, top + 1023, q & ((1n << 52n) - 1n)); return inexact ? NX : 0; }
  // Tiny: round again on the subnormal grid (quantum 2^-1074); a carry into bit 52 is the smallest normal.
  const q2 = roundAt(man, -1074 - exp, sticky, neg, rm);
  rx = fromBits(neg, Number(q2 >> 52n), q2 & ((1n << 52n) - 1n));
  return rInexact ? UF | NX : 0;
}

function zeroSum(aNeg: boolean, bNeg: boolean, rm: number): number {
  // Exact zero sum: +0 unless both addends are -0, or RDN and the signs differ (IEEE 754 6.3).
  return aNeg && bNeg ? -0 : aNeg !== bNeg && rm === RDN ? -0 : 0;
}

// Sum of (-1)^an·am·2^ae and (-1)^bn·bm·2^be (exact), rounded.
function sum(an: boolean, am: bigint, ae: number, bn: boolean, bm: bigint, be: number, rm: number): number {
  const e = Math.min(ae, be);
  let A = am << BigInt(ae - e), B = bm << BigInt(be - e);
  if (an) A = -A;
  if (bn) B = -B;
  const S = A + B;
  if (S === 0n) {
    rx = am === 0n && bm === 0n ? zeroSum(an, bn, rm) : (rm === RDN ? -0 : 0);
    return 0;
  }
  return S < 0n ? roundPack(true, -S, e, false, rm) : roundPack(false, S, e, false, rm);
}

export function addSlow(a: number, b: number, rm: number): number {
  decode(a); const an = dNeg, am = dMan, ae = dExp;
  decode(b);
  return sum(an, am, ae, dNeg, dMan, dExp, rm);
}

export function mulSlow(a: number, b: number, rm: number): number {
  decode(a); const an = dNeg, am = dMan, ae = dExp;
  decode(b);
  const neg = an !== dNeg, m = am * dMan;
  if (m === 0n) { rx = neg ? -0 : 0; return 0; }
  return roundPack(neg, m, ae + dExp, false, rm);
}

/** a / b with b nonzero. */
export function divSlow(a: number, b: number, rm: number): number {
  decode(a); const an = dNeg, am = dMan, ae = dExp;
  decode(b);
  const neg = an !== dNeg;
  if (am === 0n) { rx = neg ? -0 : 0; return 0; }
  const k = 56 + bitLength(dMan) - bitLength(am); // the quotient gets at least 56 bits
  const n = am << BigInt(k), q = n / dMan;
  return roundPack(neg, q, ae - dExp - k, q * dMan !== n, rm);
}

export function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt((bitLength(n) + 1) >> 1); // >= sqrt(n)
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** sqrt(a) with a > 0. */
export function sqrtSlow(a: number, rm: number): number {
  decode(a);
  let k = Math.max(0, 116 - bitLength(dMan)); // the root gets at least 58 bits
  if (((dExp - k) & 1) !== 0) k++;
  const n = dMan << BigInt(k), r = isqrt(n);
  return roundPack(false, r, (dExp - k) / 2, r * r !== n, rm);
}

/** a·b + c, one rounding. */
export function fmaSlow(a: number, b: number, c: number, rm: number): number {
  decode(a); const an = dNeg, am = dMan, ae = dExp;
  decode(b); const pn = an !== dNeg, pm = am * dMan, pe = ae + dExp;
  decode(c);
  return sum(pn, pm, pe, dNeg, dMan, dExp, rm);
}

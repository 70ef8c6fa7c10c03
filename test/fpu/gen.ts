// Operands drawn to hit the edges of F and D: signed zeros, infinities, quiet and signalling NaNs
// with payloads, the smallest and largest subnormals and normals, values next to powers of two,
// to integer conversion limits and to halfway points, improperly boxed singles, random bits; and
// second/third operands tied to the first (same binade, cancelling sums, near-exact products) so
// that ties and one-ulp decisions actually occur. All from one seeded generator.

export type Rand = { u32(): number; int(n: number): number; bits64(): bigint };

/** xorshift128+ on two uint32 words per state half, seeded from one integer. */
export function rng(seed: number): Rand {
  let a = seed >>> 0 || 1, b = 0x9e3779b9, c = 0x85ebca6b, d = 0xc2b2ae35;
  const u32 = () => {
    const t = a ^ (a << 11);
    a = b; b = c; c = d;
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return d;
  };
  for (let i = 0; i < 16; i++) u32();
  return { u32, int: (n) => u32() % n, bits64: () => (BigInt(u32()) << 32n) | BigInt(u32()) };
}

const f64 = new Float64Array(1), u64 = new BigUint64Array(f64.buffer);
const f32 = new Float32Array(1), u32a = new Uint32Array(f32.buffer);
export const bitsOfD = (x: number) => { f64[0] = x; return u64[0]; };
export const dOfBits = (b: bigint) => { u64[0] = b; return f64[0]; };
export const bitsOfS = (x: number) => { f32[0] = x; return BigInt(u32a[0]); };
const BOX = 0xffffffffn << 32n;

type Fmt = { w: number; p: number; ebits: number };
const D = { w: 64, p: 53, ebits: 11 }, S = { w: 32, p: 24, ebits: 8 };

function special(F: Fmt, r: Rand): bigint {
  const fb = BigInt(F.p - 1), expAll = ((1n << BigInt(F.ebits)) - 1n) << fb, sign = 1n << BigInt(F.w - 1);
  const fracMax = (1n << fb) - 1n, quiet = 1n << (fb - 1n);
  const payload = (r.bits64() & (quiet - 1n)) || 1n;
  const list = [
    0n, expAll, expAll | quiet, expAll | quiet | payload, expAll | payload, expAll | 1n, // 0, inf, qNaN, qNaN+payload, sNaN
    1n, fracMax, fracMax + 1n, 2n, // smallest/largest subnormal, smallest normal
    expAll - 1n, expAll - (1n << fb), // largest finite, 2^emax
    (BigInt((1 << (F.ebits - 1)) - 1)) << fb, // 1.0
  ];
  return list[r.int(list.length)] | (r.int(2) ? sign : 0n);
}

// Values near integer conversion limits and halfway points, as doubles.
function nearInt(r: Rand): number {
  const bases = [0, 0.5, 1, 1.5, 2.5, 2 ** 31, 2 ** 32, 2 ** 63, 2 ** 64, 2 ** 52, 2 ** 53, 2 ** 24, 2 ** 23, 2 ** 31 - 1, 2 ** 32 - 1];
  const base = bases[r.int(bases.length)];
  const wiggle = [0, 0.5, -0.5, 1, -1, 0.25, -0.75, 2 ** -20][r.int(8)];
  const v = base + wiggle;
  return r.int(2) ? -v : v;
}

function toFmt(F: Fmt, x: number): bigint { return F === D ? bitsOfD(x) : bitsOfS(Math.fround(x)); }

/** One operand as a 64-bit register image of format F (singles NaN-boxed, now and then not). */
export function operand(F: 'd' | 's', r: Rand): bigint {
  const Fm = F === 'd' ? D : S;
  const mask = (1n << BigInt(Fm.w)) - 1n;
  let v: bigint;
  switch (r.int(9)) {
    case 8: { // an ordinary number: random significand, exponent within ±30
      const x = (r.u32() / 4294967296 + r.u32() / 2 ** 64 + 0.5) * 2 ** (r.int(61) - 30);
      v = toFmt(Fm, r.int(2) ? -x : x);
      break;
    }
    case 0: case 1: v = special(Fm, r); break;
    case 2: v = r.bits64() & mask; break;
    case 3: v = toFmt(Fm, nearInt(r)); break;
    case 4: { // ±(1 + small) · 2^k, small exponents most often
      const k = r.int(4) === 0 ? r.int(2 * (1 << (Fm.ebits - 1))) - (1 << (Fm.ebits - 1)) : r.int(40) - 20;
      const frac = r.int(3) === 0 ? BigInt(r.int(8)) : r.int(2) ? ((1n << BigInt(Fm.p - 1)) - 1n - BigInt(r.int(8))) : r.bits64() & ((1n << BigInt(Fm.p - 1)) - 1n);
      const biased = BigInt(Math.max(0, Math.min((1 << Fm.ebits) - 2, k + (1 << (Fm.ebits - 1)) - 1)));
      v = (biased << BigInt(Fm.p - 1)) | frac | (r.int(2) ? 1n << BigInt(Fm.w - 1) : 0n);
      break;
    }
    default: { // random sign/exponent near the edges of the range
      const e = [1, 2, 3, (1 << Fm.ebits) - 2, (1 << Fm.ebits) - 3, 0, (1 << (Fm.ebits - 1)) - 1][r.int(7)] + (r.int(2) ? 0 : r.int(30));
      const biased = BigInt(Math.min(e, (1 << Fm.ebits) - 2));
      v = (biased << BigInt(Fm.p - 1)) | (r.bits64() & ((1n << BigInt(Fm.p - 1)) - 1n)) | (r.int(2) ? 1n << BigInt(Fm.w - 1) : 0n);
    }
  }
  if (F === 's') return r.int(40) === 0 ? (r.int(2) ? v : (r.bits64() & BOX) | v) : BOX | v;
  return v;
}

// Step a register image by k units in the last place (keeps singles boxed).
function step(F: 'd' | 's', v: bigint, k: number): bigint {
  const w = F === 'd' ? 64n : 32n, mask = (1n << w) - 1n;
  const x = (v & mask) + BigInt(k);
  return F === 's' ? BOX | (x & mask) : x & mask;
}

function value(F: 'd' | 's', v: bigint): number {
  if (F === 'd') return dOfBits(v);
  u32a[0] = Number(v & 0xffffffffn);
  return f32[0];
}

/** Operands (a, b, c) for op, correlated half of the time so that rounding decisions are close calls. */
export function operands(op: string, r: Rand): [bigint, bigint, bigint] {
  const parts = op.split('.');
  const src = parts[0] === 'fcvt' ? parts[2] : parts[parts.length - 1];
  if (parts[0] === 'fcvt' && (src === 'w' || src === 'wu' || src === 'l' || src === 'lu')) {
    const choices = [r.bits64(), BigInt(r.u32()), (1n << BigInt(r.int(64))) + BigInt(r.int(5)) - 2n, BigInt.asUintN(64, -(1n << BigInt(r.int(63))) + BigInt(r.int(3))),
      BigInt.asUintN(64, BigInt(r.u32()) << BigInt(r.int(33))) | BigInt(r.int(2)), (BigInt(r.u32()) << 32n) | 0x80000000n];
    return [choices[r.int(choices.length)], 0n, 0n];
  }
  const F = src as 'd' | 's';
  const a = operand(F, r);
  let b = operand(F, r), c = operand(F, r);
  const k = r.int(6);
  const av = value(F, a);
  if (k === 1) b = step(F, a, r.int(5) - 2); // b next to a
  else if (k === 2 && Number.isFinite(av)) { // b a scaled copy of a, a few ulps off: sums with ties
    const sh = 2 ** (r.int(2 * (F === 'd' ? 56 : 27)) - (F === 'd' ? 56 : 27));
    b = step(F, F === 'd' ? bitsOfD(-av * sh) : BOX | bitsOfS(-av * sh), r.int(3) - 1);
  } else if (k === 3 && Number.isFinite(av)) { // c cancels most of a·b
    const bv = value(F, b), p = av * bv;
    if (Number.isFinite(p)) c = step(F, F === 'd' ? bitsOfD(-p) : BOX | bitsOfS(-p), r.int(5) - 2);
  } else if (k === 4 && Number.isFinite(av)) { // c is a·b's low part or half an ulp of it
    const bv = value(F, b), p = av * bv;
    const ulpish = p * 2 ** -(F === 'd' ? 53 : 24) * (r.int(2) ? 1 : 0.75);
    if (Number.isFinite(p)) c = F === 'd' ? bitsOfD(ulpish) : BOX | bitsOfS(ulpish);
  }
  return [a, b, c];
}

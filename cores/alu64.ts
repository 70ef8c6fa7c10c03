// 64-bit multiply and divide on (lo, hi) int32 pairs, without BigInt on the
// common paths. Results land in `res` ([lo, hi]) so nothing is allocated.

export const res = new Int32Array(2);

const TWO32 = 4294967296;

// 32x32 -> 64 unsigned product of a and b (taken as uint32), split into 16-bit limbs so every
// partial product stays exact in a double. Returns lo; high word in mulHi.
let mulHi = 0;
function mulu32(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  mulHi = (p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
  return ((p00 & 0xffff) | (mid << 16)) | 0;
}

/** MUL: low 64 bits of a*b. */
export function mul64(al: number, ah: number, bl: number, bh: number): void {
  const lo = mulu32(al, bl);
  res[0] = lo;
  // Each sum truncated on its own: V8 then adds in int32 with no overflow check. As one
  // `(a + b + c) | 0` the inner add kept a check (mulHi, a module variable, has no static
  // type), and the first overflow deoptimized Hart.run, which inlines this (bench/ab.ts).
  res[1] = (((mulHi + Math.imul(al, bh)) | 0) + Math.imul(ah, bl)) | 0;
}

/** MULHU: high 64 bits of the unsigned 128-bit product. */
export function mulhu64(al: number, ah: number, bl: number, bh: number): void {
  const p0lo = mulu32(al, bl), p0hi = mulHi >>> 0;
  void p0lo;
  const p1lo = mulu32(al, bh) >>> 0, p1hi = mulHi >>> 0;
  const p2lo = mulu32(ah, bl) >>> 0, p2hi = mulHi >>> 0;
  const p3lo = mulu32(ah, bh) >>> 0, p3hi = mulHi >>> 0;
  const t1 = p0hi + p1lo + p2lo; // < 3*2^32, exact
  const c1 = Math.floor(t1 / TWO32);
  const t2 = p1hi + p2hi + p3lo + c1;
  const c2 = Math.floor(t2 / TWO32);
  res[0] = t2 | 0;
  res[1] = (p3hi + c2) | 0;
}

/** MULH: high 64 bits of the signed product. hi(a*b) = hiu(a*b) - (a<0 ? b : 0) - (b<0 ? a : 0). */
export function mulh64(al: number, ah: number, bl: number, bh: number): void {
  mulhu64(al, ah, bl, bh);
  let lo = res[0], hi = res[1];
  if (ah < 0) { const l = (lo - bl) | 0; hi = (hi - bh - ((lo >>> 0) < (bl >>> 0) ? 1 : 0)) | 0; lo = l; }
  if (bh < 0) { const l = (lo - al) | 0; hi = (hi - ah - ((lo >>> 0) < (al >>> 0) ? 1 : 0)) | 0; lo = l; }
  res[0] = lo;
  res[1] = hi;
}

/** MULHSU: a signed, b unsigned. */
export function mulhsu64(al: number, ah: number, bl: number, bh: number): void {
  mulhu64(al, ah, bl, bh);
  let lo = res[0], hi = res[1];
  if (ah < 0) { const l = (lo - bl) | 0; hi = (hi - bh - ((lo >>> 0) < (bl >>> 0) ? 1 : 0)) | 0; lo = l; }
  res[0] = lo;
  res[1] = hi;
}

function setNum(v: number): void {
  res[0] = v | 0; // ToInt32 is exact modulo 2^32 for any safe integer
  res[1] = Math.floor(v / TWO32) | 0;
}

// udivmod's quotient and remainder words.
let qLo = 0, qHi = 0, rLo = 0, rHi = 0;

/**
 * Unsigned (ah:al) / (bh:bl), b != 0, any width, without BigInt: into qLo/qHi, rLo/rHi.
 * A divisor below 2^32 divides the high word, then two 16-bit steps (each dividend stays below
 * 2^48, exact in a double). A wider one leaves a quotient below 2^32: the quotient of the two
 * values as doubles is within 2^-18 of the true one (three roundings of 2^-53 relative), so
 * its floor is off by at most one, and one correction of the exact remainder fixes it; the
 * remainder fits a signed 64-bit word while b < 2^62, and above that the quotient is at most 3.
 */
function udivmod(al: number, ah: number, bl: number, bh: number): void {
  const a1 = ah >>> 0, a0 = al >>> 0, b1 = bh >>> 0, b0 = bl >>> 0;
  if (b1 === 0) {
    const q2 = Math.floor(a1 / b0);
    let r = a1 - q2 * b0;
    let x = r * 65536 + (a0 >>> 16);
    const q1 = Math.floor(x / b0);
    r = x - q1 * b0;
    x = r * 65536 + (a0 & 0xffff);
    const q0 = Math.floor(x / b0);
    r = x - q0 * b0;
    qLo = (q1 * 65536 + q0) | 0; qHi = q2 | 0; rLo = r | 0; rHi = 0;
    return;
  }
  if (b1 >= 0x40000000) {
    let q = 0, rl = al, rh = ah;
    while ((rh >>> 0) > b1 || ((rh >>> 0) === b1 && (rl >>> 0) >= b0)) {
      const l = (rl - bl) | 0;
      rh = (rh - bh - ((rl >>> 0) < b0 ? 1 : 0)) | 0;
      rl = l;
      q++;
    }
    qLo = q; qHi = 0; rLo = rl; rHi = rh;
    return;
  }
  let q = Math.floor((a1 * TWO32 + a0) / (b1 * TWO32 + b0));
  mul64(q | 0, q >= TWO32 ? 1 : 0, bl, bh);
  let rl = (al - res[0]) | 0, rh = (ah - res[1] - (a0 < (res[0] >>> 0) ? 1 : 0)) | 0;
  if (rh < 0) {
    q -= 1;
    const l = (rl + bl) | 0;
    rh = (rh + bh + ((l >>> 0) < (rl >>> 0) ? 1 : 0)) | 0;
    rl = l;
  } else if ((rh >>> 0) > b1 || ((rh >>> 0) === b1 && (rl >>> 0) >= b0)) {
    q += 1;
    const l = (rl - bl) | 0;
    rh = (rh - bh - ((rl >>> 0) < b0 ? 1 : 0)) | 0;
    rl = l;
  }
  qLo = q | 0; qHi = 0; rLo = rl; rHi = rh;
}

/** res = -(lo:hi) mod 2^64. */
function neg(lo: number, hi: number): void {
  res[0] = -lo | 0;
  res[1] = (~hi + (lo === 0 ? 1 : 0)) | 0;
}

// A pair whose signed value has |v| < 2^52, so q*b below stays exact.
function safeS(hi: number): boolean {
  return hi >= -0x100000 && hi < 0x100000;
}

/** Truncating signed division with exact correction; both values |v| < 2^52, b != 0. */
function divTrunc(a: number, b: number): number {
  let q = Math.trunc(a / b);
  const r = a - q * b;
  // Correct a quotient rounded across an integer boundary.
  if (r !== 0 && (r < 0) !== (a < 0)) q += (a < 0) === (b < 0) ? -1 : 1;
  else if (Math.abs(r) >= Math.abs(b)) q += (a < 0) === (b < 0) ? 1 : -1;
  return q;
}

/** DIV / REM (signed 64-bit), with RISC-V's divide-by-zero and overflow results. */
export function div64(al: number, ah: number, bl: number, bh: number, rem: boolean): void {
  if (bl === 0 && bh === 0) {
    if (rem) { res[0] = al; res[1] = ah; } else { res[0] = -1; res[1] = -1; }
    return;
  }
  if (safeS(ah) && safeS(bh)) {
    const a = ah * TWO32 + (al >>> 0), b = bh * TWO32 + (bl >>> 0);
    const q = divTrunc(a, b);
    setNum(rem ? a - q * b : q);
    return;
  }
  if (bl === -1 && bh === -1 && al === 0 && ah === -0x80000000) { res[0] = 0; res[1] = rem ? 0 : ah; return; } // -2^63 / -1 overflows
  // On the magnitudes (|-2^63| is 2^63 unsigned); the quotient takes the signs' product, the remainder a's sign.
  let ml = al, mh = ah, nl = bl, nh = bh;
  if (ah < 0) { neg(al, ah); ml = res[0]; mh = res[1]; }
  if (bh < 0) { neg(bl, bh); nl = res[0]; nh = res[1]; }
  udivmod(ml, mh, nl, nh);
  const negate = rem ? ah < 0 : (ah < 0) !== (bh < 0);
  const lo = rem ? rLo : qLo, hi = rem ? rHi : qHi;
  if (negate) neg(lo, hi);
  else { res[0] = lo; res[1] = hi; }
}

/** DIVU / REMU (unsigned 64-bit). */
export function divu64(al: number, ah: number, bl: number, bh: number, rem: boolean): void {
  if (bl === 0 && bh === 0) {
    if (rem) { res[0] = al; res[1] = ah; } else { res[0] = -1; res[1] = -1; }
    return;
  }
  if (ah >>> 0 < 0x100000 && bh >>> 0 < 0x100000) {
    const a = (ah >>> 0) * TWO32 + (al >>> 0), b = (bh >>> 0) * TWO32 + (bl >>> 0);
    const q = Math.floor(a / b);
    let qq = q, r = a - qq * b;
    if (r < 0) { qq -= 1; r += b; } else if (r >= b) { qq += 1; r -= b; }
    setNum(rem ? r : qq);
    return;
  }
  udivmod(al, ah, bl, bh);
  if (rem) { res[0] = rLo; res[1] = rHi; } else { res[0] = qLo; res[1] = qHi; }
}

/** DIVW/REMW/DIVUW/REMUW: 32-bit operands, result sign-extended. Returns the 32-bit result. */
export function div32(a: number, b: number, unsigned: boolean, rem: boolean): number {
  if (b === 0) return rem ? a | 0 : -1;
  if (unsigned) {
    const ua = a >>> 0, ub = b >>> 0;
    return (rem ? ua % ub : Math.floor(ua / ub)) | 0;
  }
  if (a === -0x80000000 && b === -1) return rem ? 0 : a;
  return (rem ? a % b : Math.trunc(a / b)) | 0;
}

/** The new memory value of an AMO on (lo, hi) pairs (a .w AMO passes sign-extended words and uses res[0]). */
export function amoPair(op: number, olo: number, ohi: number, vlo: number, vhi: number): void {
  switch (op) {
    case 0x00: { // add
      const lo = (olo + vlo) | 0;
      res[0] = lo;
      res[1] = (ohi + vhi + ((lo >>> 0) < (olo >>> 0) ? 1 : 0)) | 0;
      return;
    }
    case 0x01: res[0] = vlo; res[1] = vhi; return; // swap
    case 0x04: res[0] = olo ^ vlo; res[1] = ohi ^ vhi; return;
    case 0x08: res[0] = olo | vlo; res[1] = ohi | vhi; return;
    case 0x0c: res[0] = olo & vlo; res[1] = ohi & vhi; return;
  }
  // min/max: compare as signed (0x10, 0x14) or unsigned (0x18, 0x1c) 64-bit pairs.
  const signed = op === 0x10 || op === 0x14;
  const oh = signed ? ohi : ohi >>> 0, vh = signed ? vhi : vhi >>> 0;
  const oldLess = oh < vh || (oh === vh && (olo >>> 0) < (vlo >>> 0));
  const takeOld = op === 0x10 || op === 0x18 ? oldLess : !oldLess;
  if (takeOld) { res[0] = olo; res[1] = ohi; } else { res[0] = vlo; res[1] = vhi; }
}

/**
 * cores/fpu against the reference model in ref.ts (exact BigInt rationals): fast-check properties
 * over every F/D operation and every rounding mode, with operands drawn to hit the edges
 * (gen.ts), plus the spec's fixed points (saturation table, canonical NaNs, NaN-boxing, signed zeros,
 * tininess after rounding, fused rounding). A failure prints fast-check's seed and the operands.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALL_OPS, NV, NX, OF, UF, DZ, ref } from './ref.ts';
import { lib } from './lib.ts';
import { bitsOfD, bitsOfS, operands, rng } from './gen.ts';
import { FpRegs } from '../../cores/fpu/index.ts';
import { fixD } from '../../cores/fpu/round.ts';

const h = (v: bigint) => '0x' + v.toString(16);
const BOX = 0xffffffff00000000n;
const S = (x: number) => BOX | bitsOfS(x);
const D = bitsOfD;

function agree(op: string, rm: number, a: bigint, b: bigint, c: bigint): void {
  const L = lib(op, rm, a, b, c), R = ref(op, rm, a, b, c);
  expect({ r: h(L.r), flags: L.flags }, `${op} rm=${rm} a=${h(a)} b=${h(b)} c=${h(c)}`).toEqual({ r: h(R.r), flags: R.flags });
}

describe('cores/fpu = reference model', () => {
  const runs = Number(process.env.FPU_RUNS ?? 150);
  for (const op of ALL_OPS) {
    it(`${op}: every rounding mode, edge operands`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 0x7fffffff }), fc.integer({ min: 0, max: 4 }), (seed, rm) => {
          const [a, b, c] = operands(op, rng(seed));
          agree(op, rm, a, b, c);
        }),
        { numRuns: runs * 5 },
      );
    });
  }

  it('random bit patterns in every op', () => {
    fc.assert(
      fc.property(fc.constantFrom(...ALL_OPS), fc.integer({ min: 0, max: 4 }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.boolean(),
        (op, rm, a, b, c, box) => {
          const fix = (v: bigint) => (box && op.endsWith('.s') ? BOX | (v & 0xffffffffn) : v);
          agree(op, rm, fix(a), fix(b), fix(c));
        }),
      { numRuns: runs * 20 },
    );
  });
});

describe('spec fixed points (cross-checked by the model and the library)', () => {
  const both = (op: string, rm: number, a: bigint, b = 0n, c = 0n) => {
    const L = lib(op, rm, a, b, c);
    expect(L).toEqual(ref(op, rm, a, b, c));
    return L;
  };

  it('0.1 + 0.2 is not 0.3, and is inexact', () => {
    const r = both('fadd.d', 0, D(0.1), D(0.2));
    expect(r.r).toBe(D(0.30000000000000004));
    expect(r.flags).toBe(NX);
    expect(both('fadd.d', 1, D(0.1), D(0.2)).r).toBe(D(0.3)); // toward zero lands on 0.3's double
  });

  it('fused multiply-add rounds once: fma(1+2^-30, 1-2^-30, -1) = -2^-60 exactly', () => {
    const a = D(1 + 2 ** -30), b = D(1 - 2 ** -30);
    expect(both('fmadd.d', 0, a, b, D(-1))).toEqual({ r: D(-(2 ** -60)), flags: 0 });
    // Unfused, a·b rounds to 1 and the sum would be 0.
    expect(both('fmul.d', 0, a, b).r).toBe(D(1));
  });

  it('double rounding trap: fma where a·b + c lies just past a halfway point', () => {
    // (1 + 2^-12)·(1 + 2^-12) = 1 + 2^-11 + 2^-24; + c = 2^-50 → nearest single is 1 + 2^-11 + 2^-23,
    // while rounding to double first would give a tie at 2^-24 that rounds to even.
    const a = S(1 + 2 ** -12), c = S(2 ** -50);
    expect(both('fmadd.s', 0, a, a, c)).toEqual({ r: S(1 + 2 ** -11 + 2 ** -23), flags: NX });
    expect(both('fmadd.s', 0, a, a, S(0)).r).toBe(S(1 + 2 ** -11)); // the exact tie goes to even
  });

  it('fcvt saturation table (RISC-V F, "Floating-Point Convert and Move")', () => {
    const nan = D(NaN);
    expect(both('fcvt.w.d', 0, nan)).toEqual({ r: 0x7fffffffn, flags: NV });
    expect(both('fcvt.w.d', 0, D(-Infinity))).toEqual({ r: 0xffffffff80000000n, flags: NV });
    expect(both('fcvt.wu.d', 0, nan)).toEqual({ r: 0xffffffffffffffffn, flags: NV });
    expect(both('fcvt.wu.d', 0, D(-1))).toEqual({ r: 0n, flags: NV });
    expect(both('fcvt.wu.d', 1, D(-0.9))).toEqual({ r: 0n, flags: NX }); // rounds to 0: in range
    expect(both('fcvt.l.d', 0, D(2 ** 63))).toEqual({ r: 0x7fffffffffffffffn, flags: NV });
    expect(both('fcvt.l.d', 0, D(-(2 ** 63)))).toEqual({ r: 0x8000000000000000n, flags: 0 });
    expect(both('fcvt.lu.d', 0, D(Infinity))).toEqual({ r: 0xffffffffffffffffn, flags: NV });
    expect(both('fcvt.w.d', 2, D(-2147483648.5))).toEqual({ r: 0xffffffff80000000n, flags: NV }); // RDN: -2^31-1
    expect(both('fcvt.w.d', 1, D(-2147483648.5))).toEqual({ r: 0xffffffff80000000n, flags: NX });
  });

  it('int64 -> double rounds the full 64 bits once', () => {
    const v = (1n << 62n) + (1n << 9n) + 1n; // just past a halfway point of the double grid
    expect(both('fcvt.d.l', 0, v)).toEqual({ r: D(2 ** 62 + 2 ** 10), flags: NX });
    expect(both('fcvt.d.l', 1, v)).toEqual({ r: D(2 ** 62), flags: NX });
    const w = (1n << 60n) + (1n << 36n) + 1n; // to single: past a halfway point that a double would round onto
    expect(both('fcvt.s.l', 0, w)).toEqual({ r: S(2 ** 60 + 2 ** 37), flags: NX });
  });

  it('NaN-boxing: an improperly boxed single reads as the canonical NaN, results are boxed', () => {
    const unboxed = 0x000000003f800000n; // 1.0f without the box
    expect(both('fadd.s', 0, unboxed, S(1))).toEqual({ r: BOX | 0x7fc00000n, flags: 0 });
    expect(both('fclass.s', 0, unboxed).r).toBe(1n << 9n);
    expect(both('fsgnjn.s', 0, unboxed, S(1)).r).toBe(BOX | 0xffc00000n);
    expect(both('fmul.s', 0, S(3), S(0.5)).r).toBe(S(1.5));
  });

  it('canonical NaNs, signalling NaNs, fmin/fmax and quiet vs signalling compares', () => {
    const snan = 0x7ff0000000000001n, qnanPayload = 0xfff8000000001234n;
    expect(both('fadd.d', 0, snan, D(1))).toEqual({ r: 0x7ff8000000000000n, flags: NV });
    expect(both('fadd.d', 0, qnanPayload, D(1))).toEqual({ r: 0x7ff8000000000000n, flags: 0 });
    expect(both('fmin.d', 0, snan, D(2))).toEqual({ r: D(2), flags: NV });
    expect(both('fmax.d', 0, qnanPayload, D(-3))).toEqual({ r: D(-3), flags: 0 });
    expect(both('fmin.d', 0, D(0), D(-0)).r).toBe(D(-0));
    expect(both('fmax.d', 0, D(-0), D(0)).r).toBe(D(0));
    expect(both('fmin.d', 0, qnanPayload, snan)).toEqual({ r: 0x7ff8000000000000n, flags: NV });
    expect(both('feq.d', 0, qnanPayload, D(1))).toEqual({ r: 0n, flags: 0 });
    expect(both('feq.d', 0, snan, D(1))).toEqual({ r: 0n, flags: NV });
    expect(both('flt.d', 0, qnanPayload, D(1))).toEqual({ r: 0n, flags: NV });
    expect(both('fle.d', 0, D(-0), D(0))).toEqual({ r: 1n, flags: 0 });
    expect(both('fmadd.d', 0, D(Infinity), D(0), 0x7ff8000000000000n)).toEqual({ r: 0x7ff8000000000000n, flags: NV });
    expect(both('fdiv.d', 0, D(1), D(-0))).toEqual({ r: D(-Infinity), flags: DZ });
  });

  it('underflow: tininess after rounding, and only when inexact', () => {
    const minN = 2 ** -1022;
    // (1 - 2^-53)·minN: halfway on the subnormal grid, rounds (to even) up to minN; with an unbounded
    // exponent it is representable and below minN, so it is tiny: UF.
    expect(both('fmul.d', 0, D(1 - 2 ** -53), D(minN))).toEqual({ r: D(minN), flags: UF | NX });
    // (1 - 2^-52)·minN·(1 + 2^-52) = minN·(1 - 2^-104): rounds to minN even with an unbounded exponent: no UF.
    expect(both('fmul.d', 0, D(1 - 2 ** -52), D(minN * (1 + 2 ** -52)))).toEqual({ r: D(minN), flags: NX });
    expect(both('fmul.d', 1, D(1 - 2 ** -52), D(minN * (1 + 2 ** -52)))).toEqual({ r: D(minN - 2 ** -1074), flags: UF | NX });
    expect(both('fmul.d', 0, D(2 ** -1000), D(2 ** -60))).toEqual({ r: D(2 ** -1060), flags: 0 }); // exact subnormal: no UF
    expect(both('fmul.d', 0, D(3 * 2 ** -1000), D(2 ** -75))).toEqual({ r: D(2 ** -1073), flags: UF | NX });
    expect(both('fmul.s', 0, S(2 ** -126 * (1 + 2 ** -23)), S(1 - 2 ** -24))).toEqual({ r: S(2 ** -126), flags: NX });
    expect(both('fmul.s', 0, S(2 ** -126), S(1 - 2 ** -24))).toEqual({ r: S(2 ** -126), flags: UF | NX });
  });

  it('overflow: OF implies NX; the largest finite in the modes that round toward it', () => {
    const max = Number.MAX_VALUE;
    expect(both('fmul.d', 0, D(max), D(2))).toEqual({ r: D(Infinity), flags: OF | NX });
    expect(both('fmul.d', 1, D(max), D(2))).toEqual({ r: D(max), flags: OF | NX });
    expect(both('fmul.d', 3, D(-max), D(2))).toEqual({ r: D(-max), flags: OF | NX });
    expect(both('fadd.d', 3, D(max), D(1))).toEqual({ r: D(Infinity), flags: OF | NX });
    expect(both('fadd.d', 0, D(max), D(1))).toEqual({ r: D(max), flags: NX });
    expect(both('fcvt.s.d', 1, D(2 ** 128))).toEqual({ r: S(3.4028234663852886e38), flags: OF | NX });
  });

  it('signed zero of an exact zero sum depends on the mode', () => {
    expect(both('fsub.d', 0, D(1), D(1)).r).toBe(D(0));
    expect(both('fsub.d', 2, D(1), D(1)).r).toBe(D(-0));
    expect(both('fsub.s', 2, S(1), S(1)).r).toBe(S(-0));
    expect(both('fmadd.d', 2, D(2), D(3), D(-6)).r).toBe(D(-0));
    expect(both('fnmsub.d', 0, D(-0), D(5), D(-0)).r).toBe(D(0)); // -(-0·5) + -0 = +0 + -0
    expect(both('fnmsub.d', 0, D(0), D(5), D(-0)).r).toBe(D(-0)); // -(+0·5) + -0 = -0 + -0
  });
});

void NX; void rng;

describe('fixD, the final step of the double fast paths', () => {
  // The random tests rarely reach an exact tie that the host's own rounding did not already settle
  // (an FMA whose low parts make X a midpoint next to an odd h); these pin that step down.
  const f = new FpRegs();
  const fix = (h: number, sg: number, tie: boolean, rm: number) => { f.d[0] = h; const fl = fixD(f, 0, sg, tie, rm); return [f.d[0], fl]; };
  const odd = 1 + 2 ** -52, even = 1 + 2 ** -51;
  it('RNE: a tie goes to the even neighbour, either way', () => {
    expect(fix(odd, 1, true, 0)).toEqual([even, NX]);
    expect(fix(odd, -1, true, 0)).toEqual([1, NX]);
    expect(fix(even, 1, true, 0)).toEqual([even, NX]);
    expect(fix(-odd, -1, true, 0)).toEqual([-even, NX]);
  });
  it('RMM: a tie goes away from zero; the directed modes step only toward their side', () => {
    expect(fix(odd, 1, true, 4)).toEqual([even, NX]);
    expect(fix(odd, -1, true, 4)).toEqual([odd, NX]);
    expect(fix(-odd, -1, true, 4)).toEqual([-even, NX]);
    expect(fix(odd, -1, false, 1)).toEqual([1, NX]);
    expect(fix(-odd, 1, false, 1)).toEqual([-1, NX]);
    expect(fix(1, -1, false, 2)).toEqual([1 - 2 ** -53, NX]);
    expect(fix(Number.MAX_VALUE, 1, false, 3)).toEqual([Infinity, OF | NX]);
    expect(fix(Number.MAX_VALUE, 1, false, 1)).toEqual([Number.MAX_VALUE, NX]);
  });
});

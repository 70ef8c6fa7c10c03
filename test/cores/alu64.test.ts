// The 64-bit multiply helpers on (lo, hi) int32 pairs against BigInt, with operands that make
// every partial sum carry and overflow int32 (mul64's high word adds three int32 terms).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { div64, divu64, mul64, mulh64, mulhsu64, mulhu64, res } from '../../cores/alu64.ts';

const M64 = (1n << 64n) - 1n;
const pair = (v: bigint): [number, number] => [Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))];
const word = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: M64 }),
  fc.constantFrom(0n, 1n, M64, 1n << 63n, (1n << 63n) - 1n, 0xffffffffn, 0x1_0000_0000n, 0x7fff_ffff_ffff_fffen),
);
// Divisors of every width (the division's paths split at 2^20, 2^32 and 2^62) and near them.
const divisor = fc.oneof(
  u64,
  fc.integer({ min: 1, max: 64 }).chain((bits) => fc.bigInt({ min: 1n << BigInt(bits - 1), max: (1n << BigInt(bits)) - 1n })),
  fc.constantFrom(3n, 7n, 10n, (1n << 62n) - 1n, 1n << 62n, (1n << 62n) + 1n, 3n << 62n, M64 - 1n, 0xffff_ffffn, 0x1_0000_0001n),
);

describe('alu64 multiplies', () => {
  it('mul64, mulhu64, mulh64 and mulhsu64 equal the BigInt product (fast-check; the seed is printed on failure)', () => {
    fc.assert(
      fc.property(u64, u64, (a, b) => {
        const [al, ah] = pair(a), [bl, bh] = pair(b);
        const sa = BigInt.asIntN(64, a), sb = BigInt.asIntN(64, b);
        mul64(al, ah, bl, bh);
        expect(word(res[0], res[1])).toBe((a * b) & M64);
        mulhu64(al, ah, bl, bh);
        expect(word(res[0], res[1])).toBe((a * b) >> 64n);
        mulh64(al, ah, bl, bh);
        expect(word(res[0], res[1])).toBe(BigInt.asUintN(64, (sa * sb) >> 64n));
        mulhsu64(al, ah, bl, bh);
        expect(word(res[0], res[1])).toBe(BigInt.asUintN(64, (sa * b) >> 64n));
      }),
      { numRuns: 3000 },
    );
  });

  it('div64 and divu64 (quotient and remainder) equal BigInt division, RISC-V results for /0 and overflow (fast-check)', () => {
    fc.assert(
      fc.property(u64, fc.oneof(divisor, fc.constant(0n)), (a, b) => {
        const [al, ah] = pair(a), [bl, bh] = pair(b);
        const sa = BigInt.asIntN(64, a), sb = BigInt.asIntN(64, b);
        divu64(al, ah, bl, bh, false);
        expect(word(res[0], res[1])).toBe(b === 0n ? M64 : a / b);
        divu64(al, ah, bl, bh, true);
        expect(word(res[0], res[1])).toBe(b === 0n ? a : a % b);
        const overflow = sa === -(1n << 63n) && sb === -1n;
        div64(al, ah, bl, bh, false);
        expect(word(res[0], res[1])).toBe(b === 0n ? M64 : overflow ? a : BigInt.asUintN(64, sa / sb));
        div64(al, ah, bl, bh, true);
        expect(word(res[0], res[1])).toBe(b === 0n ? a : overflow ? 0n : BigInt.asUintN(64, sa % sb));
      }),
      { numRuns: 20000 },
    );
  });
});

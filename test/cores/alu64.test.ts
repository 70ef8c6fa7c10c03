// The 64-bit multiply helpers on (lo, hi) int32 pairs against BigInt, with operands that make
// every partial sum carry and overflow int32 (mul64's high word adds three int32 terms).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mul64, mulh64, mulhsu64, mulhu64, res } from '../../cores/alu64.ts';

const M64 = (1n << 64n) - 1n;
const pair = (v: bigint): [number, number] => [Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n))];
const word = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
const u64 = fc.oneof(
  fc.bigInt({ min: 0n, max: M64 }),
  fc.constantFrom(0n, 1n, M64, 1n << 63n, (1n << 63n) - 1n, 0xffffffffn, 0x1_0000_0000n, 0x7fff_ffff_ffff_fffen),
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
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assemble, disassemble } from '../../src/asm/index.ts';

const MASK64 = (1n << 64n) - 1n;

/** Tiny RV64 evaluator for the instructions `li` may emit: lui, addi, addiw, slli. */
function evalSequence(words: Uint32Array, rd: number): bigint {
  const x = new Array<bigint>(32).fill(0n);
  for (const w of words) {
    const opcode = w & 0x7f;
    const d = (w >>> 7) & 31;
    const f3 = (w >>> 12) & 7;
    const s1 = (w >>> 15) & 31;
    const immI = BigInt(w >> 20); // sign-extended
    let v: bigint;
    if (opcode === 0x37) {
      v = BigInt.asIntN(32, BigInt(w & 0xfffff000)); // lui: sign-extended imm << 12
    } else if (opcode === 0x13 && f3 === 0) {
      v = x[s1]! + immI; // addi
    } else if (opcode === 0x1b && f3 === 0) {
      v = BigInt.asIntN(32, x[s1]! + immI); // addiw
    } else if (opcode === 0x13 && f3 === 1 && (w >>> 26) === 0) {
      v = x[s1]! << BigInt((w >>> 20) & 63); // slli
    } else {
      throw new Error(`unexpected instruction in li expansion: ${disassemble(w)}`);
    }
    if (d !== 0) x[d] = BigInt.asIntN(64, v & MASK64);
  }
  return x[rd]!;
}

function li(value: bigint | string, reg = 'a0', rd = 10): { result: bigint; words: Uint32Array } {
  const { words } = assemble(`li ${reg}, ${value}`);
  return { result: evalSequence(words, rd), words };
}

describe('li expansion', () => {
  const edge: Array<[string, bigint]> = [
    ['0', 0n],
    ['-1', -1n],
    ['1', 1n],
    ['2047', 2047n],
    ['-2048', -2048n],
    ['2048', 2048n],
    ['2^31-1', 2n ** 31n - 1n],
    ['-2^31', -(2n ** 31n)],
    ['2^31', 2n ** 31n],
    ['2^32', 2n ** 32n],
    ['2^32-1', 2n ** 32n - 1n],
    ['2^63-1', 2n ** 63n - 1n],
    ['-2^63', -(2n ** 63n)],
    ['0x123456789abcdef0', 0x123456789abcdef0n],
    ['0x7ffff800', 0x7ffff800n],
    ['0xfedcba9876543210', BigInt.asIntN(64, 0xfedcba9876543210n)],
    ['0x8000000000000800', BigInt.asIntN(64, 0x8000000000000800n)],
  ];

  it.each(edge)('li %s', (_name, v) => {
    expect(li(v).result).toBe(v);
    // also written in hex
    const hexText = v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
    expect(li(hexText, 't3', 28).result).toBe(v);
  });

  it('unsigned 64-bit literals wrap to the same register value', () => {
    expect(li('0xffffffffffffffff').result).toBe(-1n);
    expect(li('18446744073709551615').result).toBe(-1n);
    expect(li('0x8000000000000000').result).toBe(-(2n ** 63n));
  });

  it('expansion lengths match llvm-mc for known values', () => {
    expect(li(0n).words.length).toBe(1);
    expect(li(-1n).words.length).toBe(1);
    expect(li(2n ** 31n - 1n).words.length).toBe(2);
    expect(li(2n ** 32n).words.length).toBe(2);
    expect(li(-(2n ** 63n)).words.length).toBe(2);
    // llvm-mc-14: lui 583; addiw -1875; slli 14; addi -947; slli 12; addi 1511; slli 13; addi -272
    expect(Array.from(li(0x123456789abcdef0n).words)).toEqual([
      0x00247537, 0x8ad5051b, 0x00e51513, 0xc4d50513, 0x00c51513, 0x5e750513, 0x00d51513, 0xef050513,
    ]);
  });

  it('li to x0 assembles (and does nothing)', () => {
    const { words } = assemble('li zero, 0x123456789');
    expect(evalSequence(words, 0)).toBe(0n);
  });

  it('random 64-bit values', () => {
    const arb = fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc
        .tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: -3000, max: 3000 }))
        .map(([s, d]) => BigInt.asIntN(64, (1n << BigInt(s)) + BigInt(d))),
    );
    fc.assert(
      fc.property(arb, (v) => {
        const r = li(v);
        expect(r.result).toBe(v);
        expect(r.words.length).toBeLessThanOrEqual(8);
      }),
      { numRuns: 5000 },
    );
  });

  it('labels after li are placed after the whole expansion', () => {
    const r = assemble('li a0, 0x123456789abcdef0\nafter: nop\nj after');
    expect(r.labels.get('after')).toBe(32);
    expect(r.words.length).toBe(10);
    expect(disassemble(r.words[9]!)).toBe('jal zero, -4');
  });
});

// What the interpreter does with the decoder's newer ops: Zalasr runs as plain loads and
// stores, fence.tso as a fence; privileged words and F/D words with a reserved rounding mode are
// illegal instructions (cause 2, tval = the encoding).
import { describe, expect, it } from 'vitest';
import { CAUSE_ECALL_U, CAUSE_ILLEGAL_INSTRUCTION } from '../../src/kernel/fault.ts';
import { CODE_BASE, DATA_BASE, TestHart } from './harness.ts';

const ECALL = 0x00000073;
const A0 = 10, A1 = 11, A2 = 12; // a0, a1, a2

/** Zalasr load-acquire rd, (rs1) of width f3 (aq = 1; rl as given). */
const loadAq = (f3: number, rd: number, rs1: number, rl = 0) => ((0x06 << 27) | (1 << 26) | (rl << 25) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x2f) >>> 0;
/** Zalasr store-release rs2, (rs1) of width f3 (rl = 1; aq as given). */
const storeRl = (f3: number, rs2: number, rs1: number, aq = 0) => ((0x07 << 27) | (aq << 26) | (1 << 25) | (rs2 << 20) | (rs1 << 15) | (f3 << 12) | 0x2f) >>> 0;

describe('Zalasr executes as plain loads and stores', () => {
  const h = new TestHart();
  const widths = [1, 2, 4, 8];
  for (let f3 = 0; f3 < 4; f3++) {
    it(`l${'bhwd'[f3]}.aq[rl]: the sign-extended value at (rs1), like the plain load`, () => {
      for (const rl of [0, 1]) {
        h.write(DATA_BASE, [0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8]);
        h.loadWords([loadAq(f3, A0, A1, rl), ECALL]);
        const t = h.run({ regs: { a1: BigInt(DATA_BASE) } });
        expect(t.cause).toBe(CAUSE_ECALL_U);
        const want = BigInt.asIntN(8 * widths[f3]!, 0xf8f7f6f5f4f3f2f1n);
        expect(h.reg('a0')).toBe(want);
      }
    });
    it(`s${'bhwd'[f3]}.rl / .aqrl: writes the low bytes of rs2 at (rs1) and nothing else`, () => {
      for (const aq of [0, 1]) {
        h.write(DATA_BASE, new Array(16).fill(0xee));
        h.loadWords([storeRl(f3, A2, A1, aq), ECALL]);
        const t = h.run({ regs: { a1: BigInt(DATA_BASE), a2: 0x1122334455667788n } });
        expect(t.cause).toBe(CAUSE_ECALL_U);
        const n = widths[f3]!;
        const want = [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11].slice(0, n).concat(new Array(16 - n).fill(0xee));
        expect(Array.from(h.read(DATA_BASE, 16))).toEqual(want);
      }
    });
  }
});

describe('decoded but not executable here: illegal instruction with the encoding', () => {
  const words: Array<[string, number]> = [
    // F/D with a reserved static rounding mode (5, 6): illegal at decode
    ['fmadd.d ft0, ft1, ft2, ft3, rm=6', 0x1a20e043],
    ['fadd.s ft0, ft1, ft2, rm=5', 0x0020d053],
    ['fcvt.d.s fa0, fa1, rm=5', 0x4205d553],
    ['wfi', 0x10500073],
    ['sfence.vma zero, zero', 0x12000073],
  ];
  const h = new TestHart();
  for (const [text, w] of words) {
    it(text, () => {
      h.loadWords([0x00000013, w, ECALL]); // nop; w; ecall
      const t = h.run();
      expect({ cause: t.cause, pc: t.pc, tval: t.tval >>> 0, instret: t.instret }).toEqual({ cause: CAUSE_ILLEGAL_INSTRUCTION, pc: CODE_BASE + 4, tval: w, instret: 1 });
    });
  }
  it('fence.tso runs as a fence', () => {
    h.loadWords([0x8330000f, 0x00100513, ECALL]); // fence.tso; li a0, 1; ecall
    expect(h.run().cause).toBe(CAUSE_ECALL_U);
    expect(h.reg('a0')).toBe(1n);
  });
});

// The hart's C, F and D plumbing: illegal compressed parcels and rounding modes, NaN-boxing, the
// fcsr CSRs, 32-bit instructions straddling a cache line and a page, self-modifying compressed and
// straddling code (both memory models), and misaligned Zalasr. Encodings are written by hand (the
// assembler learns F/D/C separately); each is checked against the spec's field layout.
import { describe, expect, it } from 'vitest';
import { createCoreMemory } from '../../cores/core_memory.ts';
import { Hart, RUN_LIMIT } from '../../cores/hart.ts';
import { allocateCoherence, CoherenceViews, DEFAULT_GEOMETRY } from '../../shared/coherence/layout.ts';
import { ProtocolTable, TRANSITIONS } from '../../shared/coherence/mesi.ts';
import { CTR, counterLength } from '../../shared/coherence/stats.ts';
import { assemble } from '../../src/asm/index.ts';
import {
  CAUSE_ECALL_U,
  CAUSE_ILLEGAL_INSTRUCTION,
  CAUSE_MISALIGNED_LOAD,
  CAUSE_MISALIGNED_STORE,
} from '../../src/kernel/fault.ts';
import { CODE_BASE, DATA_BASE, RecordingTrapHandler, TestHart } from './harness.ts';

const ECALL = 0x00000073;
const C_NOP = 0x0001, C_RET = 0x8082; // c.jr ra

// ---- encoders (unprivileged spec, "RV32/64G Instruction Set Listings")
const fpR = (f7: number, rd: number, rs1: number, rs2: number, rm: number) =>
  ((f7 << 25) | (rs2 << 20) | (rs1 << 15) | (rm << 12) | (rd << 7) | 0x53) >>> 0;
const csr = (f3: number, rd: number, no: number, rs1: number) => ((no << 20) | (rs1 << 15) | (f3 << 12) | (rd << 7) | 0x73) >>> 0;
const CSRRW = 1, CSRRS = 2, CSRRC = 3, CSRRWI = 5, CSRRSI = 6, CSRRCI = 7;
const FFLAGS = 1, FRM = 2, FCSR = 3;
const RNE = 0, DYN = 7;
const faddS = (rd: number, rs1: number, rs2: number, rm: number) => fpR(0x00, rd, rs1, rs2, rm);
const fdivS = (rd: number, rs1: number, rs2: number, rm: number) => fpR(0x0c, rd, rs1, rs2, rm);
const fsgnjS = (rd: number, rs1: number, rs2: number) => fpR(0x10, rd, rs1, rs2, 0);
const fclassS = (rd: number, rs1: number) => fpR(0x70, rd, rs1, 0, 1);
const fmvXW = (rd: number, rs1: number) => fpR(0x70, rd, rs1, 0, 0);
const fmvXD = (rd: number, rs1: number) => fpR(0x71, rd, rs1, 0, 0);
const fmvWX = (rd: number, rs1: number) => fpR(0x78, rd, rs1, 0, 0);
const fmvDX = (rd: number, rs1: number) => fpR(0x79, rd, rs1, 0, 0);
const fcvtDS = (rd: number, rs1: number, rm: number) => fpR(0x21, rd, rs1, 0, rm);
const flw = (rd: number, rs1: number, imm: number) => (((imm & 0xfff) << 20) | (rs1 << 15) | (2 << 12) | (rd << 7) | 0x07) >>> 0;
const fsd = (rs2: number, rs1: number, imm: number) =>
  ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (3 << 12) | ((imm & 31) << 7) | 0x27) >>> 0;
const lwAq = (rd: number, rs1: number) => ((0x06 << 27) | (1 << 26) | (rs1 << 15) | (2 << 12) | (rd << 7) | 0x2f) >>> 0;
const swRl = (rs2: number, rs1: number) => ((0x07 << 27) | (1 << 25) | (rs2 << 20) | (rs1 << 15) | (2 << 12) | 0x2f) >>> 0;
const A0 = 10, A1 = 11, A2 = 12, A3 = 13;

/** Halfwords into words (little-endian pairs), for code that mixes 16- and 32-bit instructions. */
function halves(...h: number[]): number[] {
  if (h.length % 2) h.push(C_NOP);
  const w: number[] = [];
  for (let i = 0; i < h.length; i += 2) w.push(((h[i + 1]! << 16) | h[i]!) >>> 0);
  return w;
}
/** A 32-bit instruction as its two parcels. */
const split = (w: number) => [w & 0xffff, w >>> 16];

describe('illegal compressed parcels: cause 2 naming pc and the 16-bit encoding', () => {
  const h = new TestHart();
  const cases: Array<[string, number]> = [
    ['the all-zero halfword', 0x0000],
    ['c.addi4spn with nzuimm = 0 (rd = s1)', 0x0004],
    ['quadrant 0, funct3 100 (reserved)', 0x8000],
    ['c.lwsp with rd = 0', 0x4002],
    ['c.ldsp with rd = 0', 0x6002],
    ['c.jr with rs1 = 0', 0x8002],
    ['c.addi16sp with imm = 0', 0x6101],
  ];
  for (const [what, parcel] of cases) {
    it(what, () => {
      h.loadWords([...halves(C_NOP, parcel), ECALL]);
      const t = h.run();
      expect({ cause: t.cause, pc: t.pc, tval: t.tval >>> 0, instret: t.instret }).toEqual({
        cause: CAUSE_ILLEGAL_INSTRUCTION, pc: CODE_BASE + 2, tval: parcel, instret: 1,
      });
    });
  }
});

describe('rounding modes', () => {
  const h = new TestHart();
  const ONE = 0xffffffff3f800000n; // 1.0f, NaN-boxed

  it('dyn with frm 5, 6, 7 is illegal at execution (pc and word); frm 0..4 runs', () => {
    const add = faddS(2, 1, 1, DYN);
    for (let frm = 0; frm < 8; frm++) {
      h.loadWords([csr(CSRRWI, 0, FRM, frm), fmvDX(1, A0), add, fmvXW(A1, 2), ECALL]);
      const t = h.run({ regs: { a0: ONE } });
      if (frm <= 4) {
        expect(t.cause, `frm ${frm}`).toBe(CAUSE_ECALL_U);
        expect(h.reg('a1')).toBe(0x40000000n); // 2.0f
      } else {
        expect({ cause: t.cause, pc: t.pc, tval: t.tval >>> 0 }, `frm ${frm}`).toEqual({ cause: CAUSE_ILLEGAL_INSTRUCTION, pc: CODE_BASE + 8, tval: add });
      }
    }
  });

  it('static rm 5 and 6 are illegal whatever frm holds; fcvt.d.s (exact) too', () => {
    for (const w of [faddS(2, 1, 1, 5), faddS(2, 1, 1, 6), fcvtDS(2, 1, 5), fcvtDS(2, 1, 6)]) {
      h.loadWords([csr(CSRRWI, 0, FRM, 0), w, ECALL]);
      const t = h.run();
      expect({ cause: t.cause, pc: t.pc, tval: t.tval >>> 0 }).toEqual({ cause: CAUSE_ILLEGAL_INSTRUCTION, pc: CODE_BASE + 4, tval: w });
    }
    h.loadWords([csr(CSRRWI, 0, FRM, 6), fcvtDS(2, 1, DYN), ECALL]);
    expect(h.run().tval >>> 0, 'fcvt.d.s dyn with frm 6').toBe(fcvtDS(2, 1, DYN));
  });
});

describe('NaN-boxing', () => {
  const h = new TestHart();

  it('a single not boxed in all-ones reads as the canonical NaN', () => {
    // f1 = 0x00000000_3f800000 (1.0f without its box)
    h.loadWords([fmvDX(1, A0), faddS(2, 1, 1, RNE), fmvXD(A1, 2), fsgnjS(3, 1, 1), fmvXD(A2, 3), fclassS(A3, 1), ECALL]);
    h.run({ regs: { a0: 0x3f800000n } });
    expect(h.regU('a1'), 'fadd.s of an unboxed operand').toBe(0xffffffff7fc00000n);
    expect(h.regU('a2'), 'fmv.s (fsgnj.s) of an unboxed operand').toBe(0xffffffff7fc00000n);
    expect(h.reg('a3'), 'fclass.s: quiet NaN').toBe(0x200n);
  });

  it('properly boxed singles compute; flw and fmv.w.x box, fmv.x.w sign-extends the low word', () => {
    h.dv.setUint32(DATA_BASE, 0xbf800000, true); // -1.0f
    h.loadWords([fmvDX(1, A0), flw(2, A2, 0), faddS(3, 1, 2, RNE), fmvXD(A1, 3), fmvXD(A3, 2), fmvWX(4, A0), fmvXD(A0, 4), fmvXW(A2, 2), ECALL]);
    h.run({ regs: { a0: 0xffffffff40400000n, a2: BigInt(DATA_BASE) } }); // 3.0f
    expect(h.regU('a1'), '3 + -1 = 2.0f, boxed').toBe(0xffffffff40000000n);
    expect(h.regU('a3'), 'flw boxes').toBe(0xffffffffbf800000n);
    expect(h.regU('a0'), 'fmv.w.x boxes the low word').toBe(0xffffffff40400000n);
    expect(h.regU('a2'), 'fmv.x.w sign-extends').toBe(0xffffffffbf800000n);
  });

  it('fsd stores all 64 bits of an unboxed value; fld reads them back', () => {
    h.loadWords([fmvDX(1, A0), fsd(1, A2, 8), ECALL]);
    h.run({ regs: { a0: 0x123456789abcdef0n, a2: BigInt(DATA_BASE) } });
    expect(h.dv.getBigUint64(DATA_BASE + 8, true)).toBe(0x123456789abcdef0n);
  });
});

describe('fcsr, frm and fflags through Zicsr', () => {
  const h = new TestHart();
  const ONE = 0xffffffff3f800000n;

  it('fdiv.s by zero accrues DZ; fflags, frm and fcsr read their fields', () => {
    h.loadWords([
      csr(CSRRWI, 0, FCSR, 0), csr(CSRRWI, 0, FRM, 3), fmvDX(1, A0), fmvWX(2, 0), fdivS(3, 1, 2, RNE),
      csr(CSRRS, A1, FFLAGS, 0), csr(CSRRS, A2, FRM, 0), csr(CSRRS, A3, FCSR, 0), ECALL,
    ]);
    h.run({ regs: { a0: ONE } });
    expect([h.reg('a1'), h.reg('a2'), h.reg('a3')]).toEqual([8n, 3n, (3n << 5n) | 8n]);
  });

  it('writes mask to the valid bits: fcsr 8 bits, frm 3, fflags 5; set/clear forms and the old value in rd', () => {
    h.loadWords([
      csr(CSRRWI, 0, FCSR, 0),
      csr(CSRRW, A1, FCSR, A0), // a1 = old fcsr (0); fcsr = 0x1ff & 0xff
      csr(CSRRS, A2, FCSR, 0), // a2 = 0xff
      csr(CSRRCI, 0, FFLAGS, 0x15), // clear NV, OF, NX
      csr(CSRRW, A3, FRM, A0), // a3 = 7, frm = 0x1ff & 7 = 7
      csr(CSRRSI, 0, FRM, 0), // a read: no write
      csr(CSRRS, A0, FCSR, 0),
      ECALL,
    ]);
    h.run({ regs: { a0: 0x1ffn } });
    expect([h.reg('a1'), h.reg('a2'), h.reg('a3'), h.reg('a0')]).toEqual([0n, 0xffn, 7n, 0xean]);
    h.loadWords([csr(CSRRWI, 0, FCSR, 0), csr(CSRRSI, 0, FFLAGS, 0x1f), csr(CSRRC, 0, FFLAGS, A0), csr(CSRRS, A1, FCSR, 0), ECALL]);
    h.run({ regs: { a0: 0x3n } });
    expect(h.reg('a1')).toBe(0x1cn);
  });
});

describe('Zalasr: a misaligned load-acquire / store-release raises address-misaligned', () => {
  const h = new TestHart();
  it('lw.aq at an address off 4 bytes: cause 4, tval the address, rd unchanged; aligned loads', () => {
    h.dv.setUint32(DATA_BASE, 0x89abcdef, true);
    h.loadWords([lwAq(A1, A0), ECALL]);
    expect(h.run({ regs: { a0: BigInt(DATA_BASE) } }).cause).toBe(CAUSE_ECALL_U);
    expect(h.regU('a1')).toBe(0xffffffff89abcdefn);
    const t = h.run({ regs: { a0: BigInt(DATA_BASE + 2), a1: 5n } });
    expect({ cause: t.cause, pc: t.pc, tval: t.tval }).toEqual({ cause: CAUSE_MISALIGNED_LOAD, pc: CODE_BASE, tval: DATA_BASE + 2 });
    expect(h.reg('a1')).toBe(5n);
  });
  it('sw.rl at an address off 4 bytes: cause 6, memory unchanged', () => {
    h.dv.setUint32(DATA_BASE + 16, 0, true);
    h.dv.setUint32(DATA_BASE + 20, 0, true);
    h.loadWords([swRl(A1, A0), ECALL]);
    const t = h.run({ regs: { a0: BigInt(DATA_BASE + 17), a1: -1n } });
    expect({ cause: t.cause, tval: t.tval }).toEqual({ cause: CAUSE_MISALIGNED_STORE, tval: DATA_BASE + 17 });
    expect([h.dv.getUint32(DATA_BASE + 16, true), h.dv.getUint32(DATA_BASE + 20, true)]).toEqual([0, 0]);
  });
});

// ---- both memory models: straddling instructions and self-modifying code

const RAM_BYTES = 1 << 17;
const RAM_BASE = 0x1000;
const PAGE = 0x10000; // a page boundary (and a cache-line boundary)

function machine(model: 'flat' | 'caches') {
  const ram = new SharedArrayBuffer(RAM_BYTES);
  const dv = new DataView(ram);
  const g = { ...DEFAULT_GEOMETRY, cores: 1 };
  const caches = model === 'caches' ? { views: new CoherenceViews(g, allocateCoherence(g)), table: new ProtocolTable(TRANSITIONS) } : undefined;
  const wired = createCoreMemory({ core: 0, ram, ramBase: RAM_BASE, lrscHold: 0, caches });
  const { mem, decode } = wired;
  const ctr = wired.ctr ?? new Float64Array(counterLength(1));
  const handler = new RecordingTrapHandler();
  const hart = new Hart({ hartId: 0, mem, decode, trap: handler, timePerCycle: 1 });
  const put = (at: number, words: ArrayLike<number>) => {
    for (let i = 0; i < words.length; i++) dv.setUint32(at + 4 * i, words[i]! >>> 0, true);
  };
  const run = (pc: number) => {
    hart.pc = pc;
    expect(hart.run(1_000_000)).not.toBe(RUN_LIMIT);
    expect(handler.last?.cause).toBe(CAUSE_ECALL_U);
    return handler.last!;
  };
  return { hart, put, run, ctr };
}

const ADDI_A0_5 = 0x00550513, ADDI_A0_7 = 0x00750513;

for (const model of ['flat', 'caches'] as const) {
  describe(`${model}: a 32-bit instruction across a cache line and a page`, () => {
    it('executes whole, links and continues at pc + 4; in caches mode the L1i fetches both lines', () => {
      const m = machine(model);
      // PAGE - 4: c.nop; PAGE - 2: addi a0, a0, 5 (straddling); PAGE + 2: ecall
      m.put(PAGE - 4, halves(C_NOP, ...split(ADDI_A0_5)));
      m.put(PAGE, halves(split(ADDI_A0_5)[1]!, ...split(ECALL)));
      m.put(PAGE + 4, halves(split(ECALL)[1]!, C_NOP));
      const t = m.run(PAGE - 4);
      expect(t.pc).toBe(PAGE + 2);
      expect(t.instret).toBe(3);
      expect(m.hart.xl[10]).toBe(5);
      if (model === 'caches') expect([m.ctr[CTR.l1iMisses], m.ctr[CTR.l1iHits]]).toEqual([2, 0]);
    });
  });

  describe(`${model}: stores into code invalidate compressed and straddling instructions`, () => {
    // CODE: calls S (compressed: c.li a1, 1; ret) and T (PAGE - 4: c.nop; addi a0, a0, 5 straddling
    // PAGE; ret), rewrites S's c.li to c.li a1, 2 and the straddler's upper parcel (at PAGE) to make
    // it addi a0, a0, 7, then calls both again.
    const CODE = 0x4000, S = 0x8002;
    function program(store: string) {
      return assemble(`
        jal ra, ${S - CODE}
        add a2, a1, zero
        jal ra, ${PAGE - 4 - (CODE + 8)}
        ${store}
        jal ra, ${S - (CODE + 28)}
        jal ra, ${PAGE - 4 - (CODE + 32)}
        ecall`).words;
    }
    function setup(store: string) {
      const m = machine(model);
      m.put(CODE, program(store));
      m.put(S - 2, halves(C_NOP, 0x4585 /* c.li a1, 1 */, C_RET, C_NOP));
      m.put(PAGE - 4, halves(C_NOP, ...split(ADDI_A0_5), C_RET));
      m.hart.xl[14] = PAGE; // a4
      m.hart.xl[15] = S; // a5
      m.hart.xl[16] = ADDI_A0_7 >>> 16; // a6: the new upper parcel
      m.hart.xl[17] = 0x4589; // a7: c.li a1, 2
      return m;
    }

    it('sh (16-bit stores): the new c.li and the new straddler run', () => {
      const m = setup('sh a7, 0(a5)\n        sh a6, 0(a4)\n        nop\n        nop');
      m.run(CODE);
      expect([m.hart.xl[12], m.hart.xl[11], m.hart.xl[10]]).toEqual([1, 2, 5 + 7]);
    });

    it('sw across both parcels of the straddler (written address = PAGE - 2)', () => {
      const m = setup('addi t0, a4, -2\n        sw t1, 0(t0)\n        sh a7, 0(a5)\n        nop');
      m.hart.xl[6] = ADDI_A0_7 | 0; // t1: the whole new instruction, stored at PAGE - 2
      m.run(CODE);
      expect([m.hart.xl[11], m.hart.xl[10]]).toEqual([2, 5 + 7]);
    });

    it('amoswap.w on the word holding the straddler\'s upper parcel', () => {
      const m = setup('amoswap.w t2, t1, (a4)\n        sh a7, 0(a5)\n        nop\n        nop');
      m.hart.xl[6] = ((C_RET << 16) | (ADDI_A0_7 >>> 16)) | 0; // t1: new upper parcel, ret kept
      m.run(CODE);
      expect([m.hart.xl[11], m.hart.xl[10]]).toEqual([2, 5 + 7]);
    });
  });
}

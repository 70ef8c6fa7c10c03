// The one decoder (cores/decode.ts): every op decodes to its fields, reserved encodings stay
// illegal, the assembler's table and the decoder agree on which words exist, the disassembler
// round-trips through it, and the worker bundle keeps Hart.run's case labels literal.
import { buildSync } from 'esbuild';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, decodeWord, mnemonic, newInstr, Op, OP_NAMES } from '../../cores/decode.ts';
import { ABI_NAMES, FP_ABI_NAMES, ROUNDING_MODES, assemble, disassemble, INSTRUCTIONS, matchSpec, parseRegister, type InstrSpec } from '../../src/asm/index.ts';

const hex = (w: number) => '0x' + (w >>> 0).toString(16).padStart(8, '0');
const name = (w: number) => mnemonic(decodeWord(w));

// ---------------------------------------------------------------- every assembler instruction

/** An instance of spec s with random operands: its text and the fields decode must give. */
interface Case {
  text: string;
  rd?: number;
  rs1?: number;
  rs2?: number;
  imm?: number;
  csr?: number;
  aq?: number;
  rl?: number;
  rs3?: number;
  rm?: number;
}

const reg = fc.integer({ min: 0, max: 31 });
const int = (min: number, max: number, step = 1) =>
  fc.integer({ min: Math.ceil(min / step), max: Math.floor(max / step) }).map((k) => k * step);
const R = (i: number) => ABI_NAMES[i]!;
const F = (i: number) => FP_ABI_NAMES[i]!;
/** A rounding mode as written (absent: the spec's default) and the rm it encodes. */
const rmArb = (s: InstrSpec) =>
  fc.constantFrom(-1, 0, 1, 2, 3, 4, 7).map((rm): [string, number] => (rm < 0 ? ['', s.rmDefault!] : [`, ${ROUNDING_MODES[rm]}`, rm]));
const FENCE_SET = (v: number) => (v === 0 ? '0' : [...'iorw'].filter((_, i) => v & (8 >> i)).join(''));

function caseArb(s: InstrSpec): fc.Arbitrary<Case> {
  const mn = s.mnemonic;
  const suffix = fc.constantFrom<[string, number, number]>(['', 0, 0], ['.aq', 1, 0], ['.rl', 0, 1], ['.aqrl', 1, 1]);
  switch (s.syntax) {
    case 'rrr':
      return fc.tuple(reg, reg, reg).map(([rd, rs1, rs2]) => ({ text: `${mn} ${R(rd)}, ${R(rs1)}, ${R(rs2)}`, rd, rs1, rs2 }));
    case 'rri':
      return fc.tuple(reg, reg, int(-2048, 2047)).map(([rd, rs1, imm]) => ({ text: `${mn} ${R(rd)}, ${R(rs1)}, ${imm}`, rd, rs1, imm }));
    case 'shift':
    case 'shiftw':
      return fc.tuple(reg, reg, int(0, s.syntax === 'shift' ? 63 : 31)).map(([rd, rs1, imm]) => ({ text: `${mn} ${R(rd)}, ${R(rs1)}, ${imm}`, rd, rs1, imm }));
    case 'load':
    case 'jalr':
      return fc.tuple(reg, reg, int(-2048, 2047)).map(([rd, rs1, imm]) => ({ text: `${mn} ${R(rd)}, ${imm}(${R(rs1)})`, rd, rs1, imm }));
    case 'store':
      return fc.tuple(reg, reg, int(-2048, 2047)).map(([rs2, rs1, imm]) => ({ text: `${mn} ${R(rs2)}, ${imm}(${R(rs1)})`, rs1, rs2, imm }));
    case 'branch':
      return fc.tuple(reg, reg, int(-4096, 4094, 2)).map(([rs1, rs2, imm]) => ({ text: `${mn} ${R(rs1)}, ${R(rs2)}, ${imm}`, rs1, rs2, imm }));
    case 'upper':
      return fc.tuple(reg, int(0, 0xfffff)).map(([rd, u]) => ({ text: `${mn} ${R(rd)}, 0x${u.toString(16)}`, rd, imm: u << 12 }));
    case 'jal':
      return fc.tuple(reg, int(-(2 ** 20), 2 ** 20 - 2, 2)).map(([rd, imm]) => ({ text: `${mn} ${R(rd)}, ${imm}`, rd, imm }));
    case 'fence':
      return fc.tuple(int(1, 15), int(1, 15)).map(([p, q]) => ({ text: `${mn} ${FENCE_SET(p)}, ${FENCE_SET(q)}`, imm: (p << 4) | q }));
    case 'fixed':
      return fc.constant({ text: mn });
    case 'sfence':
      return fc.tuple(reg, reg).map(([rs1, rs2]) => ({ text: `${mn} ${R(rs1)}, ${R(rs2)}`, rs1, rs2 }));
    case 'csr':
      return fc.tuple(reg, int(0, 0xfff), reg).map(([rd, csr, rs1]) => ({ text: `${mn} ${R(rd)}, 0x${csr.toString(16)}, ${R(rs1)}`, rd, csr, rs1 }));
    case 'csri':
      return fc.tuple(reg, int(0, 0xfff), int(0, 31)).map(([rd, csr, imm]) => ({ text: `${mn} ${R(rd)}, 0x${csr.toString(16)}, ${imm}`, rd, csr, imm }));
    case 'lr':
      return fc.tuple(reg, reg, suffix).map(([rd, rs1, [sx, aq, rl]]) => ({ text: `${mn}${sx} ${R(rd)}, (${R(rs1)})`, rd, rs1, aq, rl }));
    case 'lraq':
      return fc.tuple(reg, reg).map(([rd, rs1]) => ({ text: `${mn} ${R(rd)}, (${R(rs1)})`, rd, rs1, rs2: 0, aq: 1, rl: mn.endsWith('aqrl') ? 1 : 0 }));
    case 'strl':
      return fc.tuple(reg, reg).map(([rs2, rs1]) => ({ text: `${mn} ${R(rs2)}, (${R(rs1)})`, rd: 0, rs1, rs2, aq: mn.endsWith('aqrl') ? 1 : 0, rl: 1 }));
    case 'amo':
      return fc.tuple(reg, reg, reg, suffix).map(([rd, rs2, rs1, [sx, aq, rl]]) => ({ text: `${mn}${sx} ${R(rd)}, ${R(rs2)}, (${R(rs1)})`, rd, rs1, rs2, aq, rl }));
    case 'fload':
      return fc.tuple(reg, reg, int(-2048, 2047)).map(([rd, rs1, imm]) => ({ text: `${mn} ${F(rd)}, ${imm}(${R(rs1)})`, rd, rs1, imm }));
    case 'fstore':
      return fc.tuple(reg, reg, int(-2048, 2047)).map(([rs2, rs1, imm]) => ({ text: `${mn} ${F(rs2)}, ${imm}(${R(rs1)})`, rs1, rs2, imm }));
    case 'fr4':
      return fc.tuple(reg, reg, reg, reg, rmArb(s)).map(([rd, rs1, rs2, rs3, [t, rm]]) => ({ text: `${mn} ${F(rd)}, ${F(rs1)}, ${F(rs2)}, ${F(rs3)}${t}`, rd, rs1, rs2, rs3, rm }));
    case 'frrm':
      return fc.tuple(reg, reg, reg, rmArb(s)).map(([rd, rs1, rs2, [t, rm]]) => ({ text: `${mn} ${F(rd)}, ${F(rs1)}, ${F(rs2)}${t}`, rd, rs1, rs2, rm }));
    case 'frr':
      return fc.tuple(reg, reg, reg).map(([rd, rs1, rs2]) => ({ text: `${mn} ${F(rd)}, ${F(rs1)}, ${F(rs2)}`, rd, rs1, rs2 }));
    case 'xff':
      return fc.tuple(reg, reg, reg).map(([rd, rs1, rs2]) => ({ text: `${mn} ${R(rd)}, ${F(rs1)}, ${F(rs2)}`, rd, rs1, rs2 }));
    case 'fr1rm':
      return fc.tuple(reg, reg, rmArb(s)).map(([rd, rs1, [t, rm]]) => ({ text: `${mn} ${F(rd)}, ${F(rs1)}${t}`, rd, rs1, rm }));
    case 'xfrm':
      return fc.tuple(reg, reg, rmArb(s)).map(([rd, rs1, [t, rm]]) => ({ text: `${mn} ${R(rd)}, ${F(rs1)}${t}`, rd, rs1, rm }));
    case 'fxrm':
      return fc.tuple(reg, reg, rmArb(s)).map(([rd, rs1, [t, rm]]) => ({ text: `${mn} ${F(rd)}, ${R(rs1)}${t}`, rd, rs1, rm }));
    case 'xf':
      return fc.tuple(reg, reg).map(([rd, rs1]) => ({ text: `${mn} ${R(rd)}, ${F(rs1)}`, rd, rs1 }));
    case 'fx':
      return fc.tuple(reg, reg).map(([rd, rs1]) => ({ text: `${mn} ${F(rd)}, ${R(rs1)}`, rd, rs1 }));
  }
}

describe('decode(assemble(x)): every instruction the assembler knows', () => {
  for (const s of INSTRUCTIONS.values()) {
    it(`${s.mnemonic}: op and operands, and disassemble(decode) reassembles to the same word`, () => {
      fc.assert(
        fc.property(caseArb(s), (c) => {
          const w = assemble(c.text).words[0]!;
          const d = decodeWord(w);
          expect(mnemonic(d), c.text).toBe(s.mnemonic);
          expect(d.len).toBe(4);
          const want = { rd: d.rd, rs1: d.rs1, rs2: d.rs2, imm: d.imm, csr: d.csr, aq: d.aq, rl: d.rl, rs3: d.rs3, rm: d.rm };
          const got = { ...want };
          for (const k of Object.keys(want) as Array<keyof typeof want>) if (c[k] !== undefined) want[k] = c[k] | 0;
          expect(got, c.text).toEqual(want);
          expect(assemble(disassemble(w)).words[0], c.text).toBe(w);
        }),
        { numRuns: 60 },
      );
    });
  }
});

// ---------------------------------------------------------------- two tables, one answer

/** Deterministic words (seeded xorshift) with a major opcode the base ISA uses. */
function* words(seed: number, count: number): Generator<number> {
  const opcodes = [0x03, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x2f, 0x33, 0x37, 0x3b, 0x63, 0x67, 0x6f, 0x73];
  let x = seed >>> 0 || 1;
  const next = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), x >>> 0);
  for (let i = 0; i < count; i++) {
    let w = (next() & ~0x7f) | opcodes[next() % opcodes.length]!;
    // Clear high bits often, so the fixed funct7/funct5/funct12 values come up.
    if (i % 3 === 1) w &= 0x01ffffff;
    if (i % 3 === 2) w = (w & 0x000fffff) | ((next() % 4) << 20) | ((next() % 128) << 25);
    yield w >>> 0;
  }
}

describe('the decoder and the assembler table agree on which words exist', () => {
  const seed = Number(process.env.DECODE_SEED ?? Date.now() % 100000);
  it(`a word the assembler table matches decodes to that mnemonic, and back (seed ${seed}; DECODE_SEED replays it)`, () => {
    let matched = 0;
    for (const w of words(seed, 300_000)) {
      const s = matchSpec(w);
      const n = name(w);
      if (s) {
        matched++;
        expect(n, hex(w)).toBe(s.mnemonic);
      } else if (n !== 'fence' && n !== 'fence.i' && INSTRUCTIONS.has(n!)) {
        // Only fence and fence.i decode words the assembler cannot write (their reserved fields).
        expect.fail(`${hex(w)} decodes as ${n} but the assembler has no such word`);
      }
    }
    expect(matched).toBeGreaterThan(30_000);
  });
});

// ---------------------------------------------------------------- illegal stays illegal

describe('reserved and unknown encodings decode to ILLEGAL', () => {
  const cases: Array<[string, number]> = [
    ['zero word', 0x00000000],
    ['all ones', 0xffffffff],
    ['load funct3 7', 0x00007003],
    ['store funct3 4', 0x00004023],
    ['branch funct3 2', 0x00002063],
    ['jalr funct3 1', 0x00001067],
    ['slli with funct6 1', 0x04001013],
    ['srai with funct6 0x11', 0x44005013],
    ['slliw with shamt[5] set', 0x0200101b],
    ['OP funct7 2', 0x04000033],
    ['OP-32 M funct3 1', 0x0200103b],
    ['lr.w with rs2 != 0', 0x1015252f],
    ['AMO funct3 0', 0x0000002f],
    ['AMO funct5 0x05', 0x2800a02f],
    ['SYSTEM funct3 4', 0x00004073],
    ['SYSTEM funct3 0, unknown funct12', 0x00200073],
    ['sfence.vma with rd != 0', 0x120000f3],
    ['fadd.s, reserved rm 5', 0x0020d053],
    ['fadd.d, reserved rm 6', 0x0220e053],
    ['fmadd.s, reserved rm 5', 0x18205043],
    ['fadd.h (fmt 2, no Zfh)', 0x04208053],
    ['fmadd.q (fmt 3)', 0x1e208043],
    ['fsqrt.s with rs2 != 0', 0x58108053],
    ['fcvt.s.s (fcvt.s.d with rs2 = 0)', 0x40008053],
    ['fcvt.d.d (fcvt.d.s with rs2 = 1)', 0x42108053],
    ['fcvt.w.s with rs2 = 4', 0xc0408053],
    ['fsgnj.s funct3 3', 0x2020b053],
    ['fmin.s funct3 2', 0x2820a053],
    ['feq.s funct3 3', 0xa020b053],
    ['fmv.x.w funct3 2', 0xe000a553],
    ['fmv.w.x with rs2 != 0', 0xf0158053],
    ['flw funct3 1', 0x00001007],
    ['fsw funct3 4', 0x00004027],
    ['lb.aq without aq', 0x3005002f],
    ['lw.aq with rs2 != 0', 0x3415232f],
    ['lq.aq (funct3 4, RV128)', 0x3405432f],
    ['sb.rl without rl', 0x3805002f],
    ['sw.rl with rd != 0', 0x3a05232f],
  ];
  for (const [what, w] of cases) {
    it(`${what} (${hex(w)})`, () => {
      expect(name(w)).toBe('illegal');
      expect(decodeWord(w).imm).toBe(0);
    });
  }

  it('uniformly random words: decode is ILLEGAL exactly when no op claims them (no throw, no out-of-range op)', () => {
    const d = newInstr();
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (w) => {
        const op = decode(w, d);
        expect(op).toBeGreaterThanOrEqual(0);
        expect(op).toBeLessThan(Op.COUNT);
        expect(op < Op.LI || op > Op.FSTORE, 'interpreter forms never come out of decode()').toBe(true);
        expect(d.op).toBe(op);
      }),
      { numRuns: 20_000 },
    );
  });
});

// ---------------------------------------------------------------- F and D, Zalasr, length

/** F and D instructions as llvm-mc 14 (`-triple=riscv64 -mattr=+f,+d -show-encoding`) encodes them. */
const FD_GOLDEN: Array<[string, number]> = [
  ['flw ft0, -8(a0)', 0xff852007],
  ['fsw ft1, 2047(sp)', 0x7e112fa7],
  ['fld fa0, 16(s0)', 0x01043507],
  ['fsd fs11, -2048(t6)', 0x81bfb027],
  ['fmadd.s ft0, ft1, ft2, ft3, rne', 0x18208043],
  ['fmsub.s fa0, fa1, fa2, fa3, rtz', 0x68c59547],
  ['fnmsub.s fs0, fs1, fs2, fs3, rdn', 0x9924a44b],
  ['fnmadd.s ft8, ft9, ft10, ft11, rup', 0xf9eebe4f],
  ['fmadd.d ft0, ft1, ft2, ft3, rmm', 0x1a20c043],
  ['fmsub.d fa0, fa1, fa2, fa3, dyn', 0x6ac5f547],
  ['fnmsub.d fs0, fs1, fs2, fs3, rne', 0x9b24844b],
  ['fnmadd.d ft8, ft9, ft10, ft11, rtz', 0xfbee9e4f],
  ['fadd.s ft0, ft1, ft2, rne', 0x00208053],
  ['fsub.s ft0, ft1, ft2, rtz', 0x08209053],
  ['fmul.s ft0, ft1, ft2, rdn', 0x1020a053],
  ['fdiv.s ft0, ft1, ft2, rup', 0x1820b053],
  ['fsqrt.s ft0, ft1, rmm', 0x5800c053],
  ['fsgnj.s ft0, ft1, ft2', 0x20208053],
  ['fsgnjn.s ft0, ft1, ft2', 0x20209053],
  ['fsgnjx.s ft0, ft1, ft2', 0x2020a053],
  ['fmin.s ft0, ft1, ft2', 0x28208053],
  ['fmax.s ft0, ft1, ft2', 0x28209053],
  ['fcvt.w.s a0, ft1, rtz', 0xc0009553],
  ['fcvt.wu.s a0, ft1, rne', 0xc0108553],
  ['fcvt.l.s a0, ft1, dyn', 0xc020f553],
  ['fcvt.lu.s a0, ft1, rup', 0xc030b553],
  ['fmv.x.w a0, ft1', 0xe0008553],
  ['feq.s a0, ft1, ft2', 0xa020a553],
  ['flt.s a0, ft1, ft2', 0xa0209553],
  ['fle.s a0, ft1, ft2', 0xa0208553],
  ['fclass.s a0, ft1', 0xe0009553],
  ['fcvt.s.w ft0, a1, rne', 0xd0058053],
  ['fcvt.s.wu ft0, a1, rtz', 0xd0159053],
  ['fcvt.s.l ft0, a1, rdn', 0xd025a053],
  ['fcvt.s.lu ft0, a1, rup', 0xd035b053],
  ['fmv.w.x ft0, a1', 0xf0058053],
  ['fadd.d fa0, fa1, fa2, rne', 0x02c58553],
  ['fsub.d fa0, fa1, fa2, dyn', 0x0ac5f553],
  ['fmul.d fa0, fa1, fa2, rtz', 0x12c59553],
  ['fdiv.d fa0, fa1, fa2, rmm', 0x1ac5c553],
  ['fsqrt.d fa0, fa1, rdn', 0x5a05a553],
  ['fsgnj.d fa0, fa1, fa2', 0x22c58553],
  ['fsgnjn.d fa0, fa1, fa2', 0x22c59553],
  ['fsgnjx.d fa0, fa1, fa2', 0x22c5a553],
  ['fmin.d fa0, fa1, fa2', 0x2ac58553],
  ['fmax.d fa0, fa1, fa2', 0x2ac59553],
  ['fcvt.w.d a0, fa1, rtz', 0xc2059553],
  ['fcvt.wu.d a0, fa1, rne', 0xc2158553],
  ['fcvt.l.d a0, fa1, dyn', 0xc225f553],
  ['fcvt.lu.d a0, fa1, rup', 0xc235b553],
  ['fmv.x.d a0, fa1', 0xe2058553],
  ['feq.d a0, fa1, fa2', 0xa2c5a553],
  ['flt.d a0, fa1, fa2', 0xa2c59553],
  ['fle.d a0, fa1, fa2', 0xa2c58553],
  ['fclass.d a0, fa1', 0xe2059553],
  ['fcvt.d.w fa0, a1', 0xd2058553],
  ['fcvt.d.wu fa0, a1', 0xd2158553],
  ['fcvt.d.l fa0, a1, rdn', 0xd225a553],
  ['fcvt.d.lu fa0, a1, rup', 0xd235b553],
  ['fmv.d.x fa0, a1', 0xf2058553],
  ['fcvt.s.d fa0, fa1, rmm', 0x4015c553],
  ['fcvt.d.s fa0, fa1', 0x42058553],
];

const F_ABI = ['ft0', 'ft1', 'ft2', 'ft3', 'ft4', 'ft5', 'ft6', 'ft7', 'fs0', 'fs1', 'fa0', 'fa1', 'fa2', 'fa3', 'fa4', 'fa5',
  'fa6', 'fa7', 'fs2', 'fs3', 'fs4', 'fs5', 'fs6', 'fs7', 'fs8', 'fs9', 'fs10', 'fs11', 'ft8', 'ft9', 'ft10', 'ft11'];
const RM: Record<string, number> = { rne: 0, rtz: 1, rdn: 2, rup: 3, rmm: 4, dyn: 7 };
const regNo = (r: string) => (F_ABI.includes(r) ? F_ABI.indexOf(r) : parseRegister(r)!);

describe('F and D decode (golden words from llvm-mc)', () => {
  for (const [text, w] of FD_GOLDEN) {
    it(text, () => {
      const [mn, ...ops] = text.replace(/,/g, ' ').split(/\s+/).filter(Boolean);
      const d = decodeWord(w);
      expect(OP_NAMES[d.op]).toBe(mn);
      const rm = ops.length > 0 && ops[ops.length - 1]! in RM ? RM[ops.pop()!]! : 0;
      expect(d.rm).toBe(rm);
      const mem = /^(-?\d+)\((\w+)\)$/.exec(ops[1] ?? '');
      if (mem) {
        // flw/fld: rd, imm(rs1); fsw/fsd: rs2, imm(rs1)
        expect(mn!.startsWith('fs') ? d.rs2 : d.rd).toBe(regNo(ops[0]!));
        expect({ imm: d.imm, rs1: d.rs1 }).toEqual({ imm: Number(mem[1]), rs1: regNo(mem[2]!) });
      } else {
        const fields = [d.rd, d.rs1, d.rs2, d.rs3].slice(0, ops.length);
        expect(fields).toEqual(ops.map(regNo));
      }
    });
  }

  it('every static rounding mode and dyn decode; 5 and 6 are reserved', () => {
    const fadd = 0x00208053; // fadd.s ft0, ft1, ft2, rne
    for (let rm = 0; rm < 8; rm++) {
      const d = decodeWord(fadd | (rm << 12));
      expect(OP_NAMES[d.op]).toBe(rm === 5 || rm === 6 ? 'illegal' : 'fadd.s');
      if (d.op !== Op.ILLEGAL) expect(d.rm).toBe(rm);
    }
  });
});

describe('Zalasr (load-acquire, store-release)', () => {
  it('ld.aq t1, (a0) is 0x3405332f (LLVM MC test for Zalasr)', () => {
    const d = decodeWord(0x3405332f);
    expect({ op: OP_NAMES[d.op], rd: d.rd, rs1: d.rs1, aq: d.aq, rl: d.rl }).toEqual({ op: 'ld.aq', rd: 6, rs1: 10, aq: 1, rl: 0 });
  });
  const widths = ['b', 'h', 'w', 'd'];
  for (let f3 = 0; f3 < 4; f3++) {
    it(`l${widths[f3]}.aq[rl] and s${widths[f3]}.rl / .aqrl`, () => {
      for (const rl of [0, 1]) {
        // funct5 00110, aq = 1, rs2 = 0: load-acquire a5, (a1)
        const lw = ((0x06 << 27) | (1 << 26) | (rl << 25) | (11 << 15) | (f3 << 12) | (15 << 7) | 0x2f) >>> 0;
        const d = decodeWord(lw);
        expect({ op: OP_NAMES[d.op], rd: d.rd, rs1: d.rs1, aq: d.aq, rl: d.rl, imm: d.imm }).toEqual({ op: `l${widths[f3]}.aq`, rd: 15, rs1: 11, aq: 1, rl, imm: 0 });
      }
      for (const aq of [0, 1]) {
        // funct5 00111, rl = 1, rd = 0: store-release a4, (a2)
        const sw = ((0x07 << 27) | (aq << 26) | (1 << 25) | (14 << 20) | (12 << 15) | (f3 << 12) | 0x2f) >>> 0;
        const d = decodeWord(sw);
        expect({ op: OP_NAMES[d.op], rs2: d.rs2, rs1: d.rs1, aq: d.aq, rl: d.rl }).toEqual({ op: `s${widths[f3]}.rl`, rs2: 14, rs1: 12, aq, rl: 1 });
      }
    });
  }
});

describe('op names', () => {
  it('one name per op, and op numbers fit the 8 bits a decode-cache entry gives them', () => {
    expect(OP_NAMES.length).toBe(Op.COUNT);
    expect(Op.COUNT).toBeLessThanOrEqual(256);
    expect(OP_NAMES[Op.LI]).toBe('li');
    expect(OP_NAMES[Op.FCVT_D_S]).toBe('fcvt.d.s');
  });
});

describe('instruction length', () => {
  it('a compressed instruction decodes from its expansion with len 2, otherwise as its 32-bit twin', () => {
    const d = newInstr();
    const w = assemble('addi a0, a0, -3').words[0]!; // c.addi a0, -3 expands to this
    expect(decode(w, d, 2)).toBe(Op.ADDI);
    expect({ len: d.len, rd: d.rd, rs1: d.rs1, imm: d.imm }).toEqual({ len: 2, rd: 10, rs1: 10, imm: -3 });
    decode(w, d);
    expect(d.len).toBe(4);
  });
});

// ---------------------------------------------------------------- the worker bundle

describe('Hart.run in the worker bundle', () => {
  it('switches on literal case labels (esbuild inlined Op), so V8 can build a jump table', () => {
    const out = buildSync({
      entryPoints: [new URL('../../cores/worker.ts', import.meta.url).pathname],
      bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent',
    }).outputFiles[0]!.text;
    const start = out.indexOf('run(cycleLimit) {');
    const end = out.indexOf('\n  commit(n, stalls) {', start);
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const body = out.slice(start, end);
    const labels = [...body.matchAll(/\bcase ([^:]+):/g)].map((m) => m[1]!.trim());
    expect(labels.length).toBeGreaterThan(70);
    expect(labels.filter((l) => !/^\d+( \/\* \w+ \*\/)?$/.test(l))).toEqual([]);
  });
});

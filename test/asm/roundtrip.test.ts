import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ABI_NAMES, AQRL_SUFFIXES, assemble, CSR_NAMES, disassemble, disassembleAt, disassembleParcel, FP_ABI_NAMES, INSTRUCTIONS, ROUNDING_MODES, type InstrSpec } from '../../src/asm/index.ts';

// ---------------------------------------------------------------- generators of assembly text

const regName = fc.oneof(
  fc.integer({ min: 0, max: 31 }).map((i) => `x${i}`),
  fc.integer({ min: 0, max: 31 }).map((i) => ABI_NAMES[i]!),
  fc.constant('fp'),
);

/** Integer in [lo, hi] printed in decimal or (signed) hex. */
function intText(lo: number, hi: number, multipleOf = 1): fc.Arbitrary<string> {
  return fc
    .tuple(fc.integer({ min: Math.ceil(lo / multipleOf), max: Math.floor(hi / multipleOf) }), fc.boolean())
    .map(([k, asHex]) => {
      const v = k * multipleOf;
      if (!asHex) return String(v);
      return v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
    });
}

const fregName = fc.oneof(
  fc.integer({ min: 0, max: 31 }).map((i) => `f${i}`),
  fc.integer({ min: 0, max: 31 }).map((i) => FP_ABI_NAMES[i]!),
);

/** An optional rounding-mode operand (with its comma). */
const rmText = fc.constantFrom('', ...ROUNDING_MODES.filter((m) => m !== '').map((m) => `, ${m}`));

const csrText = fc.oneof(
  intText(0, 0xfff),
  fc.constantFrom(...CSR_NAMES.keys()),
);

const fenceSetText = fc.integer({ min: 0, max: 15 }).map((v) => {
  if (v === 0) return '0';
  return [...'iorw'].filter((_, i) => v & (8 >> i)).join('');
});

const imm12 = intText(-2048, 2047);
const branchOff = intText(-4096, 4094, 2);
const jalOff = intText(-(2 ** 20), 2 ** 20 - 2, 2);

function instrArb(s: InstrSpec): fc.Arbitrary<string> {
  const mn = s.mnemonic;
  const t = <T extends unknown[]>(...arbs: { [K in keyof T]: fc.Arbitrary<T[K]> }) => fc.tuple(...arbs);
  switch (s.syntax) {
    case 'rrr':
      return t(regName, regName, regName).map(([a, b, c]) => `${mn} ${a}, ${b}, ${c}`);
    case 'rri':
      return t(regName, regName, imm12).map(([a, b, c]) => `${mn} ${a}, ${b}, ${c}`);
    case 'shift':
      return t(regName, regName, intText(0, 63)).map(([a, b, c]) => `${mn} ${a}, ${b}, ${c}`);
    case 'shiftw':
      return t(regName, regName, intText(0, 31)).map(([a, b, c]) => `${mn} ${a}, ${b}, ${c}`);
    case 'load':
    case 'store':
      return t(regName, imm12, regName).map(([a, off, b]) => `${mn} ${a}, ${off}(${b})`);
    case 'branch':
      return t(regName, regName, branchOff).map(([a, b, c]) => `${mn} ${a}, ${b}, ${c}`);
    case 'upper':
      return t(regName, intText(0, 0xfffff)).map(([a, b]) => `${mn} ${a}, ${b}`);
    case 'jal':
      return fc.oneof(
        t(regName, jalOff).map(([a, b]) => `${mn} ${a}, ${b}`),
        jalOff.map((b) => `${mn} ${b}`),
      );
    case 'jalr':
      return fc.oneof(
        t(regName, imm12, regName).map(([a, off, b]) => `${mn} ${a}, ${off}(${b})`),
        t(regName, regName, imm12).map(([a, b, off]) => `${mn} ${a}, ${b}, ${off}`),
        t(regName, regName).map(([a, b]) => `${mn} ${a}, ${b}`),
        regName.map((a) => `${mn} ${a}`),
      );
    case 'fence':
      return fc.oneof(fc.constant(mn), t(fenceSetText, fenceSetText).map(([p, q]) => `${mn} ${p}, ${q}`));
    case 'fixed':
      return fc.constant(mn);
    case 'sfence':
      return t(regName, regName).map(([a, b]) => `${mn} ${a}, ${b}`);
    case 'csr':
      return t(regName, csrText, regName).map(([a, c, b]) => `${mn} ${a}, ${c}, ${b}`);
    case 'csri':
      return t(regName, csrText, intText(0, 31)).map(([a, c, b]) => `${mn} ${a}, ${c}, ${b}`);
    case 'lr':
      return t(fc.constantFrom(...AQRL_SUFFIXES.map(([sfx]) => sfx)), regName, regName, fc.boolean()).map(
        ([sfx, a, b, zero]) => `${mn}${sfx} ${a}, ${zero ? '0' : ''}(${b})`,
      );
    case 'amo':
      return t(fc.constantFrom(...AQRL_SUFFIXES.map(([sfx]) => sfx)), regName, regName, regName, fc.boolean()).map(
        ([sfx, a, b, c, zero]) => `${mn}${sfx} ${a}, ${b}, ${zero ? '0' : ''}(${c})`,
      );
    case 'lraq':
    case 'strl':
      // Zalasr: the ordering suffix is part of the mnemonic
      return t(regName, regName, fc.boolean()).map(([a, b, zero]) => `${mn} ${a}, ${zero ? '0' : ''}(${b})`);
    case 'fload':
    case 'fstore':
      return t(fregName, imm12, regName).map(([a, off, b]) => `${mn} ${a}, ${off}(${b})`);
    case 'fr4':
      return t(fregName, fregName, fregName, fregName, rmText).map(([a, b, c, d, r]) => `${mn} ${a}, ${b}, ${c}, ${d}${r}`);
    case 'frrm':
      return t(fregName, fregName, fregName, rmText).map(([a, b, c, r]) => `${mn} ${a}, ${b}, ${c}${r}`);
    case 'frr':
      return t(fregName, fregName, fregName).map(([a, b, c]) => `${mn} ${a}, ${b}, ${c}`);
    case 'fr1rm':
      return t(fregName, fregName, rmText).map(([a, b, r]) => `${mn} ${a}, ${b}${r}`);
    case 'xff':
      return t(regName, fregName, fregName).map(([a, b, c]) => `${mn} ${a}, ${b}, ${c}`);
    case 'xf':
      return t(regName, fregName).map(([a, b]) => `${mn} ${a}, ${b}`);
    case 'xfrm':
      return t(regName, fregName, rmText).map(([a, b, r]) => `${mn} ${a}, ${b}${r}`);
    case 'fxrm':
      return t(fregName, regName, rmText).map(([a, b, r]) => `${mn} ${a}, ${b}${r}`);
    case 'fx':
      return t(fregName, regName).map(([a, b]) => `${mn} ${a}, ${b}`);
  }
}

const i64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const liValue = fc.oneof(
  i64,
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map(BigInt),
  fc.integer({ min: -4096, max: 4096 }).map(BigInt),
  fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: -2, max: 2 })).map(([s, d]) => BigInt.asIntN(64, (1n << BigInt(s)) + BigInt(d))),
);

const rr = (mn: string) => fc.tuple(regName, regName).map(([a, b]) => `${mn} ${a}, ${b}`);
const pseudoArb: fc.Arbitrary<string> = fc.oneof(
  fc.constant('nop'),
  fc.constant('ret'),
  fc.tuple(regName, liValue, fc.boolean()).map(([r, v, h]) => `li ${r}, ${h ? (v < 0n ? '-0x' + (-v).toString(16) : '0x' + v.toString(16)) : v}`),
  ...['mv', 'not', 'neg', 'negw', 'sext.w', 'seqz', 'snez', 'sltz', 'sgtz'].map(rr),
  jalOff.map((o) => `j ${o}`),
  jalOff.map((o) => `jal ${o}`),
  regName.map((r) => `jr ${r}`),
  regName.map((r) => `jalr ${r}`),
  ...['beqz', 'bnez', 'blez', 'bgez', 'bltz', 'bgtz'].map((mn) => fc.tuple(regName, branchOff).map(([a, o]) => `${mn} ${a}, ${o}`)),
  ...['bgt', 'ble', 'bgtu', 'bleu'].map((mn) =>
    fc.tuple(regName, regName, branchOff).map(([a, b, o]) => `${mn} ${a}, ${b}, ${o}`),
  ),
  ...['rdcycle', 'rdtime', 'rdinstret'].map((mn) => regName.map((r) => `${mn} ${r}`)),
  fc.tuple(regName, csrText).map(([r, c]) => `csrr ${r}, ${c}`),
  ...['csrw', 'csrs', 'csrc'].map((mn) => fc.tuple(csrText, regName).map(([c, r]) => `${mn} ${c}, ${r}`)),
  ...['csrwi', 'csrsi', 'csrci'].map((mn) => fc.tuple(csrText, intText(0, 31)).map(([c, v]) => `${mn} ${c}, ${v}`)),
  intText(-(2 ** 31) - 2048, 2 ** 31 - 2050, 2).map((o) => `call ${o}`),
  intText(-(2 ** 31) - 2048, 2 ** 31 - 2050, 2).map((o) => `tail ${o}`),
  ...['frcsr', 'frrm', 'frflags'].map((mn) => regName.map((r) => `${mn} ${r}`)),
  ...['fscsr', 'fsrm', 'fsflags'].flatMap((mn) => [regName.map((r) => `${mn} ${r}`), rr(mn)]),
  ...['fsrmi', 'fsflagsi'].flatMap((mn) => [intText(0, 31).map((v) => `${mn} ${v}`), fc.tuple(regName, intText(0, 31)).map(([r, v]) => `${mn} ${r}, ${v}`)]),
  ...['fmv', 'fabs', 'fneg'].flatMap((op) => ['s', 'd'].map((t) => fc.tuple(fregName, fregName).map(([a, b]) => `${op}.${t} ${a}, ${b}`))),
);

const specs = [...INSTRUCTIONS.values()];
const anyInstr = fc.oneof(...specs.map(instrArb), pseudoArb);

const hex = (w: number): string => '0x' + (w >>> 0).toString(16).padStart(8, '0');

function roundTrip(src: string): void {
  const a = assemble(src).words;
  const text = Array.from(a, (w, i) => disassemble(w, 0x80000000 + 4 * i)).join('\n');
  const b = assemble(text).words;
  expect(Array.from(b, hex), `${src}\n---\n${text}`).toEqual(Array.from(a, hex));
}

// ---------------------------------------------------------------- tests

describe('assemble → disassemble → assemble', () => {
  it.each(specs.map((s) => [s.mnemonic, s] as const))('%s', (_name, s) => {
    fc.assert(
      fc.property(instrArb(s), (src) => {
        const w = assemble(src).words;
        expect(w.length).toBe(1);
        const text = disassemble(w[0]!);
        expect(text.startsWith('illegal')).toBe(false);
        roundTrip(src);
      }),
      { numRuns: 300 },
    );
  });

  it('pseudo-instructions', () => {
    fc.assert(fc.property(pseudoArb, roundTrip), { numRuns: 3000 });
  });

  it('whole programs with labels', () => {
    const prog = fc.array(
      fc.oneof(
        { weight: 4, arbitrary: anyInstr },
        { weight: 1, arbitrary: fc.constantFrom('beq a0, a1, L0', 'j L1', 'call L2', 'la t0, L3', 'bnez s1, L4', 'jal L5') },
      ),
      { minLength: 1, maxLength: 40 },
    ).chain((lines) =>
      fc
        .tuple(...[0, 1, 2, 3, 4, 5].map(() => fc.integer({ min: 0, max: lines.length })))
        .map((pos) => {
          const out = [...lines];
          // insert labels from the back so that positions stay valid
          const withIdx = pos.map((p, i) => [p, i] as const).sort((x, y) => y[0] - x[0]);
          for (const [p, i] of withIdx) out.splice(p, 0, `L${i}:`);
          return out.join('\n');
        }),
    );
    fc.assert(
      fc.property(prog, fc.integer({ min: 0, max: 2 ** 20 }).map((k) => k * 4), (src, base) => {
        const a = assemble(src, { base }).words;
        const text = Array.from(a, (w, i) => disassemble(w, base + 4 * i)).join('\n');
        const b = assemble(text, { base: 0 }).words;
        expect(Array.from(b, hex)).toEqual(Array.from(a, hex));
      }),
      { numRuns: 300 },
    );
  });
});

describe('programs mixing compressed and 32-bit instructions', () => {
  // Any legal parcel, printed in its c. form, and c.beqz/c.bnez/c.j to labels.
  const parcel = fc.integer({ min: 0, max: 0xffff }).filter((h) => (h & 3) !== 3).map((h) => disassembleParcel(h)).filter((t) => !t.startsWith('illegal'));
  const cBranch = fc.constantFrom('c.beqz a0, L0', 'c.bnez s1, L1', 'c.j L2', 'c.j L0', 'c.bnez a5, L2');
  it('assemble → disassembleAt listing → assemble gives the same bytes, labels counted in halfwords', () => {
    const prog = fc
      .array(fc.oneof({ weight: 3, arbitrary: parcel }, { weight: 3, arbitrary: anyInstr }, { weight: 1, arbitrary: cBranch }), { minLength: 1, maxLength: 40 })
      .chain((lines) =>
        fc.tuple(...[0, 1, 2].map(() => fc.integer({ min: 0, max: lines.length }))).map((pos) => {
          const out = [...lines];
          const withIdx = pos.map((p, i) => [p, i] as const).sort((x, y) => y[0] - x[0]);
          for (const [p, i] of withIdx) out.splice(p, 0, `L${i}:`);
          return out.join('\n');
        }),
      );
    fc.assert(
      fc.property(prog, fc.integer({ min: 0, max: 2 ** 20 }).map((k) => k * 2), (src, base) => {
        let a;
        try {
          a = assemble(src, { base });
        } catch (e) {
          // a label too far for a compressed branch: the assembler says so
          expect(String(e)).toMatch(/out of range/);
          return;
        }
        const text: string[] = [];
        for (let off = 0; off < a.bytes.length; ) {
          const d = disassembleAt(a.bytes, off, base + off);
          text.push(d.text);
          off += d.size;
        }
        expect(Array.from(assemble(text.join('\n'), { base: 0 }).bytes), `${src}\n---\n${text.join('\n')}`).toEqual(Array.from(a.bytes));
      }),
      { numRuns: 300 },
    );
  });
});

describe('disassemble random words', () => {
  const check = (w: number) => {
    const text = disassemble(w);
    if (text.startsWith('illegal')) {
      expect(text).toBe(`illegal ${hex(w)}`);
      return;
    }
    const r = assemble(text).words;
    expect(r.length, text).toBe(1);
    expect(hex(r[0]!), text).toBe(hex(w));
  };

  it('uniformly random 32-bit words', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), check), { numRuns: 20000 });
  });

  it('random words with a valid major opcode', () => {
    const opcodes = [...new Set(specs.map((s) => s.opcode))];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), fc.constantFrom(...opcodes), (r, opc) =>
        check(((r & ~0x7f) | opc) >>> 0),
      ),
      { numRuns: 30000 },
    );
  });

  it('random fill of the free bits of every instruction decodes to that instruction', () => {
    for (const s of specs) {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 0xffffffff }), (r) => {
          const w = ((r & ~s.mask) | s.match) >>> 0;
          const text = disassemble(w);
          const rm = (w >>> 12) & 7;
          if (s.rmDefault !== undefined && (rm === 5 || rm === 6)) {
            expect(text, 'reserved rounding mode').toBe(`illegal ${hex(w)}`);
            return;
          }
          expect(text.split(' ')[0]!.startsWith(s.mnemonic.split('.')[0]!)).toBe(true);
          if (s.syntax === 'lraq' || s.syntax === 'strl') expect(text.split(' ')[0]).toBe(s.mnemonic);
          check(w);
        }),
        { numRuns: 200 },
      );
    }
  });
});

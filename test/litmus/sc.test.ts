// The SC enumerator: the allowed final states of the classic shapes, LR/SC and AMO
// semantics, the interpreter against the real hart, and what makes a test unsupported.

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LitmusError, parseLitmus } from '../../src/litmus/parse.ts';
import { allowedStates, runLitmus } from '../../src/litmus/run.ts';
import { TooManyStates, Unsupported } from '../../src/litmus/sc.ts';

const dir = new URL('../../litmus/', import.meta.url);
const shipped = (name: string) => ({ source: readFileSync(new URL(`${name}.litmus`, dir), 'utf8'), file: `${name}.litmus` });
const allowed = (name: string) => allowedStates(shipped(name));

describe('SC allowed states', () => {
  it('SB: both loads reading 0 is not SC', () => {
    const a = allowed('SB');
    expect(a.states).toEqual(['0:x7=0; 1:x7=1;', '0:x7=1; 1:x7=0;', '0:x7=1; 1:x7=1;']);
    expect(a.states).not.toContain('0:x7=0; 1:x7=0;');
    expect(a.satisfying).toEqual([]);
  });

  it('MP: the flag without the data is not SC', () => {
    const a = allowed('MP');
    expect(a.states).toEqual(['1:x5=0; 1:x7=0;', '1:x5=0; 1:x7=1;', '1:x5=1; 1:x7=1;']);
    expect(a.satisfying).toEqual([]);
  });

  it('LB: both loads reading the other thread\'s later store is not SC', () => {
    expect(allowed('LB').states).toEqual(['0:x5=0; 1:x5=0;', '0:x5=0; 1:x5=1;', '0:x5=1; 1:x5=0;']);
  });

  it('CoRR: new value then old value is forbidden', () => {
    expect(allowed('CoRR').states).toEqual(['1:x5=0; 1:x7=0;', '1:x5=0; 1:x7=1;', '1:x5=1; 1:x7=1;']);
  });

  it('2+2W: both first stores last is not SC', () => {
    expect(allowed('2+2W').states).toEqual(['x=1; y=1;', 'x=1; y=2;', 'x=2; y=1;']);
  });

  it('IRIW: the readers cannot disagree on the order of the two stores', () => {
    const a = allowed('IRIW');
    expect(a.states).toHaveLength(15);
    expect(a.states).not.toContain('1:x5=1; 1:x7=0; 3:x5=1; 3:x7=0;');
  });

  it('fences change nothing under SC', () => {
    for (const n of ['MP', 'SB', 'LB', 'S', 'R', '2+2W', 'IRIW', 'WRC', 'ISA2']) {
      expect(allowed(`${n}+fence.rw.rws`).states).toEqual(allowed(n).states);
    }
  });

  it('LR/SC: an sc may fail spuriously, but two overlapping increments cannot both succeed', () => {
    expect(allowed('LR-SC-inc').states).toEqual([
      '0:x8=0; 1:x8=0; x=2;',
      '0:x8=0; 1:x8=1; x=1;',
      '0:x8=1; 1:x8=0; x=1;',
      '0:x8=1; 1:x8=1; x=0;',
    ]);
    // A store of another hart between lr and sc forces the sc to fail.
    expect(allowed('LR-SC-store').states).toEqual([
      '0:x5=0; 0:x8=0; x=5;',
      '0:x5=0; 0:x8=1; x=5;',
      '0:x5=5; 0:x8=0; x=6;',
      '0:x5=5; 0:x8=1; x=5;',
    ]);
  });

  it('LR/SC retry loops terminate in the enumeration and always add up', () => {
    const a = allowed('LR-SC-inc-loop');
    expect(a.states).toEqual(['0:x5=0; 1:x5=1; x=2;', '0:x5=1; 1:x5=0; x=2;']);
    expect(a.satisfying).toEqual(a.states);
  });

  it('AMOs are atomic', () => {
    expect(allowed('AMO-add').states).toEqual(['0:x5=0; 1:x5=1; x=2;', '0:x5=1; 1:x5=0; x=2;']);
    expect(allowed('SwapSwap').states).toEqual(['0:x5=0; 1:x5=1; x=2;', '0:x5=2; 1:x5=0; x=1;']);
    expect(allowed('AMO-add4').states).toEqual(['x=259;']);
    expect(allowed('2+2Swap').states).toEqual(['x=1; y=1;', 'x=1; y=2;', 'x=2; y=1;']);
  });

  it('every shipped condition names a non-SC outcome (exists, ~exists) or holds always (forall)', () => {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.litmus'))) {
      const src = readFileSync(new URL(f, dir), 'utf8');
      const t = parseLitmus(src, f);
      const a = allowedStates(t);
      if (t.quantifier === 'forall') expect(a.satisfying, f).toEqual(a.states);
      else expect(a.satisfying, f).toEqual([]);
      expect(a.states.length, f).toBeGreaterThanOrEqual(1);
    }
  });

  it('the filter removes states', () => {
    const a = allowedStates({ source: shipped('MP').source.replace('exists', 'filter (1:x5=1)\nexists') });
    expect(a.states).toEqual(['1:x5=1; 1:x7=1;']);
  });

  it('mixed sizes: a byte store into a doubleword', () => {
    const a = allowedStates({
      source: `RISCV Bytes
{ uint64_t x=0x1122334455667788; 0:x6=x; 0:x5=0xaa; 1:x6=x; }
 P0          | P1          ;
 sb x5,3(x6) | lbu x7,3(x6) ;
             | lh x8,2(x6) ;
locations [x; 1:x8;]
exists (1:x7=0xaa)
`,
    });
    // Byte 3 of 0x1122334455667788 is 0x55; with it := 0xaa, x is 0x11223344aa667788, and lh
    // of bytes 2..3 sign-extends 0xaa66.
    const x = `x=${0x11223344aa667788n};`;
    expect(a.states).toEqual([
      `1:x7=170; 1:x8=${0xaa66 - 0x10000}; ${x}`,
      `1:x7=85; 1:x8=${0xaa66 - 0x10000}; ${x}`,
      `1:x7=85; 1:x8=${0x5566}; ${x}`,
    ]);
  });
});

describe('the interpreter agrees with the hart', () => {
  it('ALU, M extension, branches, jal, lui/auipc: the one SC state is what the machine computes', async () => {
    const source = `RISCV Alu
{ 0:x6=x; 0:x5=-7; 0:x7=3; }
 P0                  ;
 mul x8,x5,x7        ;
 mulh x9,x5,x7       ;
 mulhu x10,x5,x7     ;
 div x11,x5,x7       ;
 remu x12,x5,x7      ;
 divw x13,x5,x0      ;
 srai x14,x5,1       ;
 srliw x15,x5,3      ;
 sltu x16,x7,x5      ;
 addiw x17,x5,-2048  ;
 lui x18,0x80000     ;
 xori x19,x5,0x555   ;
 sub x20,x7,x5       ;
 sllw x21,x5,x7      ;
 beq x5,x7,Skip      ;
 jal x22,Next        ;
 Skip:               ;
 ori x23,x0,99       ;
 Next:               ;
 blt x5,x7,Tail      ;
 ori x24,x0,1        ;
 Tail:               ;
 amoadd.d x25,x7,(x6);
 ld x26,0(x6)        ;
locations [0:x8; 0:x9; 0:x10; 0:x11; 0:x12; 0:x13; 0:x14; 0:x15; 0:x16; 0:x17; 0:x18; 0:x19; 0:x20; 0:x21; 0:x23; 0:x24; 0:x25; 0:x26; x;]
exists (0:x8=-21)
`;
    const a = allowedStates({ source });
    expect(a.states).toHaveLength(1);
    const s = a.states[0]!;
    expect(s).toContain('0:x8=-21;');
    expect(s).toContain('0:x9=-1;');
    expect(s).toContain('0:x10=2;'); // high word of (2^64-7)*3
    expect(s).toContain('0:x11=-2;');
    expect(s).toContain(`0:x12=${(2n ** 64n - 7n) % 3n};`);
    expect(s).toContain('0:x13=-1;');
    expect(s).toContain('0:x14=-4;');
    expect(s).toContain(`0:x15=${(2 ** 32 - 7) >>> 3};`);
    expect(s).toContain('0:x16=1;');
    expect(s).toContain('0:x17=-2055;');
    expect(s).toContain(`0:x18=${-(2 ** 31)};`);
    expect(s).toContain(`0:x19=${-7 ^ 0x555};`);
    expect(s).toContain('0:x20=10;');
    expect(s).toContain('0:x21=-56;');
    expect(s).toContain('0:x23=0;');
    expect(s).toContain('0:x24=0;');
    expect(s).toContain('0:x25=0; 0:x26=3; x=3;');
    const r = await runLitmus({ source }, { runs: 20, deterministic: true, seed: 1 });
    expect(r.status).toBe('ok');
    expect(r.histogram.map((h) => h.key)).toEqual([s]);
  });
});

describe('unsupported tests', () => {
  const unsupported = (source: string): string => {
    try {
      allowedStates({ source });
    } catch (e) {
      if (e instanceof Unsupported) return e.message;
      throw e;
    }
    throw new Error('expected Unsupported');
  };
  it('names the instruction the runner lacks', () => {
    expect(unsupported('RISCV E\n{ 0:x6=x; }\n P0 ;\n ecall ;\nexists (x=0)\n')).toMatch(/P0: instruction 'ecall' is not supported/);
    expect(unsupported('RISCV C\n{ 0:x6=x; }\n P0 ;\n csrr x5,cycle ;\nexists (x=0)\n')).toMatch(/P0: instruction 'csrrs t0, cycle, zero' is not supported/);
    expect(unsupported('RISCV F\n{ 0:x6=x; }\n P0 ;\n fld f0,0(x6) ;\nexists (x=0)\n')).toBe("P0 (line 4): instruction 'fld' (D extension) is not supported by the litmus SC model");
    expect(unsupported('RISCV G\n{ 0:x6=x; }\n P0 ;\n lw x5,0(x6) ;\n fadd.s f0,f1,f2,rtz ;\nexists (x=0)\n')).toBe("P0 (line 5): instruction 'fadd.s' (F extension) is not supported by the litmus SC model");
    expect(unsupported('RISCV Cx\n{ 0:x6=x; }\n P0 ;\n lw x5,0(x6) ;\n c.addi x5,1 ;\nexists (x=0)\n')).toBe("P0 (line 5): instruction 'c.addi t0, 1' (C extension) is not supported by the litmus SC model");
    expect(unsupported('RISCV Q\n{ 0:x6=x; }\n P0 ;\n flq f0,0(x6) ;\nexists (x=0)\n')).toBe("P0 (line 4): instruction 'flq' (Q extension) is not implemented");
    expect(unsupported('RISCV B\n{ 0:x6=x; }\n P0 ;\n amocas.w x5,x7,(x6) ;\nexists (x=0)\n')).toBe("P0 (line 4): instruction 'amocas.w' (Zacas extension) is not implemented");
  });
  it('a typo is an error, not an unimplemented instruction', () => {
    expect(() => allowedStates({ source: 'RISCV T\n{ 0:x6=x; }\n P0 ;\n frobnicate x5,0(x6) ;\nexists (x=0)\n', file: 'T.litmus' })).toThrow(
      new LitmusError(4, "P0: unknown mnemonic 'frobnicate'", 'T.litmus'),
    );
  });
  it('Zalasr acquire / release are plain accesses under SC: MP with sw.rl / lw.aq allows what MP allows', () => {
    const mp = (w: string, r: string) => `RISCV MP\n{ 0:x5=1; 0:x6=x; 0:x7=y; 1:x6=y; 1:x8=x; }\n P0 | P1 ;\n sw x5,0(x6) | ${r} x5,0(x6) ;\n ${w} x5,0(x7) | lw x7,0(x8) ;\nexists (1:x5=1 /\\ 1:x7=0)\n`;
    const plain = allowedStates({ source: mp('sw', 'lw') });
    for (const [w, r] of [['sw.rl', 'lw.aq'], ['sw.aqrl', 'lw.aqrl'], ['sw.aq.rl', 'lw.aq.rl']]) {
      const z = allowedStates({ source: mp(w!, r!) });
      expect(z.states).toEqual(plain.states);
      expect(z.states).toEqual(['1:x5=0; 1:x7=0;', '1:x5=0; 1:x7=1;', '1:x5=1; 1:x7=1;']);
      expect(z.satisfying).toEqual([]);
    }
  });
  it('Zalasr widths: lb.aq sign-extends, sh.rl writes two bytes, a misaligned one is refused', () => {
    const src = 'RISCV Z\n{ uint64_t x; 0:x5=-1; 0:x6=x; }\n P0 ;\n sh.rl x5,0(x6) ;\n lb.aq x7,0(x6) ;\n ld.aq x8,0(x6) ;\nforall (0:x7=-1 /\\ 0:x8=65535)\n';
    expect(allowedStates({ source: src }).states).toEqual(['0:x7=-1; 0:x8=65535;']);
    expect(unsupported('RISCV M\n{ 0:x6=x; }\n P0 ;\n addi x6,x6,2 ;\n lw.aq x5,(x6) ;\nexists (x=0)\n')).toMatch(/misaligned lw.aq/);
  });
  it('a state space over the limit is TooManyStates, with the limit', () => {
    const sb = 'RISCV SB\n{ 0:x5=1; 0:x6=x; 0:x8=y; 1:x5=1; 1:x6=y; 1:x8=x; }\n P0 | P1 ;\n sw x5,0(x6) | sw x5,0(x6) ;\n lw x7,0(x8) | lw x7,0(x8) ;\nexists (0:x7=0 /\\ 1:x7=0)\n';
    const n = allowedStates({ source: sb }).scStates;
    expect(() => allowedStates({ source: sb }, n - 1)).toThrow(new TooManyStates(n - 1));
    expect(allowedStates({ source: sb }, n).scStates).toBe(n);
  });
  it('refuses accesses outside the locations and endless local loops', () => {
    expect(unsupported('RISCV O\n{ 0:x6=x; }\n P0 ;\n lw x5,64(x6) ;\nexists (x=0)\n')).toMatch(/outside the test's locations/);
    expect(unsupported('RISCV J\n{ 0:x6=x; }\n P0 ;\n L: ;\n j L ;\nexists (x=0)\n')).toMatch(/a loop without memory accesses does not end/);
    expect(unsupported('RISCV M\n{ 0:x6=x; }\n P0 ;\n addi x6,x6,2 ;\n amoadd.w x5,x5,(x6) ;\nexists (x=0)\n')).toMatch(/misaligned atomic access/);
  });
  it('a run of an unsupported test is skipped, not passed', async () => {
    const r = await runLitmus({ source: 'RISCV E\n{ 0:x6=x; }\n P0 ;\n ecall ;\nexists (x=0)\n', file: 'E.litmus' }, { runs: 10 });
    expect(r.status).toBe('skipped');
    expect(r.text).toBe("Test E (E.litmus) skipped: P0: instruction 'ecall' is not supported by the litmus runner\n");
  });
});

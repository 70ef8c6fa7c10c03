// The herd7 RISC-V litmus parser: the format's pieces, and clear errors with line numbers.

import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allLocations, LitmusError, observedVars, parseLitmus, varKey, type Prop } from '../../src/litmus/parse.ts';

const MP = `RISCV MP
"PodWW Rfe PodRR Fre"
Cycle=Rfe PodRR Fre PodWW
Relax=
Safe=Rfe Fre PodWW PodRR
Generator=diy7 (version 7.51+4(dev))
Prefetch=0:x=F,0:y=W,1:y=F,1:x=T
Com=Rf Fr
Orig=PodWW Rfe PodRR Fre
{
0:x5=1; 0:x6=x; 0:x7=y;
1:x6=y; 1:x8=x;
}
 P0          | P1          ;
 sw x5,0(x6) | lw x5,0(x6) ;
 sw x5,0(x7) | lw x7,0(x8) ;
exists
(1:x5=1 /\\ 1:x7=0)
`;

/** The error a bad test raises. */
function parseError(src: string): LitmusError {
  try {
    parseLitmus(src, 'bad.litmus');
  } catch (e) {
    if (e instanceof LitmusError) return e;
    throw e;
  }
  throw new Error('expected a LitmusError');
}

function show(p: Prop): string {
  switch (p.k) {
    case 'true': return 'true';
    case 'false': return 'false';
    case 'not': return `not(${show(p.p)})`;
    case 'and': return `(${show(p.a)} & ${show(p.b)})`;
    case 'or': return `(${show(p.a)} | ${show(p.b)})`;
    case 'atom': return `${varKey(p.v)}${p.op}${p.value.k === 'int' ? p.value.v : p.value.name}`;
  }
}

describe('litmus parser', () => {
  it('parses the reference MP test', () => {
    const t = parseLitmus(MP, 'MP.litmus');
    expect(t.arch).toBe('RISCV');
    expect(t.name).toBe('MP');
    expect(t.meta.Cycle).toBe('Rfe PodRR Fre PodWW');
    expect(t.threads.map((x) => x.name)).toEqual(['P0', 'P1']);
    expect(t.threads[0]!.lines).toEqual([
      { text: 'sw x5,0(x6)', line: 15 },
      { text: 'sw x5,0(x7)', line: 16 },
    ]);
    expect(t.threads[1]!.lines.map((l) => l.text)).toEqual(['lw x5,0(x6)', 'lw x7,0(x8)']);
    expect(t.regInits.map((r) => [r.thread, r.reg, r.value.k === 'int' ? r.value.v : r.value.name])).toEqual([
      [0, 5, 1n],
      [0, 6, 'x'],
      [0, 7, 'y'],
      [1, 6, 'y'],
      [1, 8, 'x'],
    ]);
    expect(t.regInits[3]!.line).toBe(12);
    expect(allLocations(t)).toEqual(['x', 'y']);
    expect(t.quantifier).toBe('exists');
    expect(show(t.condition)).toBe('(1:x5=1 & 1:x7=0)');
    expect(t.conditionText).toBe('(1:x5=1 /\\ 1:x7=0)');
    expect(observedVars(t).map(varKey)).toEqual(['1:x5', '1:x7']);
  });

  it('reads typed locations, ABI register names, negative and hex values', () => {
    const t = parseLitmus(`RISCV T
{ int x=1; uint64_t y; int8_t z = -2; 0:a0=x; 0:s1=-1; 1:t0=0x10; uint64_t 1:x5; int *p = x; }
 P0 | P1 ;
 lw a1,0(a0) | sw t0,0(x0) ;
exists (0:a1=1 /\\ y=0)
`);
    expect(t.locations.map((l) => [l.name, l.type.bytes, l.type.signed, l.init.k === 'int' ? l.init.v : l.init.name])).toEqual([
      ['x', 4, true, 1n],
      ['y', 8, false, 0n],
      ['z', 1, true, -2n],
      ['p', 8, false, 'x'],
    ]);
    expect(t.regInits.map((r) => [r.thread, r.reg])).toEqual([
      [0, 10],
      [0, 9],
      [1, 5],
    ]);
    expect(t.regTypes).toEqual([{ thread: 1, reg: 5, type: { name: 'uint64_t', bytes: 8, signed: false } }]);
    expect(observedVars(t).map(varKey)).toEqual(['0:x11', 'y']);
  });

  it('skips (* *) comments, also nested and across lines, keeping line numbers', () => {
    const t = parseLitmus(`(* a comment
   before the name (* nested *) *)
RISCV C
{ 0:x6=x; (* inline *) }
 P0          ;
 lw x5,0(x6) ; (* after the row *)
exists (0:x5=0) (* trailing *)
`);
    expect(t.name).toBe('C');
    expect(t.threads[0]!.lines).toEqual([{ text: 'lw x5,0(x6)', line: 6 }]);
  });

  it('keeps labels and leaves empty cells out', () => {
    const t = parseLitmus(`RISCV L
{ 0:x6=x; 1:x6=x; }
 P0                | P1          ;
 LC00:             | sw x0,0(x6) ;
 lr.w x5,0(x6)     |             ;
 bne x5,x0,LC00    |             ;
forall (x=0)
`);
    expect(t.threads[0]!.lines.map((l) => l.text)).toEqual(['LC00:', 'lr.w x5,0(x6)', 'bne x5,x0,LC00']);
    expect(t.threads[1]!.lines.map((l) => l.text)).toEqual(['sw x0,0(x6)']);
    expect(t.quantifier).toBe('forall');
  });

  it('parses ~exists, not, precedence of /\\ over \\/, locations and filter', () => {
    const t = parseLitmus(`RISCV Q
{ 0:x6=x; 1:x6=y; }
 P0 | P1 ;
 lw x5,0(x6) | lw x5,0(x6) ;
locations [x; 1:x6; y;]
filter (0:x5=0 \\/ 0:x5=1)
~exists (0:x5=1 \\/ 1:x5=1 /\\ not (x=2) \\/ ~(y != 3))
`);
    expect(t.quantifier).toBe('~exists');
    expect(show(t.condition)).toBe('((0:x5=1 | (1:x5=1 & not(x=2))) | not(y!=3))');
    expect(show(t.filter!)).toBe('(0:x5=0 | 0:x5=1)');
    expect(t.observe.map(varKey)).toEqual(['x', '1:x6', 'y']);
    expect(observedVars(t).map(varKey)).toEqual(['0:x5', '1:x5', '1:x6', 'x', 'y']);
  });

  it('parses every shipped test', () => {
    const dir = new URL('../../litmus/', import.meta.url);
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.litmus'));
    expect(files.length).toBeGreaterThanOrEqual(42);
    for (const f of files) {
      const t = parseLitmus(readFileSync(new URL(f, dir), 'utf8'), f);
      expect(`${t.name}.litmus`).toBe(f.split('/').pop());
      expect(t.threads.length).toBeGreaterThanOrEqual(1);
    }
  });

  describe('errors name the line', () => {
    it.each([
      ['an empty file', '\n\n', 0, /empty litmus file/],
      ['another architecture', 'X86 SB\n{ }\n P0 ;\n nop ;\nexists (x=0)\n', 1, /architecture 'X86' is not supported/],
      ['a bad name line', 'RISCV\n{}\n', 1, /expected the name line/],
      ['junk before the init block', 'RISCV T\nhello world\n{ }\n', 2, /unexpected 'hello world'/],
      ['no init block', 'RISCV T\n"doc"\n', 1, /no init block/],
      ['an unterminated init block', 'RISCV T\n{ 0:x5=1;\n P0 ;\n', 2, /unterminated init block/],
      ['a bad init item', 'RISCV T\n{\n0:x5=1;\n0:=2;\n}\n P0 ;\nexists (x=0)\n', 4, /bad init item '0:=2'/],
      ['an unknown type', 'RISCV T\n{\nfloat x=1;\n}\n P0 ;\nexists (x=0)\n', 3, /unknown type 'float'/],
      ['an unknown register in the init', 'RISCV T\n{\n0:x40=1;\n}\n P0 ;\nexists (x=0)\n', 3, /unknown register 'x40'/],
      ['a missing value', 'RISCV T\n{\n0:x5=;\n}\n P0 ;\nexists (x=0)\n', 3, /missing value/],
      ['a register of a missing thread', 'RISCV T\n{\n3:x5=1;\n}\n P0 ;\n nop ;\nexists (x=0)\n', 3, /belongs to thread 3, but the test has 1 thread/],
      ['a bad header', 'RISCV T\n{ }\n P0 | Q1 ;\n nop | nop ;\nexists (x=0)\n', 3, /expected 'P1', got 'Q1'/],
      ['too many columns', 'RISCV T\n{ }\n P0 | P1 ;\n nop | nop | nop ;\nexists (x=0)\n', 4, /code row has 3 columns, the header names 2 threads/],
      ['a header naming 3 threads over 2 columns', 'RISCV T\n{ }\n P0 | P1 | P2 ;\n nop | nop ;\n nop | nop ;\nexists (x=0)\n', 4, /code row has 2 columns, the header names 3 threads/],
      ['a short row among full ones', 'RISCV T\n{ }\n P0 | P1 ;\n nop | nop ;\n nop ;\nexists (x=0)\n', 5, /code row has 1 column, the header names 2 threads/],
      ['a row without ;', 'RISCV T\n{ }\n P0 ;\n nop\nexists (x=0)\n', 4, /does not end with ';'/],
      ['no code table', 'RISCV T\n{ }\nexists (x=0)\n', 3, /no code table/],
      ['no condition', 'RISCV T\n{ }\n P0 ;\n nop ;\n', 4, /no final condition/],
      ['an unbalanced condition', 'RISCV T\n{ }\n P0 ;\n nop ;\nexists\n(0:x5=1 /\\ 0:x6=2\n', 6, /unexpected end of file: expected '\)'/],
      ['a bad operator', 'RISCV T\n{ }\n P0 ;\n nop ;\nexists (0:x5=1 && 0:x6=2)\n', 5, /unexpected '&&'/],
      ['a missing =', 'RISCV T\n{ }\n P0 ;\n nop ;\nexists (0:x5 1)\n', 5, /expected '=' after '0:x5', got '1'/],
      ['a condition on a missing thread', 'RISCV T\n{ }\n P0 ;\n nop ;\nexists (5:x5=1)\n', 5, /thread 5 in '5:x5' does not exist/],
      ['an unknown register in the condition', 'RISCV T\n{ }\n P0 ;\n nop ;\n\nexists (0:r5=1)\n', 6, /unknown register 'r5'/],
      ['two conditions', 'RISCV T\n{ }\n P0 ;\n nop ;\nexists (x=1)\nforall (x=1)\n', 6, /a second final condition/],
      ['an unterminated comment', 'RISCV T\n{ }\n(* oops\n P0 ;\n', 3, /unterminated comment/],
    ])('%s', (_what, src, line, msg) => {
      const e = parseError(src);
      expect(e.line).toBe(line);
      expect(e.message).toMatch(msg);
      if (line > 0) expect(e.message).toContain(`bad.litmus:line ${line}: `);
    });
  });
});

import { describe, expect, it } from 'vitest';
import { AsmError, assemble } from '../../src/asm/index.ts';

function asmError(src: string): AsmError {
  try {
    assemble(src);
  } catch (e) {
    expect(e).toBeInstanceOf(AsmError);
    expect(e).toBeInstanceOf(Error);
    return e as AsmError;
  }
  throw new Error(`expected an AsmError for ${JSON.stringify(src)}`);
}

// [description, source, line, column, message (without the "line N, column M: " prefix)]
const CASES: ReadonlyArray<readonly [string, string, number, number, string | RegExp]> = [
  ['unknown register', 'nop\nnop\nadd a0, a1, x32', 3, 13, "unknown register 'x32'"],
  ['unknown register in memory operand', 'lw a0, 8(x99)', 1, 10, "unknown register 'x99'"],
  ['unknown register (ABI-like name)', 'mv a8, a0', 1, 4, "unknown register 'a8'"],
  ['unknown mnemonic', 'addi a0, a0, 1\n  frob a0, a1', 2, 3, "unknown mnemonic 'frob'"],
  ['bad ordering suffix', 'amoadd.w.xx a0, a1, (a2)', 1, 1, "unknown mnemonic 'amoadd.w.xx'"],
  ['ordering suffix on a non-AMO', 'add.aq a0, a1, a2', 1, 1, "unknown mnemonic 'add.aq'"],
  ['imm12 out of range', '  addi a0, a1, 2048', 1, 16, 'immediate 2048 out of range [-2048, 2047]'],
  ['negative imm12 out of range', 'andi a0, a1, -2049', 1, 14, 'immediate -2049 out of range [-2048, 2047]'],
  ['shift amount out of range', 'slli a0, a0, 64', 1, 14, 'shift amount 64 out of range [0, 63]'],
  ['word shift amount out of range', 'slliw a0, a0, 32', 1, 15, 'shift amount 32 out of range [0, 31]'],
  ['load offset out of range', 'lw a0, 4096(sp)', 1, 8, 'offset 4096 out of range [-2048, 2047]'],
  ['lui immediate out of range', 'lui a0, 0x100000', 1, 9, 'immediate 0x100000 out of range [0, 1048575]'],
  ['CSR uimm out of range', 'csrrwi a0, cycle, 32', 1, 19, 'immediate 32 out of range [0, 31]'],
  ['CSR number out of range', 'csrrw a0, 0x1000, a1', 1, 11, 'CSR number 0x1000 out of range [0, 4095]'],
  ['unknown CSR name', 'csrrw a0, bogus, a1', 1, 11, "unknown CSR 'bogus'"],
  ['branch offset out of range', 'beq a0, a1, 4096', 1, 13, 'branch offset 4096 out of range [-4096, 4094]'],
  ['branch target label out of range', 'j far\n.zero 0x100000\nfar: nop', 1, 3, /branch target 'far' out of range/],
  ['li value out of range', 'li a0, 0x10000000000000000', 1, 8, /^immediate 0x10000000000000000 out of range \[-9223372036854775808, 18446744073709551615\]$/],
  ['.word value out of range', '.word 0x100000000', 1, 7, 'value 0x100000000 out of range [-2147483648, 4294967295]'],
  ['undefined label', 'beq a0, a1, nowhere', 1, 13, "undefined label 'nowhere'"],
  ['undefined label in la', 'nop\nla t0, missing', 2, 8, "undefined label 'missing'"],
  ['undefined label in call', 'call missing', 1, 6, "undefined label 'missing'"],
  ['duplicate label', 'x: nop\n  x: nop', 2, 3, "duplicate label 'x'"],
  ['duplicate label on one line', 'y: y: nop', 1, 4, "duplicate label 'y'"],
  ['misaligned branch offset', 'beq a0, a1, 3', 1, 13, /^misaligned branch offset 3/],
  ['misaligned jump offset', 'jal ra, -5', 1, 9, /^misaligned branch offset -5/],
  ['misaligned j offset', 'j 7', 1, 3, /^misaligned branch offset 7/],
  ['wrong operand count (too few)', 'add a0, a1', 1, 1, "wrong operand count for 'add': expected 3, got 2"],
  ['wrong operand count (too many)', 'nop a0', 1, 1, "wrong operand count for 'nop': expected 0, got 1"],
  ['wrong operand count (sc)', '\tsc.w a0, (a1)', 1, 2, "wrong operand count for 'sc.w': expected 3, got 2"],
  ['wrong operand count (li)', 'li a0', 1, 1, "wrong operand count for 'li': expected 2, got 1"],
  ['empty operand', 'add a0,, a1', 1, 8, 'empty operand'],
  ['bad number', 'li a0, 12abc', 1, 8, "bad number '12abc'"],
  ['bad fence set', 'fence rx, w', 1, 7, /^bad fence set 'rx'/],
  ['missing memory operand', 'lw a0, sp', 1, 8, /^expected memory operand/],
  ['AMO with offset', 'amoadd.w a0, a1, 4(a2)', 1, 18, /^offset 4 out of range \[0, 0\]/],
  ['unknown directive', '.align 2\n.frob 3', 2, 1, "unknown directive '.frob'"],
  ['.zero not a multiple of 4', '.zero 3', 1, 7, 'size 3 is not a multiple of 4'],
];

describe('AsmError', () => {
  it.each(CASES)('%s', (_name, src, line, column, msg) => {
    const e = asmError(src);
    expect(e.line).toBe(line);
    expect(e.column).toBe(column);
    if (typeof msg === 'string') expect(e.detail).toBe(msg);
    else expect(e.detail).toMatch(msg);
    expect(e.message).toBe(`line ${line}, column ${column}: ${e.detail}`);
    expect(e.name).toBe('AsmError');
  });

  it('message format from the spec', () => {
    expect(asmError('nop\nnop\nadd a0, a1, x32').message).toBe("line 3, column 13: unknown register 'x32'");
  });

  it('reports the earliest erroneous line even when a later line fails in the first pass', () => {
    const e = asmError('beq a0, a1, nowhere\nfrob a0');
    expect(e.line).toBe(1);
    expect(e.detail).toBe("undefined label 'nowhere'");
  });
});

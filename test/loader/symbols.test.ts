import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ElfSymbol } from '../../src/loader/elf.ts';
import { parseElf } from '../../src/loader/elf.ts';
import { SymbolTable } from '../../src/loader/symbols.ts';
import { sampleElf } from '../../src/loader/elf_writer.ts';

const sym = (name: string, value: number, size: number, type: ElfSymbol['type'] = 'func'): ElfSymbol => ({
  name,
  value,
  size,
  type,
});

describe('SymbolTable', () => {
  const table = new SymbolTable([
    sym('memcpy', 0x80001000, 0x40),
    sym('_start', 0x80000000, 0x10),
    sym('main', 0x80000100, 0x80),
    sym('loop', 0x80000140, 0, 'other'), // label inside main
    sym('trap_vector', 0x80002000, 0, 'other'), // unsized, as in hand-written asm
    sym('buf', 0x80010000, 0x100, 'object'),
  ]);

  it('finds the sized symbol containing an address', () => {
    expect(table.lookup(0x80000000)).toEqual({ name: '_start', offset: 0 });
    expect(table.lookup(0x8000000f)).toEqual({ name: '_start', offset: 0xf });
    expect(table.lookup(0x8000011c)).toEqual({ name: 'main', offset: 0x1c });
    expect(table.lookup(0x8000017f)).toEqual({ name: 'main', offset: 0x7f });
    expect(table.lookup(0x80001020)).toEqual({ name: 'memcpy', offset: 0x20 });
    expect(table.lookup(0x800100ff)).toEqual({ name: 'buf', offset: 0xff });
  });

  it('prefers a containing sized symbol over a closer label', () => {
    expect(table.lookup(0x80000144)).toEqual({ name: 'main', offset: 0x44 });
  });

  it('falls back to the nearest preceding size-0 symbol within 4 KiB', () => {
    expect(table.lookup(0x80002000)).toEqual({ name: 'trap_vector', offset: 0 });
    expect(table.lookup(0x80002ffc)).toEqual({ name: 'trap_vector', offset: 0xffc });
    expect(table.lookup(0x80003000)).toBeUndefined();
    // Past the end of main, the label inside it is the nearest size-0 symbol.
    expect(table.lookup(0x80000180)).toEqual({ name: 'loop', offset: 0x40 });
  });

  it('returns undefined outside every symbol', () => {
    expect(table.lookup(0x7fffffff)).toBeUndefined();
    expect(table.lookup(0x80000010)).toBeUndefined();
    // Past memcpy's end and 4 KiB beyond the label 'loop' (0x80000140).
    expect(table.lookup(0x80001140)).toBeUndefined();
    // ...but still within reach of 'loop' just past memcpy.
    expect(table.lookup(0x80001040)).toEqual({ name: 'loop', offset: 0xf00 });
    expect(table.lookup(0x80010100)).toBeUndefined();
    expect(new SymbolTable([]).lookup(0x1234)).toBeUndefined();
  });

  it('formats addresses', () => {
    expect(table.format(0x8000011c)).toBe('main+0x1c');
    expect(table.format(0x80000100)).toBe('main');
    expect(table.format(0x80002010)).toBe('trap_vector+0x10');
    expect(table.format(0x7ffffff0)).toBe('0x7ffffff0');
    expect(new SymbolTable([]).format(0)).toBe('0x0');
  });

  it('prefers func over object/other at the same address, and the innermost of nested symbols', () => {
    const t = new SymbolTable([
      sym('alias_obj', 0x1000, 0x10, 'object'),
      sym('real_fn', 0x1000, 0x10, 'func'),
      sym('outer', 0x2000, 0x100),
      sym('inner', 0x2040, 0x10),
    ]);
    expect(t.lookup(0x1004)?.name).toBe('real_fn');
    expect(t.lookup(0x2044)).toEqual({ name: 'inner', offset: 4 });
    expect(t.lookup(0x2050)).toEqual({ name: 'outer', offset: 0x50 });
    expect(t.lookup(0x2000)).toEqual({ name: 'outer', offset: 0 });
  });

  it('find() and size', () => {
    expect(table.find('main')?.value).toBe(0x80000100);
    expect(table.find('nope')).toBeUndefined();
    expect(table.size).toBe(6);
  });

  it('works on symbols parsed from an ELF image', () => {
    const t = new SymbolTable(parseElf(sampleElf().bytes).symbols);
    expect(t.format(0x10010)).toBe('_start+0x10');
    expect(t.format(0x10024)).toBe('main+0x4');
    expect(t.format(0x11004)).toBe('msg+0x4');
    expect(t.format(0x12010)).toBe('bss_start+0x8');
  });

  it('agrees with a linear-scan reference (property)', () => {
    const symArb = fc.record({
      name: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      value: fc.integer({ min: 0, max: 0x4000 }),
      size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0x800 })),
      type: fc.constantFrom<ElfSymbol['type']>('func', 'object', 'other'),
    });
    fc.assert(
      fc.property(fc.array(symArb, { maxLength: 30 }), fc.integer({ min: 0, max: 0x6000 }), (syms, addr) => {
        const got = new SymbolTable(syms).lookup(addr);
        const containing = syms.filter((s) => s.size > 0 && s.value <= addr && addr < s.value + s.size);
        if (containing.length > 0) {
          // Innermost = latest-starting containing symbol.
          const best = Math.max(...containing.map((s) => s.value));
          expect(got).toBeDefined();
          expect(got!.offset).toBe(addr - best);
          expect(containing.some((s) => s.value === best && s.name === got!.name)).toBe(true);
          return;
        }
        const labels = syms.filter((s) => s.size === 0 && s.value <= addr && addr - s.value < 4096);
        if (labels.length === 0) {
          expect(got).toBeUndefined();
          return;
        }
        const best = Math.max(...labels.map((s) => s.value));
        expect(got).toBeDefined();
        expect(got!.offset).toBe(addr - best);
        expect(labels.some((s) => s.value === best && s.name === got!.name)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { ElfError, highestLoadEnd, loadSegments, parseElf, phdrVaddr } from '../../src/loader/elf.ts';
import { PF_R, PF_W, PF_X, PT_INTERP, PT_NOTE, buildElf, sampleElf, setU64, view } from '../../src/loader/elf_writer.ts';

/** Run fn and return the ElfError it throws (failing if it throws anything else or nothing). */
function elfError(fn: () => unknown): ElfError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ElfError);
    return e as ElfError;
  }
  throw new Error('expected an ElfError, but nothing was thrown');
}

function expectElfError(bytes: Uint8Array, substring: string | RegExp): ElfError {
  const err = elfError(() => parseElf(bytes));
  if (typeof substring === 'string') expect(err.message).toContain(substring);
  else expect(err.message).toMatch(substring);
  expect(err.message).not.toContain('\n');
  return err;
}

const text = (n: number) => new Uint8Array(n).map((_, i) => (i * 13 + 5) & 0xff);

describe('parseElf: valid image', () => {
  it('parses entry, segments and program header info', () => {
    const built = sampleElf();
    const img = parseElf(built.bytes);
    expect(img.entry).toBe(0x10010);
    expect(img.segments).toEqual([
      { vaddr: 0x10000, memsz: 0x40, filesz: 0x40, offset: built.dataOffsets[0], flags: PF_R | PF_X },
      { vaddr: 0x11000, memsz: 16, filesz: 16, offset: built.dataOffsets[1], flags: PF_R },
      { vaddr: 0x12000, memsz: 0x100, filesz: 8, offset: built.dataOffsets[2], flags: PF_R | PF_W },
    ]);
    expect(img.phoff).toBe(64);
    expect(img.phentsize).toBe(56);
    expect(img.phnum).toBe(3);
    expect(img.bytes).toBe(built.bytes);
  });

  it('parses .symtab: keeps func/object/named notype, drops file/section/undefined/mapping symbols, sorts by value', () => {
    const img = parseElf(sampleElf().bytes);
    expect(img.symbols).toEqual([
      { name: '_start', value: 0x10000, size: 0x20, type: 'func' },
      { name: 'main', value: 0x10020, size: 0x20, type: 'func' },
      { name: 'msg', value: 0x11000, size: 13, type: 'object' },
      { name: 'counter', value: 0x12000, size: 8, type: 'object' },
      { name: 'bss_start', value: 0x12008, size: 0, type: 'other' },
    ]);
  });

  it('accepts a file without section headers (no symbols)', () => {
    const img = parseElf(sampleElf({ sections: false, symbols: [] }).bytes);
    expect(img.symbols).toEqual([]);
    expect(img.segments).toHaveLength(3);
  });

  it('accepts section headers without a .symtab', () => {
    const built = sampleElf();
    const dv = view(built.bytes);
    const symtabIdx = 1 + 3;
    dv.setUint32(built.shoff + 64 * symtabIdx + 4, 1 /* PROGBITS */, true);
    expect(parseElf(built.bytes).symbols).toEqual([]);
  });

  it('works on a Uint8Array view with a nonzero byteOffset', () => {
    const built = sampleElf();
    const big = new Uint8Array(built.bytes.length + 13);
    big.set(built.bytes, 13);
    const img = parseElf(big.subarray(13));
    expect(img.entry).toBe(0x10010);
    expect(img.symbols.map((s) => s.name)).toContain('main');
  });

  it('ignores non-PT_LOAD program headers and empty PT_LOADs', () => {
    const img = parseElf(
      buildElf({
        segments: [
          { type: PT_NOTE, vaddr: 0, data: text(12), flags: PF_R },
          { vaddr: 0x20000, data: text(32) },
          { vaddr: 0x5000_0000, memsz: 0, flags: PF_R },
        ],
        entry: 0x20004,
      }).bytes,
    );
    expect(img.segments.map((s) => s.vaddr)).toEqual([0x20000]);
  });

  it('accepts addresses above 4 GiB (64-bit fields combined from two halves)', () => {
    const base = 0x1_2345_6000;
    const img = parseElf(buildElf({ segments: [{ vaddr: base, data: text(16), memsz: 0x2000 }], entry: base + 8 }).bytes);
    expect(img.entry).toBe(base + 8);
    expect(img.segments[0]!.vaddr).toBe(base);
    expect(img.segments[0]!.memsz).toBe(0x2000);
  });

  it('accepts segments that share a page without overlapping', () => {
    const img = parseElf(
      buildElf({
        segments: [
          { vaddr: 0x10000, data: text(0x80) },
          { vaddr: 0x10080, data: text(8), memsz: 0x10, flags: PF_R | PF_W },
        ],
      }).bytes,
    );
    expect(img.segments).toHaveLength(2);
  });
});

describe('loadSegments / highestLoadEnd / phdrVaddr', () => {
  it('copies file data and zero-fills bss', () => {
    const built = sampleElf();
    const img = parseElf(built.bytes);
    const ram = new Uint8Array(0x20000).fill(0xaa);
    loadSegments(img, ram, 0x1000, ram.length);
    const b = built.bytes;
    const o = built.dataOffsets;
    expect(ram.subarray(0x10000, 0x10040)).toEqual(b.subarray(o[0]!, o[0]! + 0x40));
    expect(new TextDecoder().decode(ram.subarray(0x11000, 0x1100c))).toBe('hello, world');
    expect(Array.from(ram.subarray(0x12000, 0x12008))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(ram.subarray(0x12008, 0x12100).every((x) => x === 0)).toBe(true);
    // Nothing outside the segments was touched.
    expect(ram[0xffff]).toBe(0xaa);
    expect(ram[0x10040]).toBe(0xaa);
    expect(ram[0x12100]).toBe(0xaa);
  });

  it('refuses a segment below ramBase (the guard page) without writing anything', () => {
    const img = parseElf(
      buildElf({
        segments: [
          { vaddr: 0x10000, data: text(0x40) },
          { vaddr: 0x0, data: text(0x10), flags: PF_R },
        ],
      }).bytes,
    );
    const ram = new Uint8Array(0x20000);
    const err = elfError(() => loadSegments(img, ram, 0x1000, ram.length));
    expect(err.message).toBe('segment 0x0-0x10 lies outside RAM (0x1000-0x20000)');
    expect(ram.every((x) => x === 0)).toBe(true);
  });

  it('refuses a segment extending past ramLimit without writing anything', () => {
    const img = parseElf(
      buildElf({
        segments: [
          { vaddr: 0x10000, data: text(0x40) },
          { vaddr: 0x1f000, data: text(0x10), memsz: 0x2000, flags: PF_R | PF_W },
        ],
      }).bytes,
    );
    const ram = new Uint8Array(0x20000);
    expect(elfError(() => loadSegments(img, ram, 0x1000, ram.length)).message).toBe(
      'segment 0x1f000-0x21000 lies outside RAM (0x1000-0x20000)',
    );
    expect(ram.every((x) => x === 0)).toBe(true);
  });

  it('highestLoadEnd is the page-rounded end of the highest segment', () => {
    expect(highestLoadEnd(parseElf(sampleElf().bytes))).toBe(0x13000);
    const exact = buildElf({ segments: [{ vaddr: 0x10000, data: text(0x10), memsz: 0x3000 }] });
    expect(highestLoadEnd(parseElf(exact.bytes))).toBe(0x13000);
  });

  it('phdrVaddr finds the program headers when a segment maps them', () => {
    // A first segment whose file range starts at offset 0 maps the ELF header and program headers.
    const mapped = buildElf({ segments: [{ vaddr: 0x10000, data: text(0x200), offset: 0 }] });
    expect(phdrVaddr(parseElf(mapped.bytes))).toBe(0x10040);
    expect(phdrVaddr(parseElf(sampleElf().bytes))).toBeUndefined();
  });
});

describe('parseElf: errors', () => {
  it('not an ELF file', () => {
    expectElfError(new Uint8Array(0), 'not an ELF file');
    expectElfError(new Uint8Array([0x7f, 0x45, 0x4c]), 'not an ELF file');
    expectElfError(new TextEncoder().encode('#!/bin/sh\necho hi\n'), 'not an ELF file (bad magic)');
    const b = sampleElf().bytes;
    b[1] = 0x65;
    expectElfError(b, 'not an ELF file (bad magic)');
  });

  it('ELF32', () => {
    expectElfError(sampleElf({ eiClass: 1 }).bytes, /ELF32.*only ELF64 is supported/);
    // A real ELF32 header is only 52 bytes; the class is still what gets reported.
    expectElfError(sampleElf({ eiClass: 1 }).bytes.subarray(0, 52), /ELF32.*only ELF64 is supported/);
    expectElfError(sampleElf({ eiClass: 9 }).bytes, 'invalid ELF class 9');
  });

  it('big-endian', () => {
    expectElfError(sampleElf({ eiData: 2 }).bytes, 'big-endian ELF: only little-endian is supported');
    expectElfError(sampleElf({ eiData: 0 }).bytes, 'invalid ELF data encoding 0');
  });

  it('wrong machine', () => {
    expectElfError(sampleElf({ machine: 62 }).bytes, 'machine 62 (x86-64), expected RISC-V');
    expectElfError(sampleElf({ machine: 183 }).bytes, 'machine 183 (AArch64), expected RISC-V');
    expectElfError(sampleElf({ machine: 4242 }).bytes, 'machine 4242 (unknown), expected RISC-V');
  });

  it('not a static executable', () => {
    const dyn = expectElfError(sampleElf({ type: 3 }).bytes, 'only static executables (ET_EXEC)');
    expect(dyn.message).toContain('ET_DYN');
    expect(dyn.message).toMatch(/shared object|position-independent/);
    expect(expectElfError(sampleElf({ type: 1 }).bytes, 'only static executables (ET_EXEC)').message).toContain('ET_REL');
    expect(expectElfError(sampleElf({ type: 4 }).bytes, 'only static executables (ET_EXEC)').message).toContain('ET_CORE');
    expectElfError(sampleElf({ type: 0 }).bytes, 'only static executables (ET_EXEC)');
  });

  it('dynamically linked ET_EXEC (PT_INTERP)', () => {
    const b = buildElf({
      segments: [
        { type: PT_INTERP, vaddr: 0x10200, data: new TextEncoder().encode('/lib/ld-linux-riscv64-lp64d.so.1\0'), flags: PF_R },
        { vaddr: 0x10000, data: text(0x40) },
      ],
      entry: 0x10000,
    }).bytes;
    expectElfError(b, /dynamically linked.*only static executables \(ET_EXEC\)/);
  });

  describe('truncated file', () => {
    const built = sampleElf();
    const cut = (n: number) => built.bytes.slice(0, n);

    it('in the ELF header', () => {
      for (const n of [4, 5, 6, 16, 40, 63]) expectElfError(cut(n), 'truncated file: ELF header');
    });

    it('in the program header table', () => {
      for (const n of [64, 65, 64 + 56, 64 + 3 * 56 - 1]) expectElfError(cut(n), 'truncated file: program header table');
    });

    it('in segment file data', () => {
      const o = built.dataOffsets;
      expectElfError(cut(o[0]!), 'truncated file: segment 0 file data');
      expectElfError(cut(o[0]! + 0x3f), 'truncated file: segment 0 file data');
      expectElfError(cut(o[2]! + 7), 'truncated file: segment 2 file data');
    });

    it('in the section header table', () => {
      for (const n of [built.symtabOff, built.shoff, built.shoff + 64, built.bytes.length - 1]) {
        expectElfError(cut(n), 'truncated file: section header table');
      }
    });

    it('in the symbol table', () => {
      const b = sampleElf().bytes;
      const symtabHdr = built.shoff + 64 * 4;
      setU64(view(b), symtabHdr + 32, b.length); // sh_size runs past the end
      expectElfError(b, 'truncated file: symbol table');
      const c = sampleElf().bytes;
      setU64(view(c), symtabHdr + 24, 2 ** 60); // sh_offset far past the end
      expectElfError(c, 'truncated file: symbol table');
    });

    it('in the string table', () => {
      const b = sampleElf().bytes;
      const strtabHdr = built.shoff + 64 * 5;
      setU64(view(b), strtabHdr + 24, b.length - 4);
      expectElfError(b, 'truncated file: string table');
    });

    it('with a huge program header offset', () => {
      const b = sampleElf().bytes;
      const dv = view(b);
      dv.setUint32(32, 0xffffffff, true);
      dv.setUint32(36, 0xffffffff, true);
      expectElfError(b, 'truncated file: program header table');
    });
  });

  it('filesz > memsz', () => {
    const b = buildElf({ segments: [{ vaddr: 0x10000, data: text(0x40), memsz: 0x20 }] }).bytes;
    expectElfError(b, 'segment 0 (vaddr 0x10000): file size 0x40 exceeds memory size 0x20');
  });

  it('overlapping PT_LOAD segments', () => {
    const b = buildElf({
      segments: [
        { vaddr: 0x10020, data: text(0x40), flags: PF_R | PF_W },
        { vaddr: 0x10000, data: text(0x40) },
      ],
    }).bytes;
    expectElfError(b, 'PT_LOAD segments overlap: 0x10000-0x10040 and 0x10020-0x10060');
    // bss of one running into the next counts too.
    const c = buildElf({
      segments: [
        { vaddr: 0x10000, data: text(0x40) },
        { vaddr: 0x11000, data: text(8), memsz: 0x1001, flags: PF_R | PF_W },
        { vaddr: 0x12000, data: text(8), flags: PF_R },
      ],
    }).bytes;
    expectElfError(c, 'PT_LOAD segments overlap: 0x11000-0x12001 and 0x12000-0x12008');
  });

  it('entry point outside any executable segment', () => {
    expectElfError(sampleElf({ entry: 0x11004 }).bytes, 'entry point 0x11004 is not inside an executable (PF_X) PT_LOAD segment');
    expectElfError(sampleElf({ entry: 0x10040 }).bytes, 'entry point 0x10040 is not inside an executable');
    expectElfError(sampleElf({ entry: 0 }).bytes, 'entry point 0x0 is not inside an executable');
    const b = sampleElf().bytes;
    view(b).setUint32(28, 0xdeadbeef, true);
    expectElfError(b, 'entry point 0xdeadbeef00010010 is not inside an executable');
  });

  it('entry point not IALIGN-aligned (2 bytes with the C extension)', () => {
    expectElfError(sampleElf({ entry: 0x10001 }).bytes, 'entry point 0x10001 is not 2-byte aligned (IALIGN=16)');
    expect(parseElf(sampleElf({ entry: 0x10004 }).bytes).entry).toBe(0x10004);
    expect(parseElf(sampleElf({ entry: 0x10002 }).bytes).entry).toBe(0x10002); // a compressed entry
  });

  it('no PT_LOAD segments', () => {
    expectElfError(buildElf({ segments: [] }).bytes, 'no PT_LOAD segments');
    expectElfError(buildElf({ segments: [{ type: PT_NOTE, vaddr: 0, data: text(8) }] }).bytes, 'no PT_LOAD segments');
    expectElfError(buildElf({ segments: [{ vaddr: 0x10000, memsz: 0 }] }).bytes, 'no PT_LOAD segments');
  });

  it('addresses that do not fit in 2^53', () => {
    expectElfError(
      buildElf({ segments: [{ vaddr: 2 ** 53, data: text(16) }] }).bytes,
      'segment outside addressable range',
    );
    expectElfError(
      buildElf({ segments: [{ vaddr: 2 ** 53 - 0x1000, data: text(16), memsz: 0x2000 }], entry: 2 ** 53 - 0x1000 }).bytes,
      'segment outside addressable range',
    );
    // A typical "high half" kernel-style address, written exactly.
    const b = buildElf({ segments: [{ vaddr: 0x10000, data: text(16) }] }).bytes;
    const dv = view(b);
    dv.setUint32(64 + 16, 0x80000000, true);
    dv.setUint32(64 + 20, 0xffffffff, true);
    const err = expectElfError(b, 'segment outside addressable range');
    expect(err.message).toContain('0xffffffff80000000');
    // A memsz ≥ 2^53 on its own.
    const c = buildElf({ segments: [{ vaddr: 0x10000, data: text(16) }] }).bytes;
    view(c).setUint32(64 + 44, 0x00400000, true);
    expectElfError(c, 'segment outside addressable range');
  });

  it('bad program header entry size', () => {
    const b = sampleElf().bytes;
    view(b).setUint16(54, 32, true);
    expectElfError(b, 'invalid program header entry size 32');
  });

  it('bad symbol table string link', () => {
    const built = sampleElf();
    const dv = view(built.bytes);
    dv.setUint32(built.shoff + 64 * 4 + 40, 99, true);
    expectElfError(built.bytes, 'invalid string table section 99');
    dv.setUint32(built.shoff + 64 * 4 + 40, 1, true);
    expectElfError(built.bytes, 'not a string table');
  });

  it('symbol name offset outside the string table', () => {
    const built = sampleElf();
    view(built.bytes).setUint32(built.symtabOff + 24 * 3, 0x7fff, true);
    expectElfError(built.bytes, 'name offset 0x7fff is outside the string table');
  });

  it('all error messages are distinct', () => {
    const messages = [
      () => parseElf(new Uint8Array(2)),
      () => parseElf(sampleElf({ eiClass: 1 }).bytes),
      () => parseElf(sampleElf({ eiData: 2 }).bytes),
      () => parseElf(sampleElf({ machine: 62 }).bytes),
      () => parseElf(sampleElf({ type: 3 }).bytes),
      () => parseElf(sampleElf().bytes.slice(0, 40)),
      () => parseElf(buildElf({ segments: [{ vaddr: 0x10000, data: text(0x40), memsz: 0x20 }] }).bytes),
      () => parseElf(sampleElf({ entry: 0x11000 }).bytes),
      () => parseElf(buildElf({ segments: [] }).bytes),
      () => parseElf(buildElf({ segments: [{ vaddr: 2 ** 53, data: text(16) }] }).bytes),
    ].map((f) => elfError(f).message);
    expect(new Set(messages).size).toBe(messages.length);
  });
});

describe('buildElf: loadable segments mmap-able (offset ≡ vaddr mod page size)', () => {
  it('every PT_LOAD segment’s file offset is congruent to its vaddr modulo its alignment', () => {
    for (const vaddrs of [[0x10000, 0x100000], [0x10010, 0x20ff8], [0x12344, 0x400001, 0x800ffc]]) {
      const b = buildElf({ segments: vaddrs.map((v, i) => ({ vaddr: v, data: new Uint8Array(10 + i * 3000).fill(i + 1), flags: i === 0 ? PF_R | PF_X : PF_R | PF_W })) });
      const img = parseElf(b.bytes);
      vaddrs.forEach((v, i) => {
        expect(b.dataOffsets[i]! % 0x1000, `segment ${i}`).toBe(v % 0x1000);
        expect(b.bytes[b.dataOffsets[i]!]).toBe(i + 1);
      });
      expect(img.segments.map((s) => s.vaddr)).toEqual(vaddrs);
    }
  });
});

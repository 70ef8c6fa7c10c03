import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ElfImage, ElfSymbol } from '../../src/loader/elf.ts';
import { ElfError, loadSegments, parseElf } from '../../src/loader/elf.ts';
import { SymbolTable } from '../../src/loader/symbols.ts';
import type { BuildOptions, BuildSegment, BuildSymbol } from '../../src/loader/elf_writer.ts';
import { PF_R, PF_W, PF_X, buildElf, sampleElf } from '../../src/loader/elf_writer.ts';

const RAM_BASE = 0x1000;
const RAM_SIZE = 0x40000;

/** Arbitrary valid static executable: 1-4 non-overlapping segments, the first executable, plus symbols. */
const validElfArb: fc.Arbitrary<BuildOptions> = fc
  .record({
    segs: fc.array(
      fc.record({
        gapPages: fc.integer({ min: 0, max: 3 }),
        data: fc.uint8Array({ minLength: 0, maxLength: 96 }),
        bss: fc.integer({ min: 0, max: 0x1800 }),
        flags: fc.constantFrom(PF_R, PF_R | PF_W, PF_R | PF_X),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    syms: fc.array(
      fc.record({
        name: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,12}$/),
        offset: fc.integer({ min: 0, max: 0x4000 }),
        size: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 0x200 })),
        type: fc.constantFrom<BuildSymbol['type']>('func', 'object', 'notype', 'section', 'file'),
        global: fc.boolean(),
        undef: fc.boolean(),
      }),
      { maxLength: 12 },
    ),
    sections: fc.boolean(),
    entryOff: fc.nat(),
    padding: fc.integer({ min: 0, max: 40 }),
  })
  .map(({ segs, syms, sections, entryOff, padding }) => {
    let addr = 0x10000;
    const segments: BuildSegment[] = segs.map((s, i) => {
      const vaddr = addr + s.gapPages * 0x1000;
      const memsz = Math.max(1, s.data.length + s.bss);
      addr = Math.ceil((vaddr + memsz) / 0x1000) * 0x1000;
      return { vaddr, data: s.data, memsz, flags: i === 0 ? PF_R | PF_X : s.flags };
    });
    const first = segments[0]!;
    const firstMemsz = first.memsz!;
    return {
      segments,
      entry: first.vaddr + (entryOff % firstMemsz) - ((entryOff % firstMemsz) % 4), // IALIGN
      symbols: syms.map((s) => ({
        name: s.name,
        value: 0x10000 + s.offset,
        size: s.size,
        type: s.type,
        global: s.global,
        shndx: s.undef ? 0 : 1,
      })),
      sections,
      trailingPadding: padding,
    };
  });

/** What parseElf should report for symbols built from opts. */
function expectedSymbols(opts: BuildOptions): ElfSymbol[] {
  const withSections = opts.sections ?? (opts.symbols ?? []).length > 0;
  if (!withSections) return [];
  return (opts.symbols ?? [])
    .filter((s) => (s.shndx ?? 1) !== 0 && s.name !== '')
    .filter((s) => s.type === 'func' || s.type === 'object' || (s.type === 'notype' && !s.name.startsWith('.L')))
    .map((s) => ({
      name: s.name,
      value: s.value,
      size: s.size ?? 0,
      type: s.type === 'func' ? ('func' as const) : s.type === 'object' ? ('object' as const) : ('other' as const),
    }));
}

const byKey = (a: ElfSymbol, b: ElfSymbol) =>
  a.value - b.value || a.name.localeCompare(b.name) || a.type.localeCompare(b.type) || a.size - b.size;

/** Parse, and when that succeeds exercise the rest of the pipeline; only ElfError may escape. */
function parseAndUse(bytes: Uint8Array): ElfImage | undefined {
  let img: ElfImage;
  try {
    img = parseElf(bytes);
  } catch (e) {
    if (!(e instanceof ElfError)) throw e;
    expect(e.message.length).toBeGreaterThan(0);
    expect(e.message).not.toContain('\n');
    return undefined;
  }
  // Structural invariants of any accepted image.
  for (const s of img.segments) {
    expect(Number.isSafeInteger(s.vaddr) && Number.isSafeInteger(s.memsz)).toBe(true);
    expect(s.filesz).toBeLessThanOrEqual(s.memsz);
    expect(s.offset + s.filesz).toBeLessThanOrEqual(bytes.length);
  }
  for (let i = 1; i < img.symbols.length; i++) expect(img.symbols[i - 1]!.value).toBeLessThanOrEqual(img.symbols[i]!.value);
  const ram = new Uint8Array(RAM_SIZE);
  try {
    loadSegments(img, ram, RAM_BASE, RAM_SIZE);
  } catch (e) {
    if (!(e instanceof ElfError)) throw e;
  }
  const table = new SymbolTable(img.symbols);
  table.format(img.entry);
  table.format(0x10000);
  return img;
}

describe('parseElf properties', () => {
  it('round-trips arbitrary valid executables and loads them', () => {
    fc.assert(
      fc.property(validElfArb, (opts) => {
        const built = buildElf(opts);
        const img = parseElf(built.bytes);
        expect(img.entry).toBe(opts.entry);
        expect(img.segments).toEqual(
          opts.segments.map((s, i) => ({
            vaddr: s.vaddr,
            memsz: s.memsz,
            filesz: s.data!.length,
            offset: s.data!.length > 0 ? built.dataOffsets[i] : 0,
            flags: s.flags,
          })),
        );
        expect([...img.symbols].sort(byKey)).toEqual(expectedSymbols(opts).sort(byKey));

        const ram = new Uint8Array(RAM_SIZE).fill(0x5a);
        loadSegments(img, ram, RAM_BASE, RAM_SIZE);
        for (const s of opts.segments) {
          const data = s.data!;
          expect(ram.subarray(s.vaddr, s.vaddr + data.length)).toEqual(data);
          expect(ram.subarray(s.vaddr + data.length, s.vaddr + s.memsz!).every((x) => x === 0)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('every truncation of the sample throws ElfError before the essential end and parses identically after', () => {
    const built = sampleElf({ trailingPadding: 37 });
    const full = parseElf(built.bytes);
    for (let n = 0; n <= built.bytes.length; n++) {
      const cut = built.bytes.slice(0, n);
      if (n < built.essentialEnd) {
        expect(() => parseElf(cut), `cut at ${n}`).toThrow(ElfError);
      } else {
        const img = parseElf(cut);
        expect({ ...img, bytes: undefined }).toEqual({ ...full, bytes: undefined });
      }
    }
  });

  it('any truncation of an arbitrary valid file throws only ElfError, or parses if only trailing bytes were cut', () => {
    fc.assert(
      fc.property(validElfArb, fc.double({ min: 0, max: 1, noNaN: true }), (opts, frac) => {
        const built = buildElf(opts);
        const n = Math.floor(frac * built.bytes.length);
        const cut = built.bytes.slice(0, n);
        if (n < built.essentialEnd) {
          let thrown: unknown;
          try {
            parseElf(cut);
          } catch (e) {
            thrown = e;
          }
          expect(thrown).toBeInstanceOf(ElfError);
        } else {
          const img = parseAndUse(cut);
          expect(img).toBeDefined();
          expect(img!.entry).toBe(opts.entry);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('random byte corruption never throws anything but ElfError', () => {
    const sample = sampleElf();
    const structural = [
      { from: 0, to: 64 }, // ELF header
      { from: sample.phoff, to: sample.phoff + 3 * 56 }, // program headers
      { from: sample.symtabOff, to: sample.strtabOff }, // symbol table
      { from: sample.shoff, to: sample.bytes.length }, // section headers
    ];
    const mutation = fc.record({
      where: fc.oneof(
        { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((f) => ({ region: -1, f })) },
        {
          weight: 4,
          arbitrary: fc
            .tuple(fc.integer({ min: 0, max: structural.length - 1 }), fc.double({ min: 0, max: 1, noNaN: true }))
            .map(([region, f]) => ({ region, f })),
        },
      ),
      value: fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x01, 0x40)),
      wide: fc.boolean(), // also smear the value over the following 3 bytes (hits 32/64-bit fields)
    });
    fc.assert(
      fc.property(fc.oneof(fc.constant(null), validElfArb), fc.array(mutation, { minLength: 1, maxLength: 8 }), (opts, muts) => {
        const built = opts === null ? sample : buildElf(opts);
        const bytes = built.bytes.slice();
        for (const m of muts) {
          let pos: number;
          if (m.where.region < 0 || opts !== null) {
            pos = Math.floor(m.where.f * bytes.length);
          } else {
            const r = structural[m.where.region]!;
            pos = r.from + Math.floor(m.where.f * (r.to - r.from));
          }
          pos = Math.min(pos, bytes.length - 1);
          bytes[pos] = m.value;
          if (m.wide) for (let k = 1; k < 4 && pos + k < bytes.length; k++) bytes[pos + k] = m.value;
        }
        const t0 = performance.now();
        parseAndUse(bytes);
        expect(performance.now() - t0).toBeLessThan(5000);
      }),
      { numRuns: 3000 },
    );
  });

  it('random bytes behind a valid RISC-V ELF64 identification never throw anything but ElfError', () => {
    const prefix = sampleElf().bytes.slice(0, 20); // magic, class, data, type=EXEC, machine=RISC-V
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (tail) => {
        const bytes = new Uint8Array(prefix.length + tail.length);
        bytes.set(prefix);
        bytes.set(tail, prefix.length);
        parseAndUse(bytes);
      }),
      { numRuns: 2000 },
    );
  });

  it('huge-but-in-bounds tables stay fast', () => {
    // A symbol table covering a 4 MiB file: ~175k entries, all nameless.
    const built = sampleElf({ trailingPadding: 4 << 20 });
    const bytes = built.bytes;
    bytes.fill(0, built.essentialEnd);
    const dv = new DataView(bytes.buffer);
    const symtabHdr = built.shoff + 64 * 4;
    dv.setUint32(symtabHdr + 24, built.essentialEnd, true); // sh_offset
    dv.setUint32(symtabHdr + 32, bytes.length - built.essentialEnd, true); // sh_size
    const t0 = performance.now();
    expect(parseElf(bytes).symbols).toEqual([]);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

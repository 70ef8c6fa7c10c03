/**
 * Minimal in-memory ELF64 writer: programs assembled by src/asm (litmus, stress, tests) and the
 * loader tests (which also use its options to build broken files).
 *
 * Layout: ELF header | program headers | segment data (8-aligned) |
 *         [.symtab | .strtab | .shstrtab | section headers] | trailing padding
 */

export interface BuildSegment {
  type?: number; // default PT_LOAD (1)
  vaddr: number;
  data?: Uint8Array; // file contents (filesz = data.length)
  memsz?: number; // default data.length
  flags?: number; // default R|X
  align?: number; // default 0x1000
  /** Override the p_offset written (default: where the data is placed). */
  offset?: number;
  /** Override the p_filesz written (default: data.length). */
  filesz?: number;
}

export type BuildSymType = 'func' | 'object' | 'notype' | 'section' | 'file';

export interface BuildSymbol {
  name: string;
  value: number;
  size?: number;
  type?: BuildSymType; // default func
  global?: boolean; // default true
  shndx?: number; // default 1 (the first segment's section); 0 = undefined symbol
}

export interface BuildOptions {
  entry?: number; // default: first segment's vaddr
  segments: BuildSegment[];
  symbols?: BuildSymbol[];
  /** Emit section headers (.symtab/.strtab/.shstrtab). Default: true iff symbols given. */
  sections?: boolean;
  eiClass?: number; // 2
  eiData?: number; // 1
  machine?: number; // 243
  type?: number; // 2 (ET_EXEC)
  /** Junk bytes appended after everything the parser needs. */
  trailingPadding?: number;
}

export interface BuiltElf {
  bytes: Uint8Array;
  /** Offset one past the last byte any header or table refers to. */
  essentialEnd: number;
  phoff: number;
  /** File offset of each segment's data, in segment order. */
  dataOffsets: number[];
  shoff: number; // 0 if no sections
  symtabOff: number;
  strtabOff: number;
}

export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const PT_INTERP = 3;
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

const STT: Record<BuildSymType, number> = { notype: 0, object: 1, func: 2, section: 3, file: 4 };

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/** Write a 64-bit little-endian value from a number (exact for values < 2^53). */
export function setU64(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v % 0x1_0000_0000, true);
  dv.setUint32(off + 4, Math.floor(v / 0x1_0000_0000), true);
}

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function buildElf(opts: BuildOptions): BuiltElf {
  const segs = opts.segments;
  const syms = opts.symbols ?? [];
  const withSections = opts.sections ?? syms.length > 0;

  const phoff = 64;
  let cursor = phoff + 56 * segs.length;
  let needEnd = segs.length > 0 ? cursor : 64;
  const dataOffsets: number[] = [];
  for (const s of segs) {
    cursor = align8(cursor);
    // A loadable segment's file offset must be congruent to its vaddr modulo the page size:
    // Linux (and qemu-user) mmap the file there and refuse the ELF otherwise.
    const page = s.align ?? 0x1000;
    if ((s.type ?? PT_LOAD) === PT_LOAD && page > 1 && s.offset === undefined) {
      cursor += (((s.vaddr % page) - (cursor % page)) % page + page) % page;
    }
    dataOffsets.push(cursor);
    cursor += s.data?.length ?? 0;
    if ((s.data?.length ?? 0) > 0) needEnd = Math.max(needEnd, cursor);
  }

  // String tables.
  const enc = new TextEncoder();
  const strParts: Uint8Array[] = [new Uint8Array(1)];
  let strLen = 1;
  const nameOffs = syms.map((s) => {
    const b = enc.encode(s.name);
    const off = strLen;
    strParts.push(b, new Uint8Array(1));
    strLen += b.length + 1;
    return off;
  });
  const shNames = ['', ...segs.map((_, i) => `.seg${i}`), '.symtab', '.strtab', '.shstrtab'];
  const shstrParts: Uint8Array[] = [];
  let shstrLen = 0;
  const shNameOffs = shNames.map((n) => {
    const b = enc.encode(n);
    const off = shstrLen;
    shstrParts.push(b, new Uint8Array(1));
    shstrLen += b.length + 1;
    return off;
  });

  let symtabOff = 0;
  let strtabOff = 0;
  let shstrtabOff = 0;
  let shoff = 0;
  const nsyms = syms.length + 1;
  const shnum = shNames.length;
  if (withSections) {
    symtabOff = align8(cursor);
    strtabOff = symtabOff + 24 * nsyms;
    shstrtabOff = strtabOff + strLen;
    shoff = align8(shstrtabOff + shstrLen);
    cursor = shoff + 64 * shnum;
    needEnd = cursor;
  }
  const essentialEnd = needEnd;
  const total = cursor + (opts.trailingPadding ?? 0);
  const bytes = new Uint8Array(total);
  const dv = view(bytes);

  // ELF header.
  bytes.set([0x7f, 0x45, 0x4c, 0x46, opts.eiClass ?? 2, opts.eiData ?? 1, 1, 0], 0);
  dv.setUint16(16, opts.type ?? 2, true);
  dv.setUint16(18, opts.machine ?? 243, true);
  dv.setUint32(20, 1, true);
  setU64(dv, 24, opts.entry ?? segs[0]?.vaddr ?? 0);
  setU64(dv, 32, segs.length > 0 ? phoff : 0);
  setU64(dv, 40, shoff);
  dv.setUint32(48, 0x5, true); // e_flags: RVC | double-float ABI
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, segs.length, true);
  dv.setUint16(58, withSections ? 64 : 0, true);
  dv.setUint16(60, withSections ? shnum : 0, true);
  dv.setUint16(62, withSections ? shnum - 1 : 0, true);

  // Program headers and data.
  segs.forEach((s, i) => {
    const ph = phoff + 56 * i;
    const data = s.data ?? new Uint8Array(0);
    dv.setUint32(ph, s.type ?? PT_LOAD, true);
    dv.setUint32(ph + 4, s.flags ?? PF_R | PF_X, true);
    setU64(dv, ph + 8, s.offset ?? dataOffsets[i]!);
    setU64(dv, ph + 16, s.vaddr);
    setU64(dv, ph + 24, s.vaddr);
    setU64(dv, ph + 32, s.filesz ?? data.length);
    setU64(dv, ph + 40, s.memsz ?? data.length);
    setU64(dv, ph + 48, s.align ?? 0x1000);
    bytes.set(data, dataOffsets[i]!);
  });

  if (withSections) {
    // .symtab: null symbol, then locals before globals.
    const order = syms.map((_, i) => i).sort((a, b) => Number(syms[a]!.global ?? true) - Number(syms[b]!.global ?? true));
    let firstGlobal = nsyms;
    order.forEach((si, k) => {
      const s = syms[si]!;
      const e = symtabOff + 24 * (k + 1);
      const global = s.global ?? true;
      if (global && firstGlobal === nsyms) firstGlobal = k + 1;
      dv.setUint32(e, nameOffs[si]!, true);
      bytes[e + 4] = ((global ? 1 : 0) << 4) | STT[s.type ?? 'func'];
      bytes[e + 5] = 0;
      dv.setUint16(e + 6, s.shndx ?? 1, true);
      setU64(dv, e + 8, s.value);
      setU64(dv, e + 16, s.size ?? 0);
    });
    let o = strtabOff;
    for (const p of strParts) {
      bytes.set(p, o);
      o += p.length;
    }
    o = shstrtabOff;
    for (const p of shstrParts) {
      bytes.set(p, o);
      o += p.length;
    }

    const symtabIdx = 1 + segs.length;
    const writeSh = (
      idx: number,
      f: { type: number; flags?: number; addr?: number; off: number; size: number; link?: number; info?: number; entsize?: number },
    ) => {
      const h = shoff + 64 * idx;
      dv.setUint32(h, shNameOffs[idx]!, true);
      dv.setUint32(h + 4, f.type, true);
      setU64(dv, h + 8, f.flags ?? 0);
      setU64(dv, h + 16, f.addr ?? 0);
      setU64(dv, h + 24, f.off);
      setU64(dv, h + 32, f.size);
      dv.setUint32(h + 40, f.link ?? 0, true);
      dv.setUint32(h + 44, f.info ?? 0, true);
      setU64(dv, h + 48, 8);
      setU64(dv, h + 56, f.entsize ?? 0);
    };
    writeSh(0, { type: 0, off: 0, size: 0 });
    segs.forEach((s, i) => {
      const filesz = s.data?.length ?? 0;
      const memsz = s.memsz ?? filesz;
      writeSh(1 + i, {
        type: filesz > 0 ? 1 /* PROGBITS */ : 8 /* NOBITS */,
        flags: 2 /* ALLOC */ | ((s.flags ?? 5) & PF_X ? 4 : 0) | ((s.flags ?? 5) & PF_W ? 1 : 0),
        addr: s.vaddr,
        off: dataOffsets[i]!,
        size: filesz > 0 ? filesz : memsz,
      });
    });
    writeSh(symtabIdx, { type: 2, off: symtabOff, size: 24 * nsyms, link: symtabIdx + 1, info: firstGlobal, entsize: 24 });
    writeSh(symtabIdx + 1, { type: 3, off: strtabOff, size: strLen });
    writeSh(symtabIdx + 2, { type: 3, off: shstrtabOff, size: shstrLen });
  }

  for (let i = essentialEnd; i < total; i++) bytes[i] = (i * 37 + 11) & 0xff;

  return { bytes, essentialEnd, phoff, dataOffsets, shoff, symtabOff, strtabOff };
}

/** A small but complete static RISC-V executable: text, rodata, data+bss, symbols. */
export function sampleElf(extra: Partial<BuildOptions> = {}): BuiltElf {
  const text = new Uint8Array(0x40).map((_, i) => (i * 7 + 1) & 0xff);
  const rodata = new TextEncoder().encode('hello, world\n\0\0\0');
  const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
  return buildElf({
    entry: 0x10010,
    segments: [
      { vaddr: 0x10000, data: text, flags: PF_R | PF_X },
      { vaddr: 0x11000, data: rodata, flags: PF_R },
      { vaddr: 0x12000, data, memsz: 0x100, flags: PF_R | PF_W },
    ],
    symbols: [
      { name: 'main', value: 0x10020, size: 0x20, type: 'func' },
      { name: '_start', value: 0x10000, size: 0x20, type: 'func' },
      { name: 'msg', value: 0x11000, size: 13, type: 'object', global: false },
      { name: 'counter', value: 0x12000, size: 8, type: 'object' },
      { name: 'bss_start', value: 0x12008, type: 'notype', shndx: 3 },
      { name: 'crt.S', value: 0, type: 'file', global: false, shndx: 0xfff1 },
      { name: '', value: 0x10000, type: 'section', global: false },
      { name: 'puts', value: 0, type: 'func', shndx: 0 }, // undefined: dropped
      { name: '$x', value: 0x10000, type: 'notype', global: false }, // mapping symbol: dropped
    ],
    ...extra,
  });
}

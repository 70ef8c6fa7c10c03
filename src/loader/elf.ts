/**
 * ELF64 loader for static little-endian RISC-V executables.
 *
 * parseElf() validates the whole file up front and throws ElfError (never any
 * other exception type) for anything it cannot load: every read is bounds
 * checked before the DataView is touched, 64-bit fields are combined from two
 * 32-bit halves as plain numbers, and every loop is bounded by counts that have
 * already been checked against the file size.
 */

import { IALIGN_BYTES } from '../../shared/isa.ts';

/** A one-line, human-readable description of why an ELF file cannot be loaded. */
export class ElfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElfError';
  }
}

export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

export interface ElfSegment {
  vaddr: number;
  memsz: number;
  filesz: number;
  offset: number;
  /** PF_X=1 PF_W=2 PF_R=4 */
  flags: number;
}

export interface ElfSymbol {
  name: string;
  value: number;
  size: number;
  type: 'func' | 'object' | 'other';
}

export interface ElfImage {
  entry: number;
  /** PT_LOAD segments with a nonzero memory size, in program-header order. */
  segments: ElfSegment[];
  /** Sorted by value (then name). */
  symbols: ElfSymbol[];
  phoff: number;
  phentsize: number;
  phnum: number;
  bytes: Uint8Array;
}

// ---------------------------------------------------------------------------
// Constants

const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const ELFDATA2MSB = 2;

const ET_REL = 1;
const ET_EXEC = 2;
const ET_DYN = 3;
const ET_CORE = 4;

export const EM_RISCV = 243;

const PT_LOAD = 1;
const PT_INTERP = 3;
const PT_PHDR = 6;
const PN_XNUM = 0xffff;

const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHN_UNDEF = 0;

const STT_NOTYPE = 0;
const STT_OBJECT = 1;
const STT_FUNC = 2;

const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;

const TWO32 = 0x1_0000_0000;
const MAX_ADDR = Number.MAX_SAFE_INTEGER; // 2^53 - 1

const MACHINES: Record<number, string> = {
  0: 'none',
  2: 'SPARC',
  3: 'x86',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 'S/390',
  40: 'ARM',
  43: 'SPARC V9',
  50: 'IA-64',
  62: 'x86-64',
  183: 'AArch64',
  243: 'RISC-V',
  247: 'BPF',
  258: 'LoongArch',
};

// ---------------------------------------------------------------------------
// Helpers

export function hex(n: number): string {
  return '0x' + n.toString(16);
}

/** Bounds-checked little-endian reader over the file. */
class Reader {
  readonly dv: DataView;
  readonly len: number;

  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.len = bytes.byteLength;
  }

  /** Throw "truncated file" unless [off, off+size) lies inside the file. */
  need(off: number, size: number, what: string): void {
    if (!(off >= 0 && size >= 0 && off <= this.len && size <= this.len - off)) {
      throw new ElfError(
        `truncated file: ${what} at ${hex(off)}-${hex(off + size)} extends past end of file (${hex(this.len)} bytes)`,
      );
    }
  }

  private check(off: number, size: number): void {
    // Callers validate ranges with need() first; this is a safety net so a
    // missed check still surfaces as an ElfError rather than a RangeError.
    if (!(off >= 0 && off + size <= this.len)) {
      throw new ElfError(`truncated file: read of ${size} bytes at ${hex(off)} past end of file (${hex(this.len)} bytes)`);
    }
  }

  u8(off: number): number {
    this.check(off, 1);
    return this.dv.getUint8(off);
  }

  u16(off: number): number {
    this.check(off, 2);
    return this.dv.getUint16(off, true);
  }

  u32(off: number): number {
    this.check(off, 4);
    return this.dv.getUint32(off, true);
  }

  /**
   * 64-bit field as a number. Exact below 2^53; larger values come back as an
   * approximation that is still > Number.MAX_SAFE_INTEGER, so callers refuse
   * them by comparing against MAX_ADDR (or the file length).
   */
  u64(off: number): number {
    this.check(off, 8);
    const lo = this.dv.getUint32(off, true);
    const hi = this.dv.getUint32(off + 4, true);
    return hi * TWO32 + lo;
  }

  /** Exact hex text of a 64-bit field, for error messages about huge values. */
  hex64(off: number): string {
    this.check(off, 8);
    const lo = this.dv.getUint32(off, true);
    const hi = this.dv.getUint32(off + 4, true);
    if (hi === 0) return hex(lo);
    return '0x' + hi.toString(16) + lo.toString(16).padStart(8, '0');
  }
}

function machineName(m: number): string {
  return MACHINES[m] ?? 'unknown';
}

function typeRefusal(t: number): string {
  const why = 'only static executables (ET_EXEC) are supported';
  switch (t) {
    case ET_DYN:
      return `shared object or position-independent executable (ET_DYN): ${why}`;
    case ET_REL:
      return `relocatable object file (ET_REL): ${why}`;
    case ET_CORE:
      return `core dump (ET_CORE): ${why}`;
    default:
      return `ELF type ${t}: ${why}`;
  }
}

// ---------------------------------------------------------------------------
// parseElf

export function parseElf(bytes: Uint8Array): ElfImage {
  const r = new Reader(bytes);
  const len = r.len;

  // --- e_ident ------------------------------------------------------------
  if (len < 4) throw new ElfError(`not an ELF file (too short: ${len} bytes)`);
  if (bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('not an ELF file (bad magic)');
  }
  if (len < 6) {
    throw new ElfError(`truncated file: ELF header is ${len} bytes, expected ${EHDR_SIZE}`);
  }
  const eiClass = bytes[4]!;
  if (eiClass === ELFCLASS32) throw new ElfError('ELF32 (ELFCLASS32) file: only ELF64 is supported');
  if (eiClass !== ELFCLASS64) throw new ElfError(`invalid ELF class ${eiClass}: only ELF64 is supported`);
  const eiData = bytes[5]!;
  if (eiData === ELFDATA2MSB) throw new ElfError('big-endian ELF: only little-endian is supported');
  if (eiData !== ELFDATA2LSB) throw new ElfError(`invalid ELF data encoding ${eiData}: only little-endian is supported`);
  if (len < EHDR_SIZE) {
    throw new ElfError(`truncated file: ELF header is ${len} bytes, expected ${EHDR_SIZE}`);
  }

  // --- ELF header ---------------------------------------------------------
  const eType = r.u16(16);
  const eMachine = r.u16(18);
  if (eMachine !== EM_RISCV) {
    throw new ElfError(`machine ${eMachine} (${machineName(eMachine)}), expected RISC-V (${EM_RISCV})`);
  }
  if (eType !== ET_EXEC) throw new ElfError(typeRefusal(eType));

  const entry = r.u64(24);
  const phoff = r.u64(32);
  const shoff = r.u64(40);
  const phentsize = r.u16(54);
  let phnum = r.u16(56);
  const shentsize = r.u16(58);
  const shnumRaw = r.u16(60);
  // e_shstrndx (62) is not needed: the symbol table is found by section type.

  // --- program headers ----------------------------------------------------
  if (phnum === PN_XNUM) {
    throw new ElfError('extended program header count (PN_XNUM) is not supported');
  }
  if (phnum === 0) throw new ElfError('no PT_LOAD segments (the file has no program headers)');
  if (phentsize < PHDR_SIZE) {
    throw new ElfError(`invalid program header entry size ${phentsize} (expected at least ${PHDR_SIZE})`);
  }
  r.need(phoff, phnum * phentsize, `program header table (${phnum} entries)`);

  const segments: ElfSegment[] = [];
  let sawLoad = false;
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    const pType = r.u32(ph);
    if (pType === PT_INTERP) {
      throw new ElfError('dynamically linked executable (has PT_INTERP): only static executables (ET_EXEC) are supported');
    }
    if (pType !== PT_LOAD) continue;
    sawLoad = true;
    const flags = r.u32(ph + 4);
    const offset = r.u64(ph + 8);
    const vaddr = r.u64(ph + 16);
    const filesz = r.u64(ph + 32);
    const memsz = r.u64(ph + 40);
    const where = `segment ${i}`;

    if (filesz > memsz) {
      throw new ElfError(
        `${where} (vaddr ${r.hex64(ph + 16)}): file size ${r.hex64(ph + 32)} exceeds memory size ${r.hex64(ph + 40)}`,
      );
    }
    if (vaddr > MAX_ADDR || memsz > MAX_ADDR || vaddr + memsz > MAX_ADDR) {
      throw new ElfError(
        `${where}: segment outside addressable range (vaddr ${r.hex64(ph + 16)}, memsz ${r.hex64(ph + 40)}; addresses must be below 2^53)`,
      );
    }
    if (filesz > 0) r.need(offset, filesz, `${where} file data`);
    if (memsz === 0) continue; // occupies no memory
    segments.push({ vaddr, memsz, filesz, offset: filesz > 0 ? offset : 0, flags });
  }
  if (!sawLoad || segments.length === 0) throw new ElfError('no PT_LOAD segments (nothing to load)');

  // --- overlap ------------------------------------------------------------
  const sorted = [...segments].sort((a, b) => a.vaddr - b.vaddr);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (a.vaddr + a.memsz > b.vaddr) {
      throw new ElfError(
        `PT_LOAD segments overlap: ${hex(a.vaddr)}-${hex(a.vaddr + a.memsz)} and ${hex(b.vaddr)}-${hex(b.vaddr + b.memsz)}`,
      );
    }
  }

  // --- entry --------------------------------------------------------------
  if (entry % IALIGN_BYTES !== 0) {
    throw new ElfError(`entry point ${r.hex64(24)} is not ${IALIGN_BYTES}-byte aligned (IALIGN=${IALIGN_BYTES * 8})`);
  }
  const inExec = segments.some((s) => (s.flags & PF_X) !== 0 && entry >= s.vaddr && entry < s.vaddr + s.memsz);
  if (!inExec) {
    throw new ElfError(`entry point ${r.hex64(24)} is not inside an executable (PF_X) PT_LOAD segment`);
  }

  // --- symbols ------------------------------------------------------------
  const symbols = parseSymbols(r, shoff, shentsize, shnumRaw);

  return { entry, segments, symbols, phoff, phentsize, phnum, bytes };
}

function parseSymbols(r: Reader, shoff: number, shentsize: number, shnumRaw: number): ElfSymbol[] {
  if (shoff === 0) return []; // no section header table: fine for a loader
  if (shentsize < SHDR_SIZE) {
    if (shnumRaw === 0 && shentsize === 0) return [];
    throw new ElfError(`invalid section header entry size ${shentsize} (expected at least ${SHDR_SIZE})`);
  }
  let shnum = shnumRaw;
  if (shnum === 0) {
    // Extended numbering: the real count lives in section 0's sh_size.
    r.need(shoff, SHDR_SIZE, 'section header 0');
    shnum = r.u64(shoff + 32);
    if (shnum === 0) return [];
  }
  r.need(shoff, shnum * shentsize, `section header table (${shnum} entries)`);

  const sh = (i: number) => shoff + i * shentsize;
  let symtab = -1;
  for (let i = 0; i < shnum; i++) {
    if (r.u32(sh(i) + 4) === SHT_SYMTAB) {
      symtab = i;
      break;
    }
  }
  if (symtab < 0) return [];

  const s = sh(symtab);
  const symOff = r.u64(s + 24);
  const symSize = r.u64(s + 32);
  const link = r.u32(s + 40);
  let entsize = r.u64(s + 56);
  if (entsize === 0) entsize = SYM_SIZE;
  if (entsize < SYM_SIZE || entsize > 0xffff) {
    throw new ElfError(`symbol table has invalid entry size ${entsize} (expected ${SYM_SIZE})`);
  }
  r.need(symOff, symSize, 'symbol table (.symtab)');
  if (link === 0 || link >= shnum) {
    throw new ElfError(`symbol table links to invalid string table section ${link}`);
  }
  const st = sh(link);
  if (r.u32(st + 4) !== SHT_STRTAB) {
    throw new ElfError(`symbol table links to section ${link}, which is not a string table`);
  }
  const strOff = r.u64(st + 24);
  const strSize = r.u64(st + 32);
  r.need(strOff, strSize, 'string table (.strtab)');

  const strtab = r.bytes.subarray(strOff, strOff + strSize);
  const decoder = new TextDecoder('utf-8');
  const count = Math.floor(symSize / entsize);
  const out: ElfSymbol[] = [];
  // Entry 0 is always the null symbol.
  for (let i = 1; i < count; i++) {
    const e = symOff + i * entsize;
    const nameOff = r.u32(e);
    const info = r.u8(e + 4);
    const shndx = r.u16(e + 6);
    const value = r.u64(e + 8);
    const size = r.u64(e + 16);
    if (nameOff >= strSize && nameOff !== 0) {
      throw new ElfError(`symbol ${i}: name offset ${hex(nameOff)} is outside the string table (${hex(strSize)} bytes)`);
    }
    const stt = info & 0xf;
    if (stt !== STT_FUNC && stt !== STT_OBJECT && stt !== STT_NOTYPE) continue;
    if (shndx === SHN_UNDEF) continue;
    if (value > MAX_ADDR || size > MAX_ADDR) continue;
    let end = nameOff;
    while (end < strtab.length && strtab[end] !== 0) end++;
    const name = decoder.decode(strtab.subarray(nameOff, end));
    if (name === '') continue;
    if (stt === STT_NOTYPE && (name.startsWith('$') || name.startsWith('.L'))) continue; // mapping symbols, local labels
    out.push({ name, value, size, type: stt === STT_FUNC ? 'func' : stt === STT_OBJECT ? 'object' : 'other' });
  }
  out.sort((a, b) => a.value - b.value || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

// ---------------------------------------------------------------------------
// Loading

/**
 * Copy every PT_LOAD segment into guest RAM (guest physical address a is
 * ram[a]) and zero-fill its bss tail. All segments are checked against
 * [ramBase, ramLimit) before anything is written.
 */
export function loadSegments(img: ElfImage, ram: Uint8Array, ramBase: number, ramLimit: number): void {
  if (!(ramLimit <= ram.length) || !(ramBase >= 0) || !(ramBase <= ramLimit)) {
    throw new RangeError(`loadSegments: bad RAM window ${hex(ramBase)}-${hex(ramLimit)} for ${hex(ram.length)} bytes of RAM`);
  }
  for (const s of img.segments) {
    const end = s.vaddr + s.memsz;
    if (s.vaddr < ramBase || end > ramLimit) {
      throw new ElfError(`segment ${hex(s.vaddr)}-${hex(end)} lies outside RAM (${hex(ramBase)}-${hex(ramLimit)})`);
    }
    if (s.filesz > 0 && s.offset + s.filesz > img.bytes.length) {
      throw new ElfError(`truncated file: segment ${hex(s.vaddr)}-${hex(end)} file data extends past end of file`);
    }
  }
  for (const s of img.segments) {
    if (s.filesz > 0) ram.set(img.bytes.subarray(s.offset, s.offset + s.filesz), s.vaddr);
    ram.fill(0, s.vaddr + s.filesz, s.vaddr + s.memsz);
  }
}

/** Page-rounded (4 KiB) end of the highest PT_LOAD segment: the initial program break. */
export function highestLoadEnd(img: ElfImage): number {
  let end = 0;
  for (const s of img.segments) end = Math.max(end, s.vaddr + s.memsz);
  return Math.ceil(end / 4096) * 4096;
}

/**
 * Guest address of the program header table (for AT_PHDR), if the table is
 * mapped: taken from PT_PHDR when present, else from the PT_LOAD segment whose
 * file data covers e_phoff.
 */
export function phdrVaddr(img: ElfImage): number | undefined {
  const r = new Reader(img.bytes);
  for (let i = 0; i < img.phnum; i++) {
    const ph = img.phoff + i * img.phentsize;
    if (ph + PHDR_SIZE > r.len) break;
    if (r.u32(ph) === PT_PHDR) {
      const v = r.u64(ph + 16);
      return v <= MAX_ADDR ? v : undefined;
    }
  }
  const tableEnd = img.phoff + img.phnum * img.phentsize;
  for (const s of img.segments) {
    if (img.phoff >= s.offset && tableEnd <= s.offset + s.filesz) return s.vaddr + (img.phoff - s.offset);
  }
  return undefined;
}

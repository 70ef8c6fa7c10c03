// cores/rvc.ts against an oracle nobody here wrote: LLVM 14's disassembler and assembler, run once by
// test/cores/golden/rvc64.gen.ts into golden/rvc64.bin.gz (layout in that script), and qemu-riscv64
// for the legality of the parcels where LLVM and the spec disagree.
//
// Where LLVM 14 differs from the spec, we follow the spec and qemu 7.2 (32 parcels, checked below):
//  - 0x0000: LLVM decodes c.unimp and prints its twin as `unimp` (csrrw x0, cycle, x0). The spec:
//    "the all-zero halfword is defined illegal"; qemu raises SIGILL. We: RVC_ILLEGAL.
//  - c.lui with nzimm = 0 and rd != x2 (31 parcels 0x6001 | rd << 7): LLVM decodes `lui rd, 0`
//    (`c.lui zero, 0` for rd = 0). The spec: "the code points with nzimm=0 are reserved"; qemu:
//    SIGILL. We: RVC_ILLEGAL.
// GNU binutils 2.40's objdump (a second opinion, legality only) agrees with us on every parcel but
// two: 0x0000 (it decodes c.unimp) and 0x6101 (it decodes `c.addi16sp sp, 0`; the spec: "the code
// point with nzimm=0 is reserved"; LLVM and qemu: illegal).
// Choices where LLVM agrees with qemu and the spec allows them: c.mv expands to mv (addi rd, rs2, 0),
// not add rd, x0, rs2; c.addi16sp/c.addi rd, 0/c.lui rd = 0 etc. as the spec's HINT rules say.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { disassemble } from '../../src/asm/disassembler.ts';
import { encI, encS, encU } from '../../src/asm/encode.ts';
import {
  expandCompressed, expandCompressedSlow, instructionLength, isCompressed, RVC_ILLEGAL,
} from '../../cores/rvc.ts';

const raw = gunzipSync(readFileSync(new URL('./golden/rvc64.bin.gz', import.meta.url)));
const golden = new Int32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + 4 * 65536));
const provenance = raw.subarray(4 * 65536, 5 * 65536); // 0 not a parcel, 1 LLVM invalid, 2 twin, 3 HINT
const binutils = raw.subarray(5 * 65536, 6 * 65536); // 0 not a parcel, 1 objdump invalid, 2 decoded

const hex = (v: number, n = 4) => '0x' + (v >>> 0).toString(16).padStart(n, '0');
/** The parcels where we follow the spec and qemu instead of LLVM 14 (see the header). */
const specOverLlvm = (h: number) => h === 0 || ((h & 0xf07f) === 0x6001 && ((h >>> 7) & 31) !== 2);

const parcels: number[] = [];
for (let h = 0; h < 65536; h++) if ((h & 3) !== 3) parcels.push(h);
const legal = parcels.filter((h) => expandCompressed(h) !== RVC_ILLEGAL);

describe('RVC expansion, every parcel against LLVM 14', () => {
  it('the golden table covers all 49152 parcels', () => {
    expect(raw.length).toBe(6 * 65536);
    expect(parcels.length).toBe(49152);
    expect(parcels.every((h) => provenance[h] !== 0 && binutils[h] !== 0)).toBe(true);
  });

  it('legality agrees with GNU binutils 2.40 but for 0x0000 and 0x6101 (see the header)', () => {
    const differ = parcels.filter((h) => (expandCompressed(h) === RVC_ILLEGAL) !== (binutils[h] === 1));
    expect(differ.map((h) => hex(h))).toEqual(['0x0000', '0x6101']);
    expect(expandCompressed(0x6101)).toBe(RVC_ILLEGAL);
  });

  it('matches LLVM on every parcel but the 32 documented spec-over-LLVM ones', () => {
    const diffs: string[] = [];
    const ours: number[] = [];
    for (const h of parcels) {
      const got = expandCompressed(h);
      if (got === golden[h]) continue;
      ours.push(h);
      if (!specOverLlvm(h)) diffs.push(`${hex(h)}: ours ${hex(got, 8)}, LLVM ${hex(golden[h], 8)}`);
    }
    expect(diffs.slice(0, 20)).toEqual([]);
    expect(ours.length).toBe(32);
    for (const h of ours) expect(expandCompressed(h), hex(h)).toBe(RVC_ILLEGAL);
  });

  it('illegal exactly where the spec reserves: 2409 parcels, by class', () => {
    const ill = parcels.filter((h) => expandCompressed(h) === RVC_ILLEGAL);
    const cls = (h: number): string => {
      const q = h & 3, f3 = h >>> 13, rd = (h >>> 7) & 31;
      if (q === 0 && f3 === 0) return 'c.addi4spn nzuimm=0';
      if (q === 0 && f3 === 4) return 'quadrant 0 funct3 100';
      if (q === 1 && f3 === 1) return 'c.addiw rd=0';
      if (q === 1 && f3 === 3) return rd === 2 ? 'c.addi16sp 0' : 'c.lui nzimm=0';
      if (q === 1 && f3 === 4) return 'c.subw/c.addw reserved';
      if (q === 2 && f3 === 2) return 'c.lwsp rd=0';
      if (q === 2 && f3 === 3) return 'c.ldsp rd=0';
      if (q === 2 && f3 === 4) return 'c.jr rs1=0';
      return 'unexpected';
    };
    const counts: Record<string, number> = {};
    for (const h of ill) counts[cls(h)] = (counts[cls(h)] ?? 0) + 1;
    expect(counts).toEqual({
      'c.addi4spn nzuimm=0': 8, 'quadrant 0 funct3 100': 2048, 'c.addiw rd=0': 64, 'c.addi16sp 0': 1,
      'c.lui nzimm=0': 31, 'c.subw/c.addw reserved': 128, 'c.lwsp rd=0': 64, 'c.ldsp rd=0': 64, 'c.jr rs1=0': 1,
    });
    // LLVM marks all of them invalid but the 32 above
    expect(ill.filter((h) => provenance[h] !== 1).length).toBe(32);
  });

  it('HINTs expand as the spec says (363 parcels LLVM prints compressed-only, c.lui zero, 0 aside)', () => {
    const hints = parcels.filter((h) => provenance[h] === 3 && !specOverLlvm(h));
    expect(hints.length).toBe(363);
    for (const h of hints) expect(expandCompressed(h), hex(h)).toBe(golden[h]);
    // spot checks of the rules themselves, independent of LLVM
    expect(expandCompressed(0x0015)).toBe(0x00500013); // c.nop 5 -> addi x0, x0, 5
    expect(expandCompressed(0x0502)).toBe(0x00051513); // c.slli64 a0 -> slli a0, a0, 0
    expect(expandCompressed(0x6005)).toBe(0x00001037); // c.lui x0, 1 -> lui x0, 1
    expect(expandCompressed(0x802a)).toBe(0x00050013); // c.mv x0, a0 -> addi x0, a0, 0
  });

  it('spot checks of RV64 forms: shamt[5], c.addiw, c.ld, c.fldsp', () => {
    expect(expandCompressed(0x1502)).toBe(0x02051513); // c.slli a0, 32
    expect(expandCompressed(0x9101)).toBe(0x02055513); // c.srli a0, 32
    expect(expandCompressed(0x2505)).toBe(0x0015051b); // c.addiw a0, 1
    expect(expandCompressed(0x6108)).toBe(0x00053503); // c.ld a0, 0(a0)
    expect(expandCompressed(0x3008)).toBe(0x02043507); // c.fld fa0, 32(s0)
    expect(expandCompressed(0x2002)).toBe(0x00013007); // c.fldsp ft0, 0(sp)
  });

  it('the table is the slow path, every expansion is a 32-bit encoding, 32-bit parcels give ILLEGAL', () => {
    const bad: string[] = [];
    for (let h = 0; h < 65536; h++) {
      const w = expandCompressed(h);
      const ok = w === expandCompressedSlow(h) && ((h & 3) === 3 ? w === RVC_ILLEGAL : w === RVC_ILLEGAL || (w & 3) === 3) &&
        isCompressed(h) === ((h & 3) !== 3) && instructionLength(h) === ((h & 3) === 3 ? 4 : 2);
      if (!ok) bad.push(hex(h));
    }
    expect(bad).toEqual([]);
  });

  it("every integer expansion is an instruction the project's disassembler knows", () => {
    const unknown = legal.filter((h) => {
      const w = expandCompressed(h), opc = w & 0x7f;
      return opc !== 0x07 && opc !== 0x27 && disassemble(w).startsWith('illegal');
    });
    expect(unknown.map((h) => hex(h))).toEqual([]);
  });
});

describe('mixed 16/32-bit streams', () => {
  // The first compressed parcel for each 32-bit twin: a program may be written either way.
  const parcelOf = new Map<number, number>();
  for (const h of legal) if (!parcelOf.has(expandCompressed(h))) parcelOf.set(expandCompressed(h), h);
  const twins = [...parcelOf.keys()];

  /** Walks a parcel stream the way a fetch unit must: the low bits of each first parcel give the length. */
  function walk(s: Uint16Array): { at: number[]; words: number[] } {
    const at: number[] = [], words: number[] = [];
    for (let i = 0; i < s.length; i += instructionLength(s[i]) / 2) {
      at.push(i * 2);
      words.push(isCompressed(s[i]) ? expandCompressed(s[i]) : (s[i] | (s[i + 1] << 16)));
    }
    return { at, words };
  }
  function layout(words: number[], compress: boolean[]): { s: Uint16Array; at: number[] } {
    const out: number[] = [], at: number[] = [];
    words.forEach((w, k) => {
      at.push(out.length * 2);
      if (compress[k] && parcelOf.has(w)) out.push(parcelOf.get(w)!);
      else out.push(w & 0xffff, (w >>> 16) & 0xffff);
    });
    return { s: Uint16Array.from(out), at };
  }
  const word = fc.oneof(
    fc.constantFrom(...twins), // has a compressed form
    fc.integer({ min: 0, max: 0x3fffffff }).map((x) => ((x << 2) | 3) | 0), // any 32-bit word
  );

  it('decodes the same instruction sequence however many instructions are compressed', () => {
    fc.assert(fc.property(fc.array(fc.tuple(word, fc.boolean(), fc.boolean()), { minLength: 1, maxLength: 64 }), (items) => {
      const words = items.map(([w]) => w);
      const a = layout(words, items.map(([, c]) => c));
      const b = layout(words, items.map(([, , c]) => c));
      const wa = walk(a.s), wb = walk(b.s);
      expect(wa.words).toEqual(words);
      expect(wb.words).toEqual(words);
      expect(wa.at).toEqual(a.at); // each instruction starts where it was laid out
      expect(wb.at).toEqual(b.at);
    }), { seed: 0x5eed_c0de, numRuns: 500 });
  });
});

// qemu-riscv64 is the reference for legality where LLVM and the spec disagree, and for the HINTs:
// each probe runs `.word parcel | c.nop << 16` then exit(0); SIGILL means illegal.
const qemu = spawnSync('qemu-riscv64', ['--version']).status === 0;

/** A static ELF64 whose one segment (R+W+X) maps the file from offset 0 at 0x10000 (qemu wants
 * offset ≡ vaddr); `body` follows the 120 header bytes and the entry is body + entryOff. */
function tinyElf(body: Uint8Array, entryOff = 0): Uint8Array {
  const b = Buffer.alloc(120 + body.length);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]); // ELF64, little-endian, version 1
  b.writeUInt16LE(2, 16); b.writeUInt16LE(243, 18); b.writeUInt32LE(1, 20); // ET_EXEC, EM_RISCV
  b.writeBigUInt64LE(BigInt(0x10000 + 120 + entryOff), 24); b.writeBigUInt64LE(64n, 32); // entry, phoff
  b.writeUInt32LE(0x5, 48); // RVC, double-float ABI
  b.writeUInt16LE(64, 52); b.writeUInt16LE(56, 54); b.writeUInt16LE(1, 56); // ehsize, phentsize, phnum
  b.writeUInt32LE(1, 64); b.writeUInt32LE(7, 68); // PT_LOAD, R+W+X
  b.writeBigUInt64LE(0x10000n, 80); b.writeBigUInt64LE(0x10000n, 88); // vaddr, paddr
  b.writeBigUInt64LE(BigInt(b.length), 96); b.writeBigUInt64LE(BigInt(b.length), 104); b.writeBigUInt64LE(0x1000n, 112);
  b.set(body, 120);
  return b;
}
const words = (ws: number[]) => new Uint8Array(Uint32Array.from(ws.map((w) => w >>> 0)).buffer);
/** Runs an ELF under qemu-riscv64 (qemu-user refuses files without the execute bit). */
function qemuRun(dir: string, name: string, elf: Uint8Array) {
  const f = join(dir, name);
  writeFileSync(f, elf, { mode: 0o755 });
  return spawnSync('qemu-riscv64', [f], { maxBuffer: 1 << 20 });
}

describe('legality against qemu-riscv64', () => {
  const probes: number[] = [
    0x0000, 0x0004, 0x0010, 0x6101, // all-zero, c.addi4spn 0 (rd' = s1, a2), c.addi16sp 0
    ...Array.from({ length: 32 }, (_, rd) => 0x6001 | (rd << 7)).filter((h) => ((h >>> 7) & 31) !== 2), // c.lui 0
    0x8000, 0x8004, 0x2001, 0x2005, 0x4002, 0x4006, 0x6002, 0x8002, 0x9c41, 0x9c61, // reserved
    0x0015, 0x0502, 0x8101, 0x8501, 0x6005, 0x4015, 0x802a, 0x902a, 0x0006, 0x1502, 0x9101, // HINTs, shamt[5]
    0x4505, 0x2505, 0x9c21, 0x9c3d, 0x853e, 0x0505, // ordinary: c.li, c.addiw, c.subw, c.addw, c.mv, c.addi
  ];
  it.runIf(qemu)('each probe is illegal under qemu exactly when expandCompressed says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rvc-qemu-'));
    try {
      const mismatches: string[] = [];
      for (const h of probes) {
        // parcel, c.nop; li a0, 0; li a7, 93; ecall
        const r = qemuRun(dir, `p${h}.elf`, tinyElf(words([h | (0x0001 << 16), 0x00000513, 0x05d00893, 0x00000073])));
        const qemuIllegal = r.signal === 'SIGILL';
        if (!qemuIllegal) expect(r.status, hex(h)).toBe(0);
        if (qemuIllegal !== (expandCompressed(h) === RVC_ILLEGAL)) mismatches.push(`${hex(h)} qemu ${qemuIllegal ? 'SIGILL' : 'ok'}`);
      }
      expect(mismatches).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

// Straight-line programs mixing compressed and 32-bit instructions run under qemu twice: as laid
// out (parcels where drawn) and with every parcel replaced by expandCompressed's twin. Both must
// leave the same registers x1..x30 and the same scratch memory. The pool: every legal parcel whose
// twin is integer ALU (HINTs included), or an sp-relative load/store (c.lwsp, c.ldsp, c.swsp,
// c.sdsp, c.fldsp, c.fsdsp; sp points at a 512-byte scratch buffer), never writing sp or x31 (the
// base register). Branches and jumps are left out: their offsets differ between the two layouts.
describe('mixed programs against qemu-riscv64', () => {
  const TABLE = 31 * 8, SCRATCH = 512; // file layout after the ELF header: table, scratch, code
  const pool = legal.filter((h) => {
    const w = expandCompressed(h), opc = w & 0x7f, rd = (w >>> 7) & 31, rs1 = (w >>> 15) & 31;
    if ([0x13, 0x1b, 0x33, 0x3b, 0x37].includes(opc)) return rd !== 2 && rd !== 31;
    if (opc === 0x03) return rs1 === 2 && rd !== 2 && rd !== 31;
    return (opc === 0x07 || opc === 0x23 || opc === 0x27) && rs1 === 2;
  });

  function program(regs: bigint[], scratch: Uint8Array, items: Array<[number, boolean]>, compress: boolean): Uint8Array {
    const base = -(TABLE + SCRATCH); // table's offset from the code start (x31)
    const pro: number[] = [encU(0x17, 31, 0)]; // auipc x31, 0
    for (let r = 1; r <= 30; r++) if (r !== 2) pro.push(encI(0x03, r, 3, 31, base + 8 * r)); // ld xr
    pro.push(encI(0x13, 2, 0, 31, -SCRATCH)); // addi sp, x31, -512
    const parcels: number[] = [];
    for (const w of pro) parcels.push(w & 0xffff, w >>> 16);
    for (const [h, c] of items) {
      if (c && compress) parcels.push(h);
      else { const w = expandCompressed(h); parcels.push(w & 0xffff, (w >>> 16) & 0xffff); }
    }
    const epi: number[] = [];
    for (let r = 1; r <= 30; r++) epi.push(encS(0x23, 3, 31, r, base + 8 * r)); // sd xr
    epi.push(encI(0x13, 11, 0, 31, base), encI(0x13, 10, 0, 0, 1), encI(0x13, 12, 0, 0, TABLE + SCRATCH),
      encI(0x13, 17, 0, 0, 64), 0x73, encI(0x13, 10, 0, 0, 0), encI(0x13, 17, 0, 0, 93), 0x73); // write, exit
    for (const w of epi) parcels.push(w & 0xffff, w >>> 16);
    const body = new Uint8Array(TABLE + SCRATCH + 2 * parcels.length);
    const dv = new DataView(body.buffer);
    regs.forEach((v, i) => dv.setBigUint64(8 * (i + 1), v, true));
    body.set(scratch, TABLE);
    parcels.forEach((p, i) => dv.setUint16(TABLE + SCRATCH + 2 * i, p, true));
    return tinyElf(body, TABLE + SCRATCH);
  }

  it.runIf(qemu)('the parcels and their 32-bit twins leave the same registers and memory', () => {
    expect(pool.length).toBeGreaterThan(20000);
    const dir = mkdtempSync(join(tmpdir(), 'rvc-mix-'));
    let run = 0;
    try {
      fc.assert(fc.property(
        fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 30, maxLength: 30 }),
        fc.uint8Array({ minLength: SCRATCH, maxLength: SCRATCH }),
        fc.array(fc.tuple(fc.constantFrom(...pool), fc.boolean()), { minLength: 1, maxLength: 300 }),
        (regs, scratch, items) => {
          run++;
          const a = qemuRun(dir, `a${run}.elf`, program(regs, scratch, items, true));
          const b = qemuRun(dir, `b${run}.elf`, program(regs, scratch, items, false));
          expect(a.status).toBe(0);
          expect(b.status).toBe(0);
          expect(a.stdout.length).toBe(TABLE + SCRATCH);
          expect(a.stdout.equals(b.stdout)).toBe(true);
        }), { seed: 0x0c0ffee, numRuns: 40, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: true });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

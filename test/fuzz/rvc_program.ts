// Random programs mixing compressed (c.*) and 32-bit integer instructions, with control flow, for the
// differential fuzzer against qemu-riscv64 (test/fuzz/rvc.test.ts, bench/fuzz.ts rvc).
//
// Steps: ALU ops of both sizes (M included), loads and stores of every width to a scratch area
// (32-bit forms, c.lw/c.ld/c.sw/c.sd through s0, c.lwsp/c.ldsp/c.swsp/c.sdsp through sp, D's
// c.fld/c.fsd/c.fldsp/c.fsdsp), forward branches and jumps (beq.., c.beqz/c.bnez, c.j, jal, c.jr and
// c.jalr through a register) that skip the next few steps, and loops counted down in s1 with
// c.bnez. The end dumps every x and f register and the scratch area (write), then exits 0. Branch
// targets are resolved when the program is rendered, so dropping steps keeps it valid (shrinking).
//
// Reserved: sp and s0 (the scratch base), s1 (loop counter). The mix puts 32-bit instructions at
// 2-mod-4 addresses, so some straddle fetch blocks and lines.

import fc from 'fast-check';
import { disassembleAt } from '../../src/asm/disassembler.ts';
import { assemble } from '../../src/asm/assembler.ts';
import { ABI_NAMES, FP_ABI_NAMES } from '../../src/asm/encode.ts';
import { assembleProgram } from '../../src/asm/program.ts';
import type { Fuzzer } from './fuzzer.ts';
import type { RunOutput } from './run.ts';

export const CODE_BASE = 0x10000;
export const DATA_BASE = 0x100000;
const SCRATCH = DATA_BASE + 1024; // sp = s0 = SCRATCH; 512 bytes
const SCRATCH_BYTES = 512;
const DUMP = DATA_BASE + 2048; // x0..x31, f0..f31
export const RVC_DUMP_BYTES = 512 + SCRATCH_BYTES;

/** One step: its lines; `%T` is the label `skip` steps ahead, `%B` a label of the step itself. */
export interface CStep {
  lines: string[];
  skip: number;
}

export interface CProgram {
  /** Initial x1..x31 (sp, s0, s1 overwritten) and f0..f31, then the scratch area, 8 bytes each. */
  init: bigint[];
  steps: CStep[];
}

const XW = [1, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31];
const XC = [10, 11, 12, 13, 14, 15]; // x8..x15 minus s0, s1
const x = fc.constantFrom(...XW).map((i) => ABI_NAMES[i]!);
const xs = fc.constantFrom(0, ...XW).map((i) => ABI_NAMES[i]!); // sources may be zero
const xc = fc.constantFrom(...XC).map((i) => ABI_NAMES[i]!);
const fc8 = fc.integer({ min: 8, max: 15 }).map((i) => FP_ABI_NAMES[i]!);
const fany = fc.integer({ min: 0, max: 31 }).map((i) => FP_ABI_NAMES[i]!);
const imm6 = fc.integer({ min: -32, max: 31 });
const nz6 = imm6.filter((v) => v !== 0);
const imm12 = fc.oneof(fc.integer({ min: -2048, max: 2047 }), fc.integer({ min: -4, max: 4 }));
const op = (...lines: string[]): CStep => ({ lines, skip: 0 });
const off = (size: number, max: number) => fc.integer({ min: 0, max: Math.floor(max / size) }).map((k) => k * size);

const RRR = ['add', 'sub', 'sll', 'slt', 'sltu', 'xor', 'srl', 'sra', 'or', 'and', 'addw', 'subw', 'sllw', 'srlw', 'sraw',
  'mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu', 'mulw', 'divw', 'divuw', 'remw', 'remuw'];
const RRI = ['addi', 'slti', 'sltiu', 'xori', 'ori', 'andi', 'addiw'];
const LOADS: [string, number][] = [['lb', 1], ['lh', 2], ['lw', 4], ['ld', 8], ['lbu', 1], ['lhu', 2], ['lwu', 4]];
const STORES: [string, number][] = [['sb', 1], ['sh', 2], ['sw', 4], ['sd', 8]];

/** Straight-line steps: no control flow. */
const straight: fc.Arbitrary<CStep> = fc.oneof(
  // 32-bit
  fc.tuple(fc.constantFrom(...RRR), x, xs, xs).map(([m, a, b, c]) => op(`${m} ${a}, ${b}, ${c}`)),
  fc.tuple(fc.constantFrom(...RRI), x, xs, imm12).map(([m, a, b, i]) => op(`${m} ${a}, ${b}, ${i}`)),
  fc.tuple(fc.constantFrom('slli', 'srli', 'srai'), x, xs, fc.integer({ min: 0, max: 63 })).map(([m, a, b, i]) => op(`${m} ${a}, ${b}, ${i}`)),
  fc.tuple(fc.constantFrom('slliw', 'srliw', 'sraiw'), x, xs, fc.integer({ min: 0, max: 31 })).map(([m, a, b, i]) => op(`${m} ${a}, ${b}, ${i}`)),
  fc.tuple(fc.constantFrom('lui', 'auipc'), x, fc.integer({ min: 0, max: 0xfffff })).map(([m, a, i]) => op(`${m} ${a}, ${i}`)),
  fc.tuple(fc.constantFrom(...LOADS), x).chain(([[m, n], a]) => off(n, SCRATCH_BYTES - n).map((o) => op(`${m} ${a}, ${o}(s0)`))),
  fc.tuple(fc.constantFrom(...STORES), xs).chain(([[m, n], a]) => off(n, SCRATCH_BYTES - n).map((o) => op(`${m} ${a}, ${o}(s0)`))),
  // compressed ALU
  fc.tuple(x, nz6).map(([a, i]) => op(`c.addi ${a}, ${i}`)),
  fc.tuple(x, imm6).map(([a, i]) => op(`c.addiw ${a}, ${i}`)),
  fc.tuple(x, imm6).map(([a, i]) => op(`c.li ${a}, ${i}`)),
  fc.tuple(x.filter((r) => r !== 'sp'), fc.oneof(fc.integer({ min: 1, max: 31 }), fc.integer({ min: 0xfffe0, max: 0xfffff }))).map(([a, i]) => op(`c.lui ${a}, ${i}`)),
  fc.tuple(fc.constantFrom('c.srli', 'c.srai'), xc, fc.integer({ min: 1, max: 63 })).map(([m, a, i]) => op(`${m} ${a}, ${i}`)),
  fc.tuple(xc, imm6).map(([a, i]) => op(`c.andi ${a}, ${i}`)),
  fc.tuple(fc.constantFrom('c.sub', 'c.xor', 'c.or', 'c.and', 'c.subw', 'c.addw'), xc, xc).map(([m, a, b]) => op(`${m} ${a}, ${b}`)),
  fc.tuple(x, fc.integer({ min: 1, max: 63 })).map(([a, i]) => op(`c.slli ${a}, ${i}`)),
  fc.tuple(x, x).map(([a, b]) => op(`c.mv ${a}, ${b}`)),
  fc.tuple(x, x).map(([a, b]) => op(`c.add ${a}, ${b}`)),
  fc.tuple(xc, fc.integer({ min: 1, max: 255 })).map(([a, k]) => op(`c.addi4spn ${a}, sp, ${k * 4}`)),
  fc.constant(op('c.nop')),
  // compressed loads and stores: through s0 (x8..x15 forms) and sp
  fc.tuple(fc.constantFrom<[string, number]>(['c.lw', 4], ['c.ld', 8]), xc).chain(([[m, n], a]) => off(n, n === 4 ? 124 : 248).map((o) => op(`${m} ${a}, ${o}(s0)`))),
  fc.tuple(fc.constantFrom<[string, number]>(['c.sw', 4], ['c.sd', 8]), fc.constantFrom(...XC, 8, 9).map((i) => ABI_NAMES[i]!)).chain(([[m, n], a]) => off(n, n === 4 ? 124 : 248).map((o) => op(`${m} ${a}, ${o}(s0)`))),
  fc.tuple(fc.constantFrom<[string, number]>(['c.lwsp', 4], ['c.ldsp', 8]), x).chain(([[m, n], a]) => off(n, n === 4 ? 252 : 504).map((o) => op(`${m} ${a}, ${o}(sp)`))),
  fc.tuple(fc.constantFrom<[string, number]>(['c.swsp', 4], ['c.sdsp', 8]), xs).chain(([[m, n], a]) => off(n, n === 4 ? 252 : 504).map((o) => op(`${m} ${a}, ${o}(sp)`))),
  fc.tuple(fc.constantFrom('c.fld', 'c.fsd'), fc8).chain(([m, a]) => off(8, 248).map((o) => op(`${m} ${a}, ${o}(s0)`))),
  fc.tuple(fc.constantFrom('c.fldsp', 'c.fsdsp'), fany).chain(([m, a]) => off(8, 504).map((o) => op(`${m} ${a}, ${o}(sp)`))),
  // sp moves and comes back: c.addi16sp around an sp-relative store
  fc.tuple(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 0, max: 15 })).map(([k, o]) => op(`c.addi16sp sp, ${16 * k}`, `c.sdsp s1, ${8 * o}(sp)`, `c.addi16sp sp, ${-16 * k}`)),
);

const BRANCHES = ['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'];
const skip = fc.integer({ min: 1, max: 3 });

/** Control flow forward over the next `skip` steps. */
const jump: fc.Arbitrary<CStep> = fc.oneof(
  fc.tuple(fc.constantFrom(...BRANCHES), xs, xs, skip).map(([m, a, b, s]) => ({ lines: [`${m} ${a}, ${b}, %T`], skip: s })),
  fc.tuple(fc.constantFrom('c.beqz', 'c.bnez'), xc, skip).map(([m, a, s]) => ({ lines: [`${m} ${a}, %T`], skip: s })),
  skip.map((s) => ({ lines: ['c.j %T'], skip: s })),
  fc.tuple(fc.constantFrom('ra', 'zero', 't0'), skip).map(([r, s]) => ({ lines: [`jal ${r}, %T`], skip: s })),
  fc.tuple(x.filter((r) => r !== 'ra'), fc.constantFrom('c.jr', 'c.jalr'), skip).map(([r, m, s]) => ({ lines: [`la ${r}, %T`, `${m} ${r}`], skip: s })),
  fc.tuple(x, skip).map(([r, s]) => ({ lines: [`la ${r}, %T`, `jalr ra, 0(${r})`], skip: s })),
);

/** A loop of 1..4 rounds over straight-line steps, counted down in s1 (c.bnez needs x8..x15). */
const loop: fc.Arbitrary<CStep> = fc
  .tuple(fc.integer({ min: 1, max: 4 }), fc.array(straight, { minLength: 1, maxLength: 6 }))
  .map(([n, body]) => ({ lines: [`c.li s1, ${n}`, '%B:', ...body.flatMap((b) => b.lines), 'c.addi s1, -1', 'c.bnez s1, %B'], skip: 0 }));

export const cStep: fc.Arbitrary<CStep> = fc.oneof({ weight: 12, arbitrary: straight }, { weight: 3, arbitrary: jump }, { weight: 1, arbitrary: loop });

export function rvcProgramArb(steps: { min: number; max: number }): fc.Arbitrary<CProgram> {
  return fc.record({
    init: fc.array(fc.oneof(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.bigInt({ min: -300n, max: 300n }).map((v) => BigInt.asUintN(64, v))), { minLength: 64 + SCRATCH_BYTES / 8, maxLength: 64 + SCRATCH_BYTES / 8 }),
    steps: fc.array(cStep, { minLength: steps.min, maxLength: steps.max, size: 'max' }), // lengths over the whole range
  });
}

/** Random instructions in the steps (the loop bookkeeping included, each counted once). */
export function rvcInstructionCount(p: CProgram): number {
  return p.steps.reduce((n, s) => n + s.lines.filter((l) => !l.endsWith(':')).length, 0);
}

export function rvcSource(p: CProgram): string {
  const out = ['_start:', `  li s0, ${DATA_BASE}`];
  for (let i = 1; i < 32; i++) if (i !== 8) out.push(`  ld ${ABI_NAMES[i]}, ${8 * i}(s0)`);
  for (let i = 0; i < 32; i++) out.push(`  fld ${FP_ABI_NAMES[i]}, ${256 + 8 * i}(s0)`);
  out.push(`  li s0, ${SCRATCH}`, '  mv sp, s0');
  const n = p.steps.length;
  p.steps.forEach((s, i) => {
    out.push(`t${i}:`);
    for (const l of s.lines) out.push('  ' + l.replace('%T', `t${Math.min(i + 1 + s.skip, n)}`).replace('%B', `b${i}`));
  });
  out.push(`t${n}:`, `  li s1, ${DUMP}`);
  for (let i = 1; i < 32; i++) if (i !== 9) out.push(`  sd ${ABI_NAMES[i]}, ${8 * i}(s1)`);
  out.push(`  li s0, ${DUMP}`, '  sd s1, 72(s0)'); // s1's own slot holds the dump address
  for (let i = 0; i < 32; i++) out.push(`  fsd ${FP_ABI_NAMES[i]}, ${256 + 8 * i}(s0)`);
  out.push('  li a0, 1', '  mv a1, s0', '  li a2, 512', '  li a7, 64', '  ecall');
  out.push('  li a0, 1', `  li a1, ${SCRATCH}`, `  li a2, ${SCRATCH_BYTES}`, '  li a7, 64', '  ecall');
  out.push('  li a0, 0', '  li a7, 93', '  ecall');
  return out.join('\n') + '\n';
}

export function rvcElf(p: CProgram): Uint8Array {
  const data = new Uint8Array(2048 + 512);
  const dv = new DataView(data.buffer);
  p.init.forEach((v, i) => dv.setBigUint64(i < 64 ? 8 * i : 1024 + 8 * (i - 64), v, true));
  return assembleProgram(rvcSource(p), { codeBase: CODE_BASE, dataBase: DATA_BASE, data, dataBytes: 4096 });
}

export function rvcListing(p: CProgram): string {
  const { bytes, labels } = assemble(rvcSource(p), { base: CODE_BASE });
  const at = new Map<number, string[]>();
  for (const [name, a] of labels) at.set(a, [...(at.get(a) ?? []), name]);
  const lines: string[] = [];
  for (let o = 0; o < bytes.length; ) {
    const pc = CODE_BASE + o;
    for (const l of at.get(pc) ?? []) lines.push(`${l}:`);
    const d = disassembleAt(bytes, o, pc);
    lines.push(`  ${pc.toString(16)}: ${d.text}`);
    o += d.size;
  }
  return lines.join('\n');
}

const hex64 = (b: Buffer, o: number) => (o + 8 <= b.length ? '0x' + b.readBigUInt64LE(o).toString(16).padStart(16, '0') : '(missing)');

export function rvcDifference(_p: CProgram, q: RunOutput, s: RunOutput): string | undefined {
  if (q.end === s.end && q.stdout.equals(s.stdout)) return undefined;
  const lines = [`end: qemu ${q.end}, smpemu ${s.end}; stdout ${q.stdout.length} and ${s.stdout.length} bytes`];
  for (let o = 0; o + 8 <= Math.min(q.stdout.length, s.stdout.length); o += 8) {
    if (q.stdout.readBigUInt64LE(o) === s.stdout.readBigUInt64LE(o)) continue;
    const k = o >> 3;
    const name = k < 32 ? `x${k} (${ABI_NAMES[k]})` : k < 64 ? `f${k - 32} (${FP_ABI_NAMES[k - 32]})` : `scratch +${o - 512}`;
    lines.push(`  ${name}: qemu ${hex64(q.stdout, o)}, smpemu ${hex64(s.stdout, o)}`);
  }
  return lines.join('\n');
}

export const rvcFuzzer: Fuzzer<CProgram> = {
  name: 'C',
  arb: rvcProgramArb,
  elf: rvcElf,
  instructions: rvcInstructionCount,
  difference: rvcDifference,
  listing: rvcListing,
  withSteps: (p, steps) => ({ ...p, steps: steps as CStep[] }),
};

// Random straight-line F/D programs for the differential fuzzer (test/fuzz/fp.test.ts, bench/fuzz.ts).
//
// A program is a table of 64-bit operands drawn to hit the edges, an initial fcsr, and a list of
// steps: one random F/D instruction each (or a short fcsr block), whose result is logged to memory
// right after it (fsd / sd), often with the flags it raised (csrrw t1, fflags, x0: read and clear).
// At the end every x and f register, fcsr and the scratch area are written to stdout, then the log;
// the program exits 0. Removing a step keeps a program valid, so fast-check shrinks to a minimal one.
//
// Memory (s0 = DATA + 2048, never written by a step):
//   s0-2048 .. s0-8     FP operand table, 256 doubles (fld; flw reads either half, NaN-boxing it)
//   s0+0    .. s0+504   integer operand table, 64 dwords
//   s0+512  .. s0+1016  dump: fcsr in x0's slot, x1..x31, then f0..f31
//   s0+1024 .. s0+2040  scratch for fsw/fsd (and loads back)
//   DATA+4096 ..        the log, s1 walking it
// Reserved registers: s0 (base), s1 (log pointer), t1 (flags / fcsr reads). Reserved frm values
// (5, 6, 7) are written and read back in a block that restores a valid frm before any dyn op.

import fc from 'fast-check';
import { assemble } from '../../src/asm/assembler.ts';
import { disassemble } from '../../src/asm/disassembler.ts';
import { INSTRUCTIONS, ROUNDING_MODES, type InstrSpec } from '../../src/asm/encode.ts';
import { assembleProgram } from '../../src/asm/program.ts';

export const CODE_BASE = 0x10000;
export const DATA_BASE = 0x100000;
const S0 = DATA_BASE + 2048;
const LOG_BASE = DATA_BASE + 4096;
export const DUMP_BYTES = 512 + 1024;

/** One step: its lines, and what to log after it. */
export interface FpStep {
  text: string[];
  /** Register whose value to log ('f3', 'x10') or '' for nothing. */
  log: string;
  /** Log the flags raised since the last read, and clear them. */
  flags: boolean;
}

export interface FpProgram {
  fpTable: bigint[];
  intTable: bigint[];
  /** Initial fcsr: frm (0..4) << 5 | fflags. */
  fcsr: number;
  steps: FpStep[];
}

// ---------------------------------------------------------------- operands

const b64 = (x: number): bigint => {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x, true);
  return dv.getBigUint64(0, true);
};
const b32 = (x: number): number => {
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, x, true);
  return dv.getUint32(0, true);
};
const BOX = 0xffffffff00000000n;

/** Double edges: zeros, infinities, NaNs (quiet/signalling, payloads), subnormal/normal limits, conversion limits, ties. */
const DOUBLE_EDGES: bigint[] = [
  0n, 1n << 63n, 0x7ff0000000000000n, 0xfff0000000000000n,
  0x7ff8000000000000n, 0xfff8000000000000n, 0x7ff8000000000001n, 0x7ffc0000deadbeefn, // quiet NaNs
  0x7ff0000000000001n, 0x7ff4000000000000n, 0xfff7ffffffffffffn, 0x7ff00000cafef00dn, // signalling NaNs
  1n, 0x8000000000000001n, 0x000fffffffffffffn, 0x800fffffffffffffn, // subnormals
  0x0010000000000000n, 0x8010000000000000n, 0x7fefffffffffffffn, 0xffefffffffffffffn, // normal limits
  ...[1, -1, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 3.5, 0.49999999999999994, 0.1, 0.2, 0.3, 2, 3, 10].map(b64),
  ...[2 ** 31, 2 ** 31 - 1, 2 ** 31 - 0.5, 2 ** 31 + 0.5, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 31) - 0.5, 2 ** 32, 2 ** 32 - 1, 2 ** 32 - 0.5].map(b64),
  ...[2 ** 63, -(2 ** 63), 2 ** 64, 2 ** 63 - 1024, -(2 ** 63) - 2048, 2 ** 64 - 2048, 2 ** 53, 2 ** 53 + 2, -0.9, 0.9, -1e-300].map(b64),
  ...[2 ** 1023, 2 ** -1022, 2 ** -1074, 2 ** 512, 2 ** -537, 1.7976931348623157e308 / 3, 2 ** 128, 2 ** -126, 2 ** -149, 3.4028234663852886e38, 3.4028235677973366e38].map(b64),
];

/** Single edges, as their 32-bit patterns. */
const SINGLE_EDGES: number[] = [
  0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000, 0x7fc00001, 0x7fe0beef, // quiet NaNs
  0x7f800001, 0x7fa00000, 0xffbfffff, // signalling NaNs
  1, 0x80000001, 0x007fffff, 0x807fffff, 0x00800000, 0x80800000, 0x7f7fffff, 0xff7fffff,
  ...[1, -1, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.1, 0.2, 0.3, 3, 2 ** 24, 2 ** 24 + 2, -0.9].map(b32),
  ...[2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 63, -(2 ** 63), 2 ** 64, 2 ** 31 - 128, 2 ** 32 - 256, 2 ** 64 - 2 ** 40, 2 ** 63 - 2 ** 39].map(b32),
  ...[2 ** 127, 2 ** -126, 2 ** -149, 2 ** 64, 2 ** -64, 2 ** -75].map(b32),
];

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** A double built from parts: exponent near an edge, mantissa random or with few bits set. */
const structuredDouble = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.integer({ min: 0, max: 2047 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1023 - 70, max: 1023 + 70 }), fc.integer({ min: 1980, max: 2046 })),
    fc.oneof(u64.map((m) => m & ((1n << 52n) - 1n)), fc.integer({ min: 0, max: 51 }).map((k) => 1n << BigInt(k)), fc.integer({ min: 0, max: 15 }).map(BigInt), fc.constant((1n << 52n) - 1n)),
  )
  .map(([neg, e, m]) => ((neg ? 1n : 0n) << 63n) | (BigInt(e) << 52n) | m);

const structuredSingle = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 30 }), fc.integer({ min: 127 - 40, max: 127 + 40 }), fc.integer({ min: 225, max: 254 })),
    fc.oneof(u32.map((m) => m & 0x7fffff), fc.integer({ min: 0, max: 22 }).map((k) => 1 << k), fc.integer({ min: 0, max: 15 }), fc.constant(0x7fffff)),
  )
  .map(([neg, e, m]) => (((neg ? 1 : 0) << 31) | (e << 23) | m) >>> 0);

const single = fc.oneof(fc.constantFrom(...SINGLE_EDGES), structuredSingle, u32);

/** The values every operation must get right against each other: signed zeros, infinities, NaNs, ones. */
const CORE_SINGLES = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001, 0x3f800000, 0xbf800000, 1, 0x7f7fffff];
const CORE: bigint[] = [
  0n, 1n << 63n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0x7ff0000000000001n, b64(1), b64(-1), 1n, 0x7fefffffffffffffn,
  ...CORE_SINGLES.map((v) => BOX | BigInt(v)),
];

/** A 64-bit FP register image: doubles, properly NaN-boxed singles, improperly boxed ones, random bits. */
export const fpValue: fc.Arbitrary<bigint> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...CORE) },
  { weight: 4, arbitrary: fc.constantFrom(...DOUBLE_EDGES) },
  { weight: 4, arbitrary: structuredDouble },
  { weight: 5, arbitrary: single.map((s) => BOX | BigInt(s)) },
  { weight: 1, arbitrary: fc.tuple(u32.filter((h) => h !== 0xffffffff), single).map(([h, s]) => (BigInt(h) << 32n) | BigInt(s)) },
  { weight: 1, arbitrary: u64 },
);

const INT_EDGES: bigint[] = [
  0n, 1n, 2n, 3n, 0xffffffffffffffffn, 0x7fffffffn, 0x80000000n, 0xffffffff80000000n, 0xffffffffn, 0x100000000n,
  0x7fffffffffffffffn, 0x8000000000000000n, 0xfffffffffffffffen, 0x1000001n, 0x1000003n, 0x20000000000001n, 0x20000000000003n,
  0x7fffffbfn, 0x7fffffc0n, 0xffffff7fn, 0x7ffffffffffffdffn, 0xfffffffffffffbffn,
];
export const intValue: fc.Arbitrary<bigint> = fc.oneof(
  fc.constantFrom(...INT_EDGES),
  u64,
  fc.bigInt({ min: -(1n << 40n), max: 1n << 40n }).map((v) => BigInt.asUintN(64, v)),
  fc.tuple(fc.integer({ min: 0, max: 63 }), fc.integer({ min: -3, max: 3 })).map(([k, d]) => BigInt.asUintN(64, (1n << BigInt(k)) + BigInt(d))),
  fc.tuple(u32, single).map(([h, s]) => (BigInt(h) << 32n) | BigInt(s)), // for fmv.w.x
  structuredDouble, // for fmv.d.x
);

// ---------------------------------------------------------------- steps

/** Integer registers a step may read or write: all but s0, s1, t1 (x0 included: writes vanish). */
const XREGS = [0, 1, 2, 3, 4, 5, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31];
const xreg = fc.constantFrom(...XREGS).map((i) => `x${i}`);
const freg = fc.integer({ min: 0, max: 31 }).map((i) => `f${i}`);
/** Static rounding modes and dyn (frm always holds a valid mode outside a reserved-frm block). */
const rm = fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 3, arbitrary: fc.constantFrom(0, 1, 2, 3, 4, 7).map((m) => `, ${ROUNDING_MODES[m]}`) });
const flags = fc.boolean();

const FP_SPECS = [...INSTRUCTIONS.values()].filter((s) => [0x07, 0x27, 0x43, 0x47, 0x4b, 0x4f, 0x53].includes(s.opcode));

function stepArb(s: InstrSpec): fc.Arbitrary<FpStep> {
  const mn = s.mnemonic;
  const step = (text: string, log: string, f: boolean): FpStep => ({ text: [text], log, flags: f });
  switch (s.syntax) {
    case 'fload': {
      // the operand table (any entry; flw either half) or the scratch area
      const size = mn === 'fld' ? 8 : 4;
      const off = fc.oneof(fc.integer({ min: 0, max: 2048 / size - 1 }).map((k) => -2048 + k * size), fc.integer({ min: 0, max: 1024 / size - 1 }).map((k) => 1024 + k * size));
      return fc.tuple(freg, off).map(([fd, o]) => step(`${mn} ${fd}, ${o}(s0)`, fd, false));
    }
    case 'fstore': {
      const size = mn === 'fsd' ? 8 : 4;
      return fc.tuple(freg, fc.integer({ min: 0, max: 1024 / size - 1 })).map(([fs, k]) => step(`${mn} ${fs}, ${1024 + k * size}(s0)`, '', false));
    }
    case 'fr4':
      return fc.tuple(freg, freg, freg, freg, rm, flags).map(([a, b, c, d, r, f]) => step(`${mn} ${a}, ${b}, ${c}, ${d}${r}`, a, f));
    case 'frrm':
      return fc.tuple(freg, freg, freg, rm, flags).map(([a, b, c, r, f]) => step(`${mn} ${a}, ${b}, ${c}${r}`, a, f));
    case 'frr':
      return fc.tuple(freg, freg, freg, flags).map(([a, b, c, f]) => step(`${mn} ${a}, ${b}, ${c}`, a, f));
    case 'fr1rm':
      return fc.tuple(freg, freg, rm, flags).map(([a, b, r, f]) => step(`${mn} ${a}, ${b}${r}`, a, f));
    case 'xff':
      return fc.tuple(xreg, freg, freg, flags).map(([a, b, c, f]) => step(`${mn} ${a}, ${b}, ${c}`, a, f));
    case 'xf':
      return fc.tuple(xreg, freg, flags).map(([a, b, f]) => step(`${mn} ${a}, ${b}`, a, f));
    case 'xfrm':
      return fc.tuple(xreg, freg, rm, flags).map(([a, b, r, f]) => step(`${mn} ${a}, ${b}${r}`, a, f));
    case 'fxrm':
      return fc.tuple(freg, xreg, rm, flags).map(([a, b, r, f]) => step(`${mn} ${a}, ${b}${r}`, a, f));
    case 'fx':
      return fc.tuple(freg, xreg).map(([a, b]) => step(`${mn} ${a}, ${b}`, a, false));
    default:
      throw new Error(`no F/D step for ${mn}`);
  }
}

/** fcsr accesses: the pseudo-instructions, reserved frm values written and read back, fflags set by hand. */
const csrStep: fc.Arbitrary<FpStep> = fc.oneof(
  fc.integer({ min: 0, max: 4 }).map((m): FpStep => ({ text: [`fsrmi x0, ${m}`], log: '', flags: false })),
  fc.tuple(xreg, fc.integer({ min: 0, max: 4 })).map(([r, m]): FpStep => ({ text: [`fsrmi ${r}, ${m}`], log: r, flags: false })),
  fc.tuple(fc.integer({ min: 0, max: 31 })).map(([v]): FpStep => ({ text: [`fsflagsi x0, ${v}`], log: '', flags: true })),
  fc.tuple(xreg).map(([r]): FpStep => ({ text: [`fsflags x0, ${r}`], log: '', flags: true })),
  xreg.map((r): FpStep => ({ text: [`frrm ${r}`], log: r, flags: false })),
  xreg.map((r): FpStep => ({ text: [`frcsr ${r}`], log: r, flags: false })),
  // frm takes any 3-bit value; a dyn op under 5, 6 or 7 would be illegal, so set a valid one after.
  fc.tuple(fc.integer({ min: 5, max: 7 }), fc.integer({ min: 0, max: 4 })).map(([bad, ok]): FpStep => ({ text: [`fsrmi x0, ${bad}`, 'frrm t1', `fsrmi t1, ${ok}`], log: 't1', flags: false })),
  fc.tuple(xreg, fc.integer({ min: 0, max: 4 })).map(([r, ok]): FpStep => ({ text: [`fscsr t1, ${r}`, 'frcsr t1', `fsrmi x0, ${ok}`], log: 't1', flags: false })),
);

export const fpStep: fc.Arbitrary<FpStep> = fc.oneof(
  { weight: 40, arbitrary: fc.oneof(...FP_SPECS.map(stepArb)) },
  { weight: 3, arbitrary: csrStep },
);

function related(v: bigint, how: number): bigint {
  switch (how) {
    case 0: return v;
    case 1: return v ^ (1n << 63n); // the double negated
    case 2: return v ^ (1n << 31n); // the single negated (boxing kept)
    case 3: return (v & ~0xffffffffn) | ((v + 1n) & 0xffffffffn); // the single's (or double's low word's) neighbour
    default: return (v + 1n) & 0xffffffffffffffffn; // the double's neighbour
  }
}

/**
 * Programs of steps.min..steps.max steps. With `core`, every FP operand comes from the small CORE
 * set (signed zeros, infinities, NaNs, ±1, limits), so operations meet those pairs often even in a
 * short run.
 */
export function fpProgramArb(steps: { min: number; max: number }, o: { core?: boolean } = {}): fc.Arbitrary<FpProgram> {
  const value = o.core ? fc.constantFrom(...CORE) : fpValue;
  return fc.record({
    // Half the table is drawn, the other half derived from it (the same value, its negation, a
    // neighbour, the other boxing), so that operands meet their equals, opposites and neighbours.
    fpTable: fc
      .tuple(fc.array(fpValue, { minLength: 128, maxLength: 128 }), fc.array(fc.tuple(fc.nat(127), fc.integer({ min: 0, max: 4 })), { minLength: 128, maxLength: 128 }))
      .map(([drawn, derive]) => [...drawn, ...derive.map(([i, how]) => related(drawn[i]!, how))]),
    intTable: fc.array(intValue, { minLength: 64, maxLength: 64 }),
    fcsr: fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 31 })).map(([m, f]) => (m << 5) | f),
    steps: fc.array(fpStep, { minLength: steps.min, maxLength: steps.max, size: 'max' }), // lengths over the whole range
  });
}

/** How many random instructions the steps hold (an fcsr block counts its lines). */
export function instructionCount(p: FpProgram): number {
  return p.steps.reduce((n, s) => n + s.text.length, 0);
}

// ---------------------------------------------------------------- rendering

const XNAMES = (i: number) => `x${i}`;

export function fpSource(p: FpProgram): string {
  const out: string[] = ['_start:', `  li s0, ${S0}`, `  li s1, ${LOG_BASE}`];
  for (let i = 0; i < 32; i++) out.push(`  fld f${i}, ${-2048 + 8 * i}(s0)`);
  for (const i of XREGS) if (i !== 0) out.push(`  ld x${i}, ${8 * i}(s0)`);
  out.push('  li t1, ' + p.fcsr, '  fscsr x0, t1', '  li t1, 0');
  let off = 0;
  const log = (store: string, reg: string) => {
    if (off > 2040) {
      out.push('  addi s1, s1, 2040');
      off -= 2040;
    }
    out.push(`  ${store} ${reg}, ${off}(s1)`);
    off += 8;
  };
  p.steps.forEach((s, i) => {
    out.push(`step${i}:`);
    for (const t of s.text) out.push('  ' + t);
    if (s.log !== '') log(s.log.startsWith('f') ? 'fsd' : 'sd', s.log);
    if (s.flags) {
      out.push('  csrrw t1, fflags, x0');
      log('sd', 't1');
    }
  });
  out.push('done:', '  frcsr t1', '  sd t1, 512(s0)');
  for (let i = 1; i < 32; i++) out.push(`  sd ${XNAMES(i)}, ${512 + 8 * i}(s0)`);
  for (let i = 0; i < 32; i++) out.push(`  fsd f${i}, ${768 + 8 * i}(s0)`);
  out.push('  li a0, 1', '  addi a1, s0, 512', `  li a2, ${DUMP_BYTES}`, '  li a7, 64', '  ecall');
  out.push('  li a0, 1', `  li a1, ${LOG_BASE}`, `  li a2, ${logBytes(p)}`, '  li a7, 64', '  ecall');
  out.push('  li a0, 0', '  li a7, 93', '  ecall');
  return out.join('\n') + '\n';
}

export function logBytes(p: FpProgram): number {
  return p.steps.reduce((n, s) => n + (s.log !== '' ? 8 : 0) + (s.flags ? 8 : 0), 0);
}

function tableBytes(p: FpProgram): Uint8Array {
  const b = new Uint8Array(4096);
  const dv = new DataView(b.buffer);
  p.fpTable.forEach((v, i) => dv.setBigUint64(8 * i, v, true));
  p.intTable.forEach((v, i) => dv.setBigUint64(2048 + 8 * i, v, true));
  return b;
}

export function fpElf(p: FpProgram): Uint8Array {
  return assembleProgram(fpSource(p), { codeBase: CODE_BASE, dataBase: DATA_BASE, data: tableBytes(p), dataBytes: 4096 + logBytes(p) + 64 });
}

/** The program as the disassembler prints the assembled words, steps labelled (for a failure report). */
export function fpListing(p: FpProgram): string {
  const { words, labels } = assemble(fpSource(p), { base: CODE_BASE });
  const at = new Map([...labels].map(([n, a]) => [a, n]));
  const lines: string[] = [];
  words.forEach((w, i) => {
    const pc = CODE_BASE + 4 * i;
    const l = at.get(pc);
    if (l) lines.push(`${l}:`);
    lines.push(`  ${pc.toString(16)}: ${disassemble(w, pc)}`);
  });
  return lines.join('\n');
}

import { fpDifference } from './fp_compare.ts';
import type { Fuzzer } from './fuzzer.ts';

export const fpFuzzer: Fuzzer<FpProgram> = {
  name: 'F/D',
  arb: (steps) => fpProgramArb(steps),
  elf: fpElf,
  instructions: instructionCount,
  difference: fpDifference,
  listing: fpListing,
  withSteps: (p, steps) => ({ ...p, steps: steps as FpStep[] }),
};

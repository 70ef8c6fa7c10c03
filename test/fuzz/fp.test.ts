// Differential fuzzing of F and D against qemu-riscv64: random straight-line programs (fp_program.ts)
// run under qemu and smpemu must print identical dumps and logs. Short here (a few thousand random
// instructions); `npm run fuzz:fp` runs the long version. A failure prints fast-check's seed and
// shrinks to a minimal program, printed disassembled with both outputs' first difference.
// FUZZ_SEED=<n> replays a seed.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { qemuInstalled, qemuRequired } from '../helpers/qemu.ts';
import { fpDifference, fpDumpText } from './fp_compare.ts';
import { DUMP_BYTES, fpElf, fpListing, fpProgramArb, logBytes, type FpProgram } from './fp_program.ts';
import { inProcessRun, machineRun, qemuRun, type RunOutput } from './run.ts';

const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : undefined;
const b64 = (x: number) => Buffer.from(new Float64Array([x]).buffer).readBigUInt64LE(0);

/** Throws a report (program listing, both dumps' difference) when the outputs differ. */
function expectSame(p: FpProgram, q: RunOutput, s: RunOutput): void {
  const d = fpDifference(p, q, s);
  if (d !== undefined) throw new Error(`qemu-riscv64 and smpemu differ\n${d}\nprogram:\n${fpListing(p)}\nqemu dump:\n${fpDumpText(q.stdout)}`);
}

describe('F/D differential fuzzer: the qemu side', () => {
  it('qemu-riscv64 is installed when required', () => {
    if (qemuRequired) expect(qemuInstalled, 'SMPEMU_REQUIRE_QEMU=1 but qemu-riscv64 is not installed').toBe(true);
  });

  it.runIf(qemuInstalled)('a hand-written program logs what the spec says (the harness reads qemu right)', async () => {
    const fpTable = new Array<bigint>(256).fill(0n);
    fpTable[1] = b64(0.1);
    fpTable[2] = b64(0.2);
    fpTable[5] = b64(2 ** 31);
    const p: FpProgram = {
      fpTable,
      intTable: new Array<bigint>(64).fill(0n),
      fcsr: 0,
      steps: [
        { text: ['fadd.d f3, f1, f2, rne'], log: 'f3', flags: true }, // 0.1 + 0.2: inexact
        { text: ['fcvt.w.d x10, f5, rtz'], log: 'x10', flags: true }, // 2^31 saturates: invalid
        { text: ['fadd.s f6, f1, f1'], log: 'f6', flags: true }, // f1 is no NaN-boxed single: canonical NaN
        { text: ['fmv.x.w x11, f1'], log: 'x11', flags: false }, // low word, sign-extended
        { text: ['fsrmi x12, 3'], log: 'x12', flags: false }, // old frm
        { text: ['fsrmi x0, 6', 'frrm t1', 'fsrmi t1, 1'], log: 't1', flags: false }, // reserved frm reads back
      ],
    };
    const q = await qemuRun(fpElf(p));
    expect(q.end).toBe('exit 0');
    expect(q.stdout.length).toBe(DUMP_BYTES + logBytes(p));
    const log = (i: number) => q.stdout.readBigUInt64LE(DUMP_BYTES + 8 * i);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map(log)).toEqual([
      b64(0.1 + 0.2), 1n, 0x7fffffffn, 16n, 0xffffffff7fc00000n, 0n, 0xffffffff9999999an, 0n, 6n,
    ]);
    expect(q.stdout.readBigUInt64LE(0)).toBe(1n << 5n); // fcsr: frm = rtz, no flags left
    expect(q.stdout.readBigUInt64LE(8 * 8)).toBe(0x100800n); // s0
    expect(q.stdout.readBigUInt64LE(8 * (32 + 3))).toBe(b64(0.1 + 0.2)); // f3
  });

  it.runIf(qemuInstalled)('random programs run to the end under qemu with a dump and a full log', async () => {
    await fc.assert(
      fc.asyncProperty(fpProgramArb({ min: 50, max: 150 }), async (p) => {
        const q = await qemuRun(fpElf(p));
        expect(q.end).toBe('exit 0');
        expect(q.stdout.length).toBe(DUMP_BYTES + logBytes(p));
        expect(q.stdout.readBigUInt64LE(0) >> 8n).toBe(0n); // fcsr has 8 bits
        expect(q.stdout.readBigUInt64LE(8 * 8)).toBe(0x100800n);
      }),
      { numRuns: 5, seed },
    );
  });
});

// These need the hart to execute F and D (branch gc): on a main without them every program faults
// at its first fld.
describe('F/D differential fuzzer: smpemu against qemu-riscv64', () => {
  it.runIf(qemuInstalled)('random programs: the interpreter in-process gives qemu’s dump and log', async () => {
    await fc.assert(
      fc.asyncProperty(fpProgramArb({ min: 1, max: 150 }), async (p) => {
        const elf = fpElf(p);
        expectSame(p, await qemuRun(elf), inProcessRun(elf));
      }),
      { numRuns: 30, seed },
    );
  });

  it.runIf(qemuInstalled)('random programs over the core edge values only (zeros, infinities, NaNs, ones, limits)', async () => {
    await fc.assert(
      fc.asyncProperty(fpProgramArb({ min: 1, max: 100 }, { core: true }), async (p) => {
        const elf = fpElf(p);
        expectSame(p, await qemuRun(elf), inProcessRun(elf));
      }),
      { numRuns: 30, seed },
    );
  });

  it.runIf(qemuInstalled)('every pair of edge values through every two-operand op (a sweep, random rounding)', async () => {
    const D = [0n, 1n << 63n, 0x7ff0000000000000n, 0xfff0000000000000n, 0x7ff8000000000000n, 0x7ff4000000000001n, b64(1), b64(-1), 1n, 0x7fefffffffffffffn, 0x0010000000000000n, b64(1.5)];
    const S = [0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fa00001, 0x3f800000, 0xbf800000, 1, 0x7f7fffff, 0x00800000, 0x3fc00000].map((v) => 0xffffffff00000000n | BigInt(v));
    const rm = ['', ', rne', ', rtz', ', rdn', ', rup', ', rmm'];
    let k = 0;
    for (const t of ['s', 'd']) {
      for (const op of ['fadd', 'fsub', 'fmul', 'fdiv', 'fmin', 'fmax', 'feq', 'flt', 'fle', 'fsgnj', 'fsgnjn', 'fsgnjx']) {
        const fpTable = new Array<bigint>(256).fill(0n);
        (t === 's' ? S : D).forEach((v, i) => (fpTable[i] = v));
        const steps: FpProgram['steps'] = [];
        const rounds = ['fadd', 'fsub', 'fmul', 'fdiv'].includes(op);
        const toX = ['feq', 'flt', 'fle'].includes(op);
        for (let a = 0; a < 12; a++) {
          for (let b = 0; b < 12; b++) {
            const r = rounds ? rm[k++ % rm.length] : '';
            steps.push({
              text: [`fld f1, ${-2048 + 8 * a}(s0)`, `fld f2, ${-2048 + 8 * b}(s0)`, `${op}.${t} ${toX ? 'x10' : 'f3'}, f1, f2${r}`],
              log: toX ? 'x10' : 'f3',
              flags: true,
            });
          }
        }
        const p: FpProgram = { fpTable, intTable: new Array<bigint>(64).fill(0n), fcsr: 0, steps };
        const elf = fpElf(p);
        expectSame(p, await qemuRun(elf), inProcessRun(elf));
      }
    }
  });

  it.runIf(qemuInstalled)('random programs on the whole machine (spmd, 1 core), flat and caches', async () => {
    await fc.assert(
      fc.asyncProperty(fpProgramArb({ min: 100, max: 200 }), fc.constantFrom<'flat' | 'caches'>('flat', 'caches'), async (p, memory) => {
        const elf = fpElf(p);
        expectSame(p, await qemuRun(elf), await machineRun(elf, memory));
      }),
      { numRuns: 2, seed, endOnFailure: true }, // the in-process test above shrinks
    );
  });

  it.runIf(qemuInstalled)('a dyn rounding mode under a reserved frm is an illegal instruction in both', async () => {
    for (const frm of [5, 6, 7]) {
      const p: FpProgram = {
        fpTable: new Array<bigint>(256).fill(b64(1.5)),
        intTable: new Array<bigint>(64).fill(0n),
        fcsr: 0,
        steps: [{ text: [`fsrmi x0, ${frm}`, 'fadd.d f1, f2, f3'], log: 'f1', flags: false }],
      };
      const elf = fpElf(p);
      const q = await qemuRun(elf);
      expect(q.end).toBe('signal SIGILL');
      expect(inProcessRun(elf).end).toMatch(/^fault illegal instruction at pc 0x[0-9a-f]+ \(tval 0x23170d3\)$/);
    }
  });
});

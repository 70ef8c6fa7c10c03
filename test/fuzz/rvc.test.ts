// Differential fuzzing of C against qemu-riscv64: random programs mixing compressed and 32-bit
// integer instructions with control flow (rvc_program.ts) must leave identical registers and scratch
// memory under qemu and smpemu. Short here; `npm run fuzz:rvc` runs the long version. A failure
// prints fast-check's seed and shrinks to a minimal program, printed disassembled. FUZZ_SEED=<n>
// replays a seed.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { qemuInstalled, qemuRequired } from '../helpers/qemu.ts';
import { inProcessRun, machineRun, qemuRun, type RunOutput } from './run.ts';
import { RVC_DUMP_BYTES, rvcDifference, rvcElf, rvcListing, rvcProgramArb, type CProgram } from './rvc_program.ts';

const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : undefined;

function expectSame(p: CProgram, q: RunOutput, s: RunOutput): void {
  const d = rvcDifference(p, q, s);
  if (d !== undefined) throw new Error(`qemu-riscv64 and smpemu differ\n${d}\nprogram:\n${rvcListing(p)}`);
}

describe('C differential fuzzer: the qemu side', () => {
  it('qemu-riscv64 is installed when required', () => {
    if (qemuRequired) expect(qemuInstalled, 'SMPEMU_REQUIRE_QEMU=1 but qemu-riscv64 is not installed').toBe(true);
  });

  it.runIf(qemuInstalled)('a hand-written program dumps what it computed (the harness reads qemu right)', async () => {
    const p: CProgram = {
      init: new Array<bigint>(128).fill(0n),
      steps: [
        { lines: ['c.li a0, 0'], skip: 0 },
        // a0 += 5 four times, a 32-bit addi at a 2-mod-4 address in the body
        { lines: ['c.li s1, 4', '%B:', 'c.addi a0, 5', 'addi a1, a1, 1', 'c.addi s1, -1', 'c.bnez s1, %B'], skip: 0 },
        { lines: ['c.j %T'], skip: 1 },
        { lines: ['c.li a0, -1'], skip: 0 }, // skipped
        { lines: ['c.sdsp a0, 16(sp)', 'lhu a2, 16(s0)'], skip: 0 },
      ],
    };
    const q = await qemuRun(rvcElf(p));
    expect(q.end).toBe('exit 0');
    expect(q.stdout.length).toBe(RVC_DUMP_BYTES);
    const x = (i: number) => q.stdout.readBigUInt64LE(8 * i);
    expect([x(10), x(11), x(12), x(9), x(8)]).toEqual([20n, 4n, 20n, 0x100800n, 0x100400n]);
    expect(q.stdout.readBigUInt64LE(512 + 16)).toBe(20n);
  });

  it.runIf(qemuInstalled)('random programs run to the end under qemu with a full dump', async () => {
    await fc.assert(
      fc.asyncProperty(rvcProgramArb({ min: 50, max: 200 }), async (p) => {
        const q = await qemuRun(rvcElf(p));
        expect(q.end).toBe('exit 0');
        expect(q.stdout.length).toBe(RVC_DUMP_BYTES);
        expect(q.stdout.readBigUInt64LE(8 * 8)).toBe(0x100400n); // s0: the scratch base
      }),
      { numRuns: 5, seed },
    );
  });
});

// These need the hart to execute C (and D, for c.fld & co. and the FP dump): branch gc.
describe('C differential fuzzer: smpemu against qemu-riscv64', () => {
  it.runIf(qemuInstalled)('random programs: the interpreter in-process leaves qemu’s registers and memory', async () => {
    await fc.assert(
      fc.asyncProperty(rvcProgramArb({ min: 1, max: 150 }), async (p) => {
        const elf = rvcElf(p);
        expectSame(p, await qemuRun(elf), inProcessRun(elf));
      }),
      { numRuns: 30, seed },
    );
  });

  it.runIf(qemuInstalled)('random programs on the whole machine (spmd, 1 core), flat and caches', async () => {
    await fc.assert(
      fc.asyncProperty(rvcProgramArb({ min: 100, max: 200 }), fc.constantFrom<'flat' | 'caches'>('flat', 'caches'), async (p, memory) => {
        const elf = rvcElf(p);
        expectSame(p, await qemuRun(elf), await machineRun(elf, memory));
      }),
      { numRuns: 2, seed, endOnFailure: true }, // the in-process test above shrinks
    );
  });
});

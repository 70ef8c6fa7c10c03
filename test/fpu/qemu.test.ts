/**
 * cores/fpu and the reference model against qemu-riscv64 running real F/D instructions
 * (oracle/fpu_oracle.c): random cases of every op and rounding mode, operands from gen.ts. CI sets
 * SMPEMU_REQUIRE_QEMU=1 so that a missing qemu fails instead of skipping (as test/workloads/qemu.test.ts).
 * FPU_SEED picks the seed (printed), FPU_QEMU_CASES the number of cases per op (default 1000).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ALL_OPS, ref } from './ref.ts';
import { lib } from './lib.ts';
import { operands, rng } from './gen.ts';
import { hasQemu, qemuRun, type Case } from './qemu.ts';

const required = process.env.SMPEMU_REQUIRE_QEMU === '1';
const hasGcc = spawnSync('riscv64-linux-gnu-gcc', ['--version']).status === 0;
const h = (v: bigint) => '0x' + v.toString(16);

describe('cores/fpu against qemu-riscv64', () => {
  it('qemu-riscv64 is installed when required', () => {
    // Not a skip: outside CI this records that the differential tests below did not run.
    if (required) expect(hasQemu, 'SMPEMU_REQUIRE_QEMU=1 but qemu-riscv64 is not installed').toBe(true);
  });

  it.runIf(hasQemu)('random cases of every op and rounding mode: same bits and fflags as qemu', () => {
    const seed = Number(process.env.FPU_SEED ?? Math.floor(Math.random() * 0x7fffffff));
    const per = Number(process.env.FPU_QEMU_CASES ?? 1000);
    console.log(`fpu qemu oracle: FPU_SEED=${seed}, ${per} cases per op, ${ALL_OPS.length} ops`);
    const r = rng(seed), cases: Case[] = [];
    for (const op of ALL_OPS) for (let i = 0; i < per; i++) { const [a, b, c] = operands(op, r); cases.push({ op, rm: r.int(5), a, b, c }); }
    const q = qemuRun(cases);
    const bad: string[] = [];
    for (let i = 0; i < cases.length; i++) {
      const k = cases[i], Q = q[i], L = lib(k.op, k.rm, k.a, k.b, k.c), R = ref(k.op, k.rm, k.a, k.b, k.c);
      const what = (L.r !== Q.r || L.flags !== Q.flags ? 'cores/fpu ' : '') + (R.r !== Q.r || R.flags !== Q.flags ? 'ref ' : '');
      if (what) bad.push(`${what}differs: ${k.op} rm=${k.rm} ${h(k.a)} ${h(k.b)} ${h(k.c)}: qemu ${h(Q.r)}/${Q.flags} lib ${h(L.r)}/${L.flags} ref ${h(R.r)}/${R.flags}`);
    }
    console.log(`fpu qemu oracle: ${cases.length} cases, ${bad.length} mismatches`);
    expect(bad.slice(0, 20), `FPU_SEED=${seed}`).toEqual([]);
  });

  it.runIf(hasQemu)('the oracle itself: known answers', () => {
    const q = qemuRun([
      { op: 'fadd.d', rm: 0, a: 0x3fb999999999999an, b: 0x3fc999999999999an, c: 0n }, // 0.1 + 0.2
      { op: 'fcvt.w.d', rm: 0, a: 0x7ff8000000000000n, b: 0n, c: 0n },
    ]);
    expect(q).toEqual([{ r: 0x3fd3333333333334n, flags: 1 }, { r: 0x7fffffffn, flags: 16 }]);
  });

  it.runIf(hasGcc)('oracle/fpu_oracle.elf is what oracle/build.sh builds from the source', () => {
    const p = spawnSync('bash', [fileURLToPath(new URL('./oracle/build.sh', import.meta.url)), '--check']);
    expect(p.stderr.toString(), 'rebuild with test/fpu/oracle/build.sh and commit the ELF').toBe('');
    expect(p.status).toBe(0);
  });
});

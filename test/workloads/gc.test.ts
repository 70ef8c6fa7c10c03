// The rv64gc flavour of the workloads (workloads/bin/gc/, built by workloads/build.sh with
// riscv64-linux-gnu-gcc -march=rv64gc -mabi=lp64d): under qemu-riscv64 each program prints what its
// rv64ima twin prints, and the FP programs print their committed expected output.
// Under smpemu (1 core, both memory models) each prints exactly its qemu-verified expected output.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { sink } from '../helpers/program.ts';

const qemu = spawnSync('qemu-riscv64', ['--version']).status === 0;
const wl = (p: string) => fileURLToPath(new URL(`../../workloads/${p}`, import.meta.url));
const gcNames = readdirSync(wl('bin/gc')).filter((f) => f.endsWith('.elf')).map((f) => f.slice(0, -4)).sort();
const imaNames = new Set(readdirSync(wl('bin')).filter((f) => f.endsWith('.elf')).map((f) => f.slice(0, -4)));
const objdump = spawnSync('riscv64-linux-gnu-objdump', ['--version']).status === 0;
const runQemu = (path: string) => spawnSync('qemu-riscv64', [path], { maxBuffer: 64 << 20, timeout: 60_000 });

describe('rv64gc workloads', () => {
  it('every rv64ima program has an rv64gc build, plus fp_selfcheck and nbody', () => {
    expect(gcNames.filter((n) => !imaNames.has(n))).toEqual(['fp_selfcheck', 'nbody']);
    expect([...imaNames].filter((n) => !gcNames.includes(n))).toEqual([]);
  });

  it('ELF flags say RVC + double-float ABI (0x5) for gc, soft-float without RVC (0x0) for ima', () => {
    const flags = (p: string) => readFileSync(p).readUInt32LE(48);
    for (const n of gcNames) expect(flags(wl(`bin/gc/${n}.elf`)), n).toBe(0x5);
    for (const n of imaNames) expect(flags(wl(`bin/${n}.elf`)), n).toBe(0x0);
  });

  for (const name of ['hello', 'isa_selfcheck', 'compute', 'atomic_counter', 'counters_packed', 'counters_padded', 'scan']) {
    it.runIf(qemu)(`${name}: the gc build prints what the ima build prints under qemu`, () => {
      const a = runQemu(wl(`bin/${name}.elf`)), b = runQemu(wl(`bin/gc/${name}.elf`));
      expect(b.status).toBe(0);
      expect(b.stdout.length).toBeGreaterThan(0);
      expect(b.stdout.toString()).toBe(a.stdout.toString());
    });
  }

  for (const name of ['fp_selfcheck', 'nbody', 'isa_selfcheck']) {
    it.runIf(qemu)(`${name}: qemu prints workloads/expected/${name}.1hart.txt`, () => {
      const r = runQemu(wl(`bin/gc/${name}.elf`));
      expect(r.status).toBe(0);
      expect(r.stdout.toString()).toBe(readFileSync(wl(`expected/${name}.1hart.txt`), 'utf8'));
    });
  }

  // fp_selfcheck claims every F and D instruction: the binary must contain each one.
  it.runIf(objdump)('fp_selfcheck contains every F and D instruction (riscv64-linux-gnu-objdump)', () => {
    const d = spawnSync('riscv64-linux-gnu-objdump', ['-d', '-M', 'no-aliases', wl('bin/gc/fp_selfcheck.elf')], { maxBuffer: 64 << 20 });
    const seen = new Set([...d.stdout.toString().matchAll(/^\s+[0-9a-f]+:\s+[0-9a-f]+\s+(\S+)/gm)].map((m) => m[1].replace(/^c\./, '')));
    const ops = ['fmadd', 'fmsub', 'fnmsub', 'fnmadd', 'fadd', 'fsub', 'fmul', 'fdiv', 'fsqrt', 'fsgnj', 'fsgnjn', 'fsgnjx',
      'fmin', 'fmax', 'fcvt.w', 'fcvt.wu', 'fcvt.l', 'fcvt.lu', 'feq', 'flt', 'fle', 'fclass'];
    const want = ['flw', 'fsw', 'fld', 'fsd', 'fmv.x.w', 'fmv.w.x', 'fmv.x.d', 'fmv.d.x', 'fcvt.s.d', 'fcvt.d.s',
      ...ops.flatMap((o) => [`${o}.s`, `${o}.d`]),
      ...['w', 'wu', 'l', 'lu'].flatMap((i) => [`fcvt.s.${i}`, `fcvt.d.${i}`])];
    expect(want.length).toBe(62); // RV64F 30 + RV64D 32
    expect(want.filter((m) => !seen.has(m))).toEqual([]);
  });
});

describe('rv64gc workloads under smpemu', () => {
  const expected = new Set(readdirSync(wl('expected')).map((f) => f.replace(/\.1hart\.txt$/, '')));
  // compute_long and compute_xl are left to the benches for time; spin has no end.
  const long = (n: string) => n === 'compute_long' || n === 'compute_xl';
  const names = gcNames.filter((n) => expected.has(n) && !long(n));
  it('covers every gc build with an expected output but the long computes', () => {
    expect(names).toEqual(gcNames.filter((n) => !long(n) && n !== 'spin'));
  });
  for (const name of names) {
    for (const memory of ['flat', 'caches'] as MemoryModel[]) {
      it(`${name} (${memory}): byte-identical to workloads/expected/${name}.1hart.txt`, async () => {
        const o = sink();
        const r = await runMachine(makeConfig({ cores: 1, memory }), readFileSync(wl(`bin/gc/${name}.elf`)), { stdout: o.out });
        expect(r.exitCode).toBe(0);
        expect(o.text()).toBe(readFileSync(wl(`expected/${name}.1hart.txt`), 'utf8'));
      }, 120_000);
    }
  }

  it('counters_packed on 4 cores: the rv64gc build gets the c2c verdicts of the rv64ima build', async () => {
    const verdicts = async (path: string) => {
      const r = await runMachine(makeConfig({ memory: 'caches', cores: 4, threads: 1 }), readFileSync(wl(path)), { stdout: () => {} });
      expect(r.exitCode).toBe(0);
      // Addresses differ between the builds; symbol, verdict and advice must not.
      return r.c2c!.lines.map((l) => `${l.symbol}: ${l.verdict} / ${l.advice.replace(/0x[0-9a-f]+/g, 'ADDR')}`).sort();
    };
    const ima = await verdicts('bin/counters_packed.elf'), gc = await verdicts('bin/gc/counters_packed.elf');
    expect(ima.some((v) => v.startsWith('packed_counters: false sharing'))).toBe(true);
    expect(gc).toEqual(ima);
  }, 120_000);
});

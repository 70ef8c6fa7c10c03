// Differential tests: single-hart programs must behave byte for byte as under qemu-riscv64
// (Debian qemu-user). Without qemu they show as skipped; CI sets SMPEMU_REQUIRE_QEMU=1 so that
// a missing qemu fails instead. SMPEMU_QEMU names another binary (test/workloads/qemu_skip.test.ts
// points it at a missing one to check exactly that).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { sink } from '../helpers/program.ts';

const QEMU = process.env.SMPEMU_QEMU || 'qemu-riscv64';
const qemu = spawnSync(QEMU, ['--version']).status === 0;
const required = process.env.SMPEMU_REQUIRE_QEMU === '1';
const path = (name: string) => fileURLToPath(new URL(`../../workloads/bin/${name}.elf`, import.meta.url));

describe('against qemu-riscv64', () => {
  it.skipIf(!required)('qemu-riscv64 is installed (SMPEMU_REQUIRE_QEMU=1)', () => {
    expect(qemu, `SMPEMU_REQUIRE_QEMU=1 but ${QEMU} is not installed`).toBe(true);
  });

  const gc = ['gc/hello', 'gc/isa_selfcheck', 'gc/compute', 'gc/atomic_counter', 'gc/counters_packed', 'gc/counters_padded', 'gc/fp_selfcheck', 'gc/nbody'];
  for (const name of ['hello', 'isa_selfcheck', 'compute', 'atomic_counter', 'counters_packed', 'counters_padded', ...gc]) {
    it.skipIf(!qemu)(`${name}: same stdout and exit status as qemu-riscv64 on one core`, async () => {
      const q = spawnSync(QEMU, [path(name)], { maxBuffer: 64 << 20 });
      const o = sink();
      const r = await runMachine(makeConfig({ cores: 1 }), readFileSync(path(name)), { stdout: o.out });
      expect(q.status).toBe(0);
      expect(r.exitCode).toBe(q.status);
      expect(o.text()).toBe(q.stdout.toString('utf8'));
      expect(o.text().length).toBeGreaterThan(0);
    }, 60_000);
  }
});

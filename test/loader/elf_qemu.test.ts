// The project's own ELFs (assembleProgram → elf_writer) run under qemu-riscv64 exactly as under smpemu.

import { describe, expect, it } from 'vitest';
import { assembleProgram } from '../../src/asm/program.ts';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { qemuInstalled, qemuRequired, runQemu } from '../helpers/qemu.ts';
import { sink } from '../helpers/program.ts';

const SRC = `
  li a0, 1
  la a1, msg
  li a2, 3
  li a7, 64
  ecall
  li t0, 0x100000
  ld a0, 0(t0)       # the data segment: zero-filled
  addi a0, a0, 7
  li a7, 93
  ecall
msg: .word 0x0a6968
`;

describe('assembleProgram ELFs under qemu-riscv64', () => {
  it('qemu-riscv64 is installed when required', () => {
    if (qemuRequired) expect(qemuInstalled, 'SMPEMU_REQUIRE_QEMU=1 but qemu-riscv64 is not installed').toBe(true);
  });

  it.runIf(qemuInstalled)('qemu maps and runs them; output and exit status match smpemu', async () => {
    const elf = assembleProgram(SRC);
    const q = await runQemu(elf);
    expect(q.stderr).toBe('');
    expect(q.status).toBe(7);
    expect(q.stdout.toString('utf8')).toBe('hi\n');
    const o = sink();
    const r = await runMachine(makeConfig({ cores: 1 }), elf, { stdout: o.out });
    expect(r.exitCode).toBe(7);
    expect(o.text()).toBe('hi\n');
  });
});

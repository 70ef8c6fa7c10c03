// Whole-machine runs through the library API: output, exit status, stop reasons, determinism.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { asmElf, sink } from '../helpers/program.ts';

const elf = (name: string) => readFileSync(new URL(`../../workloads/bin/${name}.elf`, import.meta.url));

describe('SPMD machine', () => {
  it('hello on 4 cores prints one line per hart and exits 0', async () => {
    const o = sink();
    const r = await runMachine(makeConfig({ cores: 4 }), elf('hello'), { stdout: o.out });
    expect(r.exitCode).toBe(0);
    expect(r.stopReason).toBe('exit');
    const lines = o.text().trimEnd().split('\n').sort();
    expect(lines).toEqual([0, 1, 2, 3].map((i) => `hello from hart ${i} of 4`));
    expect(r.cores.map((c) => c.id)).toEqual([0, 1, 2, 3]);
    for (const c of r.cores) {
      expect(c.instructions).toBeGreaterThan(100);
      expect(c.cycles).toBeGreaterThanOrEqual(c.instructions);
    }
    expect(r.syscalls.find((s) => s.name === 'write')?.count).toBe(4);
    expect(r.syscalls.find((s) => s.name === 'exit')?.count).toBe(4);
  });

  it.each([
    { threads: 4 },
    { threads: 2 },
    { threads: 1 },
  ])('atomic counter on 4 cores with %o gives exact totals', async ({ threads }) => {
    const o = sink();
    const r = await runMachine(makeConfig({ cores: 4, threads }), elf('atomic_counter'), { stdout: o.out });
    expect(r.exitCode).toBe(0);
    expect(o.text()).toBe(
      'amo total = 40000 expected 40000 OK\n' +
        'lr/sc.w total = 40000 expected 40000 OK\n' +
        'lr/sc.d total = 40000 expected 40000 OK\n',
    );
  });

  it('two deterministic runs give identical stats and output', async () => {
    const run = async () => {
      const o = sink();
      const r = await runMachine(makeConfig({ cores: 4, threads: 1 }), elf('counters_packed'), { stdout: o.out });
      return { out: o.text(), cores: r.cores, syscalls: r.syscalls, exitCode: r.exitCode, totals: r.totals, caches: r.caches, c2c: r.c2c };
    };
    const a = await run();
    const b = await run();
    expect(a.exitCode).toBe(0);
    expect(a.out).toContain('total = 80000 expected 80000 OK');
    expect(a.totals!.hitm).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });

  it('exit_group ends the machine with its status while other harts still run', async () => {
    // Hart 0 exits the whole machine with 7; the others spin forever.
    const prog = asmElf(`
      bnez a0, spin
      li a0, 7
      li a7, 94
      ecall
    spin:
      j spin
    `);
    const r = await runMachine(makeConfig({ cores: 3 }), prog);
    expect(r.stopReason).toBe('exit_group');
    expect(r.exitCode).toBe(7);
  });

  it('the machine exit status is hart 0\'s when every hart calls exit', async () => {
    const prog = asmElf(`
      addi a0, a0, 40
      li a7, 93
      ecall
    `);
    const r = await runMachine(makeConfig({ cores: 2 }), prog);
    expect(r.stopReason).toBe('exit');
    expect(r.exitCode).toBe(40);
  });

  it('an infinite loop stops at --max-insns with a clear error', async () => {
    const r = await runMachine(makeConfig({ cores: 2, maxInsns: 200_000 }), elf('spin'));
    expect(r.stopReason).toBe('max-insns');
    expect(r.exitCode).toBe(2);
    expect(r.error).toMatch(/^core [01]: instruction limit reached \(--max-insns 200000\) at pc 0x[0-9a-f]+/);
    const stopped = r.cores.find((c) => c.instructions === 200_000);
    expect(stopped).toBeDefined();
    for (const c of r.cores) expect(c.instructions).toBeLessThanOrEqual(200_000);
  });

  it('a load outside RAM is a guest fault naming core, pc and address', async () => {
    const prog = asmElf(`
      beqz a0, ok
      li t0, 0x40000000
    bad:
      ld t1, 8(t0)
    ok:
      li a7, 93
      ecall
    `);
    const r = await runMachine(makeConfig({ cores: 2, threads: 1 }), prog);
    expect(r.stopReason).toBe('fault');
    expect(r.exitCode).toBe(2);
    expect(r.fault?.core).toBe(1);
    expect(r.error).toBe(`core 1: load access fault at pc 0x${(0x10000 + 2 * 4).toString(16)} (bad): address 0x40000008`);
  });

  it('a null-pointer store faults (page 0 is a guard)', async () => {
    const r = await runMachine(makeConfig({ cores: 1 }), asmElf('sw zero, 16(zero)'));
    expect(r.error).toBe('core 0: store/AMO access fault at pc 0x10000: address 0x10');
  });

  it('an illegal instruction is reported with pc and encoding', async () => {
    const r = await runMachine(makeConfig({ cores: 1 }), asmElf('nop\n.word 0xffffffff'));
    expect(r.exitCode).toBe(2);
    expect(r.error).toBe('core 0: illegal instruction at pc 0x10004: encoding 0xffffffff');
  });

  it('an illegal compressed parcel is reported with its 16-bit encoding', async () => {
    // At 0x10004 the all-zero halfword (illegal), then c.nop.
    const r = await runMachine(makeConfig({ cores: 1 }), asmElf('nop\n.word 0x00010000'));
    expect(r.exitCode).toBe(2);
    expect(r.fault?.encoding).toBe(0);
    expect(r.error).toBe('core 0: illegal instruction at pc 0x10004: encoding 0x0000');
  });

  it('unknown syscalls return -ENOSYS and are counted, without stopping the machine', async () => {
    const prog = asmElf(`
      li a7, 56
      ecall
      mv s0, a0
      li a7, 56
      ecall
      li a7, 999
      ecall
      neg a0, s0      # 38 if openat returned -ENOSYS
      li a7, 94
      ecall
    `);
    const r = await runMachine(makeConfig({ cores: 1 }), prog);
    expect(r.exitCode).toBe(38);
    expect(r.unimplementedSyscalls).toEqual([
      { nr: 56, name: 'openat', count: 2 },
      { nr: 999, name: 'syscall_999', count: 1 },
    ]);
  });

  it('clock_gettime reports simulated time from the core clock', async () => {
    // Spin ~100k instructions, then read CLOCK_MONOTONIC into the data page and exit with tv_nsec / 100000.
    const prog = asmElf(`
      li t0, 50000
    loop:
      addi t0, t0, -1
      bnez t0, loop
      li a0, 1
      li a1, 0x20000
      li a7, 113
      ecall
      li a1, 0x20000
      ld a0, 8(a1)
      li t1, 100000
      divu a0, a0, t1
      li a7, 94
      ecall
    `);
    const r = await runMachine(makeConfig({ cores: 1, clockHz: 1_000_000_000 }), prog);
    // ~100k cycles at 1 GHz = ~100 us = 100000 ns -> 1
    expect(r.exitCode).toBe(1);
  });

  it('brk grows the program break within bounds', async () => {
    const prog = asmElf(`
      li a0, 0
      li a7, 214
      ecall            # a0 = current break
      mv s0, a0
      li t0, 8192
      add a0, s0, t0
      li a7, 214
      ecall            # grow by 8 KiB
      sub s1, a0, s0
      sd s1, 0(s0)     # the new memory is usable
      li a0, 0x7fffffff
      li a7, 214
      ecall            # refused: stays
      sub a0, a0, s0
      srli a0, a0, 10  # 8192 >> 10 = 8
      li a7, 94
      ecall
    `);
    const r = await runMachine(makeConfig({ cores: 1 }), prog);
    expect(r.exitCode).toBe(8);
  });
});

describe('stopping', () => {
  // A stop requested in any quantum must end every worker after the same barrier (a worker that
  // leaves one quantum early leaves the others waiting forever; the host watchdog would report it).
  it.each([1, 2, 3])('exit lands at varied points in the quantum; threads = cores = %i+1', async (k) => {
    for (const iters of [1, 4999, 5000, 5001, 9999, 10_000, 23_456]) {
      // Hart i loops iters*(i+1) times, then exits: the last exit lands anywhere in a quantum.
      const prog = asmElf(`
        addi t1, a0, 1
        li t0, ${iters}
        mul t0, t0, t1
      loop:
        addi t0, t0, -1
        bnez t0, loop
        li a7, 93
        ecall
      `);
      const r = await runMachine(makeConfig({ cores: k + 1, quantum: 10_000 }), prog, { watchdogMs: 10_000 });
      expect(r.error).toBeUndefined();
      expect(r.stopReason).toBe('exit');
    }
  });
});

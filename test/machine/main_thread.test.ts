// A short run ends on the main thread (src/machine/main_thread.ts): its result is exactly the
// --threads 1 run's; a longer one is the workers' run from the first instruction, and what the
// main thread's copy printed before it gave up never shows.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine, type RunResult } from '../../src/machine/machine.ts';
import { HeldOutput, MAIN_THREAD_CYCLES } from '../../src/machine/main_thread.ts';
import { statsDigest } from '../workloads/stats_digest.ts';
import { asmElf, DATA_BASE, sink } from '../helpers/program.ts';

const hello = readFileSync(new URL('../../workloads/bin/hello.elf', import.meta.url));

/** Hart 0 writes "early\n" at once; every hart then counts down `n` and exits. */
function earlyThenSpin(n: number): Uint8Array {
  const bytes = [...Buffer.from('early\n')];
  return asmElf(`
    bnez a0, count
    li t0, ${DATA_BASE}
    ${bytes.map((b, i) => `li t1, ${b}\n    sb t1, ${i}(t0)`).join('\n    ')}
    li a0, 1
    li a1, ${DATA_BASE}
    li a2, ${bytes.length}
    li a7, 64
    ecall
  count:
    li t2, ${n}
  loop:
    addi t2, t2, -1
    bnez t2, loop
    li a0, 0
    li a7, 93
    ecall
  `);
}

/** The stats a run's copy on the main thread must share with the --threads 1 run (the config echo differs in threads). */
const digest = (r: RunResult) => {
  const { c2cEntries: _e, config: _c, ...stats } = r;
  return statsDigest(stats);
};

async function run(elf: Uint8Array, threads: number, mainThreadCycles?: number, extra: Parameters<typeof runMachine>[2] = {}) {
  const out = sink();
  const r = await runMachine(makeConfig({ cores: 4, threads }), elf, { stdout: out.out, stderr: out.out, ...(mainThreadCycles ? { mainThreadCycles } : {}), ...extra });
  return { r, text: out.text() };
}

describe('a run that starts on the main thread', () => {
  it('ends there when it ends in its first quantum: the --threads 1 run, stats and output alike', async () => {
    const short = await run(hello, 2, MAIN_THREAD_CYCLES);
    const one = await run(hello, 1);
    expect(short.r.host).toHaveLength(1);
    expect(short.r.host![0]).toMatchObject({ cores: [0, 1, 2, 3], mainThread: true });
    expect(short.r.config.threads).toBe(2);
    expect(short.r.exitCode).toBe(0);
    expect(short.text).toBe(one.text);
    expect(digest(short.r)).toBe(digest(one.r));
  });

  it('past its cycles, is the workers\' run from the first instruction: what the copy printed never shows', async () => {
    // ~100,000 cycles per core against a limit of 3 quanta: the copy gives up, printed "early" held back.
    const { r, text } = await run(earlyThenSpin(50_000), 2, 60_000);
    expect(text).toBe('early\n');
    expect(r.host).toHaveLength(2);
    expect(r.host!.some((h) => h.mainThread)).toBe(false);
    expect(r.exitCode).toBe(0);
    for (const c of r.cores) expect(c.instructions).toBeGreaterThan(100_000);
  });

  it('between its first quantum and its cycles, either run may be the run, printed once and whole', async () => {
    const elf = earlyThenSpin(25_000); // ~50,000 cycles: past the first quantum, the workers start
    const one = await run(elf, 1);
    for (let i = 0; i < 3; i++) {
      const { r, text } = await run(elf, 2, MAIN_THREAD_CYCLES);
      expect(text).toBe('early\n');
      expect(r.exitCode).toBe(0);
      console.log(`run ${i}: ${r.host![0].mainThread ? 'the main thread' : 'the workers'}`);
      if (r.host![0].mainThread) expect(digest(r)).toBe(digest(one.r));
      else expect(r.host).toHaveLength(2);
    }
  });

  it('a guest fault in a short run reads as in the --threads 1 run', async () => {
    const elf = asmElf(`
      li t0, 0x40000000
      ld t1, 8(t0)
    `);
    const short = await run(elf, 2, MAIN_THREAD_CYCLES);
    const one = await run(elf, 1);
    expect(short.r.host![0].mainThread).toBe(true);
    expect(short.r.stopReason).toBe('fault');
    expect(short.r.error).toBe(one.r.error);
    expect(short.r.exitCode).toBe(2);
  });

  it('readback reads the end state of the machine that ran', async () => {
    const elf = asmElf(`
      li t0, ${DATA_BASE}
      slli t1, a0, 3
      add t0, t0, t1
      addi t2, a0, 100
      sd t2, 0(t0)
      li a0, 0
      li a7, 93
      ecall
    `);
    const short = await run(elf, 2, MAIN_THREAD_CYCLES, { readback: [{ addr: DATA_BASE, len: 32 }] });
    expect(short.r.host![0].mainThread).toBe(true);
    expect([...new BigUint64Array(short.r.readback![0].slice().buffer)]).toEqual([100n, 101n, 102n, 103n]);
  });
});

describe('HeldOutput', () => {
  it('holds writes in order until open, then passes them on; drop throws away what is held and what comes', () => {
    const got: string[] = [];
    const to = { stdout: (d: Uint8Array) => got.push(`1:${Buffer.from(d)}`), stderr: (d: Uint8Array) => got.push(`2:${Buffer.from(d)}`) };
    const h = new HeldOutput(to);
    h.out.stdout(Buffer.from('a'));
    h.out.stderr(Buffer.from('b'));
    expect(got).toEqual([]);
    h.open();
    h.out.stdout(Buffer.from('c'));
    expect(got).toEqual(['1:a', '2:b', '1:c']);
    const d = new HeldOutput(to);
    d.out.stdout(Buffer.from('x'));
    d.drop();
    d.out.stdout(Buffer.from('y'));
    d.open();
    expect(got).toEqual(['1:a', '2:b', '1:c']);
  });
});

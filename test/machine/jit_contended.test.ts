// The translator leaves coherence-bound code to the interpreter (cores/jit/jit.ts, contended):
// a block that turns hot while its hart takes more than one coherence miss per 32 instructions
// waits, its threshold doubled; once the misses stop it is translated. Every count stays the
// interpreter's whichever code runs.
//
// Each of 4 harts runs one counting loop (ld/addi/sd) first over its word of one shared line,
// then over a word of its own page: the same loop, the same pc.

import { describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine, type RunResult } from '../../src/machine/machine.ts';
import { asmElf, DATA_BASE } from '../helpers/program.ts';

const CORES = 4;
const LINE = DATA_BASE;
const PRIVATE = DATA_BASE + 0x1000;

/** `after`: a second loop (its own pc) over the hart's private word, run after the other two. */
function source(shared: number, own: number, after = 0): string {
  return `
  slli t0, a0, 3
  li s0, ${LINE}
  add s0, s0, t0
  slli t0, a0, 12
  li s1, ${PRIVATE}
  add s1, s1, t0
  mv a1, s0
  li a2, ${shared}
  jal ra, count
  mv a1, s1
  li a2, ${own}
  jal ra, count
  li a2, ${after}
  beqz a2, done
again:
  ld t1, 0(s1)
  addi t1, t1, 1
  sd t1, 0(s1)
  addi a2, a2, -1
  bnez a2, again
done:
  li a0, 0
  li a7, 93
  ecall
count:
  beqz a2, out
loop:
  ld t1, 0(a1)
  addi t1, t1, 1
  sd t1, 0(a1)
  addi a2, a2, -1
  bnez a2, loop
out:
  jalr zero, 0(ra)
`;
}

async function run(shared: number, own: number, engine: 'jit' | 'interp', after = 0): Promise<RunResult> {
  const r = await runMachine(makeConfig({ cores: CORES, threads: 1, memory: 'caches', engine }), asmElf(source(shared, own, after), { dataBytes: 0x1000 * (CORES + 1) }), {
    stdout: () => {},
  });
  expect(r.error, r.error).toBeUndefined();
  return r;
}

/** Everything of a run the engine may not change: the result without host figures and the translator's own. */
function simulated(r: RunResult): unknown {
  const { hostSeconds: _s, guestMips: _m, host: _h, config: _c, ...rest } = r;
  return { ...rest, cores: r.cores.map(({ jit: _j, ...c }) => c) };
}

describe('the translator and contended code', () => {
  it('a loop on a shared line stays interpreted; the same loop on private data is translated', async () => {
    const contended = await run(20_000, 0, 'jit');
    expect(contended.totals!.hitm).toBeGreaterThan(10_000);
    for (const c of contended.cores) {
      expect(c.jit!.deferred).toBeGreaterThan(0);
      expect(c.jit!.translated).toBe(0);
    }
    const own = await run(0, 20_000, 'jit');
    for (const c of own.cores) {
      expect(c.jit!.deferred).toBe(0);
      expect(c.jit!.translated).toBeGreaterThan(0);
    }
  }, 60_000);

  it('once the misses stop, the loop that waited is translated', async () => {
    const r = await run(20_000, 100_000, 'jit');
    for (const c of r.cores) {
      expect(c.jit!.deferred).toBeGreaterThan(0);
      expect(c.jit!.translated).toBeGreaterThan(0);
    }
  }, 60_000);

  it('short code just after the contended loop stays interpreted; long code is translated', async () => {
    // 300 passes of a 5-instruction loop: hot (32 arrivals) well inside the contended verdict's
    // 65,536 instructions, and over before they pass.
    const short = await run(20_000, 0, 'jit', 300);
    for (const c of short.cores) {
      expect(c.jit!.deferred).toBeGreaterThan(0);
      expect(c.jit!.translated).toBe(0);
    }
    const long = await run(20_000, 0, 'jit', 20_000);
    for (const c of long.cores) expect(c.jit!.translated).toBeGreaterThan(0);
  }, 60_000);

  it('while a contended verdict stands nothing is counted (Jit.quietUntil), and an expired one is measured again at once', async () => {
    // 200,000 passes, ~1 M instructions a hart: some fifteen 65,536-instruction windows. Each
    // hart defers its loop once; before quiet stretches it counted on and deferred it every
    // time the (doubling) threshold came round again: counters_packed_xl, 415-443 a hart.
    const r = await run(200_000, 0, 'jit');
    expect(r.totals!.hitm).toBeGreaterThan(100_000);
    for (const c of r.cores) {
      expect(c.jit!.translated).toBe(0);
      expect(c.jit!.deferred).toBeGreaterThan(0);
      expect(c.jit!.deferred).toBeLessThanOrEqual(2);
    }
  }, 60_000);

  it('counts the interpreter\'s counts (deterministic)', async () => {
    const jit = await run(20_000, 100_000, 'jit');
    const interp = await run(20_000, 100_000, 'interp');
    expect(simulated(jit)).toEqual(simulated(interp));
  }, 60_000);
});

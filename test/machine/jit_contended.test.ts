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

function source(shared: number, own: number): string {
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

async function run(shared: number, own: number, engine: 'jit' | 'interp'): Promise<RunResult> {
  const r = await runMachine(makeConfig({ cores: CORES, threads: 1, memory: 'caches', engine }), asmElf(source(shared, own), { dataBytes: 0x1000 * (CORES + 1) }), {
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

  it('counts the interpreter\'s counts (deterministic)', async () => {
    const jit = await run(20_000, 100_000, 'jit');
    const interp = await run(20_000, 100_000, 'interp');
    expect(simulated(jit)).toEqual(simulated(interp));
  }, 60_000);
});

// LR/SC forward progress (issue 7): the LR/SC hold (cores/memory.ts). Constrained LR/SC
// loops mixed with AMOs on one counter give the exact total in every mode; the hold really
// makes a remote request wait and then lets it through; an unconstrained sequence gets no
// promise but never hangs the simulator.

import { describe, expect, it } from 'vitest';
import { formatSummary, scStormCores } from '../../src/cli/summary.ts';
import { ConfigError, makeConfig, type MachineConfig } from '../../src/machine/config.ts';
import { runMachine, type RunResult } from '../../src/machine/machine.ts';
import { TINY_CACHES } from '../../src/stress/run.ts';
import { Harness, RAM_BASE } from '../coherence/harness.ts';
import { asmElf, DATA_BASE } from '../helpers/program.ts';
import { COUNTER, counterSource, type CounterOptions } from './lrsc_program.ts';

async function counterRun(p: CounterOptions, cfg: Partial<MachineConfig>): Promise<{ r: RunResult; total: bigint }> {
  const r = await runMachine(makeConfig({ maxInsns: 50_000_000, ...cfg }), asmElf(counterSource(p)), {
    stdout: () => {},
    readback: [{ addr: COUNTER, len: 8 }],
  });
  const b = r.readback![0]!;
  const total = p.width === 'd' ? Buffer.from(b).readBigUInt64LE(0) : BigInt(Buffer.from(b).readUInt32LE(0));
  return { r, total };
}

function expectExact(p: CounterOptions, cores: number, { r, total }: { r: RunResult; total: bigint }): void {
  expect(r.error, r.error).toBeUndefined();
  expect(r.exitCode).toBe(0);
  expect(total).toBe(BigInt(2 * p.n * cores));
  // Every hart's LR/SC loop ran to its end: exactly n successful SCs each.
  for (const c of r.cores) expect(c.scSucceeded, `core ${c.id}`).toBe(p.n);
}

describe('the LR/SC counter gives the exact total', () => {
  // Issue 7's program: before the hold, --deterministic failed ~750,000 SCs per core and never ended.
  it.each([
    { width: 'd', order: 'mixed' },
    { width: 'w', order: 'mixed' },
    { width: 'd', order: 'phases' },
  ] as const)('4 cores, --deterministic, 20,000 of each, %o: and no SC ever fails', async (o) => {
    const p = { n: 20_000, ...o };
    const res = await counterRun(p, { cores: 4, threads: 1 });
    expectExact(p, 4, res);
    for (const c of res.r.cores) expect(c.scFailed, `core ${c.id}`).toBe(0);
    expect(scStormCores(res.r)).toEqual([]);
  });

  const modes: [string, (cores: number) => Partial<MachineConfig>][] = [
    ['--deterministic', () => ({ threads: 1 })],
    ['--threads 2', () => ({ threads: 2 })],
    ['one worker per core', (cores) => ({ threads: cores })],
    ['--deterministic --interleave 1, tiny caches', () => ({ threads: 1, interleave: 1, caches: TINY_CACHES })],
    ['--threads 2 --interleave 1, tiny caches', () => ({ threads: 2, interleave: 1, caches: TINY_CACHES })],
    ['--deterministic, --memory flat', () => ({ threads: 1, memory: 'flat' })],
    ['--threads 2, --memory flat', () => ({ threads: 2, memory: 'flat' })],
  ];
  for (const [mode, cfg] of modes) {
    for (const cores of [2, 4, 8]) {
      for (const width of ['d', 'w'] as const) {
        // Scaled down from 20,000 to keep the suite quick; the total stays exact.
        const n = cores === 8 || mode.includes('interleave') ? 500 : 2000;
        it(`${cores} cores, ${mode}, lr.${width}/sc.${width} and amoadd.${width}, ${n} of each`, async () => {
          const p = { n, width, order: 'mixed' } as const;
          const res = await counterRun(p, { cores, ...cfg(cores) });
          expectExact(p, cores, res);
          // Deterministic runs never switch a core out inside its window, and nobody waits.
          if (cfg(cores).threads === 1) for (const c of res.r.cores) expect(c.scFailed, `core ${c.id}`).toBe(0);
        });
      }
    }
  }
});

describe('the window is configurable', () => {
  it('lrscHoldCycles: a positive integer', () => {
    expect(makeConfig().lrscHoldCycles).toBe(80);
    expect(makeConfig({ lrscHoldCycles: 200 }).lrscHoldCycles).toBe(200);
    for (const bad of [0, -5, 1.5, 'x' as unknown as number]) {
      expect(() => makeConfig({ lrscHoldCycles: bad }), String(bad)).toThrow(ConfigError);
    }
  });

  it('a 1-cycle window cannot cover lr/addi/sc: the deterministic counter storms again, and the summary says so', async () => {
    const p = { n: 20_000, width: 'd', order: 'mixed' } as const;
    const { r } = await counterRun(p, { cores: 4, threads: 1, lrscHoldCycles: 1, maxInsns: 400_000 });
    expect(r.stopReason).toBe('max-insns');
    expect(scStormCores(r).length).toBeGreaterThan(0);
    expect(formatSummary(r)).toMatch(/SC failure storm on cores? [0-9, ]+: at least 10 failed SCs per success/);
  });
});

describe('the hold window, on the bus (one thread, driven by hand)', () => {
  const X = RAM_BASE + 0x400;
  /** Core 0 opens holds (window 80), as a hart's CacheMemory does; the others do not. */
  function harness(cores = 2): Harness {
    return new Harness({ cores, lrscHold: [80] });
  }
  const holdOf = (h: Harness, c: number) => h.views.reservation[h.views.holdIndex(c)];
  const wantOf = (h: Harness, c: number) => h.views.reservation[h.views.wantIndex(c)];

  it("holds another core's store until the SC, then lets it through", () => {
    const h = harness();
    h.store(0, X, 8, 5n);
    expect(h.lr(0, X, 8)).toBe(5n);
    expect(holdOf(h, 0)).toBe(h.lineOf(X));
    const waits: [number, number][] = [];
    h.l2s[1]!.waitForHold = (holder, line) => {
      waits.push([holder, line]);
      // Core 1 backed out untouched: core 0 still has the line in M, the one copy.
      expect(h.states(X)).toEqual(['M', 'I']);
      expect(wantOf(h, 0), 'the line is flagged as waited for').toBe(h.lineOf(X));
      h.check();
      expect(h.sc(0, X, 8, 6n), 'the SC inside the window succeeds').toBe(0);
      expect(holdOf(h, 0), 'the SC closed the window').toBe(-1);
    };
    h.store(1, X, 8, 9n);
    expect(waits).toEqual([[0, h.lineOf(X)]]);
    expect(h.states(X)).toEqual(['I', 'M']);
    expect(h.load(0, X, 8), "the store came after the SC's").toBe(9n);
    expect(wantOf(h, 0), 'served: the flag is withdrawn').toBe(-1);
    h.check();
  });

  it('a window that runs out lets the request through, and the SC then fails', () => {
    const h = harness();
    h.lr(0, X, 8);
    let waited = 0;
    h.l2s[1]!.waitForHold = () => {
      waited++;
      h.mems[0]!.endHold(); // what the hart does when lrscHoldCycles have passed
    };
    h.store(1, X, 8, 9n);
    expect(waited).toBe(1);
    expect(h.sc(0, X, 8, 6n)).toBe(1);
    expect(h.load(1, X, 8)).toBe(9n);
    h.check();
  });

  it('reads and AMOs wait too', () => {
    const h = harness();
    h.store(0, X, 8, 1n);
    for (const op of [() => h.load(1, X, 8), () => h.amo(1, 0, X, 8, 1n)]) {
      h.lr(0, X, 8);
      let waited = 0;
      h.l2s[1]!.waitForHold = () => {
        waited++;
        expect(h.sc(0, X, 8, h.load(0, X, 8) + 10n)).toBe(0);
      };
      op();
      expect(waited).toBe(1);
    }
    expect(h.load(0, X, 8)).toBe(1n + 10n + 10n + 1n);
    h.check();
  });

  it('while a core waits for the line, the holder\'s next LR of it opens no hold (no endless holding)', () => {
    const h = harness();
    h.lr(0, X, 8);
    h.l2s[1]!.waitForHold = () => {
      // A core spinning on LR: its next LR finds the line waited for and declines the hold.
      h.lr(0, X, 8);
      expect(holdOf(h, 0)).toBe(-1);
      expect(h.mems[0]!.holdUntil).toBe(0);
    };
    h.store(1, X, 8, 3n);
    expect(h.sc(0, X, 8, 4n), 'the reservation went to the waiting store').toBe(1);
    // Served: the next LR holds again.
    h.lr(0, X, 8);
    expect(holdOf(h, 0)).toBe(h.lineOf(X));
    h.mems[0]!.endHold();
  });

  it('an L3 fill does not back-invalidate a held line: it takes another victim', () => {
    const h = harness();
    h.lr(0, X, 8);
    h.l2s[1]!.waitForHold = () => {
      throw new Error('no wait expected: the set has unheld ways');
    };
    // Core 1 fills every way of X's L3 set with other lines (and more).
    for (let k = 1; k <= 2 * h.geometry.l3.ways; k++) h.load(1, h.l3Conflict(X, k), 8);
    expect(h.state(0, X)).toBe('M');
    expect(h.sc(0, X, 8, 77n)).toBe(0);
    expect(h.load(1, X, 8)).toBe(77n);
    h.check();
  });
});

describe('an unconstrained LR/SC sequence: no promise, but no hang', () => {
  // Hart 0: LR, then a load that misses to RAM (a new line every time: longer than the
  // hold), then SC; hart 1 stores to the counter all the time. Nothing promises hart 0 a
  // success; --max-insns must stop the machine cleanly.
  const BIG = DATA_BASE + 0x1000;
  const BIG_BYTES = 8 << 20; // twice the L3: every line misses
  const source = `
    li s0, ${COUNTER}
    bnez a0, storer
    li s2, ${BIG}
    li s3, ${BIG + BIG_BYTES}
    mv s4, s2
  retry:
    lr.d t2, (s0)
    ld t4, 0(s4)
    addi s4, s4, 64
    bltu s4, s3, next
    mv s4, s2
  next:
    addi t2, t2, 1
    sc.d t3, t2, (s0)
    bnez t3, retry
    j retry
  storer:
    sd a0, 0(s0)
    j storer
  `;
  const elf = asmElf(source, { dataBytes: 0x1000 + BIG_BYTES });

  it.each([
    { threads: 1, memory: 'caches' },
    { threads: 2, memory: 'caches' },
  ] as const)('%o: --max-insns stops it with a clean error', async (o) => {
    const r = await runMachine(makeConfig({ cores: 2, maxInsns: 300_000, ...o }), elf, { stdout: () => {} });
    expect(r.stopReason).toBe('max-insns');
    expect(r.exitCode).toBe(2);
    expect(r.error).toMatch(/^core [01]: instruction limit reached \(--max-insns 300000\) at pc 0x/);
    expect(r.cores[0]!.scFailed).toBeGreaterThan(0);
    if (o.threads === 1) {
      // Deterministic: every window runs out in the load and hart 1's store breaks the reservation.
      expect(r.cores[0]!.scSucceeded).toBe(0);
      expect(scStormCores(r)).toEqual([0]);
    }
  });
});

// The adaptive quantum's rule alone (cores/quantum.ts): a pure function of the last quantum's
// length and what crossed workers in it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextQuantum, QUANTUM_GROWTH, QUANTUM_GROWTH_LINUX, quantumMax } from '../../cores/quantum.ts';
import { makeConfig } from '../../src/machine/config.ts';

describe('nextQuantum', () => {
  it('doubles while nothing crosses, up to the bound, and drops back at the first crossing', () => {
    const seen: number[] = [];
    let q = 20_000;
    for (let i = 0; i < 7; i++) seen.push((q = nextQuantum(q, 0, 20_000, 320_000)));
    expect(seen).toEqual([40_000, 80_000, 160_000, 320_000, 320_000, 320_000, 320_000]);
    expect(nextQuantum(q, 1, 20_000, 320_000)).toBe(20_000);
    expect(nextQuantum(40_000, 3, 20_000, 320_000)).toBe(20_000);
  });

  it('stays at the base when the bound is the base (fixed quantum)', () => {
    expect(nextQuantum(20_000, 0, 20_000, 20_000)).toBe(20_000);
  });

  it('never leaves [base, max], and equals base exactly after a crossing', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 1e6 }), fc.integer({ min: 0, max: 6 }), fc.array(fc.nat(3), { maxLength: 40 }), (base, k, crossings) => {
        const max = base * 2 ** k;
        let q = base;
        for (const c of crossings) {
          const next = nextQuantum(q, c, base, max);
          expect(next).toBeGreaterThanOrEqual(base);
          expect(next).toBeLessThanOrEqual(max);
          if (c > 0) expect(next).toBe(base);
          else expect(next).toBe(Math.min(2 * q, max));
          q = next;
        }
      }),
    );
  });
});

describe('quantumMax', () => {
  it('adapts only with several workers and when not turned off (--boot linux too: its kernel entries count as crossings)', () => {
    expect(QUANTUM_GROWTH).toBe(256);
    expect(quantumMax(makeConfig({ cores: 2, threads: 2, quantum: 20_000 }))).toBe(20_000 * QUANTUM_GROWTH);
    // --deterministic (one worker): fixed, so runs stay bit-identical.
    expect(quantumMax(makeConfig({ cores: 2, threads: 1, quantum: 20_000 }))).toBe(20_000);
    expect(quantumMax(makeConfig({ cores: 2, threads: 2, quantum: 20_000, adaptiveQuantum: false }))).toBe(20_000);
    // --boot linux keeps a wakeup's reach to another worker at 320 us of simulated time.
    expect(QUANTUM_GROWTH_LINUX).toBe(16);
    expect(quantumMax(makeConfig({ cores: 2, threads: 2, quantum: 20_000, boot: 'linux' }))).toBe(20_000 * QUANTUM_GROWTH_LINUX);
    expect(quantumMax(makeConfig({ cores: 2, threads: 1, quantum: 20_000, boot: 'linux' }))).toBe(20_000);
  });
});

// The adaptive interleave's rule alone (cores/interleave.ts): a pure function of the last
// slice's length and whether it showed sharing, and the counters that tell sharing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { interleaveMax, nextInterleave, sharingCounters, sharingSum } from '../../cores/interleave.ts';
import { makeConfig } from '../../src/machine/config.ts';
import { CAUSE_LOCAL, CAUSE_REMOTE, CTR, CTR_COUNT, counterLength, transitionIndex } from '../../shared/coherence/stats.ts';
import { E, I, M, S } from '../../shared/coherence/mesi.ts';

describe('nextInterleave', () => {
  it('doubles while nothing is shared, up to the bound, and drops back after a slice that shares', () => {
    const seen: number[] = [];
    let s = 50;
    for (let i = 0; i < 10; i++) seen.push((s = nextInterleave(s, false, 50, 20_000)));
    expect(seen).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 12_800, 20_000, 20_000]);
    expect(nextInterleave(s, true, 50, 20_000)).toBe(50);
    expect(nextInterleave(100, true, 50, 20_000)).toBe(50);
  });

  it('stays at the base when the bound is the base (fixed interleave)', () => {
    expect(nextInterleave(50, false, 50, 50)).toBe(50);
    expect(nextInterleave(2000, false, 2000, 1000)).toBe(2000);
  });

  it('never leaves [base, max]; equals base exactly after a shared slice; never shrinks otherwise', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 1000 }), fc.array(fc.boolean(), { maxLength: 60 }), (base, k, extra, shares) => {
        const max = base * 2 ** k + (k > 0 ? extra : 0); // not always a power-of-two multiple
        let s = base;
        for (const shared of shares) {
          const next = nextInterleave(s, shared, base, max);
          expect(next).toBeGreaterThanOrEqual(base);
          expect(next).toBeLessThanOrEqual(max);
          if (shared) expect(next).toBe(base);
          else {
            expect(next).toBe(Math.min(2 * s, max));
            expect(next).toBeGreaterThanOrEqual(s);
          }
          s = next;
        }
      }),
    );
  });

  it('reaches the bound after ceil(log2(max / base)) slices without sharing, from any slice', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 4000 }), fc.array(fc.boolean(), { maxLength: 20 }), (base, factor, prefix) => {
        const max = base * factor;
        let s = base;
        for (const shared of prefix) s = nextInterleave(s, shared, base, max);
        const steps = Math.ceil(Math.log2(max / base));
        for (let i = 0; i < steps; i++) s = nextInterleave(s, false, base, max);
        expect(s).toBe(max);
      }),
    );
  });
});

describe('interleaveMax', () => {
  it('adapts (up to the quantum) only with several workers under --boot spmd and when not turned off', () => {
    expect(interleaveMax(makeConfig({ cores: 4, threads: 2, quantum: 20_000 }))).toBe(20_000);
    expect(interleaveMax(makeConfig({ cores: 4, threads: 2, quantum: 20_000, memory: 'flat' }))).toBe(20_000);
    // An interleave beyond the quantum is its own bound.
    expect(interleaveMax(makeConfig({ cores: 4, threads: 2, quantum: 1000, interleave: 5000 }))).toBe(5000);
    // --deterministic (one worker): fixed, so runs stay bit-identical.
    expect(interleaveMax(makeConfig({ cores: 4, threads: 1, quantum: 20_000 }))).toBe(50);
    expect(interleaveMax(makeConfig({ cores: 4, threads: 2, quantum: 20_000, adaptiveInterleave: false }))).toBe(50);
    expect(interleaveMax(makeConfig({ cores: 4, threads: 2, quantum: 20_000, boot: 'linux' }))).toBe(50);
    // The adaptive quantum has its own switch.
    expect(interleaveMax(makeConfig({ cores: 4, threads: 2, quantum: 20_000, adaptiveQuantum: false }))).toBe(20_000);
  });
});

describe('sharingSum', () => {
  const cores = 4;
  const { add, sub } = sharingCounters(cores);
  const states = [M, E, S, I];

  it('moves with every snoop that changed another core\'s copy or took its data, and with nothing local', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: counterLength(cores), maxLength: counterLength(cores) }), fc.constantFrom(...states), fc.constantFrom(...states), (init, from, to) => {
        const ctr = Float64Array.from(init);
        const before = sharingSum(ctr, add, sub);
        // A local transition (this core's own access): no sharing.
        ctr[transitionIndex(cores, CAUSE_LOCAL, from, to)]++;
        expect(sharingSum(ctr, add, sub)).toBe(before);
        // A snoop's transition of another core's copy: sharing when the state changed.
        ctr[transitionIndex(cores, CAUSE_REMOTE, from, to)]++;
        const after = sharingSum(ctr, add, sub);
        expect(after).toBe(from !== to ? before + 1 : before);
        // A HITM: data taken cache to cache.
        ctr[CTR.c2cTransfers]++;
        expect(sharingSum(ctr, add, sub)).toBe(after + 1);
      }),
    );
  });

  it('ignores the L3\'s inclusion back-invalidations (capacity, not sharing) and the plain access counts', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(1000), { minLength: counterLength(cores), maxLength: counterLength(cores) }), fc.constantFrom(M, E, S), fc.nat(CTR_COUNT - 1), (init, from, k) => {
        const ctr = Float64Array.from(init);
        const before = sharingSum(ctr, add, sub);
        // A back-invalidation counts a remote transition to I and a backInvalidation.
        ctr[transitionIndex(cores, CAUSE_REMOTE, from, I)]++;
        ctr[CTR.backInvalidations]++;
        expect(sharingSum(ctr, add, sub)).toBe(before);
        // Any scalar counter but the cache-to-cache transfers and back-invalidations leaves it alone.
        if (k !== CTR.c2cTransfers && k !== CTR.backInvalidations) {
          ctr[k] += 5;
          expect(sharingSum(ctr, add, sub)).toBe(before);
        }
      }),
    );
  });
});

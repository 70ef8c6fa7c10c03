/**
 * The invariant checker (shared/coherence/checker.ts) and the power of the coherence tests:
 * the checker passes on a hierarchy the protocol built, names each kind of violation when
 * the arrays are corrupted by hand, and the randomized runner (random.ts) catches protocol
 * bugs injected through the Bus mutations or a broken MESI table.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { A_HIT, A_SUPPLY_DATA, BUSY, BusRd, BusRdX, E, Evict, I, M, PrWr, S, TRANSITIONS, type Transition } from '../../shared/coherence/mesi.ts';
import { checkInvariants, takeTouchedSets } from '../../shared/coherence/checker.ts';
import { Harness } from './harness.ts';
import { GEOMETRIES, opArb, runRandom, type Geometry } from './random.ts';

const X = 0x2000;

describe('checkInvariants on the touched sets only (the quantum-boundary check)', () => {
  const Y = X + 64; // the next L3 set
  const partial = (h: Harness) => checkInvariants(h.views, h.ramU8, takeTouchedSets(h.views));

  it('marks the L3 set of every bus transaction, and taking the marks clears them', () => {
    const h = new Harness();
    h.load(0, X, 8);
    h.store(1, Y, 8, 3);
    const t = takeTouchedSets(h.views);
    const marked = [...t.keys()].filter((i) => t[i] === 1);
    expect(marked).toEqual([h.lineOf(X) & (h.l3Sets - 1), h.lineOf(Y) & (h.l3Sets - 1)].sort((a, b) => a - b));
    expect(takeTouchedSets(h.views).every((b) => b === 0)).toBe(true);
    // An L1 hit is no bus transaction: nothing marked.
    h.load(0, X, 8);
    expect(takeTouchedSets(h.views).every((b) => b === 0)).toBe(true);
  });

  it('finds a violation a bus transaction left in its set', () => {
    const h = new Harness({ mutations: { skipSharerUpdate: true } });
    takeTouchedSets(h.views);
    h.load(2, Y, 8);
    expect(partial(h).join('\n')).toMatch(/inclusion: line 0x2040 is held by core 2/);
  });

  it('a silent corruption (no bus transaction) waits for the next transaction on its set or a full check', () => {
    const h = new Harness();
    h.load(0, Y, 8);
    h.load(1, Y, 8);
    expect(partial(h)).toEqual([]);
    // A clean S copy changed behind the protocol's back, as a broken store fast path would.
    h.views.l2Data[h.slot(0, Y) * h.views.lineBytes] ^= 0xff;
    expect(partial(h)).toEqual([]); // nothing touched Y's set since the last check
    expect(h.violations().join('\n')).toMatch(/data: line 0x2040 core 0 holds it clean \(S\)/);
    h.load(2, Y, 8); // a transaction on Y's set
    expect(partial(h).join('\n')).toMatch(/data: line 0x2040 core 0 holds it clean \(S\)/);
  });

  it('a BUSY bit left set is found even when nothing touched its set', () => {
    const h = new Harness();
    h.store(2, Y, 8, 5);
    expect(partial(h)).toEqual([]);
    Atomics.or(h.views.l2State, h.slot(2, Y), BUSY);
    expect(partial(h).join('\n')).toMatch(/BUSY bit set at a quiescent point: core 2/);
  });
});

describe('checkInvariants', () => {
  it('passes on states the protocol builds (M, E, S, evictions, write-backs)', () => {
    const h = new Harness();
    expect(h.violations()).toEqual([]);
    h.store(0, X, 8, 1);
    h.load(1, X + 64, 8);
    h.load(1, X + 128, 8);
    h.load(2, X + 128, 8);
    h.load(2, X, 8);
    h.evict(1, X + 64);
    expect(h.violations()).toEqual([]);
  });

  it('allows an M copy that differs from L3, and an over-approximate sharer mask', () => {
    const h = new Harness();
    h.store(0, X, 8, 0x1234);
    expect(h.cacheValue(0, X)).not.toBe(h.l3Value(X));
    h.views.l3Sharers[h.l3Slot(X)] |= 0b110; // bits for cores 1 and 2, which hold nothing
    expect(h.violations()).toEqual([]);
  });

  it('SWMR: an E copy next to an S copy', () => {
    const h = new Harness();
    h.load(0, X, 8);
    h.load(1, X, 8);
    Atomics.store(h.views.l2State, h.slot(0, X), E);
    const v = h.violations();
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(/SWMR: line 0x2000 is held core 0 E, core 1 S/);
  });

  it('SWMR: two M copies', () => {
    const h = new Harness();
    h.load(0, X, 8);
    h.load(1, X, 8);
    Atomics.store(h.views.l2State, h.slot(0, X), M);
    Atomics.store(h.views.l2State, h.slot(1, X), M);
    // Two M copies, and (an M copy may differ, so) no data complaint.
    expect(h.violations().join('\n')).toMatch(/SWMR: line 0x2000 is held core 0 M, core 1 M/);
  });

  it('a BUSY bit left set', () => {
    const h = new Harness();
    h.store(2, X, 8, 5);
    Atomics.or(h.views.l2State, h.slot(2, X), BUSY);
    expect(h.violations().join('\n')).toMatch(/BUSY bit set at a quiescent point: core 2 L2 set 0 way \d \(line 0x2000, state M\)/);
  });

  it('a bus lock left held', () => {
    const h = new Harness();
    h.views.busLock[h.views.lockIndex(3)] = 1;
    expect(h.violations()).toEqual(['bus lock of L3 set 3 is held (word 1) at a quiescent point']);
  });

  it('data: an S copy that differs from L3', () => {
    const h = new Harness();
    h.load(0, X, 8);
    h.load(1, X, 8);
    h.views.l2Data[h.slot(1, X) * h.lineBytes + 5] ^= 0xff;
    const v = h.violations();
    expect(v).toHaveLength(1);
    expect(v[0]).toMatch(/data: line 0x2000 core 1 holds it clean \(S\) but byte 5 \(address 0x2005\)/);
  });

  it('data: an E copy that differs from L3', () => {
    const h = new Harness();
    h.load(0, X, 8);
    h.views.l3Data[h.l3Slot(X) * h.lineBytes] ^= 1;
    expect(h.violations().join('\n')).toMatch(/data: line 0x2000 core 0 holds it clean \(E\) but byte 0/);
  });

  it('data: a clean L3 line that differs from RAM (and a dirty one that may)', () => {
    const h = new Harness();
    h.load(0, X, 8);
    h.evict(0, X);
    h.ramU8[X + 9] ^= 0xff;
    expect(h.violations()).toEqual([expect.stringMatching(/data: line 0x2000 is clean in L3 but byte 9 \(address 0x2009\)/)]);
    h.views.l3Dirty[h.l3Slot(X)] = 1;
    expect(h.violations()).toEqual([]);
  });

  it('inclusion: a private copy whose L3 sharer bit is missing', () => {
    const h = new Harness();
    h.load(0, X, 8);
    h.load(2, X, 8);
    h.views.l3Sharers[h.l3Slot(X)] &= ~(1 << 2);
    expect(h.violations()).toEqual([expect.stringMatching(/inclusion: line 0x2000 is held by core 2 in S but L3's sharer mask 0b1 lacks bit 2/)]);
  });

  it('inclusion: a private copy of a line L3 does not have', () => {
    const h = new Harness();
    h.store(1, X, 8, 1);
    h.views.l3Tag[h.l3Slot(X)] = -1;
    expect(h.violations()).toEqual([expect.stringMatching(/inclusion: line 0x2000 is held by core 1 M but is not in L3/)]);
  });

  it('structure: a line held twice by one core, a line twice in L3, a valid slot without a tag', () => {
    const h = new Harness();
    h.load(0, X, 8);
    const s = h.slot(0, X);
    const other = s % 2 === 0 ? s + 1 : s - 1; // the other way of the 2-way set
    h.views.l2Tag[other] = h.lineOf(X);
    Atomics.store(h.views.l2State, other, S);
    h.views.l2Data.copyWithin(other * h.lineBytes, s * h.lineBytes, (s + 1) * h.lineBytes);
    expect(h.violations().join('\n')).toMatch(/line 0x2000: core 0 holds it in more than one L2 way/);

    const g = new Harness();
    g.load(0, X, 8);
    const t = g.l3Slot(X);
    g.views.l3Tag[t + 1] = g.lineOf(X);
    expect(g.violations().join('\n')).toMatch(/line 0x2000 is in L3 twice/);

    const k = new Harness();
    Atomics.store(k.views.l2State, 0, S);
    expect(k.violations()).toEqual(['core 0 L2 set 0 way 0 is in state S but has no tag']);
  });
});

// ---------------------------------------------------------------------------------------
// Injected bugs: the tests must see them.
// ---------------------------------------------------------------------------------------

/** The table with one cell replaced. */
function mutate(from: number, on: number, to: number, actions: number): Transition[] {
  const rows: Transition[] = [];
  for (const r of TRANSITIONS) {
    for (const f of r.from) {
      for (const e of r.on) {
        rows.push(f === from && e === on ? { from: [f], on: [e], to, actions } : { from: [f], on: [e], to: r.to, actions: r.actions });
      }
    }
  }
  return rows;
}

/** Runs the randomized runner on a mutated hierarchy; returns the failure message, or undefined. */
function hunt(extra: Partial<Geometry>, runs = 300): string | undefined {
  const r = fc.check(
    fc.property(
      fc.nat({ max: GEOMETRIES.length - 1 }),
      fc.integer({ min: 2, max: 4 }),
      fc.array(opArb, { minLength: 1, maxLength: 80 }),
      (g, cores, ops) => runRandom({ ...GEOMETRIES[g]!, ...extra }, cores, ops),
    ),
    { numRuns: runs, seed: 42 },
  );
  if (!r.failed) return undefined;
  return r.errorInstance instanceof Error ? r.errorInstance.message : String(r.errorInstance);
}

describe('injected protocol bugs are caught', () => {
  it('Bus mutation skipSharerUpdate: the checker reports the missing sharer bit', () => {
    const h = new Harness({ mutations: { skipSharerUpdate: true } });
    h.load(0, X, 8);
    expect(h.violations().join('\n')).toMatch(/inclusion: line 0x2000 is held by core 0 in E but L3's sharer mask 0b0 lacks bit 0/);
    expect(hunt({ mutations: { skipSharerUpdate: true } })).toMatch(/inclusion/);
  });

  it('Bus mutation keepReservation: an SC succeeds after another core\'s store, and the runner sees it', () => {
    const h = new Harness({ cores: 2, mutations: { keepReservation: true } });
    h.lr(0, X, 4);
    h.store(1, X, 4, 7);
    expect(h.sc(0, X, 4, 99), 'the broken protocol lets SC succeed').toBe(0);
    expect(hunt({ mutations: { keepReservation: true } }, 1000)).toMatch(/must fail/);
  });

  const broken: [string, Transition[], RegExp][] = [
    ['(E, BusRd) keeps E', mutate(E, BusRd, E, 0), /SWMR/],
    ['(S, PrWr) hits without invalidating', mutate(S, PrWr, M, A_HIT), /SWMR|got/],
    ['(M, BusRd) -> S without the write-back', mutate(M, BusRd, S, A_SUPPLY_DATA), /holds it clean \(S\)|got 0x/],
    ['(M, BusRdX) -> I without supplying the data', mutate(M, BusRdX, I, 0), /got 0x/],
    ['(M, Evict) -> I without the write-back', mutate(M, Evict, I, 0), /got 0x/],
  ];
  for (const [name, table, want] of broken) {
    it(`a broken table: ${name}`, () => {
      expect(hunt({ transitions: table })).toMatch(want);
    });
  }
});

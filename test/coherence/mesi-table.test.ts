/**
 * The MESI protocol of shared/coherence/mesi.ts, held against the project's spec table
 * (the seeds' table, 003 "MESI 协议"):
 *
 * | state | PrRd | PrWr | Evict | BusRd (other core reads) | BusRdX / BusUpgr (other core writes) |
 * | M | hit, stay M | hit, stay M | write back, → I | supply data, write back, → S | supply data, → I |
 * | E | hit, stay E | hit, → M silently | → I | → S | → I |
 * | S | hit, stay S | BusUpgr invalidates others, → M | → I | stay S | → I |
 * | I | BusRd: → E if no other copy, else → S | BusRdX: → M | — | stay I | stay I |
 *
 * Everything runs in-process on the harness (test/coherence/harness.ts): three cores by
 * default, tiny caches. "Core 0" is the cache under test; a remote event is another core's
 * access. After every step the tests check every core's state, where the newest bytes are
 * (which cache, L3, RAM) and run the invariant checker (shared/coherence/checker.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BusRd,
  BusRdX,
  BusUpgr,
  E,
  E_OR_S,
  EVENT_NAMES,
  EVENTS,
  Evict,
  I,
  M,
  PrRd,
  PrWr,
  ProtocolTable,
  S,
  STATE_NAMES,
  TRANSITIONS,
} from '../../shared/coherence/mesi.ts';
import { CAUSE_LOCAL, CTR_COUNT, INV_TO_BASE, transitionIndex } from '../../shared/coherence/stats.ts';
import { Harness, hex, initialByte, le, type StateName } from './harness.ts';
import { GEOMETRIES, newRandomStats, opArb, runRandom } from './random.ts';

/** The variable under test: line 0x80 (64-byte lines), L2 set 0, L3 set 0. */
const X = 0x2000;
const V1 = 0x1111_2222_3333_4444n;
const V2 = 0xaaaa_bbbb_cccc_ddddn;
const MASK32 = 0xffff_ffffn;

/** RAM's value at X before any store. */
const OLD = le(Uint8Array.from({ length: 8 }, (_, i) => initialByte(X + i)));

function expectStates(h: Harness, addr: number, want: StateName[]): void {
  expect(h.states(addr), `states of line ${hex(h.lineAddr(addr))}`).toEqual(want);
}

/**
 * Forces addr's line out of L3 by filling its L3 set with other lines (loads by `core`),
 * so that a dirty L3 line is written back to RAM (and private copies back-invalidated).
 */
function forceL3Evict(h: Harness, addr: number, core: number): void {
  for (let k = 1; k <= 4 * h.views.l3Ways && h.l3Slot(addr) >= 0; k++) h.load(core, h.l3Conflict(addr, k), 8);
  expect(h.l3Slot(addr), 'line left L3').toBe(-1);
}

/** Where the bytes are, for one 8-byte value at X. */
function expectBytes(
  h: Harness,
  want: { caches?: (bigint | undefined)[]; l3?: bigint | undefined; dirty?: boolean; ram?: bigint },
  addr = X,
): void {
  if (want.caches) {
    want.caches.forEach((v, c) => expect(h.cacheValue(c, addr), `core ${c}'s copy`).toBe(v));
  }
  if ('l3' in want) expect(h.l3Value(addr), 'L3 copy').toBe(want.l3);
  if (want.dirty !== undefined) expect(h.l3Info(addr)?.dirty, 'L3 dirty').toBe(want.dirty);
  if (want.ram !== undefined) expect(h.ramValue(addr), 'RAM').toBe(want.ram);
}

const hasBit = (mask: number | undefined, core: number) => mask !== undefined && (mask & (1 << core)) !== 0;

// ---------------------------------------------------------------------------------------
// The table, cell by cell.
// ---------------------------------------------------------------------------------------

describe('MESI table, cell by cell', () => {
  // ---- M ----
  function inM(): Harness {
    const h = new Harness();
    h.store(0, X, 8, V1);
    expectStates(h, X, ['M', 'I', 'I']);
    expectBytes(h, { caches: [V1, undefined, undefined], l3: OLD, dirty: false, ram: OLD });
    h.check();
    return h;
  }

  it('M + PrRd: hit, stay M', () => {
    const h = inM();
    const b = h.snapshot();
    expect(h.load(0, X, 8)).toBe(V1);
    expectStates(h, X, ['M', 'I', 'I']);
    expectBytes(h, { caches: [V1, undefined, undefined], l3: OLD, dirty: false, ram: OLD });
    expect(h.delta(b, 0, 'l1dHits')).toBe(1);
    expect(h.delta(b, 0, 'gets') + h.delta(b, 0, 'getx') + h.delta(b, 0, 'upgrades')).toBe(0);
    h.check();
  });

  it('M + PrWr: hit, stay M (no bus transaction)', () => {
    const h = inM();
    const b = h.snapshot();
    h.store(0, X, 8, V2);
    expectStates(h, X, ['M', 'I', 'I']);
    expectBytes(h, { caches: [V2, undefined, undefined], l3: OLD, dirty: false, ram: OLD });
    expect(h.delta(b, 0, 'gets') + h.delta(b, 0, 'getx') + h.delta(b, 0, 'upgrades')).toBe(0);
    h.check();
  });

  it('M + Evict (bus evict): write back to L3, -> I; RAM stays old until the L3 line is evicted', () => {
    const h = inM();
    const b = h.snapshot();
    expect(h.evict(0, X)).toBe(true);
    expectStates(h, X, ['I', 'I', 'I']);
    expectBytes(h, { caches: [undefined, undefined, undefined], l3: V1, dirty: true, ram: OLD });
    expect(hasBit(h.l3Info(X)?.sharers, 0)).toBe(false);
    expect(h.delta(b, 0, 'writebacks')).toBe(1);
    h.check();
    forceL3Evict(h, X, 1);
    expect(h.ramValue(X), 'RAM after the L3 write-back').toBe(V1);
    expect(h.delta(b, 1, 'ramWritebacks')).toBeGreaterThanOrEqual(1);
    h.check();
    expect(h.load(2, X, 8)).toBe(V1);
    expectStates(h, X, ['I', 'I', 'E']);
    h.check();
  });

  it('M + Evict (replaced by conflicting lines in a 2-way L2 set): same bytes as the bus evict', () => {
    const h = inM();
    const b = h.snapshot();
    h.load(0, h.l2Conflict(X, 1), 8);
    expectStates(h, X, ['M', 'I', 'I']); // one way left
    h.load(0, h.l2Conflict(X, 2), 8);
    expectStates(h, X, ['I', 'I', 'I']);
    expectBytes(h, { caches: [undefined, undefined, undefined], l3: V1, dirty: true, ram: OLD });
    expect(h.delta(b, 0, 'writebacks')).toBe(1);
    h.check();
    expect(h.load(0, X, 8)).toBe(V1); // back from L3, clean with respect to L3 now
    expectStates(h, X, ['E', 'I', 'I']);
    h.check();
  });

  it('M + BusRd: supply data, write back, -> S (HITM load)', () => {
    const h = inM();
    const b = h.snapshot();
    expect(h.load(2, X, 8)).toBe(V1);
    expectStates(h, X, ['S', 'I', 'S']);
    expectBytes(h, { caches: [V1, undefined, V1], l3: V1, dirty: true, ram: OLD });
    expect(h.delta(b, 2, 'hitmLoads')).toBe(1);
    expect(h.delta(b, 2, 'c2cTransfers')).toBe(1);
    expect(h.delta(b, 2, 'writebacks')).toBe(1);
    h.check();
  });

  it('M + BusRdX: supply data, -> I (HITM store; no write-back: L3 and RAM stay old)', () => {
    const h = inM();
    const b = h.snapshot();
    h.store(2, X + 4, 4, 0x9999_0000);
    const merged = (0x9999_0000n << 32n) | (V1 & MASK32);
    expectStates(h, X, ['I', 'I', 'M']);
    expectBytes(h, { caches: [undefined, undefined, merged], l3: OLD, dirty: false, ram: OLD });
    expect(h.delta(b, 2, 'hitmStores')).toBe(1);
    expect(h.delta(b, 2, 'getx')).toBe(1);
    expect(h.delta(b, 2, 'invalidationsSent')).toBe(1);
    expect(hasBit(h.l3Info(X)?.sharers, 0)).toBe(false);
    h.check();
    expect(h.load(0, X, 8)).toBe(merged);
    expectStates(h, X, ['S', 'I', 'S']);
    h.check();
  });

  it('M + BusUpgr is not in the table (an upgrade needs every copy in S)', () => {
    expect(new ProtocolTable(TRANSITIONS).has(M, BusUpgr)).toBe(false);
  });

  // ---- E ----
  function inE(): Harness {
    const h = new Harness();
    expect(h.load(0, X, 8)).toBe(OLD);
    expectStates(h, X, ['E', 'I', 'I']);
    expectBytes(h, { caches: [OLD, undefined, undefined], l3: OLD, dirty: false, ram: OLD });
    h.check();
    return h;
  }

  it('E + PrRd: hit, stay E', () => {
    const h = inE();
    const b = h.snapshot();
    expect(h.load(0, X, 8)).toBe(OLD);
    expectStates(h, X, ['E', 'I', 'I']);
    expect(h.delta(b, 0, 'l1dHits')).toBe(1);
    h.check();
  });

  it('E + PrWr: hit, -> M silently (no bus transaction)', () => {
    const h = inE();
    const b = h.snapshot();
    h.store(0, X, 8, V1);
    expectStates(h, X, ['M', 'I', 'I']);
    expectBytes(h, { caches: [V1, undefined, undefined], l3: OLD, dirty: false, ram: OLD });
    for (const c of ['gets', 'getx', 'upgrades', 'invalidationsSent', 'l3Hits', 'l3Misses'] as const) {
      expect(h.delta(b, 0, c), c).toBe(0);
    }
    const em = transitionIndex(h.cores, CAUSE_LOCAL, E, M);
    expect(h.ctrs[0]![em]! - b[0]![em]!, 'local E->M transitions').toBe(1);
    h.check();
  });

  it('E + Evict: -> I, nothing written back', () => {
    const h = inE();
    const b = h.snapshot();
    expect(h.evict(0, X)).toBe(true);
    expectStates(h, X, ['I', 'I', 'I']);
    expectBytes(h, { caches: [undefined, undefined, undefined], l3: OLD, dirty: false, ram: OLD });
    expect(h.delta(b, 0, 'writebacks')).toBe(0);
    expect(hasBit(h.l3Info(X)?.sharers, 0)).toBe(false);
    h.check();
  });

  it('E + BusRd: -> S', () => {
    const h = inE();
    const b = h.snapshot();
    expect(h.load(2, X, 8)).toBe(OLD);
    expectStates(h, X, ['S', 'I', 'S']);
    expectBytes(h, { caches: [OLD, undefined, OLD], l3: OLD, dirty: false, ram: OLD });
    expect(h.delta(b, 2, 'hitmLoads')).toBe(0);
    h.check();
  });

  it('E + BusRdX: -> I', () => {
    const h = inE();
    h.store(2, X, 8, V1);
    expectStates(h, X, ['I', 'I', 'M']);
    expectBytes(h, { caches: [undefined, undefined, V1], l3: OLD, dirty: false, ram: OLD });
    h.check();
  });
  // (E, BusUpgr) is not in the table: an upgrade needs the requester in S, and an S copy
  // elsewhere excludes an E holder (SWMR).

  // ---- S ----
  function inS(): Harness {
    const h = new Harness();
    h.load(0, X, 8);
    expect(h.load(1, X, 8)).toBe(OLD);
    expectStates(h, X, ['S', 'S', 'I']);
    expectBytes(h, { caches: [OLD, OLD, undefined], l3: OLD, dirty: false, ram: OLD });
    h.check();
    return h;
  }

  it('S + PrRd: hit, stay S', () => {
    const h = inS();
    const b = h.snapshot();
    expect(h.load(0, X, 8)).toBe(OLD);
    expectStates(h, X, ['S', 'S', 'I']);
    expect(h.delta(b, 0, 'l1dHits')).toBe(1);
    h.check();
  });

  it('S + PrWr: BusUpgr invalidates the others, -> M', () => {
    const h = inS();
    const b = h.snapshot();
    h.store(0, X, 8, V1);
    expectStates(h, X, ['M', 'I', 'I']);
    expectBytes(h, { caches: [V1, undefined, undefined], l3: OLD, dirty: false, ram: OLD });
    expect(h.delta(b, 0, 'upgrades')).toBe(1);
    expect(h.delta(b, 0, 'getx')).toBe(0);
    expect(h.delta(b, 0, 'invalidationsSent')).toBe(1);
    expect(h.ctrs[0]![INV_TO_BASE + 1]! - b[0]![INV_TO_BASE + 1]!).toBe(1);
    h.check();
    expect(h.load(1, X, 8)).toBe(V1);
    h.check();
  });

  it('S + Evict: -> I; the other sharer stays S', () => {
    const h = inS();
    expect(h.evict(0, X)).toBe(true);
    expectStates(h, X, ['I', 'S', 'I']);
    expectBytes(h, { caches: [undefined, OLD, undefined], l3: OLD, dirty: false, ram: OLD });
    const info = h.l3Info(X);
    expect(hasBit(info?.sharers, 0)).toBe(false);
    expect(hasBit(info?.sharers, 1)).toBe(true);
    h.check();
  });

  it('S + BusRd: stay S', () => {
    const h = inS();
    expect(h.load(2, X, 8)).toBe(OLD);
    expectStates(h, X, ['S', 'S', 'S']);
    expectBytes(h, { caches: [OLD, OLD, OLD], l3: OLD, dirty: false, ram: OLD });
    h.check();
  });

  it('S + BusRdX: -> I', () => {
    const h = inS();
    const b = h.snapshot();
    h.store(2, X, 8, V1);
    expectStates(h, X, ['I', 'I', 'M']);
    expectBytes(h, { caches: [undefined, undefined, V1], l3: OLD, dirty: false, ram: OLD });
    expect(h.delta(b, 2, 'getx')).toBe(1);
    expect(h.delta(b, 2, 'invalidationsSent')).toBe(2);
    h.check();
  });

  it('S + BusUpgr: -> I', () => {
    const h = inS();
    h.load(2, X, 8);
    expectStates(h, X, ['S', 'S', 'S']);
    const b = h.snapshot();
    h.store(2, X, 8, V1);
    expectStates(h, X, ['I', 'I', 'M']);
    expectBytes(h, { caches: [undefined, undefined, V1], l3: OLD, dirty: false, ram: OLD });
    expect(h.delta(b, 2, 'upgrades')).toBe(1);
    expect(h.delta(b, 2, 'invalidationsSent')).toBe(2);
    h.check();
  });

  // ---- I ----
  it('I + PrRd, no other copy: BusRd -> E, data from RAM through L3', () => {
    const h = new Harness();
    const b = h.snapshot();
    expect(h.load(0, X, 8)).toBe(OLD);
    expectStates(h, X, ['E', 'I', 'I']);
    expectBytes(h, { caches: [OLD, undefined, undefined], l3: OLD, dirty: false, ram: OLD });
    expect(h.delta(b, 0, 'gets')).toBe(1);
    expect(h.delta(b, 0, 'l3Misses')).toBe(1);
    expect(h.l3Info(X)?.sharers).toBe(1);
    h.check();
  });

  it('I + PrRd, another core holds E: -> S (both S)', () => {
    const h = new Harness();
    h.load(1, X, 8);
    expectStates(h, X, ['I', 'E', 'I']);
    expect(h.load(0, X, 8)).toBe(OLD);
    expectStates(h, X, ['S', 'S', 'I']);
    expectBytes(h, { caches: [OLD, OLD, undefined], l3: OLD, dirty: false, ram: OLD });
    h.check();
  });

  it('I + PrRd, another core holds M: -> S, data from the M holder', () => {
    const h = new Harness();
    h.store(1, X, 8, V1);
    const b = h.snapshot();
    expect(h.load(0, X, 8)).toBe(V1);
    expectStates(h, X, ['S', 'S', 'I']);
    expectBytes(h, { caches: [V1, V1, undefined], l3: V1, dirty: true, ram: OLD });
    expect(h.delta(b, 0, 'hitmLoads')).toBe(1);
    h.check();
  });

  it('I + PrRd, other cores hold S: -> S', () => {
    const h = new Harness();
    h.load(1, X, 8);
    h.load(2, X, 8);
    expect(h.load(0, X, 8)).toBe(OLD);
    expectStates(h, X, ['S', 'S', 'S']);
    h.check();
  });

  it('I + PrWr, no other copy: BusRdX -> M', () => {
    const h = new Harness();
    const b = h.snapshot();
    h.store(0, X + 2, 2, 0xbeef);
    const want = (OLD & ~(0xffffn << 16n)) | (0xbeefn << 16n);
    expectStates(h, X, ['M', 'I', 'I']);
    expectBytes(h, { caches: [want, undefined, undefined], l3: OLD, dirty: false, ram: OLD });
    expect(h.delta(b, 0, 'getx')).toBe(1);
    h.check();
  });

  it('I + PrWr, others hold S: BusRdX invalidates them, -> M', () => {
    const h = new Harness();
    h.load(1, X, 8);
    h.load(2, X, 8);
    const b = h.snapshot();
    h.store(0, X, 8, V1);
    expectStates(h, X, ['M', 'I', 'I']);
    expectBytes(h, { caches: [V1, undefined, undefined], l3: OLD, dirty: false, ram: OLD });
    expect(h.delta(b, 0, 'getx')).toBe(1);
    expect(h.delta(b, 0, 'invalidationsSent')).toBe(2);
    h.check();
  });

  it('I + PrWr, another core holds M: -> M with the M holder\'s bytes merged', () => {
    const h = new Harness();
    h.store(1, X, 8, V1);
    h.store(0, X + 2, 2, 0xbeef);
    const want = (V1 & ~(0xffffn << 16n)) | (0xbeefn << 16n);
    expectStates(h, X, ['M', 'I', 'I']);
    expectBytes(h, { caches: [want, undefined, undefined], l3: OLD, dirty: false, ram: OLD });
    h.check();
  });

  it('I + Evict: not in the table; there is nothing to evict', () => {
    expect(new ProtocolTable(TRANSITIONS).has(I, Evict)).toBe(false);
    const h = new Harness();
    h.load(1, X, 8);
    expect(h.evict(0, X)).toBe(false);
    expectStates(h, X, ['I', 'E', 'I']);
    h.check();
  });

  it('I + BusRd / BusRdX / BusUpgr: stay I (never held, and held then invalidated)', () => {
    const h = new Harness();
    h.load(2, X, 8); // BusRd by core 2, core 0 never held the line
    expectStates(h, X, ['I', 'I', 'E']);
    h.check();
    h.load(1, X, 8);
    h.store(2, X, 8, V1); // BusUpgr by core 2
    expectStates(h, X, ['I', 'I', 'M']);
    h.check();
    // Core 0 holds it, loses it (stale tag left in its L2 and L1), then sees every remote event.
    h.load(0, X, 8);
    h.store(1, X, 8, V2);
    expectStates(h, X, ['I', 'M', 'I']);
    h.check();
    expect(h.load(2, X, 8)).toBe(V2); // BusRd
    expectStates(h, X, ['I', 'S', 'S']);
    h.store(2, X, 8, V1); // BusUpgr
    expectStates(h, X, ['I', 'I', 'M']);
    h.store(1, X, 8, V2); // BusRdX
    expectStates(h, X, ['I', 'M', 'I']);
    expectBytes(h, { caches: [undefined, V2, undefined], ram: OLD });
    h.check();
    expect(h.load(0, X, 8)).toBe(V2);
    h.check();
  });
});

// ---------------------------------------------------------------------------------------
// Every (state, event) pair of the TABLE, and the fast paths against the slow path.
// ---------------------------------------------------------------------------------------

type Setup = { name: string; run: (h: Harness) => void };

/** Ways to bring core 0's copy of X to a state, with every other core starting in I. */
const SETUPS: Record<number, Setup[]> = {
  [M]: [{ name: 'stored', run: (h) => h.store(0, X, 8, V1) }],
  [E]: [{ name: 'loaded alone', run: (h) => void h.load(0, X, 8) }],
  [S]: [
    {
      name: 'loaded by 0 and 1',
      run: (h) => {
        h.load(0, X, 8);
        h.load(1, X, 8);
      },
    },
  ],
  [I]: [
    { name: 'never held', run: () => {} },
    {
      // Core 0's L2 keeps a stale tag and its L1 an entry for the invalidated slot.
      name: 'held, then invalidated (stale tag)',
      run: (h) => {
        h.load(0, X, 8);
        h.store(1, X, 8, V1);
        h.evict(1, X);
      },
    },
  ],
};

/** A flat model of X's line: the newest value of every byte. */
function modelAfterSetup(s: number, setup: Setup): bigint {
  if (s === M) return V1;
  if (s === I && setup.name.startsWith('held')) return V1;
  return OLD;
}

/** Checks that the newest value of X is where the protocol says: in the M copy, else L3, else RAM. */
function expectNewestAt(h: Harness, want: bigint): void {
  const owner = h.states(X).indexOf('M');
  for (let c = 0; c < h.cores; c++) {
    const v = h.cacheValue(c, X);
    if (v !== undefined) expect(v, `core ${c}'s ${h.state(c, X)} copy holds the newest value`).toBe(want);
  }
  if (owner < 0) {
    if (h.l3Slot(X) >= 0) expect(h.l3Value(X), 'no M copy: L3 holds the newest value').toBe(want);
    else expect(h.ramValue(X), 'not cached: RAM holds the newest value').toBe(want);
  }
}

interface Outcome {
  states: StateName[];
  loaded?: bigint;
  caches: (string | undefined)[];
  l3?: string;
  l3Dirty?: boolean;
  l3Sharers?: number;
  ram: string;
  transitions: number[];
}

function outcome(h: Harness, loaded?: bigint): Outcome {
  const line = h.lineAddr(X);
  const lb = h.lineBytes;
  const bytes = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : undefined);
  const info = h.l3Info(X);
  return {
    states: h.states(X),
    loaded,
    caches: Array.from({ length: h.cores }, (_, c) => bytes(h.cacheBytes(c, line, lb))),
    l3: bytes(h.l3(line, lb)),
    l3Dirty: info?.dirty,
    l3Sharers: info?.sharers,
    ram: bytes(h.ram(line, lb))!,
    // The MESI transition matrices of every core (local and remote causes).
    transitions: h.ctrs.flatMap((c) => Array.from(c.subarray(CTR_COUNT + h.cores, CTR_COUNT + h.cores + 32))),
  };
}

/** Runs `event` with core 0 as the local core and core 2 as the remote requester. */
function runEvent(h: Harness, s: number, ev: number): { loaded?: bigint; model: (before: bigint) => bigint } {
  switch (ev) {
    case PrRd:
      return { loaded: h.load(0, X, 8), model: (b) => b };
    case PrWr:
      h.store(0, X, 8, V2);
      return { model: () => V2 };
    case Evict:
      expect(h.evict(0, X)).toBe(true);
      return { model: (b) => b };
    case BusRd:
      return { loaded: h.load(2, X, 8), model: (b) => b };
    case BusRdX: {
      expect(h.state(2, X)).toBe('I');
      const before = h.snapshot();
      h.store(2, X, 8, V2);
      expect(h.delta(before, 2, 'getx'), 'core 2 issued BusRdX').toBe(1);
      return { model: () => V2 };
    }
    case BusUpgr: {
      // Core 2 needs an S copy first: its load is a BusRd that core 0 must survive in s
      // (core 1 reads first when core 0 holds nothing, so that core 2's copy is S, not E).
      if (s === I) h.load(1, X, 8);
      h.load(2, X, 8);
      expect(h.state(0, X), `core 0 still ${STATE_NAMES[s]} before the upgrade`).toBe(STATE_NAMES[s]);
      expect(h.state(2, X)).toBe('S');
      const before = h.snapshot();
      h.store(2, X, 8, V2);
      expect(h.delta(before, 2, 'upgrades'), 'core 2 issued BusUpgr').toBe(1);
      return { model: () => V2 };
    }
  }
  throw new Error(`event ${ev}`);
}


describe('every (state, event) pair of the table, through the code', () => {
  const table = new ProtocolTable(TRANSITIONS);
  const pairs: [number, number][] = [];
  for (const s of [M, E, S, I]) for (let e = 0; e < EVENTS; e++) if (table.has(s, e)) pairs.push([s, e]);

  it('covers every pair the table has (none is unreachable)', () => {
    // M: 5 and E: 5 (an upgrade needs S copies, so no BusUpgr), S: 6, I: 5 (no Evict)
    expect(pairs.length).toBe(21);
    expect(table.has(M, BusUpgr) || table.has(E, BusUpgr) || table.has(I, Evict)).toBe(false);
  });

  for (const [s, ev] of pairs) {
    const name = `(${STATE_NAMES[s]}, ${EVENT_NAMES[ev]})`;
    for (const setup of SETUPS[s]!) {
      const local = ev === PrRd || ev === PrWr;
      const fastHit = (ev === PrRd && s !== I) || (ev === PrWr && (s === M || s === E));
      it(`${name} from "${setup.name}"${local ? ': fast path (L1 hit) and slow path (L1 miss, bus) agree with the table' : ''}`, () => {
        const paths = local ? (['fast', 'slow'] as const) : (['bus'] as const);
        const results: Outcome[] = [];
        for (const path of paths) {
          const h = new Harness();
          setup.run(h);
          expect(h.state(0, X), 'setup').toBe(STATE_NAMES[s]);
          h.check();
          const before = modelAfterSetup(s, setup);
          if (path === 'slow') h.flushL1(0);
          const b = h.snapshot();
          const r = runEvent(h, s, ev);
          const want = r.model(before);

          // Next state: the table's.
          let next = table.next[s * EVENTS + ev]!;
          if (next === E_OR_S) next = h.states(X).some((st, c) => c !== 0 && st !== 'I') ? S : E;
          expect(h.state(0, X), `${name} via ${path}: next state`).toBe(STATE_NAMES[next]);

          // Which path ran.
          if (path === 'fast' && fastHit) {
            expect(h.delta(b, 0, 'l1dHits'), 'fast path: an L1 hit').toBe(1);
            expect(h.delta(b, 0, 'l1dMisses')).toBe(0);
          }
          if (path === 'slow') {
            expect(h.delta(b, 0, 'l1dMisses'), 'slow path: an L1 miss').toBe(1);
            if (fastHit) expect(h.delta(b, 0, 'l2Hits'), 'slow path: an L2 hit on the bus').toBe(1);
          }
          if (fastHit) {
            for (const c of ['gets', 'getx', 'upgrades'] as const) expect(h.delta(b, 0, c), `${c}: a hit has no bus transaction`).toBe(0);
          }

          // Bytes: the load saw the newest value, and the newest value is where it should be.
          if (r.loaded !== undefined) expect(r.loaded, 'loaded value').toBe(want);
          expectNewestAt(h, want);
          h.check();
          results.push(outcome(h, r.loaded));
        }
        if (results.length === 2) expect(results[1], 'slow path vs fast path').toEqual(results[0]);
      });
    }
  }
});

// ---------------------------------------------------------------------------------------
// The seeds' worked examples (seed 003).
// ---------------------------------------------------------------------------------------

describe("the seeds' worked examples", () => {
  it('variable i: A reads, B reads, A writes, A writes again, A\'s line is replaced', () => {
    // Seed 003, "我们举个具体的例子来看看这四个状态的转换" (steps 1-5).
    const h = new Harness({ cores: 2 });
    const A = 0;
    const B = 1;
    const i = X;

    // 1. A reads i from memory; no other cache has it: 「独占」(E), cache equals memory.
    expect(h.load(A, i, 8)).toBe(OLD);
    expectStates(h, i, ['E', 'I']);
    expectBytes(h, { caches: [OLD, undefined], l3: OLD, ram: OLD });
    h.check();

    // 2. B reads i: both hold the same data, 「共享」(S), still equal to memory.
    expect(h.load(B, i, 8)).toBe(OLD);
    expectStates(h, i, ['S', 'S']);
    expectBytes(h, { caches: [OLD, OLD], l3: OLD, ram: OLD });
    h.check();

    // 3. A writes i: the line is S, so A broadcasts an invalidation first; B's copy is
    //    「无效」(I), A's is 「已修改」(M); A's cache now differs from memory.
    let b = h.snapshot();
    h.store(A, i, 8, V1);
    expectStates(h, i, ['M', 'I']);
    expectBytes(h, { caches: [V1, undefined], l3: OLD, dirty: false, ram: OLD });
    expect(h.delta(b, A, 'upgrades')).toBe(1);
    expect(h.delta(b, A, 'invalidationsSent')).toBe(1);
    h.check();

    // 4. A writes i again: M, so no message to the other cores; the data is just updated.
    b = h.snapshot();
    h.store(A, i, 8, V2);
    expectStates(h, i, ['M', 'I']);
    expectBytes(h, { caches: [V2, undefined], l3: OLD, ram: OLD });
    for (const c of ['gets', 'getx', 'upgrades', 'invalidationsSent'] as const) expect(h.delta(b, A, c), c).toBe(0);
    h.check();

    // 5. A's line is replaced (two conflicting lines in its 2-way L2 set): it is M, so the
    //    data is written back before the replacement. Here "memory" is the next level:
    //    L3 gets the data (dirty); RAM gets it when L3 itself replaces the line.
    b = h.snapshot();
    h.load(A, h.l2Conflict(i, 1), 8);
    h.load(A, h.l2Conflict(i, 2), 8);
    expectStates(h, i, ['I', 'I']);
    expectBytes(h, { caches: [undefined, undefined], l3: V2, dirty: true, ram: OLD });
    expect(h.delta(b, A, 'writebacks')).toBe(1);
    h.check();
    forceL3Evict(h, i, B);
    expect(h.ramValue(i)).toBe(V2);
    h.check();
    expect(h.load(B, i, 8)).toBe(V2);
    h.check();
  });

  it('false sharing: A and B in one line, core 1 writes A, core 2 writes B, alternating (steps 1-5)', () => {
    // Seed 003, "分析伪共享的问题" ①-⑤. Core 1 and core 2 of the text are cores 0 and 1 here.
    const h = new Harness({ cores: 2 });
    const c1 = 0;
    const c2 = 1;
    const varA = X; // long A at the start of the line
    const varB = X + 8; // long B right after it, same 64-byte line
    const oldA = h.initialValue(varA);
    const oldB = h.initialValue(varB);
    expect(h.lineOf(varA)).toBe(h.lineOf(varB));

    // ① Neither A nor B is cached.
    expectStates(h, varA, ['I', 'I']);
    expect(h.l3Slot(varA)).toBe(-1);
    h.check();

    // ② Core 1 reads A: the whole line (A and B) comes in, 「独占」(E).
    expect(h.load(c1, varA, 8)).toBe(oldA);
    expectStates(h, varA, ['E', 'I']);
    expect(h.cacheValue(c1, varB), 'B came in with A').toBe(oldB);
    h.check();

    // ③ Core 2 reads B: the same line (A and B) in its cache too; both 「共享」(S).
    expect(h.load(c2, varB, 8)).toBe(oldB);
    expectStates(h, varA, ['S', 'S']);
    expect(h.cacheValue(c2, varA), 'A came in with B').toBe(oldA);
    h.check();

    // ④ Core 1 writes A: S, so it tells core 2 to invalidate (「已失效」) first; core 1 -> 「已修改」(M).
    let b = h.snapshot();
    const a1 = 0x0a0a_0001n;
    h.store(c1, varA, 8, a1);
    expectStates(h, varA, ['M', 'I']);
    expect(h.cacheValue(c1, varA)).toBe(a1);
    expect(h.cacheValue(c1, varB)).toBe(oldB);
    expect(h.ctrs[c1]![INV_TO_BASE + c2]! - b[c1]![INV_TO_BASE + c2]!, 'core 1 invalidated core 2').toBe(1);
    h.check();

    // ⑤ Core 2 writes B: its copy is invalid and core 1 holds the line modified; core 2 gets
    //    the line with core 1's A, writes B, 「已修改」(M); core 1's copy is invalid.
    //    (The seed has core 1 write the line back to memory and core 2 read it from there;
    //    the project's table (M, BusRdX) = supply data, -> I: a cache-to-cache transfer with
    //    no write-back, so L3 and RAM keep the old A. The states are the text's.)
    b = h.snapshot();
    const b1 = 0x0b0b_0001n;
    h.store(c2, varB, 8, b1);
    expectStates(h, varA, ['I', 'M']);
    expect(h.cacheValue(c2, varA), "core 2's line carries core 1's A").toBe(a1);
    expect(h.cacheValue(c2, varB)).toBe(b1);
    expect(h.delta(b, c2, 'hitmStores')).toBe(1);
    expectBytes(h, { l3: oldA, ram: oldA }, varA);
    h.check();

    // Alternating: ④ and ⑤ again and again, every write a HITM store that invalidates the other.
    let a = a1;
    let bv = b1;
    for (let round = 2; round <= 5; round++) {
      b = h.snapshot();
      a = 0x0a0a_0000n + BigInt(round);
      h.store(c1, varA, 8, a);
      expectStates(h, varA, ['M', 'I']);
      expect(h.delta(b, c1, 'hitmStores')).toBe(1);
      expect(h.cacheValue(c1, varB)).toBe(bv);
      h.check();
      b = h.snapshot();
      bv = 0x0b0b_0000n + BigInt(round);
      h.store(c2, varB, 8, bv);
      expectStates(h, varA, ['I', 'M']);
      expect(h.delta(b, c2, 'hitmStores')).toBe(1);
      expect(h.cacheValue(c2, varA)).toBe(a);
      h.check();
    }
    expect(h.load(c1, varA, 8)).toBe(a);
    expect(h.load(c1, varB, 8)).toBe(bv);
    h.check();
  });
});

// ---------------------------------------------------------------------------------------
// Cache-to-cache transfer, HITM.
// ---------------------------------------------------------------------------------------

describe('cache-to-cache transfer', () => {
  it('a line written by core 0 and read by core 1 arrives from core 0 (HITM); RAM keeps the old value until L3 writes it back', () => {
    const h = new Harness({ cores: 2 });
    h.store(0, X, 8, V1);
    expectBytes(h, { caches: [V1, undefined], l3: OLD, dirty: false, ram: OLD });
    const b = h.snapshot();
    expect(h.load(1, X, 8)).toBe(V1);
    expectStates(h, X, ['S', 'S']);
    expect(h.delta(b, 1, 'hitmLoads')).toBe(1);
    expect(h.delta(b, 1, 'c2cTransfers')).toBe(1);
    expect(h.delta(b, 1, 'l3Misses')).toBe(0);
    // (M, BusRd) writes back to L3: L3 is new and dirty, RAM still old.
    expectBytes(h, { caches: [V1, V1], l3: V1, dirty: true, ram: OLD });
    h.check();
    // A second read is no HITM any more.
    h.flushL1(1);
    const b2 = h.snapshot();
    expect(h.load(1, X, 8)).toBe(V1);
    expect(h.delta(b2, 1, 'hitmLoads')).toBe(0);
    // RAM gets the value when the L3 line is evicted (back-invalidating both S copies).
    forceL3Evict(h, X, 0);
    expectStates(h, X, ['I', 'I']);
    expect(h.ramValue(X)).toBe(V1);
    h.check();
  });

  it('a line written by core 0 and then written by core 1 moves cache to cache (HITM store); L3 and RAM stay old', () => {
    const h = new Harness({ cores: 2 });
    h.store(0, X, 4, 0x1234_5678);
    const b = h.snapshot();
    h.store(1, X + 4, 4, 0x9abc_def0);
    const want = (0x9abc_def0n << 32n) | 0x1234_5678n;
    expectStates(h, X, ['I', 'M']);
    expect(h.delta(b, 1, 'hitmStores')).toBe(1);
    expect(h.delta(b, 1, 'c2cTransfers')).toBe(1);
    expectBytes(h, { caches: [undefined, want], l3: OLD, dirty: false, ram: OLD });
    h.check();
    h.evict(1, X);
    expectBytes(h, { l3: want, dirty: true, ram: OLD });
    h.check();
    forceL3Evict(h, X, 0);
    expect(h.ramValue(X)).toBe(want);
    h.check();
  });
});

// ---------------------------------------------------------------------------------------
// LR/SC reservations.
// ---------------------------------------------------------------------------------------

describe('LR/SC', () => {
  const OLD32 = OLD & MASK32;

  it('another core\'s store invalidates the line and breaks the reservation: SC fails, memory keeps the store', () => {
    const h = new Harness({ cores: 2 });
    expect(h.lr(0, X, 4)).toBe(OLD32);
    expectStates(h, X, ['M', 'I']); // LR takes the line exclusively
    expect(h.views.reservation[h.views.reservationIndex(0)]).toBe(h.lineOf(X));
    h.check();
    h.store(1, X, 4, 7);
    expectStates(h, X, ['I', 'M']);
    expect(h.views.reservation[h.views.reservationIndex(0)], 'reservation broken by the snoop').toBe(-1);
    h.check();
    const b = h.snapshot();
    expect(h.sc(0, X, 4, 99)).toBe(1);
    expect(h.delta(b, 0, 'scFailures')).toBe(1);
    expect(h.load(0, X, 4)).toBe(7n);
    expect(h.load(1, X, 4)).toBe(7n);
    h.check();
  });

  it('a store to another word of the reserved line also breaks it (the reservation set is the line)', () => {
    const h = new Harness({ cores: 2 });
    h.lr(0, X, 8);
    h.store(1, X + 32, 8, V1);
    expect(h.sc(0, X, 8, V2)).toBe(1);
    expect(h.load(0, X, 8)).toBe(OLD);
    expect(h.load(0, X + 32, 8)).toBe(V1);
    h.check();
  });

  it('SC succeeds when nobody intervened, and only once', () => {
    const h = new Harness({ cores: 2 });
    expect(h.lr(0, X, 4)).toBe(OLD32);
    expect(h.sc(0, X, 4, 0x55)).toBe(0);
    expectStates(h, X, ['M', 'I']);
    expect(h.cacheValue(0, X, 4)).toBe(0x55n);
    expect(h.sc(0, X, 4, 0x66), 'the reservation is used up').toBe(1);
    expect(h.load(1, X, 4)).toBe(0x55n);
    h.check();
    // 64-bit too.
    expect(h.lr(1, X, 8)).toBe((OLD & ~MASK32) | 0x55n);
    expect(h.sc(1, X, 8, V1)).toBe(0);
    expect(h.load(0, X, 8)).toBe(V1);
    h.check();
  });

  it('another core only reading the line does not break the reservation ((M, BusRd) has no breakReservation)', () => {
    const h = new Harness({ cores: 2 });
    h.lr(0, X, 4);
    expect(h.load(1, X, 4)).toBe(OLD32);
    expectStates(h, X, ['S', 'S']);
    expect(h.sc(0, X, 4, 0x77)).toBe(0);
    expectStates(h, X, ['M', 'I']);
    expect(h.load(1, X, 4)).toBe(0x77n);
    h.check();
  });

  it('evicting the reserved line breaks the reservation', () => {
    const h = new Harness({ cores: 2 });
    h.lr(0, X, 4);
    h.evict(0, X);
    expect(h.sc(0, X, 4, 1)).toBe(1);
    expect(h.load(0, X, 4)).toBe(OLD32);
    h.check();
  });
});

// ---------------------------------------------------------------------------------------
// Randomized: many cores, tiny caches, a flat reference memory.
// ---------------------------------------------------------------------------------------

describe('randomized accesses against a flat reference memory', () => {
  it('every load returns the reference value and the checker passes after every operation', () => {
    const stats = newRandomStats();
    fc.assert(
      fc.property(
        fc.nat({ max: GEOMETRIES.length - 1 }),
        fc.integer({ min: 2, max: 4 }),
        fc.array(opArb, { minLength: 1, maxLength: 120 }),
        (g, cores, ops) => runRandom(GEOMETRIES[g]!, cores, ops, stats),
      ),
      // COHERENCE_RUNS raises the count for a longer hunt (the default keeps the suite fast).
      { numRuns: Number(process.env.COHERENCE_RUNS ?? 1500) },
    );
    // The runs really exercised what they are meant to.
    expect(stats.backInvalidations, 'L3 back-invalidations happened').toBeGreaterThan(0);
    expect(stats.hitm, 'HITM transfers happened').toBeGreaterThan(0);
    expect(stats.scOk, 'some SCs succeeded').toBeGreaterThan(0);
    expect(stats.scFailedMust, 'some SCs had to fail').toBeGreaterThan(0);
  });
});

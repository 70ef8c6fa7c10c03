// A transaction on a contended line writes no shared word that keeps its value: each such
// write would move a host cache line between the workers' host CPUs. The L3's LRU stamps are
// the observable case: a line already its set's most recent keeps its stamp and the set's
// clock, and the set still evicts its least recent line.
import { describe, expect, it } from 'vitest';
import { CTR } from '../../shared/coherence/stats.ts';
import { Harness } from './harness.ts';

const X = 0x2000;

function stampOf(h: Harness, addr: number): number {
  return h.views.l3Stamp[h.l3Slot(addr)]!;
}

function clockOf(h: Harness, addr: number): number {
  return h.views.l3Stamp[h.views.l3Lines + (h.lineOf(addr) & (h.l3Sets - 1))]!;
}

describe('L3 LRU stamps under a contended line', () => {
  it('a line that is already most recent keeps its stamp and the clock; the LRU line still goes first', () => {
    const h = new Harness({ cores: 2 });
    // Fill X's L3 set (4 ways) in order: X is the least recent, conflict 3 the most.
    h.load(0, X, 8);
    for (let k = 1; k <= 3; k++) h.load(0, h.l3Conflict(X, k), 8);
    expect(clockOf(h, X)).toBe(4);
    // Core 1's store makes X the most recent (a transaction on its set; core 0's copy already
    // left its 2-way L2 to the conflicts, so no HITM yet).
    h.store(1, X, 8, 1);
    const clock = clockOf(h, X);
    expect(clock).toBe(5);
    expect(stampOf(h, X)).toBe(clock);
    // Ping-pong: every store is a bus transaction (HITM) on X, already most recent.
    for (let i = 0; i < 6; i++) h.store(i & 1, X, 8, 2 + i);
    expect(h.ctrs[0]![CTR.hitmStores]! + h.ctrs[1]![CTR.hitmStores]!, 'HITM stores').toBe(6);
    expect(clockOf(h, X), 'the set clock did not move').toBe(clock);
    expect(stampOf(h, X)).toBe(clock);
    // A fifth line evicts conflict 1 (the least recent), not X.
    h.load(0, h.l3Conflict(X, 4), 8);
    expect(h.l3Slot(h.l3Conflict(X, 1)), 'conflict 1 left L3').toBe(-1);
    expect(h.l3Slot(X)).toBeGreaterThanOrEqual(0);
    expect(h.load(0, X, 8)).toBe(7n);
    h.check();
  });
});

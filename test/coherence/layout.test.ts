// findL2 reads a slot's MESI state through STATE_MASK: the BUSY bit (an owner writing
// its data) neither hides a valid line nor makes an invalid one look present.

import { describe, expect, it } from 'vitest';
import { allocateCoherence, CoherenceViews, DEFAULT_GEOMETRY, type CacheGeometry } from '../../shared/coherence/layout.ts';
import { BUSY, E, I, M, S, STATE_MASK, STATE_NAMES } from '../../shared/coherence/mesi.ts';

describe('state word encoding', () => {
  it('STATE_MASK keeps every MESI state and drops BUSY', () => {
    for (const st of [I, S, E, M]) {
      expect(st & STATE_MASK).toBe(st);
      expect((st | BUSY) & STATE_MASK).toBe(st);
    }
    expect(STATE_NAMES.length).toBe(STATE_MASK + 1);
    expect(BUSY & STATE_MASK).toBe(0);
  });
});

describe('CoherenceViews.findL2', () => {
  const g: CacheGeometry = { ...DEFAULT_GEOMETRY, cores: 2 };
  const v = new CoherenceViews(g, allocateCoherence(g));
  const line = 0x1234;
  const set = line & (v.l2Sets - 1);
  const slot = 1 * v.l2Lines + set * v.l2Ways + 3; // core 1, way 3

  for (const st of [S, E, M]) {
    for (const busy of [0, BUSY]) {
      it(`finds a line in ${STATE_NAMES[st]}${busy ? '|BUSY' : ''} in its own core only`, () => {
        v.l2Tag[slot] = line;
        Atomics.store(v.l2State, slot, st | busy);
        expect(v.findL2(1, line)).toBe(slot);
        expect(v.findL2(0, line)).toBe(-1);
        expect(v.findL2(1, line + v.l2Sets)).toBe(-1); // same set, other tag
      });
    }
  }

  for (const busy of [0, BUSY]) {
    it(`a matching tag in I${busy ? '|BUSY' : ''} is not a hit`, () => {
      v.l2Tag[slot] = line;
      Atomics.store(v.l2State, slot, I | busy);
      expect(v.findL2(1, line)).toBe(-1);
    });
  }
});

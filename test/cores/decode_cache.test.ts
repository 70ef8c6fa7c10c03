// A new decode cache: every entry empty without a page of it touched (tags 0, slot 0's -1).

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DECODE_MASK, DECODE_SIZE, DecodeCache, emptyTags, holdsPc } from '../../cores/decode_cache.ts';

const slotOf = (pc: number) => (pc >>> 1) & DECODE_MASK;

describe('DecodeCache', () => {
  it('starts with every entry empty (no tag names a pc of its slot), and no page marked', () => {
    const dc = new DecodeCache(1 << 20);
    expect(dc.ent.length).toBe(DECODE_SIZE * 4);
    let bad = -1;
    for (let e = 0; e < dc.ent.length && bad < 0; e += 4) {
      if (holdsPc(dc.ent, e, 4) || dc.ent[e + 1] !== 0 || dc.ent[e + 2] !== 0 || dc.ent[e + 3] !== 0) bad = e / 4;
    }
    expect(bad).toBe(-1);
    expect(dc.pages.every((p) => p === 0)).toBe(true);
  });

  it('misses every pc when new, pc 0 and the top of the 32-bit space included', () => {
    const dc = new DecodeCache(1 << 20);
    const pcs = fc.sample(fc.nat({ max: 0x7fffffff }).map((x) => (x * 2) | 0), { numRuns: 2000, seed: 7 });
    for (const pc of [0, -2, 2 * DECODE_SIZE, ...pcs]) expect(dc.ent[slotOf(pc) * 4], `pc ${pc}`).not.toBe(pc);
  });

  it('holdsPc: a written tag holds its pc, -1 and a 0 outside slot 0 hold none', () => {
    const t = emptyTags(DECODE_SIZE);
    expect(t[0]).toBe(-1);
    expect(holdsPc(t, 5, 1)).toBe(false);
    t[slotOf(0)] = 0;
    expect(holdsPc(t, 0, 1)).toBe(true);
    const pc = 0x8000_0100 | 0;
    t[slotOf(pc)] = pc;
    expect(holdsPc(t, slotOf(pc), 1)).toBe(true);
    t[slotOf(pc)] = -1;
    expect(holdsPc(t, slotOf(pc), 1)).toBe(false);
  });
});

// A new decode cache: every entry empty (pc word -1, the rest 0), filled by doubling copies.

import { describe, expect, it } from 'vitest';
import { DECODE_SIZE, DecodeCache } from '../../cores/decode_cache.ts';

describe('DecodeCache', () => {
  it('starts with every entry empty: [-1, 0, 0, 0], and no page marked', () => {
    const dc = new DecodeCache(1 << 20);
    expect(dc.ent.length).toBe(DECODE_SIZE * 4);
    let bad = -1;
    for (let e = 0; e < dc.ent.length && bad < 0; e += 4) {
      if (dc.ent[e] !== -1 || dc.ent[e + 1] !== 0 || dc.ent[e + 2] !== 0 || dc.ent[e + 3] !== 0) bad = e / 4;
    }
    expect(bad).toBe(-1);
    expect(dc.pages.every((p) => p === 0)).toBe(true);
  });
});

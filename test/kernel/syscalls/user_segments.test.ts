// UserSegments.skip: a writev that slept on a full pipe after `done` bytes goes on from there,
// across its iovecs (syscalls/read_write.ts). Property: after skip(n), pulling the rest gives
// the iovecs' concatenation from byte n on, whatever the segment lengths (zero-length ones too).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserSegments } from '../../../src/kernel/syscalls/read_write.ts';
import { BASE, FakeUser } from './helpers.ts';

describe('UserSegments.skip', () => {
  it('pulls the concatenation of the iovecs from byte n on (random segments, fast-check seed printed on failure)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 6 }), fc.nat(), fc.integer({ min: 1, max: 5000 }), (lens, k, step) => {
        const user = new FakeUser();
        for (let i = 0; i < 8 * 4096; i++) user.mem[i] = (i * 13 + (i >> 8)) & 0xff;
        // Segments at scattered, non-adjacent places in the first 8 pages (below the hole).
        let at = BASE;
        const segs = lens.map((len) => {
          const s = { base: at, len };
          at += len + 17;
          return s;
        });
        if (at > BASE + 8 * 4096) return;
        const whole = Buffer.concat(segs.map((s) => user.mem.subarray(s.base - BASE, s.base - BASE + s.len)));
        const n = k % (whole.length + 1);
        const u = new UserSegments(user, segs).skip(n);
        expect(u.remaining).toBe(whole.length - n);
        const got: number[] = [];
        while (u.remaining > 0) got.push(...u.pull(step));
        expect(Buffer.from(got).equals(whole.subarray(n))).toBe(true);
      }),
    );
  });
});

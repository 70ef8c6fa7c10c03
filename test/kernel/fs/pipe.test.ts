// The pipe ring against a model queue: random reads and writes of random sizes keep every byte in order,
// writes of at most PIPE_BUF are all-or-nothing, and nothing ever exceeds 64 KiB.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PipeInode, WOULD_BLOCK } from '../../../src/kernel/fs/pipe.ts';

describe('PipeInode', () => {
  it('behaves as a bounded FIFO with atomic small writes (property, seeded)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('w' as const), n: fc.integer({ min: 0, max: 70000 }), nonblock: fc.boolean() }),
      fc.record({ kind: fc.constant('r' as const), n: fc.integer({ min: 0, max: 70000 }), nonblock: fc.boolean() }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const p = new PipeInode(1);
      p.readers = 1;
      p.writers = 1;
      const model: number[] = [];
      let next = 0;
      for (const o of ops) {
        if (o.kind === 'w') {
          const data = new Uint8Array(o.n);
          for (let i = 0; i < o.n; i++) data[i] = (next + i) & 0xff; // bytes not taken are not "sent"
          const free = 65536 - model.length;
          const r = p.write(data, o.nonblock);
          if (o.n === 0) expect(r).toBe(0);
          else if (free === 0 || (o.n <= 4096 && free < o.n)) expect(r).toBe(o.nonblock ? -11 : WOULD_BLOCK);
          else {
            expect(r).toBe(Math.min(free, o.n));
            for (let i = 0; i < r; i++) model.push(data[i]);
            next += r;
          }
        } else {
          const buf = new Uint8Array(o.n);
          const r = p.read(buf, o.nonblock);
          if (o.n === 0) expect(r).toBe(0);
          else if (model.length === 0) expect(r).toBe(o.nonblock ? -11 : WOULD_BLOCK);
          else {
            expect(r).toBe(Math.min(o.n, model.length));
            expect(Buffer.from(buf.subarray(0, r)).equals(Buffer.from(model.splice(0, r)))).toBe(true);
          }
        }
        expect(p.available).toBe(model.length);
        expect(p.available).toBeLessThanOrEqual(65536);
      }
    }), { seed: 1201, numRuns: 300 });
  });

  it('EOF once the writers are gone and the ring is drained; EPIPE once the readers are', () => {
    const p = new PipeInode(2);
    p.readers = 1;
    p.writers = 1;
    expect(p.write(new Uint8Array([1, 2]), false)).toBe(2);
    p.writers = 0;
    const b = new Uint8Array(4);
    expect(p.read(b, false)).toBe(2);
    expect(p.read(b, false)).toBe(0);
    p.readers = 0;
    expect(p.write(new Uint8Array([1]), false)).toBe(-32);
  });
});

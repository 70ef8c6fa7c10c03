// The intrusive red-black tree against a sorted-array model: random inserts and erases (equal
// keys included), every invariant checked after every step, in-order walk equal to the model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RbTree } from '../../../src/kernel/sched/rbtree.ts';

const SEED = Number(process.env.SCHED_SEED ?? 20261201);
const N = 64;

function makeTree(): RbTree {
  const nodes = new Int32Array(N * 4);
  for (let i = 0; i < N; i++) nodes.set([-1, -1, -1, -1], i * 4);
  const keys = new Float64Array(N);
  const head = new Int32Array([-1, -1]);
  return new RbTree(nodes, 4, 0, keys, 1, 0, head, 0);
}

describe('rbtree', () => {
  it(`random insert/erase matches a sorted array (seed ${SEED})`, () => {
    console.log(`rbtree: fast-check seed ${SEED}`);
    const op = fc.record({ node: fc.integer({ min: 0, max: N - 1 }), key: fc.integer({ min: 0, max: 20 }) });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 400 }), (ops) => {
        const t = makeTree();
        const model: number[] = []; // node ids in key order, equal keys in insertion order
        for (const { node, key } of ops) {
          if (t.linked(node)) {
            t.erase(node);
            model.splice(model.indexOf(node), 1);
          } else {
            t.keys[node] = key;
            t.insert(node);
            let at = model.length;
            while (at > 0 && t.key(model[at - 1]!) > key) at--;
            model.splice(at, 0, node);
          }
          const err = t.check();
          if (err !== '') throw new Error(err);
          expect(t.toArray()).toEqual(model);
          expect(t.leftmost()).toBe(model.length > 0 ? model[0] : -1);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('erase of every node in turn keeps the tree valid and empties it', () => {
    const t = makeTree();
    for (let i = 0; i < N; i++) {
      t.keys[i] = (i * 37) % 23;
      t.insert(i);
    }
    expect(t.check()).toBe('');
    for (let i = 0; i < N; i++) {
      t.erase((i * 5) % N);
      expect(t.check()).toBe('');
      expect(t.linked((i * 5) % N)).toBe(false);
    }
    expect(t.root()).toBe(-1);
    expect(t.leftmost()).toBe(-1);
  });

  it('check() reports a broken invariant', () => {
    const t = makeTree();
    for (let i = 0; i < 8; i++) {
      t.keys[i] = i;
      t.insert(i);
    }
    const r = t.root();
    t.nodes[r * 4 + 3] = 0; // paint the root red
    expect(t.check()).toMatch(/root .* is not black/);
  });
});

// Harts hosted on one thread share the building of regions (cores/jit/region_share.ts): a hart
// that reaches the threshold where another hart of the thread built a region from the same
// decoded instructions adopts it (no region read, source or compile lookup, no warm-up calls),
// one whose memory holds other code there builds its own, and every hart still counts exactly
// as the interpreter (jit_diff.ts turns on the check that an adopted region's source is the
// adopting hart's own).
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/asm/assembler.ts';
import { compiledStats } from '../../cores/jit/translate.ts';
import { CODE, SMC, assembleAt, machine, runHosted, runSliced, snapshot } from './jit_diff.ts';

// A loop of one block, its body made unique to this file (regions are shared across tests of a
// thread too) and `step` varying the code at the same pcs.
const LOOP = (step: number) => `
  li a0, 0
  li t0, 300
loop:
  addi a0, a0, ${step}
  xori t4, a0, 0x5e1
  addi t0, t0, -1
  bne t0, x0, loop
  li a7, 93
  ecall
`;

describe('regions shared by the harts of a thread', () => {
  for (const caches of [false, true]) {
    const name = caches ? 'caches' : 'flat';
    it(`a second hart running the same code adopts every region and warms none (${name})`, () => {
      const code = assembleAt(LOOP(3));
      const ref = machine('interp', caches, code);
      runSliced(ref, 5, 40);
      const first = machine('jit', caches, code);
      runSliced(first, 5, 40);
      const fns = compiledStats().functions;
      const second = machine('jit', caches, code);
      runSliced(second, 5, 40);
      const a = first.jit!.stats(), b = second.jit!.stats();
      expect(a.translated).toBeGreaterThan(0);
      expect(a.adopted).toBe(0);
      expect(a.warmed).toBe(a.translated);
      expect(b.translated).toBe(a.translated);
      expect(b.adopted).toBe(b.translated);
      expect(b.warmed).toBe(0);
      expect(compiledStats().functions).toBe(fns); // nothing new compiled
      expect(snapshot(first)).toEqual(snapshot(ref));
      expect(snapshot(second)).toEqual(snapshot(ref));
      expect(second.hart.xl[10]).toBe(900);
    });

    it(`a hart whose memory holds other code at those pcs builds its own (${name})`, () => {
      const code = assembleAt(LOOP(5)), other = assembleAt(LOOP(7));
      // The same pcs, the loop's first instruction differing (the rest the same words).
      expect(code.length).toBe(other.length);
      const at = assemble(LOOP(5), { base: CODE }).labels.get('loop')! - CODE;
      expect(Buffer.from(code.subarray(0, at)).equals(Buffer.from(other.subarray(0, at)))).toBe(true);
      expect(Buffer.from(code.subarray(at + 4)).equals(Buffer.from(other.subarray(at + 4)))).toBe(true);
      const first = machine('jit', caches, code);
      runSliced(first, 6, 40);
      const second = machine('jit', caches, other);
      runSliced(second, 6, 40);
      const ref = machine('interp', caches, other);
      runSliced(ref, 6, 40);
      expect(first.jit!.translated).toBeGreaterThan(0);
      expect(second.jit!.translated).toBeGreaterThan(0);
      expect(second.jit!.adopted).toBe(0); // every hot region holds the loop
      expect(second.jit!.warmed).toBe(second.jit!.translated);
      expect(snapshot(second)).toEqual(snapshot(ref));
      expect(second.hart.xl[10]).toBe(2100);
      expect(first.hart.xl[10]).toBe(1500);
    });
  }

  it('a region of another memory shape is not adopted (flat, then caches)', () => {
    const code = assembleAt(LOOP(9));
    const flat = machine('jit', false, code);
    runSliced(flat, 7, 40);
    const cached = machine('jit', true, code);
    runSliced(cached, 7, 40);
    expect(flat.jit!.translated).toBeGreaterThan(0);
    expect(cached.jit!.translated).toBeGreaterThan(0);
    expect(cached.jit!.adopted).toBe(0);
  });

  it('self-modifying code on 3 harts switching every few cycles: each hart runs its own new code, as the interpreter', () => {
    const code = assembleAt(SMC(true, 'xori t5, a0, 0x5e2'));
    for (const caches of [false, true]) {
      for (const interleave of [3, 20]) {
        const a = [0, 1, 2].map(() => machine('interp', caches, code));
        const b = [0, 1, 2].map(() => machine('jit', caches, code, 2, undefined, {}, 1));
        const sa = runHosted(a, interleave), sb = runHosted(b, interleave);
        expect(b.map(snapshot)).toEqual(a.map(snapshot));
        expect(sb).toEqual(sa);
        for (const m of b) expect(m.hart.xl[10]).toBe(10 + 1000);
        const st = b.map((m) => m.jit!.stats());
        expect(st.reduce((s, x) => s + x.adopted, 0)).toBeGreaterThan(0);
      }
    }
  });
});

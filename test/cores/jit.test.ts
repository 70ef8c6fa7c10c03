// --engine jit against the interpreter: random programs (seed printed; JIT_SEED=n reruns one,
// JIT_PROGRAMS=n runs n; RV64IM, and with F, D, A and C) run in random slices must leave every
// slice's stop point, registers (x and f, fcsr), memory, traps and cache counters identical;
// blocks are really translated and run; bench/jit_soak.ts runs millions of blocks the same way;
// self-modifying code runs its new instructions, with and without fence.i; faults in blocks.
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/asm/assembler.ts';
import { readRegion, regionBlocks } from '../../cores/jit/translate.ts';
import { CODE, DATA, assembleAt, diffSeed, machine, randomProgram, rng, runSliced, snapshot } from './jit_diff.ts';

const base = process.env.JIT_SEED ? Number(process.env.JIT_SEED) : (Date.now() % 1_000_000);
// JIT_PROGRAMS=n runs more (a longer soak: the seed is printed the same way).
const PROGRAMS = process.env.JIT_SEED ? 1 : Number(process.env.JIT_PROGRAMS ?? 150);

describe('translated blocks count exactly as the interpreter', () => {
  for (const [caches, ext] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`random RV64IM${ext ? 'AFDC' : ''} programs, ${caches ? 'caches' : 'flat memory'} (seed ${base})`, async () => {
      console.log(`jit differential: seed ${base} (JIT_SEED=${base} reruns the first program)`);
      let blocksRun = 0;
      for (let p = 0; p < PROGRAMS; p++) {
        if (p % 100 === 99) await new Promise((r) => setImmediate(r)); // a long soak keeps vitest's RPC alive
        const seed = base + p;
        const { jit, interp: sa, translated: sb } = diffSeed(seed, caches, ext);
        if (JSON.stringify(sa) !== JSON.stringify(sb)) {
          // The first field that differs (the whole snapshot is kilobytes of hex).
          const k = (Object.keys(sa) as (keyof typeof sa)[]).find((f) => JSON.stringify(sa[f]) !== JSON.stringify(sb[f]))!;
          expect({ seed, ext, field: k, value: sb[k] }).toEqual({ seed, ext, field: k, value: sa[k] });
        }
        blocksRun += jit.jit!.translated;
      }
      // The comparison means something only if blocks were translated (and so ran).
      expect(blocksRun).toBeGreaterThan(PROGRAMS);
    }, 3_600_000);
  }
});

// A loop adds `addi a0, a0, 1` ten times; then the program rewrites that instruction into
// `addi a0, a0, 100` (a store into the translated block) and runs the loop again.
const SMC = (fence: boolean) => `
  li a0, 0
  li s1, 2
again:
  li t0, 10
loop:
patch:
  addi a0, a0, 1
  addi t0, t0, -1
  bne t0, x0, loop
  addi s1, s1, -1
  beq s1, x0, done
  la t1, patch
  la t2, newword
  lw t3, 0(t2)
  sw t3, 0(t1)
  ${fence ? 'fence.i' : 'nop'}
  j again
done:
  li a7, 93
  ecall
newword:
  addi a0, a0, 100
`;

/** The memories the small tests run on: flat, and caches wired each way (jit_diff.ts CacheVariant). */
const MEMORIES = [
  { name: 'flat', caches: false, variant: {} },
  { name: 'caches', caches: true, variant: {} },
  { name: 'caches, solo', caches: true, variant: { solo: true } },
  { name: 'caches, solo, TLB', caches: true, variant: { solo: true, tlb: true } },
];

describe('self-modifying code under --engine jit', () => {
  for (const fence of [false, true]) for (const { name, caches, variant } of MEMORIES) {
    it(`a store into a translated block runs the new code (${fence ? 'with' : 'without'} fence.i, ${name})`, () => {
      const code = assembleAt(SMC(fence));
      const a = machine('interp', caches, code, 2, undefined, variant);
      const b = machine('jit', caches, code, 1, undefined, variant);
      runSliced(a, 1, 100_000);
      runSliced(b, 1, 100_000);
      expect(b.hart.xl[10]).toBe(10 + 1000);
      expect(b.jit!.translated).toBeGreaterThan(0);
      expect(b.jit!.drops + (fence ? 1 : 0)).toBeGreaterThan(0); // the patched block was dropped (or all were, by fence.i)
      expect(snapshot(b)).toEqual(snapshot(a));
    });
  }
});

describe('a fault inside a translated block', () => {
  it('traps at the faulting pc with the instructions before it retired', () => {
    // The loop's block loads from x31 + 0; the third time round x31 points at page 0.
    const source = `
  li x31, ${DATA}
  li t0, 3
  li a0, 0
loop:
  addi a0, a0, 1
bad:
  ld t1, 0(x31)
  addi a0, a0, 1
  addi t0, t0, -1
  li t2, 1
  bne t0, t2, skip
  li x31, 8
skip:
  j loop
`;
    const code = assembleAt(source);
    const { labels } = assemble(source, { base: CODE });
    for (const { caches, variant } of MEMORIES) {
      const a = machine('interp', caches, code, 2, undefined, variant);
      const b = machine('jit', caches, code, 1, undefined, variant);
      runSliced(a, 3, 100_000);
      runSliced(b, 3, 100_000);
      expect(b.traps.last!.cause).toBe(5); // load access fault
      expect(b.traps.last!.pc).toBe(CODE + labels.get('bad')! - CODE);
      expect(b.hart.xl[10]).toBe(5);
      expect(snapshot(b)).toEqual(snapshot(a));
    }
  });
});

describe('a translated loop that stores into its own code', () => {
  // Each round stores \`addi a0, a0, 100\` to a data word, but in the eleventh over \`target\`, a
  // later instruction of the same (hot, translated) block: the block must return after that
  // store, and that round and the ones after it run the new instruction.
  const source = `
  li a0, 0
  li t0, 20
  la t1, target
  li t2, ${DATA}
  la t4, newword
  lw s3, 0(t4)
  xor s4, t1, t2
loop:
  addi t0, t0, -1
  addi t5, t0, -9
  sltiu t5, t5, 1
  sub t5, x0, t5
  and t6, s4, t5
  xor t3, t2, t6
  sw s3, 0(t3)
target:
  addi a0, a0, 1
  bne t0, x0, loop
  li a7, 93
  ecall
newword:
  addi a0, a0, 100
`;
  for (const { name, caches, variant } of MEMORIES) {
    it(`runs the old code ten times and the new ten times (${name})`, () => {
      const code = assembleAt(source);
      const a = machine('interp', caches, code, 2, undefined, variant);
      const b = machine('jit', caches, code, 1, undefined, variant);
      runSliced(a, 5, 100_000);
      runSliced(b, 5, 100_000);
      expect(a.hart.xl[10]).toBe(10 + 1000);
      expect(b.jit!.drops).toBeGreaterThan(0); // the block holding target was translated, then dropped
      expect(snapshot(b)).toEqual(snapshot(a));
    });
  }
});

describe('a loop with several paths', () => {
  // Each round takes one of three paths on a xorshift value; all rejoin the loop at \`next\`, a
  // later block of the loop's path (loop, even, next): the odd arm and its rare tail are a
  // detour of two blocks, run inside the region (a forward jump out of a labelled block).
  const source = `
  li a0, 0
  li a1, 12345
  li t0, 500
loop:
  slli t1, a1, 13
  xor a1, a1, t1
  srli t1, a1, 7
  xor a1, a1, t1
  andi t2, a1, 1
  beq t2, x0, even
  addi a0, a0, 3
  andi t3, a1, 6
  bne t3, x0, next
  addi a0, a0, 100
  j next
even:
  addi a0, a0, 5
  j next
next:
  addi t0, t0, -1
  bne t0, x0, loop
  li a7, 93
  ecall
`;
  for (const caches of [false, true]) {
    it(`runs as the interpreter does, in random slices (${caches ? 'caches' : 'flat'})`, () => {
      const code = assembleAt(source);
      const { labels } = assemble(source, { base: CODE });
      for (const seed of [1, 2, 3]) {
        const a = machine('interp', caches, code);
        const b = machine('jit', caches, code, 2);
        const stopsA = runSliced(a, seed, [7, 40, 5000][seed - 1]), stopsB = runSliced(b, seed, [7, 40, 5000][seed - 1]);
        expect({ ...snapshot(b), stops: stopsB }).toEqual({ ...snapshot(a), stops: stopsA });
        expect(b.hart.xl[10]).toBeGreaterThan(500 * 3);
        const plan = readRegion(b.hart.dc.ent, CODE + labels.get('loop')! - CODE);
        expect(plan.path.map((p) => p[0].pc)).toEqual(['loop', 'even', 'next'].map((l) => CODE + labels.get(l)! - CODE));
        expect([...plan.detours.values()].map((d) => d.length)).toEqual([2]); // the odd arm and its rare tail
        expect(regionBlocks(plan).length).toBe(5);
      }
    });
  }
});

describe('the code cache', () => {
  it('stays within its bound: a full cache drops every region and translation goes on, counts unchanged', () => {
    let flushes = 0;
    for (let seed = 11; seed < 31; seed++) {
      const code = assembleAt(randomProgram(rng(seed), 12, { fp: true, amo: true, rvc: true }));
      const a = machine('interp', false, code);
      const b = machine('jit', false, code, 1, 3);
      const stopsA = runSliced(a, seed, 400), stopsB = runSliced(b, seed, 400);
      expect({ ...snapshot(b), stops: stopsB }).toEqual({ ...snapshot(a), stops: stopsA });
      const st = b.jit!.stats();
      expect(st.regions).toBeLessThanOrEqual(3);
      flushes += st.flushes;
    }
    expect(flushes).toBeGreaterThan(0);
  });
});

describe('what the translator assumes of the memory', () => {
  it('bare flat memory is inlined, caches inline the L1 hit', () => {
    const code = assembleAt('li a0, 1');
    const flat = machine('jit', false, code).jit!.view;
    expect(flat.kind).toBe('bareflat');
    expect(flat.lat).toBe(3); // the harness's flat latency, folded into block costs
    expect(flat.env.i32.length).toBeGreaterThan(0);
    expect(flat.env.hi).toBeGreaterThan(flat.env.lo);
    const caches = machine('jit', true, code).jit!.view;
    expect(caches.kind).toBe('cache');
    expect(caches.lat).toBe(-1);
  });
});

// Loads and stores of every width over a few lines, in a hot loop: nearly every access is an
// L1d hit, which translated code takes inline (the method runs only for misses, the sampled hits
// and the accesses the inline path leaves to it: misaligned, line-crossing).
const HITS = `
  li x31, ${DATA}
  li t0, 200
loop:
  ld t1, 0(x31)
  lw t2, 8(x31)
  lwu t3, 12(x31)
  lh t4, 16(x31)
  lhu t5, 18(x31)
  lb a1, 20(x31)
  lbu s2, 21(x31)
  add t1, t1, t0
  sd t1, 64(x31)
  sw t2, 72(x31)
  sh t3, 76(x31)
  sb t4, 78(x31)
  lw s3, 65(x31)
  ld s4, 60(x31)
  addi t0, t0, -1
  bne t0, x0, loop
  li a7, 93
  ecall
`;

describe('the inline L1 hit path (--memory caches)', () => {
  for (const { name, caches, variant } of MEMORIES.filter((m) => m.caches)) {
    it(`counts as the methods do, and takes most accesses itself (${name})`, () => {
      const code = assembleAt(HITS);
      const a = machine('interp', caches, code, 2, undefined, variant);
      const b = machine('jit', caches, code, 1, undefined, variant);
      // Count the calls into the memory's load and store methods of the jit run (the outer
      // ones: a line-crossing access calls load8u for each byte).
      let calls = 0, depth = 0;
      const mem = b.mem as unknown as Record<string, (...args: number[]) => number>;
      for (const k of ['load8', 'load8u', 'load16', 'load16u', 'load32', 'load64', 'store8', 'store16', 'store32', 'store64']) {
        const f = mem[k]!.bind(b.mem);
        mem[k] = (...args: number[]) => {
          if (depth++ === 0) calls++;
          try { return f(...args); } finally { depth--; }
        };
      }
      runSliced(a, 9, 300);
      runSliced(b, 9, 300);
      expect(snapshot(b)).toEqual(snapshot(a));
      const accesses = b.ctr![0] + b.ctr![1]; // loads + stores
      expect(accesses).toBeGreaterThan(200 * 13);
      // The interpreter's first rounds, the misses, the sampled hits (1 in 16 on average) and
      // the two misaligned loads (one crosses a line) go to the methods; the rest is inline.
      expect(calls).toBeLessThan(accesses * 0.35);
      expect(calls).toBeGreaterThan(200 * 2);
    });
  }
});

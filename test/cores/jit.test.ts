// --engine jit against the interpreter: random programs (seed printed; JIT_SEED=n reruns one,
// JIT_PROGRAMS=n runs n; RV64IM, and with F, D, A and C) run in random slices must leave every
// slice's stop point, registers (x and f, fcsr), memory, traps and cache counters identical;
// blocks are really translated and run; bench/jit_soak.ts runs millions of blocks the same way;
// self-modifying code runs its new instructions, with and without fence.i; faults in blocks.
import { describe, expect, it } from 'vitest';
import { assemble } from '../../src/asm/assembler.ts';
import { readRegion, regionBlocks, regionSource, type BlockInsn } from '../../cores/jit/translate.ts';
import { Op } from '../../cores/decode.ts';
import { Hart } from '../../cores/hart.ts';
import { Jit } from '../../cores/jit/jit.ts';
import { createCoreMemory } from '../../cores/core_memory.ts';
import { ACC_FETCH, ACC_WRITE, PTE_R, PTE_U, PTE_W, PTE_X, type TlbFill, type TlbMissHandler } from '../../cores/tlb.ts';
import { DEFAULT_TLB } from '../../shared/tlb_geometry.ts';
import { RecordingTrapHandler } from './harness.ts';
import { CODE, DATA, RAM, SMC, assembleAt, diffCallSeed, diffHosted, diffSeed, machine, randomProgram, rng, runHosted, runSliced, snapshot } from './jit_diff.ts';

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

/** The memories the small tests run on: flat, and caches wired each way (jit_diff.ts CacheVariant). */
const MEMORIES = [
  { name: 'flat', caches: false, variant: {} },
  { name: 'caches', caches: true, variant: {} },
  { name: 'caches, solo', caches: true, variant: { solo: true } },
  { name: 'caches, solo, TLB', caches: true, variant: { solo: true, tlb: true } },
  { name: 'flat, TLB', caches: false, variant: { tlb: true } },
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

// Each round stores \`addi a0, a0, 100\` to a data word, but in the eleventh over \`target\`, a
// later instruction of the same (hot, translated) block: the block must return after that
// store, and that round and the ones after it run the new instruction.
const SELF_STORE = `
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

describe('a translated loop that stores into its own code', () => {
  for (const { name, caches, variant } of MEMORIES) {
    it(`runs the old code ten times and the new ten times (${name})`, () => {
      const code = assembleAt(SELF_STORE);
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

// Partial blocks (cores/jit/tail.ts): a slice that ends inside a translated block runs it up to
// the boundary in the block's tail, and the next slice resumes there; many harts on one thread
// switch every few cycles (CoreGroup's interleave). Tails compiled at once (threshold 1).
describe('partial blocks: slices end and resume mid-block', () => {
  for (const [caches, ext] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    it(`random RV64IM${ext ? 'AFDC' : ''} programs on 2..6 harts hosted on one thread, ${caches ? 'caches' : 'flat memory'} (seed ${base})`, async () => {
      let tails = 0, adopted = 0;
      for (let p = 0; p < Math.ceil(PROGRAMS / 3); p++) {
        if (p % 50 === 49) await new Promise((r) => setImmediate(r));
        const seed = base + p;
        const { harts, interleave, jits, interp: sa, translated: sb } = diffHosted(seed, caches, ext);
        if (JSON.stringify(sa) !== JSON.stringify(sb)) {
          const i = sa.harts.findIndex((h, k) => JSON.stringify(h) !== JSON.stringify(sb.harts[k]));
          const h = i < 0 ? undefined : (Object.keys(sa.harts[i]) as (keyof typeof sa.harts[0])[]).find((f) => JSON.stringify(sa.harts[i][f]) !== JSON.stringify(sb.harts[i][f]));
          expect({ seed, harts, interleave, hart: i, field: h ?? 'stops' }).toEqual({ seed, harts, interleave, hart: -1, field: 'none' });
        }
        tails += jits.reduce((s, j) => s + j.tailsCompiled, 0);
        adopted += jits.reduce((s, j) => s + j.adopted, 0);
      }
      expect(tails).toBeGreaterThan(0); // the comparison covered tails
      expect(adopted).toBeGreaterThan(0); // and regions one hart built and another adopted (region_share.ts)
    }, 3_600_000);
  }

  // Code that stores into itself, cut into slices short enough to end inside its blocks.
  const SMC_CASES = [
    { what: 'self-modifying code without fence.i', source: SMC(false), slices: 4, seed: 11 },
    { what: 'self-modifying code with fence.i', source: SMC(true), slices: 4, seed: 11 },
    { what: 'a store into a later instruction of its own block', source: SELF_STORE, slices: 6, seed: 13 },
  ];
  for (const { what, source, slices, seed } of SMC_CASES) for (const { name, caches, variant } of MEMORIES) {
    it(`${what}, slices of 1..${slices} cycles (${name})`, () => {
      const code = assembleAt(source);
      const a = machine('interp', caches, code, 2, undefined, variant);
      const b = machine('jit', caches, code, 1, undefined, variant, 1);
      runSliced(a, seed, slices);
      runSliced(b, seed, slices);
      expect(a.hart.xl[10]).toBe(10 + 1000);
      expect(b.jit!.tailsCompiled).toBeGreaterThan(0);
      expect(snapshot(b)).toEqual(snapshot(a));
    });
  }

  it('a fault in a partial block, on 3 harts switching every 1..9 cycles', () => {
    // As 'a fault inside a translated block', with the loop's block long enough to be cut.
    const source = `
  li x31, ${DATA}
  li t0, 6
  li a0, 0
loop:
  addi a0, a0, 1
  addi a1, a0, 3
  xor a2, a1, a0
bad:
  ld t1, 0(x31)
  addi a0, a0, 1
  sd a2, 16(x31)
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
      for (let interleave = 1; interleave <= 9; interleave += 2) {
        const a = [0, 1, 2].map(() => machine('interp', caches, code, 2, undefined, variant));
        const b = [0, 1, 2].map(() => machine('jit', caches, code, 1, undefined, variant, 1));
        const sa = runHosted(a, interleave), sb = runHosted(b, interleave);
        for (const m of b) {
          expect(m.traps.last!.cause).toBe(5);
          expect(m.traps.last!.pc).toBe(labels.get('bad')!);
        }
        expect(b.map(snapshot)).toEqual(a.map(snapshot));
        expect(sb).toEqual(sa);
      }
    }
  });

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

describe('regions stop at translated loops', () => {
  // The inner loop turns hot first; the outer loop's set-up runs into its head without a branch.
  const source = `
  li s1, 40
outer:
  li t0, 8
  addi a1, a1, 3
  addi a2, a2, 5
  xor a3, a1, a2
inner:
  add a0, a0, a3
  addi t0, t0, -1
  bne t0, x0, inner
after:
  addi s1, s1, -1
  bne s1, x0, outer
  li a7, 93
  ecall
`;
  for (const caches of [false, true]) {
    it(`a block ends at a loop's head, a path does not enter another loop; counts as the interpreter (${caches ? 'caches' : 'flat'})`, () => {
      const code = assembleAt(source);
      const { labels } = assemble(source, { base: CODE });
      const at = (l: string) => CODE + labels.get(l)! - CODE;
      const shape = (bs: BlockInsn[][]) => bs.map((p) => [p[0].pc, p.length]);
      for (const seed of [1, 2, 3]) {
        const a = machine('interp', caches, code);
        const b = machine('jit', caches, code, 2);
        const stopsA = runSliced(a, seed, [7, 40, 5000][seed - 1]), stopsB = runSliced(b, seed, [7, 40, 5000][seed - 1]);
        expect({ ...snapshot(b), stops: stopsB }).toEqual({ ...snapshot(a), stops: stopsA });
        expect(b.hart.xl[10]).not.toBe(0);
        const jit = b.jit!, ent = b.hart.dc.ent, slot = (pc: number) => (pc >>> 1) & (jit.tag.length - 1);
        expect(jit.heads[slot(at('inner'))]).toBe(at('inner'));
        // The inner loop's region: the outer loop is its detour, whose set-up block ends at the
        // region's own entry (it would run on through the loop's body: 7 instructions).
        const plan = readRegion(ent, at('inner'), jit.heads);
        expect(plan.loops).toBe(true);
        expect(shape(plan.path)).toEqual([[at('inner'), 3]]);
        expect([...plan.detours.values()].map(shape)).toEqual([[[at('after'), 2], [at('outer'), 4]]]);
        const pcs = regionBlocks(plan).flat().map((x) => x.pc);
        expect(new Set(pcs).size).toBe(pcs.length);
        // Read from the set-up: the block stops at the translated loop's head and the path does
        // not go into that loop (its region runs it); without heads the region copies the loop.
        const outer = readRegion(ent, at('outer'), jit.heads);
        expect({ path: shape(outer.path), loops: outer.loops }).toEqual({ path: [[at('outer'), 4]], loops: false });
        const copy = readRegion(ent, at('outer'));
        expect({ path: shape(copy.path), loops: copy.loops }).toEqual({ path: [[at('outer'), 7], [at('inner'), 3], [at('after'), 2]], loops: true });
      }
    });
  }
});

describe('calls and returns stay in translated code (jalr prediction)', () => {
  // A loop calling a function by `call` (auipc + jalr) and returning by `ret`: one region runs
  // the loop, the function and the return, checking each jalr's target against its prediction.
  const source = `
  li t0, 1000
  li a0, 0
loop:
  addi a1, a0, 3
  call twice
back:
  add a0, a0, a1
  addi t0, t0, -1
  bne t0, x0, loop
  li a7, 93
  ecall
twice:
  slli a1, a1, 1
  ret
`;
  for (const caches of [false, true]) {
    it(`a loop with a call is one region; counts as the interpreter (${caches ? 'caches' : 'flat'})`, () => {
      const code = assembleAt(source);
      const { labels } = assemble(source, { base: CODE });
      const at = (l: string) => CODE + labels.get(l)! - CODE;
      const a = machine('interp', caches, code);
      const b = machine('jit', caches, code, 2);
      let entries = 0;
      const enter = b.jit!.enter.bind(b.jit!);
      b.jit!.enter = (...xs: Parameters<typeof enter>) => { entries++; return enter(...xs); };
      const stopsA = runSliced(a, 5, 5000), stopsB = runSliced(b, 5, 5000);
      expect({ ...snapshot(b), stops: stopsB }).toEqual({ ...snapshot(a), stops: stopsA });
      const plan = readRegion(b.hart.dc.ent, at('loop'));
      // The loop's call site (up to the call's jalr), the function, the call's continuation.
      expect(plan.path.map((p) => p[0].pc)).toEqual([at('loop'), at('twice'), at('back')]);
      const jalrs = plan.path.map((p) => p[p.length - 1]).filter((x) => x.op === Op.JALR);
      expect(jalrs.map((x) => x.target)).toEqual([at('twice'), at('back')]);
      // 1000 iterations, each of two jalrs: without the prediction each left the region (2000+ entries).
      expect(entries).toBeLessThan(100);
    });
  }

  it('a return elsewhere than predicted leaves the region at the real target', () => {
    // skip returns past its call site's next instruction in odd rounds: there the prediction
    // (the call's link, whose code the even rounds decoded) is wrong.
    const src = `
  li t0, 300
  li a0, 0
loop:
  jal ra, skip
  addi a0, a0, 1000
  addi a0, a0, 1
  addi t0, t0, -1
  bne t0, x0, loop
  li a7, 93
  ecall
skip:
  andi t1, t0, 1
  slli t1, t1, 2
  add ra, ra, t1
  ret
`;
    const code = assembleAt(src);
    for (const seed of [1, 2, 3]) {
      const a = machine('interp', false, code);
      const b = machine('jit', false, code, 2);
      const stopsA = runSliced(a, seed, [7, 40, 5000][seed - 1]), stopsB = runSliced(b, seed, [7, 40, 5000][seed - 1]);
      expect({ ...snapshot(b), stops: stopsB }).toEqual({ ...snapshot(a), stops: stopsA });
      expect(b.hart.xl[10]).toBe(150 * 1001 + 150);
      // The loop is one region through the call and the predicted return.
      expect(readRegion(b.hart.dc.ent, CODE + 8).path.length).toBe(3);
    }
  });

  for (const caches of [false, true]) {
    it(`random programs of calls and returns, ${caches ? 'caches' : 'flat memory'} (seed ${base})`, async () => {
      console.log(`jit calls differential: seed ${base} (JIT_SEED=${base} reruns the first program)`);
      let translated = 0;
      for (let p = 0; p < PROGRAMS; p++) {
        if (p % 100 === 99) await new Promise((r) => setImmediate(r));
        const seed = base + p;
        const { jit, interp: sa, translated: sb } = diffCallSeed(seed, caches);
        if (JSON.stringify(sa) !== JSON.stringify(sb)) {
          const k = (Object.keys(sa) as (keyof typeof sa)[]).find((f) => JSON.stringify(sa[f]) !== JSON.stringify(sb[f]))!;
          expect({ seed, field: k, value: sb[k] }).toEqual({ seed, field: k, value: sa[k] });
        }
        translated += jit.jit!.translated;
      }
      expect(translated).toBeGreaterThan(PROGRAMS);
    }, 3_600_000);
  }
});

describe('MUL with an operand whose high word the block made 0', () => {
  // Each zero-extending or bounded result (lwu, lbu, lhu, sltu, andi, srli by 40, li, lui,
  // auipc) multiplies a register with a high word that is not 0, so a cross term wrongly
  // dropped changes the sum; the last MUL's operand (addi of a negative) keeps its cross term.
  const source = `
  li x31, ${DATA}
  li t0, -0x12345678
  sd t0, 0(x31)
  li s0, 0x7654321fedcba987
  li a0, 0
  li s1, 100
loop:
  lwu t1, 0(x31)
  mul t2, t1, s0
  add a0, a0, t2
  lbu t1, 1(x31)
  mul t2, s0, t1
  add a0, a0, t2
  lhu t1, 2(x31)
  mul t2, t1, t1
  add a0, a0, t2
  sltu t3, t0, s0
  mul t2, s0, t3
  add a0, a0, t2
  andi t4, s0, 2047
  mul t2, t4, s0
  add a0, a0, t2
  srli t5, s0, 40
  mul t2, t5, s0
  add a0, a0, t2
  li a1, 1234
  mul t2, a1, s0
  add a0, a0, t2
  lui a2, 0x7ffff
  mul t2, s0, a2
  add a0, a0, t2
  auipc a3, 0
  mul t2, a3, s0
  add a0, a0, t2
  addi t1, t3, -2000
  mul t2, t1, s0
  add a0, a0, t2
  addi s0, s0, 7
  addi s1, s1, -1
  bne s1, x0, loop
  li a7, 93
  ecall
`;
  for (const m of MEMORIES) {
    it(`drops that operand's cross term and counts as the interpreter (${m.name})`, () => {
      const code = assembleAt(source);
      const { labels } = assemble(source, { base: CODE });
      const a = machine('interp', m.caches, code, 2, undefined, m.variant);
      const b = machine('jit', m.caches, code, 2, undefined, m.variant);
      const stopsA = runSliced(a, 3, 300), stopsB = runSliced(b, 3, 300);
      expect({ ...snapshot(b), stops: stopsB }).toEqual({ ...snapshot(a), stops: stopsA });
      expect(b.hart.xh[10]).not.toBe(0); // the sum has a high word: the cross terms counted
      const plan = readRegion(b.hart.dc.ent, CODE + labels.get('loop')! - CODE);
      expect(plan.loops).toBe(true);
      // Ten low words; one cross term for each of the eight MULs with one such operand, none
      // for lhu's square (t1 * t1), two for the addi's: 10 + 8 + 0 + 2.
      const src = regionSource(plan, b.mem.fetchSpan, b.jit!.view);
      expect(src.split('Math.imul(').length - 1).toBe(20);
    });
  }
  it('a block\'s tail, which may be entered mid-block, keeps every cross term', () => {
    const code = assembleAt(source);
    const { labels } = assemble(source, { base: CODE });
    const b = machine('jit', false, code, 2);
    runSliced(b, 3, 300);
    const plan = readRegion(b.hart.dc.ent, CODE + labels.get('loop')! - CODE);
    const src = regionSource({ path: [plan.path[0]], detours: new Map(), loops: false }, b.mem.fetchSpan, b.jit!.view, true);
    expect(src.split('Math.imul(').length - 1).toBe(30);
  });
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

// --boot linux with --memory flat: FlatMemory behind a TLB, whose host-array hit translated code
// takes inline (tlb_inline.ts). Here over a page table of the test's own (PageMap): data at a
// virtual page outside RAM mapped to a physical one, remapped (as mremap/munmap and sfence.vma
// do: the page table changes, then the TLB's entry goes) and finally unmapped, where the next
// access page-faults; with and without the simulated TLB levels of --boot linux.
class PageMap implements TlbMissHandler {
  readonly map = new Map<number, number>();
  walk(vpn: number, acc: number, out: TlbFill): number {
    const ppn = this.map.get(vpn);
    if (ppn === undefined) return acc === ACC_FETCH ? 12 : acc === ACC_WRITE ? 15 : 13;
    out.ppn = ppn;
    out.perm = PTE_R | PTE_W | PTE_X | PTE_U;
    return 0;
  }
}

const VDATA = 0x4000000; // virtual: above the 1 MiB of RAM
const REMAP = `
  li x31, ${VDATA}
  li t0, 100000
loop:
  ld t1, 0(x31)
  lw t2, 8(x31)
  lwu t3, 12(x31)
  lh t4, 16(x31)
  lhu t5, 18(x31)
  lb a1, 20(x31)
  lbu s2, 21(x31)
  add a2, a2, t1
  add a2, a2, t3
  xor a2, a2, t5
  add a2, a2, s2
  sd a2, 64(x31)
  sw t2, 72(x31)
  sh t3, 76(x31)
  sb t4, 78(x31)
  lw s3, 65(x31)
  addi t0, t0, -1
  bne t0, x0, loop
  li a7, 93
  ecall
`;

function tlbMachine(engine: 'interp' | 'jit', geometry: boolean) {
  const ram = new SharedArrayBuffer(RAM);
  const u8 = new Uint8Array(ram);
  u8.set(assembleAt(REMAP), CODE);
  for (let i = 0; i < 2 * 4096; i++) u8[DATA + i] = (i * 37 + 11) & 0xff;
  const pt = new PageMap();
  for (let v = CODE >>> 12; v < (CODE >>> 12) + 4; v++) pt.map.set(v, v);
  pt.map.set(VDATA >>> 12, DATA >>> 12);
  const w = createCoreMemory({ core: 0, ram, ramBase: 0x1000, lrscHold: 0, flatLatency: 3, translation: pt, tlbGeometry: geometry ? DEFAULT_TLB : undefined });
  const traps = new RecordingTrapHandler();
  const jit = engine === 'jit' ? new Jit(w.decode, w.mem, 2) : undefined;
  const hart = new Hart({ hartId: 0, mem: w.mem, decode: w.decode, trap: traps, timePerCycle: 1, jit });
  hart.pc = CODE;
  return { hart, mem: w.mem, u8, traps, jit, tlb: w.tlb, pt };
}

describe('the inline TLB path (--boot linux, --memory flat)', () => {
  for (const geometry of [false, true]) {
    it(`counts as the methods do through a remap and a page fault (${geometry ? 'TLB levels' : 'host array alone'})`, () => {
      const run = (engine: 'interp' | 'jit') => {
        const m = tlbMachine(engine, geometry);
        let calls = 0, depth = 0;
        const mem = m.mem as unknown as Record<string, (...args: number[]) => number>;
        for (const k of ['load8', 'load8u', 'load16', 'load16u', 'load32', 'load64', 'store8', 'store16', 'store32', 'store64']) {
          const f = mem[k]!.bind(m.mem);
          mem[k] = (...args: number[]) => {
            if (depth++ === 0) calls++;
            try { return f(...args); } finally { depth--; }
          };
        }
        const r = rng(77);
        const stops: number[] = [];
        const slice = () => { m.hart.run(m.hart.cycle + 1 + Math.floor(r() * 900)); stops.push(m.hart.pc, m.hart.instret, m.hart.cycle); };
        while (m.hart.instret < 200_000) slice();
        const before = m.hart.xl[12];
        // mremap: the virtual page now maps the next physical page; sfence.vma drops the entry.
        m.pt.map.set(VDATA >>> 12, (DATA >>> 12) + 1);
        m.tlb.flushPage(VDATA);
        while (m.hart.instret < 400_000) slice();
        // munmap: the next access to the page faults.
        m.pt.map.delete(VDATA >>> 12);
        m.tlb.flushPage(VDATA);
        for (let i = 0; i < 100 && m.traps.traps.length === 0; i++) slice();
        return { m, calls, before, stops };
      };
      const a = run('interp'), b = run('jit');
      const snap = (x: typeof a) => ({
        pc: x.m.hart.pc, instret: x.m.hart.instret, cycle: x.m.hart.cycle, xl: Array.from(x.m.hart.xl), xh: Array.from(x.m.hart.xh),
        traps: x.m.traps.traps, tlb: x.m.tlb.stats(), data: Buffer.from(x.m.u8.subarray(DATA, DATA + 8192)).toString('hex'), stops: x.stops,
      });
      expect(snap(b)).toEqual(snap(a));
      expect(b.m.jit!.view.kind).toBe('tlbflat');
      // A page fault (load or store: whichever access came first after the unmapping) in the page.
      expect(b.m.traps.traps.length).toBe(1);
      expect([13, 15]).toContain(b.m.traps.traps[0]!.cause);
      expect(Math.floor(b.m.traps.traps[0]!.tval / 4096)).toBe(VDATA / 4096);
      // Both pages were written (the stores went where the mapping said at each moment).
      expect(b.m.u8[DATA + 64 + 0]).not.toBe((64 * 37 + 11) & 0xff);
      expect(b.m.u8[DATA + 4096 + 64]).not.toBe(((4096 + 64) * 37 + 11) & 0xff);
      // 12 accesses a round; the misaligned lw and what the interpreter runs (the first rounds,
      // each slice's end, where the block no longer fits) take the method: ~2.3 a round here.
      const rounds = b.m.hart.instret / 18;
      expect(b.calls).toBeLessThan(rounds * 3);
      expect(a.calls).toBeGreaterThan(rounds * 11);
    });
  }
});

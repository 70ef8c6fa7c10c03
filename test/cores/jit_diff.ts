// Shared by the translator's tests: one hart over flat memory (with a latency) or over a small
// cache hierarchy, run with --engine interp or jit in slices of varying length, and a seeded
// generator of random programs (straight-line blocks of every translated op, loads and stores
// of every width, forward branches, jal/jalr calls, counted loops of one or two blocks,
// sometimes a fault; with `ext`, also F and D (every op, static and dynamic rounding modes,
// fcsr accesses), AMOs, LR/SC pairs, fences and compressed instructions).
import { Hart, RUN_STOPPED } from '../../cores/hart.ts';
import { createCoreMemory } from '../../cores/core_memory.ts';
import type { HartMemory } from '../../cores/memory.ts';
import { Jit } from '../../cores/jit/jit.ts';
import { CacheMemory } from '../../cores/mem_cache.ts';
import { IdentityMap, type Tlb } from '../../cores/tlb.ts';
import { DEFAULT_GEOMETRY, CoherenceViews, allocateCoherence } from '../../shared/coherence/layout.ts';
import { ProtocolTable, TRANSITIONS } from '../../shared/coherence/mesi.ts';
import { assemble } from '../../src/asm/assembler.ts';
import { INSTRUCTIONS, ROUNDING_MODES } from '../../src/asm/encode.ts';
import { RecordingTrapHandler } from './harness.ts';
import { rng } from '../../src/litmus/build.ts';
import { shareCheck } from '../../cores/jit/region_share.ts';

// A region one hart adopts from another of the thread (region_share.ts) is emitted again for the
// adopting hart and must be the same source: the differential tests and the soak check it.
shareCheck.on = true;

export const RAM = 1 << 20;
export const CODE = 0x10000;
export const DATA = 0x40000;
export const DATA_BYTES = 4096;

// A loop adds `addi a0, a0, 1` ten times; then the program rewrites that instruction into
// `addi a0, a0, 100` (a store into the translated block) and runs the loop again: a0 ends at
// 10 + 1000. `extra`: one more instruction in the loop's body (code unique to a test file,
// whose regions the harts of a thread would otherwise share with another file's).
export const SMC = (fence: boolean, extra = '') => `
  li a0, 0
  li s1, 2
again:
  li t0, 10
loop:
patch:
  addi a0, a0, 1
  ${extra}
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

/** A small PRNG (mulberry32, the litmus builder's): reproducible from the printed seed. */
export { rng };

export interface Machine {
  hart: Hart;
  mem: HartMemory;
  u8: Uint8Array;
  traps: RecordingTrapHandler;
  jit?: Jit;
  ctr?: Float64Array;
  tlb: Tlb;
}

/**
 * How the caches are wired: solo (one thread touches them: translated code skips Atomics, as a
 * one-worker machine does) and tlb (translation through the TLB's host array, as under
 * --boot linux, over an identity map, instead of bare mode's range check).
 */
export interface CacheVariant {
  solo?: boolean;
  tlb?: boolean;
}

/** The variant a random program's seed picks (a hash's top bits: independent of the seed's low ones). */
export function cacheVariant(seed: number): CacheVariant {
  const h = Math.imul(seed, 0x9e3779b1) >>> 0;
  return { solo: (h >>> 31) === 1, tlb: ((h >>> 30) & 1) === 1 };
}

/** A fresh hart; `caches`: a 1-core hierarchy with small L1s (misses, evictions, fetch accesses). */
export function machine(engine: 'interp' | 'jit', caches: boolean, code: Uint8Array, threshold = 2, regionsCap?: number, variant: CacheVariant = {}, tailThreshold?: number): Machine {
  const ram = new SharedArrayBuffer(RAM);
  const u8 = new Uint8Array(ram);
  u8.set(code, CODE);
  for (let i = 0; i < DATA_BYTES; i++) u8[DATA + i] = (i * 37 + 11) & 0xff;
  let cfg;
  if (caches) {
    const g = { ...DEFAULT_GEOMETRY, cores: 1, lineBytes: 64, l1i: { ...DEFAULT_GEOMETRY.l1i, sizeBytes: 256, ways: 2 }, l1d: { ...DEFAULT_GEOMETRY.l1d, sizeBytes: 256, ways: 2 }, l2: { ...DEFAULT_GEOMETRY.l2, sizeBytes: 2048, ways: 2 }, l3: { ...DEFAULT_GEOMETRY.l3, sizeBytes: 8192, ways: 4 } };
    cfg = { views: new CoherenceViews(g, allocateCoherence(g)), table: new ProtocolTable(TRANSITIONS) };
  }
  const w = createCoreMemory({
    core: 0, ram, ramBase: 0x1000, lrscHold: 0, flatLatency: 3, caches: cfg, solo: variant.solo,
    translation: variant.tlb ? new IdentityMap(0x1000, RAM) : undefined,
  });
  const traps = new RecordingTrapHandler();
  const jit = engine === 'jit' ? new Jit(w.decode, w.mem, threshold, regionsCap, undefined, tailThreshold) : undefined;
  const hart = new Hart({ hartId: 0, mem: w.mem, decode: w.decode, trap: traps, timePerCycle: 1, jit });
  hart.pc = CODE;
  return { hart, mem: w.mem, u8, traps, jit, ctr: w.ctr, tlb: w.tlb };
}

/**
 * Runs to the first trap (the handler stops the hart) in slices of 1..maxSlice cycles, from a
 * seeded sequence; returns where each slice stopped (pc, instret, cycle), which must agree too.
 */
export function runSliced(m: Machine, sliceSeed: number, maxSlice: number, maxCycles = 2_000_000): number[] {
  const r = rng(sliceSeed);
  const stops: number[] = [];
  while (m.hart.cycle < maxCycles) {
    const s = m.hart.run(m.hart.cycle + 1 + Math.floor(r() * maxSlice));
    stops.push(m.hart.pc, m.hart.instret, m.hart.cycle);
    if (s === RUN_STOPPED) return stops;
  }
  throw new Error(`no stop within ${maxCycles} cycles (pc 0x${m.hart.pc.toString(16)})`);
}

/**
 * Harts hosted on one thread as CoreGroup.runCores interleaves them: the one furthest behind in
 * cycles (the first of equals) runs `interleave` cycles, until every one stopped. Each slice
 * stops wherever its cycles run out, often mid-block, and the next one of that hart resumes
 * there. Returns each slice's hart and stop point.
 */
export function runHosted(ms: Machine[], interleave: number, maxCycles = 2_000_000): number[] {
  const live = ms.map(() => true);
  const stops: number[] = [];
  for (;;) {
    let pick = -1;
    for (let i = 0; i < ms.length; i++) if (live[i] && (pick < 0 || ms[i].hart.cycle < ms[pick].hart.cycle)) pick = i;
    if (pick < 0) return stops;
    const h = ms[pick].hart;
    if (h.cycle >= maxCycles) throw new Error(`no stop within ${maxCycles} cycles (hart ${pick}, pc 0x${h.pc.toString(16)})`);
    if (h.run(h.cycle + interleave) === RUN_STOPPED) live[pick] = false;
    stops.push(pick, h.pc, h.instret, h.cycle);
  }
}

/** Everything the two engines must agree on. */
export function snapshot(m: Machine) {
  return {
    pc: m.hart.pc,
    instret: m.hart.instret,
    cycle: m.hart.cycle,
    xl: Array.from(m.hart.xl.subarray(0, 32)),
    xh: Array.from(m.hart.xh.subarray(0, 32)),
    f: Array.from(m.hart.f.w),
    fcsr: [m.hart.frm, m.hart.fflags],
    traps: m.traps.traps.map((t) => ({ ...t })),
    data: Buffer.from(m.u8.subarray(DATA, DATA + DATA_BYTES)).toString('hex'),
    code: Buffer.from(m.u8.subarray(CODE, CODE + 8192)).toString('hex'),
    counters: m.ctr ? Array.from(m.ctr) : [],
    tlb: m.tlb.stats(),
    // With caches: the L1s' tags, LRU stamps and clocks, the c2c sample countdown, the last fetch line.
    l1: m.mem instanceof CacheMemory ? l1State(m.mem) : null,
  };
}

function l1State(mem: CacheMemory) {
  const c = mem.inline();
  return [c.tag, c.slot, c.stamp, c.clock, c.sampleLeft, c.itag, c.islot, c.istamp, c.iclock, c.fetchLine].map((a) => Array.from(a));
}

const ALU3 = ['add', 'sub', 'sll', 'slt', 'sltu', 'xor', 'srl', 'sra', 'or', 'and', 'addw', 'subw', 'sllw', 'srlw', 'sraw',
  'mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu', 'mulw', 'divw', 'divuw', 'remw', 'remuw'];
const ALUI = ['addi', 'slti', 'sltiu', 'xori', 'ori', 'andi', 'addiw'];
const SHI = ['slli', 'srli', 'srai'];
const SHIW = ['slliw', 'srliw', 'sraiw'];
const LOADS: [string, number][] = [['lb', 1], ['lh', 2], ['lw', 4], ['ld', 8], ['lbu', 1], ['lhu', 2], ['lwu', 4]];
const STORES: [string, number][] = [['sb', 1], ['sh', 2], ['sw', 4], ['sd', 8]];
const BR = ['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu'];

/** What else a random program may hold besides RV64IM (the integer-only programs keep their old shape). */
export interface Extensions {
  fp: boolean;
  amo: boolean;
  rvc: boolean;
}
const NONE: Extensions = { fp: false, amo: false, rvc: false };

const FP_SPECS = [...INSTRUCTIONS.values()].filter((x) => [0x43, 0x47, 0x4b, 0x4f, 0x53].includes(x.opcode));
const AMOS = ['amoswap', 'amoadd', 'amoxor', 'amoand', 'amoor', 'amomin', 'amomax', 'amominu', 'amomaxu'];

/**
 * A random program: x31 holds DATA (the loads' and stores' base), x30 counts the outer loop,
 * x1 links calls, x29 counts inner loops; with ext, x8 holds DATA + 1024 (compressed and atomic
 * accesses' base); every other register is fair game. Returns the assembly source.
 */
export function randomProgram(r: () => number, blocks: number, ext: Extensions = NONE): string {
  const pick = <T,>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
  const anyExt = ext.fp || ext.amo || ext.rvc;
  const reg = (): number => { for (;;) { const x = 2 + Math.floor(r() * 27); if (!anyExt || x !== 8) return x; } }; // x2..x28
  const src = (): number => (r() < 0.1 ? 0 : reg());
  const creg = (): number => { for (;;) { const x = 9 + Math.floor(r() * 7); return x; } }; // x9..x15 (x8 is the base)
  const freg = () => `f${Math.floor(r() * 32)}`;
  const rm = () => (r() < 0.4 ? '' : `, ${ROUNDING_MODES[pick([0, 1, 2, 3, 4, 7])]}`);
  const lines: string[] = [`li x31, ${DATA}`, `li x30, ${2 + Math.floor(r() * 6)}`];
  for (let i = 2; i < 30; i++) lines.push(`li x${i}, ${Math.floor((r() - 0.5) * 2 ** 31)}`, r() < 0.5 ? `slli x${i}, x${i}, ${Math.floor(r() * 33)}` : `addi x${i}, x${i}, ${Math.floor(r() * 64) - 32}`);
  if (anyExt) lines.push(`li x8, ${DATA + 1024}`);
  if (ext.fp) for (let i = 0; i < 32; i++) lines.push(r() < 0.5 ? `fmv.d.x f${i}, x${2 + (i % 27)}` : `fcvt.d.l f${i}, x${2 + (i % 27)}`);
  lines.push('outer:');
  const fpInsn = (): string => {
    const x = pick(FP_SPECS);
    const mn = x.mnemonic;
    switch (x.syntax) {
      case 'fr4': return `${mn} ${freg()}, ${freg()}, ${freg()}, ${freg()}${rm()}`;
      case 'frrm': return `${mn} ${freg()}, ${freg()}, ${freg()}${rm()}`;
      case 'frr': return `${mn} ${freg()}, ${freg()}, ${freg()}`;
      case 'fr1rm': return `${mn} ${freg()}, ${freg()}${rm()}`;
      case 'xff': return `${mn} x${reg()}, ${freg()}, ${freg()}`;
      case 'xf': return `${mn} x${reg()}, ${freg()}`;
      case 'xfrm': return `${mn} x${reg()}, ${freg()}${rm()}`;
      case 'fxrm': return `${mn} ${freg()}, x${src()}${rm()}`;
      case 'fx': return `${mn} ${freg()}, x${src()}`;
      default: return 'fence';
    }
  };
  const extInsn = (): string => {
    const kinds = [...(ext.fp ? ['fp', 'fp', 'fp', 'fmem', 'fcsr'] : []), ...(ext.amo ? ['amo', 'amo', 'lrsc', 'fence'] : []), ...(ext.rvc ? ['c', 'c', 'c', 'cmem'] : [])];
    switch (pick(kinds)) {
      case 'fp': return fpInsn();
      case 'fmem': {
        const [op, size] = pick([['fld', 8], ['fsd', 8], ['flw', 4], ['fsw', 4]] as const);
        return `${op} ${freg()}, ${Math.floor(r() * (1024 / size)) * size}(x31)`;
      }
      // A valid frm (a dynamic rounding mode under 5..7 is illegal: that stops the program), or the flags.
      case 'fcsr': return pick([`fsrmi x0, ${Math.floor(r() * 5)}`, `fsflagsi x0, ${Math.floor(r() * 32)}`, `frflags x${reg()}`, `frcsr x${reg()}`]);
      case 'amo': {
        const w = r() < 0.5 ? 'w' : 'd';
        return `${pick(AMOS)}.${w} x${r() < 0.1 ? 0 : reg()}, x${src()}, (x8)`;
      }
      case 'lrsc': {
        const w = r() < 0.5 ? 'w' : 'd';
        return `lr.${w} x${reg()}, (x8)\nsc.${w} x${reg()}, x${src()}, (x8)`;
      }
      case 'fence': return 'fence';
      case 'cmem': {
        const [op, size] = pick([['c.lw', 4], ['c.ld', 8], ['c.sw', 4], ['c.sd', 8], ['c.fld', 8], ['c.fsd', 8]] as const);
        const off = Math.floor(r() * (size === 4 ? 32 : 32)) * size;
        const v = op === 'c.fld' || op === 'c.fsd' ? `f${8 + Math.floor(r() * 8)}` : `x${creg()}`;
        return `${op} ${v}, ${off}(x8)`;
      }
      default: {
        const k = Math.floor(r() * 12);
        const imm6 = () => { const v = Math.floor(r() * 63) - 31; return v === 0 ? 1 : v; };
        switch (k) {
          case 0: return `c.addi x${reg()}, ${imm6()}`;
          case 1: return `c.li x${reg()}, ${imm6()}`;
          case 2: return `c.mv x${reg()}, x${reg()}`;
          case 3: return `c.add x${reg()}, x${reg()}`;
          case 4: return `c.slli x${reg()}, ${1 + Math.floor(r() * 63)}`;
          case 5: return `c.srli x${creg()}, ${1 + Math.floor(r() * 63)}`;
          case 6: return `c.srai x${creg()}, ${1 + Math.floor(r() * 63)}`;
          case 7: return `c.andi x${creg()}, ${imm6()}`;
          case 8: return `${pick(['c.sub', 'c.xor', 'c.or', 'c.and', 'c.subw', 'c.addw'])} x${creg()}, x${creg()}`;
          case 9: return `c.addiw x${reg()}, ${imm6()}`;
          case 10: return `c.lui x${pick([3, 4, 5, 6, 7, 9, 10, 11, 12])}, ${1 + Math.floor(r() * 31)}`;
          default: return 'c.nop';
        }
      }
    }
  };
  for (let b = 0; b < blocks; b++) {
    // Sometimes the block is a counted loop on itself, or of two blocks (the translator keeps it in one call).
    const inner = r() < 0.3;
    const twoBlocks = inner && r() < 0.4;
    lines.push(`b${b}:`);
    if (inner) lines.push(`li x29, ${1 + Math.floor(r() * 40)}`, `b${b}l:`);
    const n = 1 + Math.floor(r() * 12);
    for (let i = 0; i < n; i++) {
      if (twoBlocks && i === n >> 1) lines.push(`bltu x29, x0, b${b}never`, `b${b}m:`); // a block boundary, never taken
      const k = r();
      if (anyExt && k < 0.3) lines.push(extInsn());
      else if (k < 0.35) lines.push(`${pick(ALU3)} x${reg()}, x${src()}, x${src()}`);
      else if (k < 0.5) lines.push(`${pick(ALUI)} x${reg()}, x${src()}, ${Math.floor(r() * 4096) - 2048}`);
      else if (k < 0.58) lines.push(`${pick(SHI)} x${reg()}, x${src()}, ${Math.floor(r() * 64)}`);
      else if (k < 0.62) lines.push(`${pick(SHIW)} x${reg()}, x${src()}, ${Math.floor(r() * 32)}`);
      else if (k < 0.65) lines.push(`lui x${reg()}, ${Math.floor(r() * 0x100000)}`);
      else if (k < 0.67) lines.push(`auipc x${reg()}, ${Math.floor(r() * 0x100000)}`);
      else if (k < 0.83) {
        const [op, size] = pick(LOADS);
        // Mostly aligned; sometimes not (split or misaligned accesses as the memory does them).
        const off = Math.floor(r() * (2040 / size)) * size + (r() < 0.1 ? 1 : 0);
        lines.push(`${op} x${r() < 0.05 ? 0 : reg()}, ${off}(x31)`);
      } else {
        const [op, size] = pick(STORES);
        const off = Math.floor(r() * (2040 / size)) * size + (r() < 0.1 ? 1 : 0);
        lines.push(`${op} x${src()}, ${off}(x31)`);
      }
    }
    if (inner) lines.push('addi x29, x29, -1', `bne x29, x0, b${b}l`);
    if (twoBlocks) lines.push(`j b${b}after`, `b${b}never:`, 'j b0', `b${b}after:`);
    const k = r();
    const fwd = `b${Math.min(blocks, b + 1 + Math.floor(r() * 3))}`;
    if (k < 0.5) lines.push(`${pick(BR)} x${src()}, x${src()}, ${fwd}`);
    else if (k < 0.6) lines.push(`jal x0, ${fwd}`);
    else if (k < 0.7) lines.push('jal x1, leaf');
    else if (ext.rvc && k < 0.75) lines.push(`${pick(['c.beqz', 'c.bnez'])} x${creg()}, ${fwd}`);
    else if (k < 0.77 && b === blocks - 1) lines.push(`ld x${reg()}, 0(x0)`); // an access fault, sometimes
  }
  lines.push(`b${blocks}:`);
  // Sometimes a load that faults in the outer loop's last round only, inside a hot block.
  if (r() < 0.4) lines.push('sltiu x28, x30, 2', 'addi x28, x28, -1', 'and x28, x28, x31', `addi x${reg()}, x${src()}, 1`, 'ld x27, 8(x28)', `add x${reg()}, x${src()}, x${src()}`);
  lines.push('addi x30, x30, -1', 'bne x30, x0, outer', 'li x17, 93', 'ecall');
  lines.push('leaf:', `add x${reg()}, x${src()}, x${src()}`, `sd x${src()}, ${8 * Math.floor(r() * 64)}(x31)`, 'jalr x0, 0(x1)');
  return lines.join('\n');
}

export function assembleAt(source: string): Uint8Array {
  const { words } = assemble(source, { base: CODE });
  const out = new Uint8Array(words.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) dv.setUint32(4 * i, words[i]! >>> 0, true);
  return out;
}

/**
 * One seed of the differential test: its random program of 4..15 blocks (with F, D, A and C
 * when `ext`), run by the interpreter and the translator in the same random slices, caches
 * wired by the seed. What both left (every slice's stop point, registers, memory, counters).
 */
export function diffSeed(seed: number, caches: boolean, ext: boolean) {
  const blocks = 4 + (seed % 12);
  const code = assembleAt(randomProgram(rng(seed), blocks, ext ? { fp: true, amo: true, rvc: true } : undefined));
  return { blocks, ...diffCode(seed, caches, code) };
}

/** One program through both engines, its slice length and cache wiring chosen by the seed. */
function diffCode(seed: number, caches: boolean, code: Uint8Array) {
  const maxSlice = [1, 7, 40, 400, 5000][seed % 5]!;
  // With caches, by seed: Atomics or not in translated code, bare mode or the TLB path.
  const variant = cacheVariant(seed);
  const a = machine('interp', caches, code, 2, undefined, variant);
  // Partial blocks' tails (cores/jit/tail.ts) compiled at once for half the seeds.
  const b = machine('jit', caches, code, 1 + (seed % 3), undefined, variant, seed % 2 === 0 ? 1 : undefined);
  const stopsA = runSliced(a, seed, maxSlice);
  const stopsB = runSliced(b, seed, maxSlice);
  return { variant, jit: b, interp: { ...snapshot(a), stops: stopsA }, translated: { ...snapshot(b), stops: stopsB } };
}

/**
 * A random program of calls and returns in hot loops (the translator's jalr prediction,
 * translate.ts readRegion): each of 1..3 counted loops calls functions by `jal ra`, by `call`
 * (auipc + jalr), through a register (`la` + jalr) or with t0 as the link (`jal t0`, returned by
 * `jr t0`), from one or two sites; functions nest a call (ra kept in x2..x4), keep ra in memory
 * and reload it, branch, sometimes return past the call site (in odd rounds: the predicted
 * return is wrong and the region must leave), and sometimes fault in the last round.
 * x31 holds DATA, x30 counts the outer loop, x29 inner loops; x1, x5, x6 and x2..x4 are links.
 */
export function callProgram(r: () => number): string {
  const pick = <T,>(a: readonly T[]) => a[Math.floor(r() * a.length)]!;
  const reg = () => 8 + Math.floor(r() * 20); // x8..x27
  const src = () => (r() < 0.1 ? 0 : reg());
  const alu = (): string => {
    const k = r();
    if (k < 0.4) return `${pick(ALU3)} x${reg()}, x${src()}, x${src()}`;
    if (k < 0.7) return `${pick(ALUI)} x${reg()}, x${src()}, ${Math.floor(r() * 4096) - 2048}`;
    if (k < 0.85) return `${pick(LOADS)[0]} x${reg()}, ${8 * Math.floor(r() * 200)}(x31)`;
    return `sd x${src()}, ${8 * Math.floor(r() * 200)}(x31)`;
  };
  const nf = 2 + Math.floor(r() * 3);
  const lines: string[] = [`li x31, ${DATA}`, `li x30, ${2 + Math.floor(r() * 4)}`];
  for (let i = 8; i < 29; i++) lines.push(`li x${i}, ${Math.floor((r() - 0.5) * 2 ** 31)}`);
  lines.push('outer:');
  const loops = 1 + Math.floor(r() * 3);
  for (let l = 0; l < loops; l++) {
    lines.push(`li x29, ${3 + Math.floor(r() * 40)}`, `L${l}:`);
    const sites = 1 + Math.floor(r() * 2);
    for (let s = 0; s < sites; s++) {
      for (let i = Math.floor(r() * 4); i > 0; i--) lines.push(alu());
      const f = Math.floor(r() * nf);
      const k = r();
      if (k < 0.3) lines.push(`jal x1, f${f}`);
      else if (k < 0.6) lines.push(`call f${f}`);
      else if (k < 0.8) lines.push(`la x6, f${f}`, 'jalr x1, 0(x6)');
      else lines.push(`jal x5, g${f}`);
      // What a return past the call site skips.
      lines.push('addi x28, x28, 1');
    }
    for (let i = Math.floor(r() * 3); i > 0; i--) lines.push(alu());
    lines.push('addi x29, x29, -1', `bne x29, x0, L${l}`);
  }
  lines.push('addi x30, x30, -1', 'bne x30, x0, outer', 'li x17, 93', 'ecall');
  for (let f = 0; f < nf; f++) {
    lines.push(`f${f}:`);
    for (let i = 1 + Math.floor(r() * 4); i > 0; i--) lines.push(alu());
    const k = r();
    // ra kept in a register of its own per function (x2..x4: nf <= 4), as nested calls need.
    if (k < 0.25 && f + 1 < nf) lines.push(`mv x${2 + f}, x1`, `jal x1, f${f + 1}`, 'addi x28, x28, 1', `mv x1, x${2 + f}`);
    else if (k < 0.4) lines.push(`sd x1, ${8 * (200 + f)}(x31)`, alu(), `ld x1, ${8 * (200 + f)}(x31)`);
    else if (k < 0.55) lines.push(`${pick(BR)} x${src()}, x${src()}, f${f}skip`, alu(), `f${f}skip:`);
    // Past the call site in odd rounds only (both returns' code decoded: the prediction misses).
    else if (k < 0.65) lines.push('andi x27, x29, 1', 'slli x27, x27, 2', 'add x1, x1, x27');
    else if (k < 0.7) lines.push('sltiu x27, x30, 2', 'addi x27, x27, -1', 'and x27, x27, x31', 'ld x26, 8(x27)');
    lines.push(alu(), 'jalr x0, 0(x1)');
    // The t0-linked twin.
    lines.push(`g${f}:`, alu(), alu(), 'jalr x0, 0(x5)');
  }
  return lines.join('\n');
}

/** One seed of callProgram, both engines, as diffSeed. */
export function diffCallSeed(seed: number, caches: boolean) {
  return diffCode(seed, caches, assembleAt(callProgram(rng(seed))));
}

/**
 * One seed of hosting: 2..6 harts on one thread run the seed's random program (each its own
 * memory; the translated functions are shared, as in a worker), interleaved every 1..50 cycles,
 * by the interpreter and by the translator with partial blocks' tails compiled at once.
 */
export function diffHosted(seed: number, caches: boolean, ext: boolean) {
  const harts = 2 + (seed % 5);
  const interleave = [1, 3, 7, 20, 50][(seed >> 1) % 5]!;
  const code = assembleAt(randomProgram(rng(seed), 4 + (seed % 12), ext ? { fp: true, amo: true, rvc: true } : undefined));
  const variant = cacheVariant(seed);
  const a = Array.from({ length: harts }, () => machine('interp', caches, code, 2, undefined, variant));
  const b = Array.from({ length: harts }, () => machine('jit', caches, code, 1 + (seed % 3), undefined, variant, 1));
  const stopsA = runHosted(a, interleave);
  const stopsB = runHosted(b, interleave);
  return {
    harts, interleave, variant, jits: b.map((m) => m.jit!),
    interp: { harts: a.map(snapshot), stops: stopsA },
    translated: { harts: b.map(snapshot), stops: stopsB },
  };
}

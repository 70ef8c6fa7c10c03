// The warm-up program (cores/warmup): what a worker runs before its first quantum so that V8
// optimizes Hart.run with feedback for every integer case. It must run in every memory wiring
// without trapping, execute every case it promises, and be the assembly of program.s.

import { describe, expect, it } from 'vitest';
import { programWords } from '../../cores/warmup/assemble.ts';
import { WARMUP_INSNS, WARMUP_PROGRAM, warmsUp, warmUp } from '../../cores/warmup/warmup.ts';
import { Op, OP_NAMES } from '../../cores/decode.ts';
import { makeConfig } from '../../src/machine/config.ts';

/** Every case of Hart.run the program executes: run's integer cases but the traps, atomics, fences, CSRs and Zalasr (program.s says why), and not F/D. */
const CASES = [
  Op.LI, Op.MV, Op.ADDI, Op.ADD, Op.SUB, Op.LUI, Op.AUIPC, Op.JAL, Op.JALR,
  Op.BEQ, Op.BNE, Op.BLT, Op.BGE, Op.BLTU, Op.BGEU,
  Op.LB, Op.LH, Op.LW, Op.LD, Op.LBU, Op.LHU, Op.LWU, Op.SB, Op.SH, Op.SW, Op.SD,
  Op.SLTI, Op.SLTIU, Op.XORI, Op.ORI, Op.ANDI, Op.SLLI, Op.SRLI, Op.SRAI,
  Op.SLL, Op.SRL, Op.SRA, Op.SLT, Op.SLTU, Op.XOR, Op.OR, Op.AND,
  Op.ADDIW, Op.SLLIW, Op.SRLIW, Op.SRAIW, Op.ADDW, Op.SUBW, Op.SLLW, Op.SRLW, Op.SRAW,
  Op.MUL, Op.MULH, Op.MULHSU, Op.MULHU, Op.DIV, Op.REM, Op.DIVU, Op.REMU,
  Op.MULW, Op.DIVW, Op.DIVUW, Op.REMW, Op.REMUW,
];
/** Cases the program must not run (program.s's header says why). */
const LEFT_OUT = [Op.LR_W, Op.SC_W, Op.AMO_W, Op.LR_D, Op.SC_D, Op.AMO_D, Op.FENCE, Op.FENCE_I, Op.CSR, Op.FLOAD, Op.FSTORE, Op.FP];

const WIRINGS = [
  { memory: 'flat', boot: 'spmd' },
  { memory: 'caches', boot: 'spmd' },
  { memory: 'flat', boot: 'linux' },
  { memory: 'caches', boot: 'linux' },
] as const;

describe('warm-up program', () => {
  it('is program.s assembled (run cores/warmup/assemble.ts after editing it)', () => {
    expect([...WARMUP_PROGRAM]).toEqual([...programWords()]);
  });

  for (const w of WIRINGS) {
    it(`runs its instructions without a trap and executes every promised case: ${w.memory}, ${w.boot}`, () => {
      const h = warmUp(makeConfig({ ...w, cores: 4 }));
      expect(h.instret).toBeGreaterThanOrEqual(WARMUP_INSNS);
      // Every decoded instruction stays in the decode cache (the program is far smaller than it).
      const ent = h.dc.ent, seen = new Set<number>();
      for (let e = 0; e < ent.length; e += 4) if (ent[e] !== -1) seen.add(ent[e + 1]! & 0xff);
      const missing = CASES.filter((op) => !seen.has(op)).map((op) => OP_NAMES[op] ?? op);
      expect(missing).toEqual([]);
      // And none of the cases it leaves out: their feedback would make run's first compile ~3x larger.
      const left = LEFT_OUT.filter((op) => seen.has(op)).map((op) => OP_NAMES[op] ?? op);
      expect(left).toEqual([]);
      // Compressed parcels ran too (length 2), and one 32-bit instruction straddled a fetch block.
      let compressed = 0, straddling = 0;
      for (let e = 0; e < ent.length; e += 4) {
        if (ent[e] === -1) continue;
        if (ent[e + 1]! >>> 24 === 2) compressed++;
        else if ((ent[e]! & 63) === 62) straddling++;
      }
      expect(compressed).toBeGreaterThan(20);
      expect(straddling).toBe(1);
    });
  }

  it('is run by interpreter workers over flat memory only', () => {
    expect(warmsUp(makeConfig({ memory: 'flat', engine: 'interp' }))).toBe(true);
    expect(warmsUp(makeConfig({ memory: 'flat', engine: 'interp', boot: 'linux' }))).toBe(true);
    expect(warmsUp(makeConfig({ memory: 'caches', engine: 'interp' }))).toBe(false);
    expect(warmsUp(makeConfig({ memory: 'flat', engine: 'jit' }))).toBe(false);
  });

  it('passes through the whole program more than once (so feedback is recorded after V8 allocates it)', () => {
    const h = warmUp(makeConfig({ memory: 'flat' }), WARMUP_INSNS);
    expect(h.instret / WARMUP_PROGRAM.length).toBeGreaterThan(3);
  });
});

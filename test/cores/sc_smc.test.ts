// A store-conditional into code this hart has decoded drops the stale decode-cache entries,
// like every other store and AMO, in both memory models (issue 8: caches-mode sc.w/sc.d kept
// executing the old instruction).
import { describe, expect, it } from 'vitest';
import { DecodeCache } from '../../cores/decode_cache.ts';
import { Hart, RUN_LIMIT } from '../../cores/hart.ts';
import { createCoreMemory } from '../../cores/core_memory.ts';
import type { HartMemory } from '../../cores/memory.ts';
import { IdentityMap } from '../../cores/tlb.ts';
import { allocateCoherence, CoherenceViews, DEFAULT_GEOMETRY } from '../../shared/coherence/layout.ts';
import { ProtocolTable, TRANSITIONS } from '../../shared/coherence/mesi.ts';
import { assemble } from '../../src/asm/index.ts';
import { CAUSE_ECALL_U } from '../../src/kernel/fault.ts';
import { RecordingTrapHandler } from './harness.ts';

const RAM_BYTES = 1 << 16;
const RAM_BASE = 0x1000;
const CODE = 0x2000;
const TARGET = CODE + 0x40; // 8-aligned, its own cache line

/** Bare mode's memory classes, or (tlb) the TLB path over the same identity map. */
function memory(model: 'flat' | 'caches', ram: SharedArrayBuffer, tlb: boolean): { mem: HartMemory; decode: DecodeCache } {
  const geometry = { ...DEFAULT_GEOMETRY, cores: 1 };
  const caches = model === 'caches' ? { views: new CoherenceViews(geometry, allocateCoherence(geometry)), table: new ProtocolTable(TRANSITIONS) } : undefined;
  const translation = tlb ? new IdentityMap(RAM_BASE, RAM_BYTES) : undefined;
  return createCoreMemory({ core: 0, ram, ramBase: RAM_BASE, lrscHold: 0, caches, translation });
}

/**
 * Calls TARGET (li a3, 1; ret), rewrites it with lr/sc (sc.w: its first word; sc.d: both
 * words), calls it again and returns a3: 2 if the hart ran the new code, 1 if the stale entry.
 */
function run(model: 'flat' | 'caches', width: 'w' | 'd', tlb: boolean): { a3: number; scResult: number } {
  const ram = new SharedArrayBuffer(RAM_BYTES);
  const dv = new DataView(ram);
  const put = (at: number, words: ArrayLike<number>) => {
    for (let i = 0; i < words.length; i++) dv.setUint32(at + 4 * i, words[i]! >>> 0, true);
  };
  put(CODE, assemble(`
    lui a4, ${TARGET >>> 12}
    addi a4, a4, ${TARGET & 0xfff}
    jal ra, ${TARGET - (CODE + 8)}
    lr.${width} t0, (a4)
    sc.${width} t1, a5, (a4)
    jal ra, ${TARGET - (CODE + 20)}
    ecall`).words);
  put(TARGET, assemble('addi a3, zero, 1\njalr zero, 0(ra)').words);
  const [liNew, ret] = assemble('addi a3, zero, 2\njalr zero, 0(ra)').words;
  const { mem, decode } = memory(model, ram, tlb);
  const handler = new RecordingTrapHandler();
  const hart = new Hart({ hartId: 0, mem, decode, trap: handler, timePerCycle: 1 });
  hart.pc = CODE;
  hart.xl[15] = liNew!; // a5: the new instruction(s)
  hart.xh[15] = width === 'd' ? ret! : 0;
  expect(hart.run(1_000_000)).not.toBe(RUN_LIMIT);
  expect(handler.last?.cause).toBe(CAUSE_ECALL_U);
  return { a3: hart.xl[13]!, scResult: hart.xl[6]! };
}

describe('a store-conditional into decoded code invalidates it', () => {
  for (const model of ['flat', 'caches'] as const) {
    for (const width of ['w', 'd'] as const) {
      for (const tlb of [false, true]) {
        it(`sc.${width}, --memory ${model}${tlb ? ', through the TLB path' : ''}`, () => {
          expect(run(model, width, tlb)).toEqual({ a3: 2, scResult: 0 });
        });
      }
    }
  }
});

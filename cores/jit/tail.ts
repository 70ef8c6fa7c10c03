// Partial blocks (--engine jit): a translated block's tail runs it from any of its
// instructions up to a stretch's end exactly where the interpreter would stop (each instruction
// runs while n < lim, memory latency pulling lim in), so that a short slice (a worker hosting
// many cores switches every `interleave` cycles) neither ends nor starts in the interpreter:
// a region whose entry block does not fit in what is left of the stretch hands over to the tail
// of that block, a region that left mid-block (cached memory: a slow access left too little)
// to the tail from there, and the next stretch resumes mid-block in the same tail.
//
// A tail is one function per block (translate.ts regionSource with `tail`: a switch on the
// entry index falling through the block's instructions), compiled once it was needed
// TAIL_THRESHOLD times and kept while the region it was read with lives (only for cores that
// share their thread with others, CoreGroup: a lone core's stretches are long, and its rare
// ends in a block are not worth a compile): the region's decode entries are then all
// present, so the tail runs the code the interpreter would. Each instruction of the region's
// blocks maps its decode-cache slot to (tail, index); a later region holding the same
// instruction takes the slot over.

import { DECODE_MASK, DECODE_SIZE, emptyTags } from '../decode_cache.ts';
import type { BlockInsn, RegionFn } from './translate.ts';
import { slotArray } from './slot_array.ts';
import { hostTable } from '../host_tables.ts';

/** A region as its tails see it: they die with it, and their source counts in its size. */
export interface TailOwner {
  alive: boolean;
  chars: number;
}

/** A block's tail; `owner` is the region it was read with. */
export interface Tail {
  owner: TailOwner;
  block: BlockInsn[];
  fn: RegionFn | undefined;
  /** Times it was wanted before it was compiled. */
  wants: number;
}

/**
 * A tail is compiled when wanted this many times (until then the interpreter runs those
 * instructions). Off (Infinity) for now: measured on compute_long, 16 cores on one thread with
 * caches (bench/hosted_ab.ts, bench/scaling.ts --hosted-only), the tails' V8 compiles cost more
 * in a 48 M-instruction run than the interpreter they replace, and their steady state gained
 * within the noise: a slice of ~32 instructions pays ~3 translated calls (tail, region, tail),
 * each with its region's prologue and epilogue. The tests run them at threshold 1.
 */
export const TAIL_THRESHOLD = Infinity;

export class Tails {
  /** Per decode-cache slot: the pc of the instruction a tail runs from there, or empty (emptyTags). */
  readonly tag = emptyTags(DECODE_SIZE);
  /** That instruction's index in its block (the tail's entry, st[5]). */
  readonly idx = hostTable(Int32Array, DECODE_SIZE);
  /** What the block from that instruction on needs of the budget to run whole (translate.ts blockCost). */
  readonly rest = hostTable(Int32Array, DECODE_SIZE);
  /** Allocated by the first add (a 32,768-slot array on the heap: most harts never have tails). */
  tail: (Tail | undefined)[] = slotArray<Tail>(1);

  /** The blocks of a new region: their instructions run from here on in their tails when a stretch ends or starts among them. */
  add(blocks: BlockInsn[][], owner: TailOwner, cost: (insns: BlockInsn[]) => number): void {
    if (this.tail.length < DECODE_SIZE) this.tail = slotArray<Tail>(DECODE_SIZE);
    for (const block of blocks) {
      const t: Tail = { owner, block, fn: undefined, wants: 0 };
      for (let j = 0; j < block.length; j++) {
        const i = (block[j].pc >>> 1) & DECODE_MASK;
        this.tag[i] = block[j].pc;
        this.idx[i] = j;
        this.rest[i] = cost(block.slice(j));
        this.tail[i] = t;
      }
    }
  }

  flush(): void {
    this.tag.fill(-1);
    this.tail.fill(undefined);
  }
}

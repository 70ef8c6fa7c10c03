// One hart's translated blocks (--engine jit): a direct-mapped table on the entry pc's parcel
// index (the decode cache's), execution counts per entry pc, and invalidation.
//
// A block lives exactly as long as the decode-cache entries it was read from: the decode cache
// tells (DecodeListener) of every entry it drops (a store into decoded code, fence.i, the
// kernel's flushes) and Hart.decodeAt of every entry it replaces, and the blocks covering that
// instruction go. So while a block is in the table the interpreter would find every one of its
// instructions decoded (it would not decode, hence not fetch: the same L1i and bus traffic),
// and the code it runs is the code the interpreter would run.

import { DECODE_MASK, DECODE_SIZE, type DecodeCache, type DecodeListener } from '../decode_cache.ts';
import { BLOCK_MAX_BYTES, compileBlock, readBlock, type BlockFn } from './translate.ts';

/** Block entries seen this many times are translated. */
export const JIT_THRESHOLD = 32;
/** Translations of one table slot before it stays interpreted (code that keeps being dropped). */
const RETRANSLATE_CAP = 16;

export class Jit implements DecodeListener {
  /** Entry pc of the block in each slot, -1 when empty. */
  readonly tag = new Int32Array(DECODE_SIZE).fill(-1);
  /** Instructions of the block in each slot. */
  readonly len = new Int32Array(DECODE_SIZE);
  /** First byte past the block. */
  private readonly end = new Int32Array(DECODE_SIZE);
  readonly fns: (BlockFn | undefined)[] = new Array<BlockFn | undefined>(DECODE_SIZE).fill(undefined);
  /** Per parcel slot: some block may cover the instruction there (cleared only by a flush). */
  private readonly cov = new Uint8Array(DECODE_SIZE);
  private readonly ctag = new Int32Array(DECODE_SIZE).fill(-1);
  private readonly cnt = new Int32Array(DECODE_SIZE);
  private readonly tries = new Uint8Array(DECODE_SIZE);
  /**
   * The block calling convention (translate.ts): [0] n, [1] lim, [2] pc of a fault, [3] epoch
   * (moves whenever a block is dropped: a block that stored checks it), [4] 1 after a fault.
   */
  readonly st = new Int32Array(8);
  /** Blocks translated and dropped, for tests and the bench. */
  translated = 0;
  drops = 0;

  constructor(
    private readonly dc: DecodeCache,
    private readonly fetchSpan: number,
    private readonly threshold = JIT_THRESHOLD,
  ) {
    dc.jit = this;
  }

  /**
   * Counts an arrival at block entry pc (slot i) with no block there; true when that made it
   * hot and it is now translated.
   */
  count(pc: number, i: number): boolean {
    if (this.ctag[i] !== pc) {
      this.ctag[i] = pc;
      this.cnt[i] = 1;
      return false;
    }
    if (++this.cnt[i] < this.threshold || this.tries[i] >= RETRANSLATE_CAP) return false;
    const b = readBlock(this.dc.ent, pc);
    if (b.length === 0) {
      this.tries[i] = RETRANSLATE_CAP; // starts with an op the translator leaves to the interpreter
      return false;
    }
    this.cnt[i] = 0;
    this.tries[i]++;
    this.fns[i] = compileBlock(b, this.fetchSpan);
    this.tag[i] = pc;
    this.len[i] = b.length;
    const last = b[b.length - 1];
    this.end[i] = last.pc + last.len;
    for (const x of b) this.cov[(x.pc >>> 1) & DECODE_MASK] = 1;
    this.translated++;
    return true;
  }

  /** The decode entry of the instruction at pc is gone: so are the blocks that hold it. */
  dropped(pc: number): void {
    if (this.cov[(pc >>> 1) & DECODE_MASK] === 0) return;
    for (let s = pc - BLOCK_MAX_BYTES + 2; s <= pc; s += 2) {
      const i = (s >>> 1) & DECODE_MASK;
      if (this.tag[i] === s && this.end[i] > pc) this.drop(i);
    }
  }

  flushed(): void {
    this.tag.fill(-1);
    this.fns.fill(undefined);
    this.cov.fill(0);
    this.ctag.fill(-1);
    this.st[3]++;
  }

  private drop(i: number): void {
    this.tag[i] = -1;
    this.fns[i] = undefined;
    this.drops++;
    this.st[3]++;
  }
}

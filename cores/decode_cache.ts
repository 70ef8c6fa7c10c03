// Per-hart cache of decoded instructions, direct-mapped on the parcel address (IALIGN = 2 bytes).
// Layout: one Int32Array, 4 words per entry i = (pc >>> 1) & MASK, at e = i * 4:
//   ent[e]     pc of the decoded instruction, or -1 when empty (this hart only)
//   ent[e + 1] op | rd << 8 | rs1 << 14 | rs2 << 19 | len << 24: the op (cores/decode.ts Op,
//              after Hart.decodeAt's specialisation into interpreter forms), destination (6 bits:
//              an x0 destination is rewritten to 32, a sink nobody reads), sources (for Op.CSR
//              rs2 holds funct3), and the instruction's length in bytes (2 or 4: pc + len)
//   ent[e + 2] sign-extended immediate, branch/jump offset, shift amount, CSR number or AMO funct5
//   ent[e + 3] the encoding as fetched (a 16-bit parcel or a 32-bit word): the fault report of
//              an illegal instruction; the FP form reads rs3 and rm from it
// One array and one cache line per entry: the dispatch does three loads, not six.
// `pages` marks the 4 KiB pages this hart decoded from, so a store there drops stale entries.

import { hostTable } from './host_tables.ts';

// 2^15 entries: 64 KiB of 32-bit code, as 2^14 word-indexed entries covered before C.
export const DECODE_BITS = 15;
export const DECODE_SIZE = 1 << DECODE_BITS;
export const DECODE_MASK = DECODE_SIZE - 1;

/** What the translator (cores/jit) must hear: its blocks live exactly as long as their decode entries. */
export interface DecodeListener {
  /** The entry of the instruction at pc was dropped or replaced. */
  dropped(pc: number): void;
  /** Every entry was dropped. */
  flushed(): void;
}

/**
 * A table of pc tags, one per slot (pc >>> 1) & DECODE_MASK every `stride` words, every slot
 * empty. A slot is empty when its tag is no pc that maps to it: 0 (fresh memory, so that no page
 * is touched before a slot is written: a fill of -1 faulted in every page of every table of every
 * core at start-up, ~10 ms for 4 cores), except in slot 0, where pc 0 maps, which holds -1 (odd:
 * no pc). Writing -1 always empties a slot.
 */
export function emptyTags(slots: number, stride = 1): Int32Array {
  const t = hostTable(Int32Array, slots * stride);
  t[0] = -1;
  return t;
}

/** The tag in word e of a table of `stride` words per slot names a pc (the slot is not empty). */
export function holdsPc(tags: Int32Array, e: number, stride: number): boolean {
  const t = tags[e];
  return t !== -1 && ((t >>> 1) & DECODE_MASK) * stride === e;
}

export class DecodeCache {
  readonly ent = emptyTags(DECODE_SIZE, 4);
  readonly pages: Uint8Array;
  /** --engine jit: told of every entry dropped, so translated blocks go with their entries. */
  jit: DecodeListener | null = null;

  constructor(ramBytes: number) {
    this.pages = new Uint8Array(Math.ceil(ramBytes / 4096));
  }

  /**
   * Drops the entries covering [a, a+len): called on a store into a page this hart decoded from.
   * A 32-bit instruction starting at a - 2 reaches into a: it goes too.
   */
  invalidate(a: number, len: number): void {
    for (let h = (a - 2) & ~1; h < a + len; h += 2) {
      const e = ((h >>> 1) & DECODE_MASK) * 4;
      if (this.ent[e] === h) {
        this.ent[e] = -1;
        if (this.jit !== null) this.jit.dropped(h);
      }
    }
  }

  /** FENCE.I: forget everything. */
  flush(): void {
    for (let i = 0; i < DECODE_SIZE; i++) this.ent[i * 4] = -1;
    this.pages.fill(0);
    if (this.jit !== null) this.jit.flushed();
  }
}

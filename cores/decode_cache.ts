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

export class DecodeCache {
  readonly ent = new Int32Array(DECODE_SIZE * 4);
  readonly pages: Uint8Array;
  /** --engine jit: told of every entry dropped, so translated blocks go with their entries. */
  jit: DecodeListener | null = null;

  constructor(ramBytes: number) {
    this.pages = new Uint8Array(Math.ceil(ramBytes / 4096));
    // Every entry empty ([-1, 0, 0, 0]) by doubling copies: 15 native copies, where a loop of
    // 32768 stores cost each core's start ~6 M host instructions (interpreted, then OSR-compiled).
    const ent = this.ent;
    ent[0] = -1;
    for (let n = 4; n < ent.length; n *= 2) ent.copyWithin(n, 0, Math.min(n, ent.length - n));
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

// Per-hart cache of decoded instructions, direct-mapped on the word address.
// Layout: one Int32Array, 4 words per entry i = (pc >>> 2) & MASK, at e = i * 4:
//   ent[e]     pc of the decoded instruction, or -1 when empty (this hart only)
//   ent[e + 1] op | rd << 8 | rs1 << 16 | rs2 << 24: the op (cores/decode.ts Op, after
//              Hart.decodeAt's specialisation into interpreter forms), destination (0 is
//              rewritten to 32, a sink nobody reads), sources (for Op.CSR rs2 holds funct3)
//   ent[e + 2] sign-extended immediate, branch/jump offset, shift amount, CSR number or AMO funct5
//   ent[e + 3] the encoding as fetched: the fault report of an illegal instruction, and its length
//              ((bits & 3) === 3: 4 bytes, else a 2-byte compressed parcel, once C lands)
// One array and one cache line per entry: the dispatch does three loads, not six.
// `pages` marks the 4 KiB pages this hart decoded from, so a store there drops stale entries.

export const DECODE_BITS = 14;
export const DECODE_SIZE = 1 << DECODE_BITS;
export const DECODE_MASK = DECODE_SIZE - 1;

export class DecodeCache {
  readonly ent = new Int32Array(DECODE_SIZE * 4);
  readonly pages: Uint8Array;

  constructor(ramBytes: number) {
    this.pages = new Uint8Array(Math.ceil(ramBytes / 4096));
    for (let i = 0; i < DECODE_SIZE; i++) this.ent[i * 4] = -1;
  }

  /** Drops the entries covering [a, a+len): called on a store into a page this hart decoded from. */
  invalidate(a: number, len: number): void {
    for (let w = a & ~3; w < a + len; w += 4) {
      const e = ((w >>> 2) & DECODE_MASK) * 4;
      if (this.ent[e] === w) this.ent[e] = -1;
    }
  }

  /** FENCE.I: forget everything. */
  flush(): void {
    for (let i = 0; i < DECODE_SIZE; i++) this.ent[i * 4] = -1;
    this.pages.fill(0);
  }
}

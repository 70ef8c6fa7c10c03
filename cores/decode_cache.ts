// Per-hart cache of decoded instructions, direct-mapped on the word address.
// Layout: parallel typed arrays indexed by (pc >>> 2) & MASK.
//   tag[i]  pc of the decoded word, or -1 when empty (this hart only)
//   op[i]   interpreter opcode (cores/hart.ts)
//   rd[i]   destination register; 0 is rewritten to 32, a sink nobody reads
//   rs1/rs2 source registers (for CSR ops rs2 holds nothing; imm holds the CSR number)
//   imm[i]  sign-extended immediate, branch/jump offset, or shift amount
// `pages` marks the 4 KiB pages this hart decoded from, so a store there drops stale entries.

export const DECODE_BITS = 14;
export const DECODE_SIZE = 1 << DECODE_BITS;
export const DECODE_MASK = DECODE_SIZE - 1;

export class DecodeCache {
  readonly tag = new Int32Array(DECODE_SIZE).fill(-1);
  readonly op = new Uint8Array(DECODE_SIZE);
  readonly rd = new Uint8Array(DECODE_SIZE);
  readonly rs1 = new Uint8Array(DECODE_SIZE);
  readonly rs2 = new Uint8Array(DECODE_SIZE);
  readonly imm = new Int32Array(DECODE_SIZE);
  readonly pages: Uint8Array;

  constructor(ramBytes: number) {
    this.pages = new Uint8Array(Math.ceil(ramBytes / 4096));
  }

  /** Drops the entries covering [a, a+len): called on a store into a page this hart decoded from. */
  invalidate(a: number, len: number): void {
    for (let w = a & ~3; w < a + len; w += 4) {
      const i = (w >>> 2) & DECODE_MASK;
      if (this.tag[i] === w) this.tag[i] = -1;
    }
  }

  /** FENCE.I: forget everything. */
  flush(): void {
    this.tag.fill(-1);
    this.pages.fill(0);
  }
}

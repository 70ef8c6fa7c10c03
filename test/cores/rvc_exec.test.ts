// The interpreter runs a compressed instruction as the decode-cache entry of its 32-bit
// expansion with length 2 (cores/hart.ts decodeAt). Every one of the 49152 parcels, run alone
// from the same registers, must do what its expansion does: the same registers, memory and
// trap, with the next pc and any link 2 less on the fall-through (a taken branch or jump
// reaches the same target); an illegal parcel traps naming the parcel.
import { describe, expect, it } from 'vitest';
import { expandCompressed, RVC_ILLEGAL } from '../../cores/rvc.ts';
import { immB } from '../../cores/decode.ts';
import { encB } from '../../src/asm/encode.ts';
import { CODE_BASE, DATA_BASE, TestHart } from './harness.ts';

const AT = CODE_BASE + 0x100; // word-aligned: both widths run from the same pc
/** Past the highest byte a parcel's load or store can reach from the seeded registers (sp + 504). */
const DATA_END = DATA_BASE + 0x4200;
const le32 = (w: number) => [w & 0xff, (w >>> 8) & 0xff, (w >>> 16) & 0xff, w >>> 24];

/** Registers pointing into RAM (so loads and stores land), others a fixed odd pattern. */
function seed(t: TestHart): void {
  const h = t.hart;
  for (let r = 1; r < 32; r++) {
    h.xl[r] = r === 1 ? CODE_BASE + 0x800 : r < 16 ? DATA_BASE + 0x100 * r : (0x9e3779b9 * r) | 0;
    h.xh[r] = r < 16 ? 0 : -(r & 1);
  }
  h.xl[2] = DATA_BASE + 0x4000; // sp: the *sp forms
  for (let i = 0; i < 64; i++) h.f.w[i] = (0x7f4a7c15 * (i + 1)) | 0;
  t.u8.fill(0x5a, DATA_BASE, DATA_END);
}

/** Runs one instruction (the encoding `words` at AT) and returns what it left. */
function step(t: TestHart, bytes: number[]): { pc: number; x: number[]; f: number[]; trap: string; data: Buffer } {
  t.u8.fill(0, AT, AT + 8);
  t.write(AT, bytes);
  t.dc.invalidate(AT, 8); // host writes bypass the hart's stores
  t.reset(AT);
  seed(t);
  const h = t.hart;
  h.run(1); // one cycle (flat latency 0): one instruction, or a trap
  const trap = t.handler.traps.length ? `${t.handler.traps[0]!.cause}:${t.handler.traps[0]!.tval}` : '';
  return { pc: h.pc, x: [...h.xl.slice(0, 32), ...h.xh.slice(0, 32)], f: [...h.f.w], trap, data: Buffer.from(t.u8.subarray(DATA_BASE, DATA_END)) };
}

const same = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

describe('compressed instructions run as their expansions', () => {
  it('every parcel runs as its 32-bit expansion, pc and link 2 less on the fall-through', () => {
    const t = new TestHart();
    let legal = 0;
    for (let h = 0; h < 65536; h++) {
      if ((h & 3) === 3) continue;
      const w = expandCompressed(h);
      const c = step(t, [h & 0xff, h >>> 8]);
      const where = `parcel 0x${h.toString(16)} (expansion 0x${(w >>> 0).toString(16)})`;
      if (w === RVC_ILLEGAL) {
        if (c.trap !== `2:${h}`) expect(c.trap, where).toBe(`2:${h}`); // illegal instruction, naming the parcel
        continue;
      }
      const full = step(t, le32(w));
      // Fall-through: 2 bytes on instead of 4; a link register written with pc + 2 instead of pc + 4.
      // A jump or taken branch to pc + 4 looks like a fall-through: the branch, moved to offset
      // 8, says whether it was taken.
      const opcode = w & 0x7f;
      let fell = full.pc === AT + 4 && opcode !== 0x6f && opcode !== 0x67;
      if (fell && opcode === 0x63 && immB(w) === 4) fell = step(t, le32(encB(0x63, (w >>> 12) & 7, (w >>> 15) & 31, (w >>> 20) & 31, 8))).pc !== AT + 8;
      const x = [...full.x];
      const rd = (w >>> 7) & 31;
      if ((opcode === 0x6f || opcode === 0x67) && rd !== 0) x[rd] = AT + 2; // the link: the next parcel
      const want = { pc: fell ? AT + 2 : full.pc, x, f: full.f, trap: full.trap, data: full.data };
      // expect() only on a difference: 47k deep comparisons through it would take most of the test.
      if (c.pc !== want.pc || c.trap !== want.trap || !same(c.x, x) || !same(c.f, want.f) || !c.data.equals(want.data)) expect(c, where).toEqual(want);
      legal++;
    }
    expect(legal).toBe(49152 - 2409); // the spec's reserved parcels (test/cores/rvc.test.ts)
  });
});

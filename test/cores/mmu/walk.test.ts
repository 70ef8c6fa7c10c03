// The page walker (cores/mmu/walk.ts) against the spec's algorithm written plainly in BigInt
// (walk_ref.ts), on random page tables: pointers, leaves at every level (superpages with
// aligned and misaligned PPNs), invalid entries, W-without-R, reserved bits (N, PBMT, 60:54),
// D/A/U on pointers, PTE addresses outside RAM, A/D in every combination, U/S with SUM and
// MXR, canonical and non-canonical addresses. Each walk must give the same fault or none,
// the same physical address and level, and leave RAM with the same A/D updates.
// (A differential check against qemu is not practical: qemu-user runs guests without
// paging, and qemu-system would need a guest kernel to build the tables.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ACC_FETCH, ACC_READ, ACC_WRITE, PRV_S, PRV_U, PTE_A, PTE_D, PTE_G, PTE_R, PTE_U, PTE_V, PTE_W, PTE_X,
  SATP_MODE_SV39, SATP_MODE_SV48,
} from '../../../cores/mmu/pte.ts';
import { RamPteMemory } from '../../../cores/mmu/ram_pte.ts';
import { PageWalkMissHandler } from '../../../cores/mmu/miss.ts';
import { PageWalker, type PteMemory } from '../../../cores/mmu/walk.ts';
import { R_FETCH, R_LOAD, R_STORE, refWalk, type RefAcc } from './walk_ref.ts';

const RAM_BASE = 0x8000_0000;
const RAM_PAGES = 16;
const RAM_PFN = RAM_BASE / 4096;
const IDX = [0, 1, 255, 256, 511]; // 256+ in the top level: the upper (negative) half
const ACCS = [ACC_READ, ACC_WRITE, ACC_FETCH] as const;
const REF_ACC: Record<number, RefAcc> = { [ACC_READ]: R_LOAD, [ACC_WRITE]: R_STORE, [ACC_FETCH]: R_FETCH };

interface EntrySpec {
  kind: number; // 0 pointer, 1 leaf, 2 invalid (V=0), 3 raw random
  table: number;
  low: number; // bits 9:0 (flags + RSW)
  ppnMode: number; // leaves: 0 random 44-bit, 1..3 aligned to that level, 4 small
  ppn: bigint;
  noise: number; // 0 none; 1 N; 2 PBMT; 3 a bit in 60:54; 4 D/A/U on a pointer; 5 W without R; 6 out-of-RAM pointer
  raw: bigint;
}

const BITS_NICE = fc.record({ rwx: fc.integer({ min: 1, max: 7 }), a: fc.boolean(), d: fc.boolean(), g: fc.boolean(), u: fc.constantFrom(true, true, true, false) })
  .map((b) => (b.rwx << 1) | (b.u ? PTE_U : 0) | (b.g ? PTE_G : 0) | (b.a ? PTE_A : 0) | (b.d ? PTE_D : 0));

const entryArb: fc.Arbitrary<EntrySpec> = fc.record({
  kind: fc.constantFrom(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 3),
  table: fc.nat(7),
  low: fc.oneof({ weight: 3, arbitrary: BITS_NICE }, { weight: 1, arbitrary: fc.nat(1023) }),
  ppnMode: fc.constantFrom(0, 1, 1, 2, 2, 3, 3, 4),
  ppn: fc.bigInt({ min: 0n, max: (1n << 44n) - 1n }),
  noise: fc.constantFrom(...new Array<number>(24).fill(0), 1, 2, 3, 4, 5, 6),
  raw: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
});

function pteOf(e: EntrySpec, tables: number): bigint {
  let pte: bigint;
  if (e.kind === 3) return e.raw;
  if (e.kind === 0) {
    const ppn = e.noise === 6 ? BigInt(RAM_PFN + RAM_PAGES + e.table) : BigInt(RAM_PFN + (e.table % tables));
    let low = PTE_V | (e.low & 0x300); // RSW bits are ignored by hardware
    if (e.noise === 4) low |= [PTE_A, PTE_D, PTE_U][e.table % 3]!;
    pte = (ppn << 10n) | BigInt(low);
  } else {
    let ppn = e.ppn;
    if (e.ppnMode >= 1 && e.ppnMode <= 3) ppn &= ~((1n << BigInt(9 * e.ppnMode)) - 1n);
    if (e.ppnMode === 4) ppn &= 0xfffffn;
    let low = e.low;
    if (e.kind === 1) {
      low |= PTE_V;
      if ((low & (PTE_R | PTE_X)) === 0) low |= PTE_R;
      if ((low & (PTE_R | PTE_W)) === PTE_W) low |= PTE_R;
    } else low &= ~PTE_V;
    if (e.noise === 5) low = (low & ~PTE_R) | PTE_W | PTE_V;
    pte = (ppn << 10n) | BigInt(low);
  }
  if (e.noise === 1) pte |= 1n << 63n;
  if (e.noise === 2) pte |= 1n << 61n;
  if (e.noise === 3) pte |= 1n << BigInt(54 + (e.table % 7));
  return pte;
}

interface WalkSpec {
  idx: number[];
  off: number;
  canon: number; // 0 canonical; 1 one bit above the VA width flipped; 2 bit 63 flipped
  flip: number;
  acc: number;
  user: boolean;
  sum: boolean;
  mxr: boolean;
}

const walkArb: fc.Arbitrary<WalkSpec> = fc.record({
  idx: fc.array(fc.constantFrom(...IDX), { minLength: 4, maxLength: 4 }),
  off: fc.nat(4095),
  canon: fc.constantFrom(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2),
  flip: fc.nat(24),
  acc: fc.constantFrom(...ACCS),
  user: fc.constantFrom(true, true, true, false),
  sum: fc.boolean(),
  mxr: fc.boolean(),
});

const scenarioArb = fc.record({
  tables: fc.integer({ min: 1, max: 8 }),
  entries: fc.array(fc.array(entryArb, { minLength: IDX.length, maxLength: IDX.length }), { minLength: 8, maxLength: 8 }),
  rootOut: fc.constantFrom(false, false, false, false, false, false, false, false, false, true),
  asid: fc.nat(0xffff),
  walks: fc.array(walkArb, { minLength: 1, maxLength: 24 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** The va of a walk spec as a 64-bit pattern (BigInt) and as the hart's signed number. */
function vaOf(w: WalkSpec, levels: number): { big: bigint; num: number } {
  let v = BigInt(w.off);
  for (let i = 0; i < levels; i++) v |= BigInt(w.idx[i]!) << BigInt(12 + 9 * i);
  const vaBits = 12 + 9 * levels;
  v = BigInt.asUintN(64, BigInt.asIntN(vaBits, v)); // sign-extend from bit vaBits-1
  if (w.canon === 1) v ^= 1n << BigInt(vaBits + (w.flip % (64 - vaBits)));
  if (w.canon === 2) v ^= 1n << 63n;
  return { big: v, num: Number(BigInt.asIntN(64, v)) };
}

function firstDiff(a: BigUint64Array, b: BigUint64Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function runScenario(s: Scenario, levels: number, svade: boolean): void {
  const ram = new SharedArrayBuffer(RAM_PAGES * 4096);
  const ram64 = new BigUint64Array(ram);
  for (let t = 0; t < s.tables; t++) {
    for (let k = 0; k < IDX.length; k++) ram64[t * 512 + IDX[k]!] = pteOf(s.entries[t]![k]!, s.tables);
  }
  const refMem = ram64.slice();
  const rootPpn = s.rootOut ? BigInt(RAM_PFN + RAM_PAGES) : BigInt(RAM_PFN);
  const mode = levels === 3 ? SATP_MODE_SV39 : SATP_MODE_SV48;
  const satp = (BigInt(mode) << 60n) | (BigInt(s.asid) << 44n) | rootPpn;
  const walker = new PageWalker(new RamPteMemory(ram, RAM_BASE), { svade });
  expect(walker.setSatp(Number(satp & 0xffffffffn) | 0, Number(satp >> 32n) | 0)).toBe(true);
  expect(walker.asid).toBe(s.asid);
  for (const w of s.walks) {
    const { big, num } = vaOf(w, levels);
    walker.priv = w.user ? PRV_U : PRV_S;
    walker.sum = w.sum;
    walker.mxr = w.mxr;
    const ctx = { mem: refMem, memBase: BigInt(RAM_BASE), satp, user: w.user, sum: w.sum, mxr: w.mxr, svade };
    const want = refWalk(ctx, big, REF_ACC[w.acc]!);
    const got = walker.walk(num, w.acc);
    const where = `va ${big.toString(16)} acc ${w.acc} user ${w.user} sum ${w.sum} mxr ${w.mxr}`;
    expect(got, where).toBe(want.cause);
    expect(firstDiff(ram64, refMem), where).toBe(-1); // same A/D updates
    if (got !== 0) continue;
    const r = walker.res;
    expect(BigInt(r.ppn) * 4096n + (big & 4095n), where).toBe(want.pa);
    expect(r.level, where).toBe(want.level);
    expect(r.perm & ~PTE_G, where).toBe(Number(want.pte & 0xffn) & ~PTE_G);
    expect((r.perm & PTE_G) !== 0, where).toBe(want.global);
    expect(r.asid).toBe(s.asid);
    // `allow`: a kind it lists must translate again without touching RAM; one it omits must
    // fault or need an A/D write (the TLB would have to walk).
    for (const k of ACCS) {
      const scratch = refMem.slice();
      const again = refWalk({ ...ctx, mem: scratch }, big, REF_ACC[k]!);
      const clean = again.cause === 0 && firstDiff(scratch, refMem) === -1;
      expect((r.allow & k) !== 0, `${where} allow kind ${k}`).toBe(clean);
      if (clean) expect(again.pa).toBe(want.pa);
    }
  }
}

const SEED = Number(process.env.WALK_SEED ?? 20261201);

describe('page walker against the spec reference (fast-check, seeded)', () => {
  console.log(`walk test seed ${SEED} (WALK_SEED=... to replay)`);
  for (const [name, levels, svade] of [['Sv39', 3, false], ['Sv48', 4, false], ['Sv39 Svade', 3, true], ['Sv48 Svade', 4, true]] as const) {
    it(`${name}: random tables, same faults, addresses and A/D updates`, () => {
      fc.assert(fc.property(scenarioArb, (s) => runScenario(s, levels, svade)), { seed: SEED + levels + (svade ? 10 : 0), numRuns: Number(process.env.WALK_RUNS ?? 400) });
    });
  }
});

// ---- hand-built cases ------------------------------------------------------------------------

class Ram {
  readonly buf = new SharedArrayBuffer(64 * 4096);
  readonly w64 = new BigUint64Array(this.buf);
  set(pa: number, pte: bigint): void { this.w64[(pa - RAM_BASE) / 8] = pte; }
  get(pa: number): bigint { return this.w64[(pa - RAM_BASE) / 8]!; }
}
const pageOf = (n: number) => RAM_BASE + n * 4096;
const ptr = (pa: number) => (BigInt(pa / 4096) << 10n) | BigInt(PTE_V);
const leaf = (ppn: number | bigint, bits: number) => (BigInt(ppn) << 10n) | BigInt(bits | PTE_V);
const satpOf = (mode: number, asid: number, rootPa: number): [number, number] => {
  const s = (BigInt(mode) << 60n) | (BigInt(asid) << 44n) | BigInt(rootPa / 4096);
  return [Number(s & 0xffffffffn) | 0, Number(s >> 32n) | 0];
};

describe('page walker: hand-built tables', () => {
  it('maps a 4 KiB page, a 2 MiB and a 1 GiB superpage in Sv39, with 3, 2 and 1 PTE reads', () => {
    const ram = new Ram();
    const root = pageOf(0), l1 = pageOf(1), l0 = pageOf(2);
    ram.set(root + 8 * 1, ptr(l1)); // va 0x4000_0000.. (1 GiB slot 1)
    ram.set(l1 + 8 * 3, ptr(l0)); //   + 3 * 2 MiB
    ram.set(l0 + 8 * 5, leaf(0x12345, PTE_R | PTE_W | PTE_U | PTE_A | PTE_D)); // + 5 pages
    ram.set(l1 + 8 * 4, leaf(0x40000 + 512 * 7, PTE_R | PTE_X | PTE_U | PTE_A)); // a megapage
    ram.set(root + 8 * 2, leaf(0xc0000, PTE_R | PTE_U | PTE_A)); // a gigapage at 0x8000_0000
    const mem = new RamPteMemory(ram.buf, RAM_BASE, 7);
    const w = new PageWalker(mem);
    w.setSatp(...satpOf(SATP_MODE_SV39, 3, root));
    const va = 0x4000_0000 + 3 * 0x20_0000 + 5 * 4096 + 0x9a;
    expect(w.walk(va, ACC_WRITE)).toBe(0);
    expect([w.res.ppn, w.res.level, w.res.reads, w.res.latency, w.res.adWrites]).toEqual([0x12345, 0, 3, 21, 0]);
    expect(w.res.allow).toBe(ACC_READ | ACC_WRITE);
    expect(w.res.pteAddr).toBe(l0 + 40);
    expect(w.walk(0x4000_0000 + 4 * 0x20_0000 + 0x1234_5, ACC_FETCH)).toBe(0);
    expect([w.res.ppn, w.res.level, w.res.reads]).toEqual([0x40000 + 512 * 7 + 0x12, 1, 2]);
    expect(w.walk(0x8000_0000 + 0x2bcd_e123, ACC_READ)).toBe(0);
    expect([w.res.ppn, w.res.level, w.res.reads]).toEqual([0xc0000 + 0x2bcde, 2, 1]);
    expect(w.walk(0x8000_0000, ACC_WRITE)).toBe(15); // read-only gigapage
    expect(w.walk(0x8000_0000, ACC_FETCH)).toBe(12);
  });

  it('sets A on a load and D on a store, by compare-and-swap; a PTE changed under the walk restarts it', () => {
    const ram = new Ram();
    const root = pageOf(0), l1 = pageOf(1), l0 = pageOf(2);
    ram.set(root, ptr(l1));
    ram.set(l1, ptr(l0));
    ram.set(l0, leaf(0x111, PTE_R | PTE_W | PTE_U));
    const base = new RamPteMemory(ram.buf, RAM_BASE);
    let interfere = true;
    const racing: PteMemory = {
      hi: 0, latency: 0, memBase: base.memBase, memEnd: base.memEnd,
      readPte(pa) { const lo = base.readPte(pa); this.hi = base.hi; return lo; },
      casPte(pa, eLo, eHi, lo, hi) {
        if (interfere) { // another core remaps the page between our read and our update
          interfere = false;
          ram.set(l0, leaf(0x222, PTE_R | PTE_W | PTE_U));
        }
        return base.casPte(pa, eLo, eHi, lo, hi);
      },
    };
    const w = new PageWalker(racing);
    w.setSatp(...satpOf(SATP_MODE_SV39, 0, root));
    expect(w.walk(0x10, ACC_READ)).toBe(0);
    expect(w.res.ppn).toBe(0x222); // the new mapping, not the one the first pass read
    expect([w.res.reads, w.res.adWrites]).toEqual([6, 2]);
    expect(ram.get(l0)).toBe(leaf(0x222, PTE_R | PTE_W | PTE_U | PTE_A));
    expect(w.res.allow).toBe(ACC_READ); // D clear: a store must walk again
    expect(w.walk(0x10, ACC_WRITE)).toBe(0);
    expect(ram.get(l0)).toBe(leaf(0x222, PTE_R | PTE_W | PTE_U | PTE_A | PTE_D));
    expect(w.res.allow).toBe(ACC_READ | ACC_WRITE);
  });

  it('Sv48: a 512 GiB terapage and a 4-level walk in the upper half', () => {
    const ram = new Ram();
    const root = pageOf(0), l2 = pageOf(1), l1 = pageOf(2), l0 = pageOf(3);
    ram.set(root + 8 * 1, leaf(1n << 27n, PTE_R | PTE_U | PTE_A)); // va [2^39, 2^40) -> pa 2^39
    ram.set(root + 8 * 511, ptr(l2)); // the top 512 GiB: va -2^39..
    ram.set(l2 + 8 * 511, ptr(l1));
    ram.set(l1 + 8 * 511, ptr(l0));
    ram.set(l0 + 8 * 511, leaf(0x7777, PTE_R | PTE_W | PTE_A | PTE_D | PTE_U));
    const w = new PageWalker(new RamPteMemory(ram.buf, RAM_BASE));
    expect(w.setSatp(...satpOf(SATP_MODE_SV48, 9, root))).toBe(true);
    expect(w.walk(2 ** 39 + 0x12_3456_7abc, ACC_READ)).toBe(0);
    expect([w.res.ppn, w.res.level]).toEqual([2 ** 27 + 0x123_4567, 3]);
    expect(w.walk(-4096 + 8, ACC_WRITE)).toBe(0); // 0xffff_ffff_ffff_f008
    expect([w.res.ppn, w.res.level, w.res.reads]).toEqual([0x7777, 0, 4]);
    expect(w.walk(2 ** 47, ACC_READ)).toBe(13); // non-canonical
    expect(w.walk(-(2 ** 47) - 4096, ACC_WRITE)).toBe(15);
  });

  it('rejects satp modes it does not implement (WARL) and faults on a root outside RAM with the access fault', () => {
    const ram = new Ram();
    const w = new PageWalker(new RamPteMemory(ram.buf, RAM_BASE));
    expect(w.setSatp(...satpOf(10, 0, pageOf(0)))).toBe(false); // Sv57
    expect(w.mode).toBe(0);
    w.setSatp(...satpOf(SATP_MODE_SV39, 0, RAM_BASE + ram.buf.byteLength));
    expect(w.walk(0, ACC_READ)).toBe(5);
    expect(w.walk(0, ACC_WRITE)).toBe(7);
    expect(w.walk(0, ACC_FETCH)).toBe(1);
    expect(w.walk(2 ** 38, ACC_READ)).toBe(13); // non-canonical comes first
  });

  it('S-mode: U pages need SUM for data and are never executable; MXR makes X pages readable', () => {
    const ram = new Ram();
    const root = pageOf(0);
    ram.set(root, leaf(0, PTE_X | PTE_U | PTE_A)); // execute-only user gigapage
    ram.set(root + 8, leaf(1n << 18n, PTE_R | PTE_X | PTE_A)); // supervisor gigapage
    const w = new PageWalker(new RamPteMemory(ram.buf, RAM_BASE));
    w.setSatp(...satpOf(SATP_MODE_SV39, 0, root));
    w.priv = PRV_U;
    expect(w.walk(0, ACC_READ)).toBe(13);
    w.mxr = true;
    expect(w.walk(0, ACC_READ)).toBe(0);
    expect(w.walk(2 ** 30, ACC_FETCH)).toBe(12); // a supervisor page from U-mode
    w.priv = PRV_S;
    expect(w.walk(0, ACC_FETCH)).toBe(12);
    expect(w.walk(0, ACC_READ)).toBe(13);
    w.sum = true;
    expect(w.walk(0, ACC_READ)).toBe(0);
    expect(w.walk(2 ** 30, ACC_FETCH)).toBe(0);
  });
});

describe('PageWalkMissHandler (the TLB miss handler shape)', () => {
  it('fills ppn and the allowed kinds; a store to a clean page is allowed only by the walk that sets D', () => {
    const ram = new Ram();
    const root = pageOf(0), l1 = pageOf(1), l0 = pageOf(2);
    ram.set(root, ptr(l1));
    ram.set(l1, ptr(l0));
    ram.set(l0 + 8, leaf(0x345, PTE_R | PTE_W | PTE_U | PTE_A));
    const w = new PageWalker(new RamPteMemory(ram.buf, RAM_BASE));
    w.setSatp(...satpOf(SATP_MODE_SV39, 0, root));
    const h = new PageWalkMissHandler(w);
    const out = { ppn: 0, perm: 0 };
    expect(h.walk(1, ACC_READ, out)).toBe(0);
    expect(out).toEqual({ ppn: 0x345, perm: PTE_R | PTE_U });
    expect(h.walk(1, ACC_WRITE, out)).toBe(0);
    expect(out).toEqual({ ppn: 0x345, perm: PTE_R | PTE_W | PTE_U });
    expect(h.walk(1, ACC_FETCH, out)).toBe(12);
    expect(h.walk(2, ACC_READ, out)).toBe(13);
    expect(h.walk(-(2 ** 27) - 1, ACC_READ, out)).toBe(13); // below -2^38: non-canonical
  });
});

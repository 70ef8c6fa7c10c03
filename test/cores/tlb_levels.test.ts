// The simulated TLBs behind the host lookup array (cores/tlb.ts with a TlbGeometry,
// cores/tlb_level.ts): exact miss counts for strides over more pages than a level holds and
// within its reach, the host array's inclusion (a reference model with no host array must
// count the same on random streams with random flushes and address-space switches), ASIDs,
// G entries, the sfence.vma variants, and that a flushed translation is never used again.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACC_FETCH, ACC_READ, ACC_WRITE, PTE_G, PTE_R, PTE_U, PTE_W, PTE_X, Tlb, type TlbFill, type TlbMissHandler } from '../../cores/tlb.ts';
import { DEFAULT_TLB, parseTlbLevel, tlbGeometryProblem, type TlbGeometry } from '../../shared/tlb_geometry.ts';
import { CAUSE_LOAD_PAGE, CAUSE_STORE_PAGE, GuestFault } from '../../src/kernel/fault.ts';

const RW = PTE_R | PTE_W | PTE_U;

/** Page tables per ASID: vpn -> [ppn, perm]; the walk of the current space, counted. */
class Tables implements TlbMissHandler {
  readonly spaces = new Map<number, Map<number, [number, number]>>();
  asid = 0;
  walks = 0;
  space(asid: number): Map<number, [number, number]> {
    let s = this.spaces.get(asid);
    if (!s) this.spaces.set(asid, (s = new Map()));
    return s;
  }
  walk(vpn: number, acc: number, out: TlbFill): number {
    this.walks++;
    const m = this.space(this.asid).get(vpn);
    if (!m) return acc === ACC_WRITE ? CAUSE_STORE_PAGE : CAUSE_LOAD_PAGE;
    out.ppn = m[0];
    out.perm = m[1];
    return 0;
  }
}

function setup(g: TlbGeometry = DEFAULT_TLB) {
  const t = new Tables();
  const tlb = new Tlb(t, g);
  const switchTo = (asid: number) => {
    t.asid = asid;
    tlb.setAsid(asid);
  };
  return { t, tlb, switchTo };
}

/** tlb_stride's loop: a store to each of n pages, then `rounds` times a load and a store to each. */
function stride(tlb: Tlb, base: number, n: number, rounds: number): void {
  for (let i = 0; i < n; i++) tlb.write(base + i * 4096, 1);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < n; i++) {
      tlb.read(base + i * 4096, 1);
      tlb.write(base + i * 4096, 1);
    }
  }
}

describe('strides (tlb_stride\'s access pattern) against the default geometry', () => {
  const BASE = 0x4000_0000;
  const mapPages = (t: Tables, n: number) => {
    for (let i = 0; i < n; i++) t.space(0).set(BASE / 4096 + i, [0x100 + i, RW]);
  };

  it('within the dTLB\'s reach (32 pages): one miss per page, then none', () => {
    const { t, tlb } = setup();
    mapPages(t, 32);
    stride(tlb, BASE, 32, 50);
    const s = tlb.stats();
    expect(s.dtlbMisses).toBe(32);
    expect(s.walks).toBe(32);
    expect(s.stlbMisses).toBe(32);
    expect(s.stlbHits).toBe(0);
  });

  it('beyond the dTLB, within the STLB (64 pages): every access to a new page misses the dTLB, the STLB serves them', () => {
    const { t, tlb } = setup();
    mapPages(t, 64);
    const rounds = 10;
    stride(tlb, BASE, 64, rounds);
    const s = tlb.stats();
    // FIFO over 64 pages in a 32-entry fully associative level: each load misses (the page
    // left 32 fills ago), its store hits. The first pass walks; later ones hit the STLB.
    expect(s.dtlbMisses).toBe(64 * (rounds + 1));
    expect(s.walks).toBe(64);
    expect(s.stlbHits).toBe(64 * rounds);
    expect(tlb.stlbCycles).toBe(s.dtlbMisses * DEFAULT_TLB.stlbLatency);
    expect(tlb.sink.cycle).toBe(tlb.stlbCycles);
  });

  it('beyond the STLB (1024 pages: 8 per 4-way set): every page walks every round', () => {
    const { t, tlb } = setup();
    mapPages(t, 1024);
    stride(tlb, BASE, 1024, 3);
    const s = tlb.stats();
    expect(s.dtlbMisses).toBe(1024 * 4);
    expect(s.walks).toBe(1024 * 4);
    expect(s.stlbHits).toBe(0);
  });

  it('a smaller, set-associative dTLB (16:4) predicts as its sets say', () => {
    const { t, tlb } = setup({ ...DEFAULT_TLB, dtlb: { entries: 16, ways: 4 } });
    // 4 sets of 4: 20 consecutive pages put 5 in each set: FIFO thrashes all of them.
    mapPages(t, 20);
    stride(tlb, BASE, 20, 5);
    expect(tlb.stats().dtlbMisses).toBe(20 * 6);
    // 16 pages fit exactly.
    const b = setup({ ...DEFAULT_TLB, dtlb: { entries: 16, ways: 4 } });
    mapPages(b.t, 16);
    stride(b.tlb, BASE, 16, 5);
    expect(b.tlb.stats().dtlbMisses).toBe(16);
  });

  it('fetches go to the iTLB, not the dTLB; both share the STLB', () => {
    const { t, tlb } = setup();
    t.space(0).set(0x10, [0x20, PTE_R | PTE_X | PTE_U]);
    tlb.fetch(0x10000, 4);
    tlb.read(0x10004, 4);
    const s = tlb.stats();
    expect([s.itlbMisses, s.dtlbMisses, s.walks, s.stlbHits]).toEqual([1, 1, 1, 1]);
    tlb.fetch(0x10008, 4);
    tlb.read(0x10ff0, 8);
    expect(tlb.stats().walks).toBe(1);
  });
});

describe('ASIDs and G', () => {
  it('two address spaces alternating keep their entries (no flush on a switch)', () => {
    const { t, tlb, switchTo } = setup();
    for (let i = 0; i < 8; i++) {
      t.space(1).set(0x100 + i, [0x1000 + i, RW]);
      t.space(2).set(0x100 + i, [0x2000 + i, RW]); // the same virtual pages, other frames
    }
    for (let round = 0; round < 5; round++) {
      for (const asid of [1, 2]) {
        switchTo(asid);
        for (let i = 0; i < 8; i++) expect(tlb.read((0x100 + i) * 4096 + 8, 8)).toBe((asid * 0x1000 + i) * 4096 + 8);
      }
    }
    expect(tlb.stats().walks).toBe(16);
    expect(tlb.stats().dtlbMisses).toBe(16);
    // After each switch the host array is empty: the L1 serves the pages (refills, no misses).
    expect(tlb.stats().dtlbRefills).toBe(16 * 4);
  });

  it('a global entry matches every ASID; flush by ASID keeps it, flush by va of an ASID keeps it, flush by va alone drops it', () => {
    const { t, tlb, switchTo } = setup();
    t.space(1).set(0x50, [0x77, RW | PTE_G]);
    t.space(2).set(0x50, [0x99, RW]); // never consulted while the global entry lives
    switchTo(1);
    expect(tlb.read(0x50000, 4)).toBe(0x77000);
    switchTo(2);
    expect(tlb.read(0x50000, 4)).toBe(0x77000);
    tlb.flushAsid(2);
    tlb.flushAsid(1);
    expect(tlb.read(0x50000, 4)).toBe(0x77000);
    tlb.flushPageAsid(0x50123, 2);
    expect(tlb.read(0x50000, 4)).toBe(0x77000);
    expect(tlb.stats().walks).toBe(1);
    tlb.flushPage(0x50123);
    expect(tlb.read(0x50000, 4)).toBe(0x99000);
    expect(tlb.stats().walks).toBe(2);
  });

  it('flush by va and ASID drops that space\'s page only; flush by ASID drops all of that space', () => {
    const { t, tlb, switchTo } = setup();
    for (const a of [1, 2]) for (const v of [0x60, 0x61]) t.space(a).set(v, [a * 0x100 + v, RW]);
    for (const a of [1, 2]) {
      switchTo(a);
      tlb.read(0x60000, 4);
      tlb.read(0x61000, 4);
    }
    expect(tlb.stats().walks).toBe(4);
    tlb.flushPageAsid(0x60000, 1);
    switchTo(1);
    tlb.read(0x61000, 4); // kept
    tlb.read(0x60000, 4); // walks again
    switchTo(2);
    tlb.read(0x60000, 4);
    tlb.read(0x61000, 4);
    expect(tlb.stats().walks).toBe(5);
    tlb.flushAsid(2);
    tlb.read(0x60000, 4);
    tlb.read(0x61000, 4);
    switchTo(1);
    tlb.read(0x60000, 4);
    tlb.read(0x61000, 4);
    expect(tlb.stats().walks).toBe(7);
    tlb.flush();
    tlb.read(0x60000, 4);
    expect(tlb.stats().walks).toBe(8);
  });
});

describe('no access through a flushed translation', () => {
  it('after the page table changes and the page is flushed, the next access sees the change (and without the flush, would not)', () => {
    const { t, tlb, switchTo } = setup();
    switchTo(3);
    t.space(3).set(0x70, [0x123, RW]);
    tlb.write(0x70010, 4);
    for (let i = 0; i < 100; i++) t.space(3).set(0x200 + i, [0x300 + i, RW]), tlb.read((0x200 + i) * 4096, 4); // push it to the STLB only
    t.space(3).delete(0x70); // munmap
    // Without the flush the stale translation still answers (what a missing shootdown would let through):
    expect(tlb.read(0x70010, 4)).toBe(0x123010);
    tlb.flushPageAsid(0x70000, 3);
    expect(() => tlb.read(0x70010, 4)).toThrow(GuestFault);
    expect(() => tlb.write(0x70010, 4)).toThrow(GuestFault);
  });

  it('a write-protect (downgrade) is seen after the flush: the store walks and faults', () => {
    const { t, tlb } = setup();
    t.space(0).set(0x80, [0x81, RW]);
    tlb.write(0x80000, 8);
    t.space(0).set(0x80, [0x81, PTE_R | PTE_U]);
    expect(tlb.write(0x80000, 8)).toBe(0x81000); // stale until flushed
    tlb.flushPage(0x80000);
    expect(tlb.read(0x80000, 8)).toBe(0x81000);
    let cause = -1;
    try {
      tlb.write(0x80000, 8);
    } catch (e) {
      cause = (e as GuestFault).cause;
    }
    expect(cause).toBeGreaterThan(0);
  });
});

/**
 * The reference: the same levels without the host array, written plainly (arrays of
 * records, the same FIFO rule). Counts must agree with the Tlb's on any stream.
 */
class RefLevel {
  sets: { vpn: number; asid: number; g: boolean; ppn: number; perm: number; valid: boolean }[][];
  ptr: number[];
  hits = 0;
  misses = 0;
  constructor(entries: number, readonly ways: number) {
    const n = entries / ways;
    this.sets = Array.from({ length: n }, () => Array.from({ length: ways }, () => ({ vpn: 0, asid: 0, g: false, ppn: 0, perm: 0, valid: false })));
    this.ptr = new Array(n).fill(0);
  }
  set(vpn: number) {
    return this.sets[((vpn % this.sets.length) + this.sets.length) % this.sets.length];
  }
  find(vpn: number, asid: number) {
    return this.set(vpn).find((e) => e.valid && e.vpn === vpn && (e.g || e.asid === asid));
  }
  insert(vpn: number, asid: number, g: boolean, ppn: number, perm: number) {
    const s = this.set(vpn);
    let e = s.find((x) => !x.valid);
    if (!e) {
      const si = this.sets.indexOf(s);
      e = s[this.ptr[si]];
      this.ptr[si] = (this.ptr[si] + 1) % this.ways;
    }
    Object.assign(e, { vpn, asid, g, ppn, perm, valid: true });
  }
  flush(pred: (e: { vpn: number; asid: number; g: boolean }) => boolean) {
    for (const s of this.sets) for (const e of s) if (e.valid && pred(e)) e.valid = false;
  }
}

class RefTlb {
  i: RefLevel;
  d: RefLevel;
  s: RefLevel;
  walks = 0;
  asid = 0;
  constructor(g: TlbGeometry, readonly h: Tables) {
    this.i = new RefLevel(g.itlb.entries, g.itlb.ways);
    this.d = new RefLevel(g.dtlb.entries, g.dtlb.ways);
    this.s = new RefLevel(g.stlb.entries, g.stlb.ways);
  }
  access(va: number, acc: number): number {
    const vpn = Math.floor(va / 4096);
    const l1 = acc === ACC_FETCH ? this.i : this.d;
    const e = l1.find(vpn, this.asid);
    if (e && (e.perm & acc) !== 0) {
      l1.hits++;
      return e.ppn;
    }
    l1.misses++;
    let x = this.s.find(vpn, this.asid);
    let ppn: number, perm: number, g: boolean;
    if (x && (x.perm & acc) !== 0) {
      this.s.hits++;
      ({ ppn, perm, g } = x);
    } else {
      this.s.misses++;
      this.walks++;
      const f = { ppn: 0, perm: 0 };
      const c = this.h.walk(vpn, acc, f);
      this.h.walks--;
      if (c !== 0 || (f.perm & acc) === 0) return -1;
      ppn = f.ppn;
      g = (f.perm & PTE_G) !== 0;
      perm = f.perm & ~PTE_G;
      if (x) Object.assign(x, { asid: this.asid, g, ppn, perm });
      else this.s.insert(vpn, this.asid, g, ppn, perm);
    }
    if (e) Object.assign(e, { asid: this.asid, g, ppn, perm });
    else l1.insert(vpn, this.asid, g, ppn, perm);
    return ppn;
  }
  all(f: (l: RefLevel) => void) {
    [this.i, this.d, this.s].forEach(f);
  }
}

describe('the host array is inclusive: counts equal a reference without it', () => {
  it('random streams with flushes and switches (fast-check; the seed is printed on failure)', () => {
    const op = fc.oneof(
      { weight: 100, arbitrary: fc.record({ k: fc.constant('acc' as const), acc: fc.constantFrom(ACC_READ, ACC_WRITE, ACC_FETCH), page: fc.nat(80), off: fc.nat(4095) }) },
      { weight: 5, arbitrary: fc.record({ k: fc.constant('asid' as const), asid: fc.nat(3) }) },
      { weight: 5, arbitrary: fc.record({ k: fc.constant('flushPage' as const), page: fc.nat(80), asid: fc.integer({ min: -1, max: 3 }) }) },
      { weight: 5, arbitrary: fc.record({ k: fc.constant('flushAsid' as const), asid: fc.nat(3) }) },
      { weight: 5, arbitrary: fc.record({ k: fc.constant('remap' as const), asid: fc.nat(3), page: fc.nat(80), ppn: fc.nat(1000), perm: fc.nat(63) }) },
      { weight: 1, arbitrary: fc.constant({ k: 'flush' as const }) },
    );
    const geom = fc.record({
      itlb: fc.constantFrom({ entries: 8, ways: 8 }, { entries: 8, ways: 2 }, { entries: 4, ways: 1 }),
      dtlb: fc.constantFrom({ entries: 16, ways: 16 }, { entries: 16, ways: 4 }, { entries: 8, ways: 1 }),
      stlb: fc.constantFrom({ entries: 32, ways: 4 }, { entries: 64, ways: 1 }, { entries: 16, ways: 16 }),
      stlbLatency: fc.constant(5),
    });
    fc.assert(
      fc.property(geom, fc.array(op, { minLength: 50, maxLength: 600 }), (g, ops) => {
        const t = new Tables();
        for (let a = 0; a < 4; a++) for (let p = 0; p < 80; p += 1 + (p % 3)) t.space(a).set(0x400 + p, [p + 1000 * a, RW | PTE_X | (p % 7 === 0 ? PTE_G : 0)]);
        const tlb = new Tlb(t, g);
        const ref = new RefTlb(g, t);
        for (const o of ops) {
          if (o.k === 'acc') {
            const va = (0x400 + o.page) * 4096 + o.off;
            const size = 1;
            let got: number;
            try {
              got = Math.floor((o.acc === ACC_READ ? tlb.read(va, size) : o.acc === ACC_WRITE ? tlb.write(va, size) : tlb.fetch(va, size)) / 4096);
            } catch (e) {
              if (!(e instanceof GuestFault)) throw e;
              got = -1;
            }
            expect(got).toBe(ref.access(va, o.acc));
          } else if (o.k === 'asid') {
            t.asid = ref.asid = o.asid;
            tlb.setAsid(o.asid);
          } else if (o.k === 'flushPage') {
            const vpn = 0x400 + o.page;
            tlb.flushPageAsid(vpn * 4096, o.asid);
            ref.all((l) => l.flush((e) => e.vpn === vpn && (o.asid < 0 || (e.asid === o.asid && !e.g))));
          } else if (o.k === 'flushAsid') {
            tlb.flushAsid(o.asid);
            ref.all((l) => l.flush((e) => e.asid === o.asid && !e.g));
          } else if (o.k === 'remap') {
            // A page-table change without a flush: both must keep using the old entry alike.
            t.space(o.asid).set(0x400 + o.page, [o.ppn, (o.perm & ~PTE_G) | PTE_U]);
          } else {
            tlb.flush();
            ref.all((l) => l.flush(() => true));
          }
        }
        const s = tlb.stats();
        expect([s.itlbMisses, s.dtlbMisses, s.stlbHits, s.stlbMisses, s.walks]).toEqual([ref.i.misses, ref.d.misses, ref.s.hits, ref.s.misses, ref.walks]);
        // L1 hits the host array missed are a subset of the L1 hits.
        expect(s.itlbRefills).toBeLessThanOrEqual(ref.i.hits);
        expect(s.dtlbRefills).toBeLessThanOrEqual(ref.d.hits);
      }),
      { numRuns: 150 },
    );
  });
});

describe('geometry parsing and validation', () => {
  it('parses ENTRIES:WAYS and ENTRIES:fully, and refuses the rest in one line', () => {
    expect(parseTlbLevel('32:fully')).toEqual({ entries: 32, ways: 32 });
    expect(parseTlbLevel('512:4')).toEqual({ entries: 512, ways: 4 });
    expect(parseTlbLevel('32')).toMatch(/not ENTRIES:WAYS/);
    expect(tlbGeometryProblem(DEFAULT_TLB)).toBeUndefined();
    expect(tlbGeometryProblem({ ...DEFAULT_TLB, dtlb: { entries: 48, ways: 4 } })).toMatch(/12 sets, not a power of two/);
    expect(tlbGeometryProblem({ ...DEFAULT_TLB, stlb: { entries: 10, ways: 4 } })).toMatch(/do not divide/);
    expect(tlbGeometryProblem({ ...DEFAULT_TLB, itlb: { entries: 128, ways: 128 } })).toMatch(/at most 64/);
    expect(tlbGeometryProblem({ ...DEFAULT_TLB, itlb: { entries: 0, ways: 1 } })).toMatch(/between 1 and 65536/);
  });
});

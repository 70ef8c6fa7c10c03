// TLB shootdown and ASIDs with several cores' TLBs in one thread (cores/tlb.ts with the
// default geometry, one per core, each walking the page table of the mm its core runs):
// munmap of a range touched on 3 of 4 cores flushes exactly those 3 (2 shootdowns sent, one
// received by each other core that ran the mm, none by the core that never did), after which
// no core reads through the old translation; the same through irq's function-call IPIs
// (smp.ts); switch_mm keeps other address spaces' entries; ASID rollover.
import { describe, expect, it } from 'vitest';
import { Tlb, PTE_R, PTE_U, PTE_W, ACC_WRITE, type TlbFill, type TlbMissHandler } from '../../../cores/tlb.ts';
import { DEFAULT_TLB } from '../../../shared/tlb_geometry.ts';
import { CAUSE_LOAD_PAGE, CAUSE_STORE_PAGE, GuestFault } from '../../../src/kernel/fault.ts';
import { AsidAllocator, allocAsidBuffer } from '../../../src/kernel/mm/context.ts';
import { MmTlbFlush, smpShootdown } from '../../../src/kernel/mm/tlb_shootdown.ts';
import type { CpuMmu } from '../../../src/kernel/mm/tlbflush.ts';
import { Smp, allocSmpBuffer } from '../../../src/kernel/smp.ts';
import { makeFixture } from '../irq/fixture.ts';

const RW = PTE_R | PTE_W | PTE_U;

/** Page tables by mm (vpn -> ppn), as the walkers of every core see them. */
const tables = new Map<number, Map<number, number>>();

/** One core: its TLB, walking the table of the mm its satp names; the MMU the kernel calls. */
class Core implements TlbMissHandler {
  mm = -1;
  walks = 0;
  readonly tlb = new Tlb(this, DEFAULT_TLB);
  readonly mmu: CpuMmu;
  constructor() {
    const tlb = this.tlb;
    this.mmu = {
      phys: undefined as never,
      setRoot: (pgd, _levels, asid) => {
        this.mm = pgd;
        tlb.setAsid(asid);
      },
      flushTlbPage: (va) => tlb.flushPage(va),
      flushTlbAll: () => tlb.flush(),
      flushTlbPageAsid: (va, asid) => tlb.flushPageAsid(va, asid),
      flushTlbAsid: (asid) => tlb.flushAsid(asid),
      flushIcache: () => {},
      tlbMisses: 0,
      pageWalks: 0,
      walkCycles: 0,
    };
  }
  walk(vpn: number, acc: number, out: TlbFill): number {
    this.walks++;
    const ppn = tables.get(this.mm)?.get(vpn);
    if (ppn === undefined) return acc === ACC_WRITE ? CAUSE_STORE_PAGE : CAUSE_LOAD_PAGE;
    out.ppn = ppn;
    out.perm = RW;
    return 0;
  }
  /** A load at va: the physical page, or -1 when it faults. */
  load(va: number): number {
    try {
      return Math.floor(this.tlb.read(va, 8) / 4096);
    } catch (e) {
      if (e instanceof GuestFault) return -1;
      throw e;
    }
  }
}

const A = 1, B = 2;
const START = 0x2000_0000, PAGES = 10;

function machine() {
  tables.clear();
  const a = new Map<number, number>(), b = new Map<number, number>();
  for (let p = 0; p < PAGES; p++) {
    a.set(START / 4096 + p, 0x100 + p);
    b.set(START / 4096 + p, 0x900 + p); // B maps the same addresses elsewhere
  }
  tables.set(A, a);
  tables.set(B, b);
  const cores = [0, 1, 2, 3].map(() => new Core());
  const asids = new AsidAllocator(allocAsidBuffer(4, 8));
  asids.init_new_context(A);
  asids.init_new_context(B);
  const flush = new MmTlbFlush(asids, (c) => cores[c]?.mmu);
  // A runs on cores 0, 1, 2; B on core 3.
  for (const c of [0, 1, 2]) asids.switch_mm(c, A, cores[c]!.mmu, A, 3);
  asids.switch_mm(3, B, cores[3]!.mmu, B, 3);
  for (const core of cores) for (let p = 0; p < PAGES; p++) core.load(START + p * 4096);
  return { cores, asids, flush };
}

function munmap(flush: MmTlbFlush | undefined, cpu: number, start: number, pages: number): void {
  for (let p = 0; p < pages; p++) tables.get(A)!.delete(start / 4096 + p); // zap the PTEs
  flush?.flush_tlb_range(cpu, A, start, start + pages * 4096);
}

describe('TLB shootdown (several cores\' TLBs in one thread)', () => {
  it('munmap on core 0 of a range touched on cores 0-2: shootdowns to exactly 1 and 2; nobody reads the old translation after', () => {
    const { cores, asids, flush } = machine();
    expect(asids.mm_cpumask(A)).toEqual([0, 1, 2]);
    expect(asids.mm_cpumask(B)).toEqual([3]);
    const walksBefore = cores.map((c) => c.walks);
    munmap(flush, 0, START + 2 * 4096, 3);
    expect([0, 1, 2, 3].map((c) => asids.shootdowns(c))).toEqual([
      { sent: 2, received: 0 }, { sent: 0, received: 1 }, { sent: 0, received: 1 }, { sent: 0, received: 0 },
    ]);
    for (const c of [0, 1, 2]) {
      for (let p = 0; p < PAGES; p++) {
        const unmapped = p >= 2 && p < 5;
        expect(cores[c]!.load(START + p * 4096)).toBe(unmapped ? -1 : 0x100 + p);
      }
    }
    // Core 3 runs B at the same addresses: its entries were not touched (no walk, B's frames).
    for (let p = 0; p < PAGES; p++) expect(cores[3]!.load(START + p * 4096)).toBe(0x900 + p);
    expect(cores[3]!.walks).toBe(walksBefore[3]);
  });

  it('without the shootdown the other cores would read through the stale translation (what the test above catches)', () => {
    const { cores } = machine();
    munmap(undefined, 0, START + 2 * 4096, 3);
    cores[0]!.tlb.flush(); // the local flush alone
    expect(cores[0]!.load(START + 2 * 4096)).toBe(-1);
    expect(cores[1]!.load(START + 2 * 4096)).toBe(0x102);
  });

  it('the same through function-call IPIs (irq smp.ts): the sender waits until every target flushed; the TLB row counts them', () => {
    const { cores, asids, flush } = machine();
    const fx = makeFixture(4);
    // The sender waits in csd_lock_wait; this worker hosts every core, so it polls the others there.
    const smp = new Smp(allocSmpBuffer(4), fx.ipi, { relax: (src) => [0, 1, 2, 3].forEach((c) => c !== src && fx.ipi.poll(c)) });
    flush.setTransport(smpShootdown(smp, fx.ipi, flush));
    munmap(flush, 2, START, PAGES); // from core 2 this time, the whole range (10 pages: page by page)
    expect([0, 1, 2, 3].map((c) => asids.shootdowns(c))).toEqual([
      { sent: 0, received: 1 }, { sent: 0, received: 1 }, { sent: 2, received: 0 }, { sent: 0, received: 0 },
    ]);
    expect([0, 1, 2, 3].map((c) => fx.ipi.tlb_count(c))).toEqual([1, 1, 0, 0]);
    for (const c of [0, 1, 2]) for (let p = 0; p < PAGES; p++) expect(cores[c]!.load(START + p * 4096)).toBe(-1);
    for (let p = 0; p < PAGES; p++) expect(cores[3]!.load(START + p * 4096)).toBe(0x900 + p);
  });

  it('a downgrade (mprotect read-only) is a shootdown too: after it no core stores through the old writable entry', () => {
    const { cores, flush } = machine();
    for (const c of cores) c.tlb.write(START, 8);
    // The new PTE is read-only: the walk refuses stores (the test walker: a store to a page not in the table faults).
    tables.get(A)!.delete(START / 4096);
    flush.flush_tlb_page(1, A, START);
    for (const c of [0, 1, 2]) expect(() => cores[c]!.tlb.write(START, 8)).toThrow(GuestFault);
  });
});

describe('ASIDs (context.ts)', () => {
  it('switching address spaces keeps the other space\'s entries: A, B, A on one core walks each page once', () => {
    tables.clear();
    tables.set(A, new Map([[0x10, 0x111]]));
    tables.set(B, new Map([[0x10, 0x222]]));
    const core = new Core();
    const asids = new AsidAllocator(allocAsidBuffer(1, 4));
    asids.init_new_context(A);
    asids.init_new_context(B);
    const seen: number[] = [];
    for (const m of [A, B, A, B, A]) {
      asids.switch_mm(0, m, core.mmu, m, 3);
      seen.push(core.load(0x10000));
    }
    expect(seen).toEqual([0x111, 0x222, 0x111, 0x222, 0x111]);
    expect(core.walks).toBe(2);
    expect(asids.asid(A)).not.toBe(asids.asid(B));
    expect(asids.asid(A)).toBeGreaterThan(0);
  });

  it('rollover: with 2-bit ASIDs (3 usable) a fourth mm starts a new generation; the running mm keeps its ASID; the core flushes once; translations stay right', () => {
    tables.clear();
    const cores = [new Core(), new Core()];
    const asids = new AsidAllocator(allocAsidBuffer(2, 8, 2));
    for (let m = 1; m <= 5; m++) {
      tables.set(m, new Map([[0x10, 0x1000 + m]]));
      asids.init_new_context(m);
    }
    asids.switch_mm(1, 5, cores[1]!.mmu, 5, 3); // core 1 runs mm 5 throughout
    const asid5 = asids.asid(5);
    for (let round = 0; round < 3; round++) {
      for (let m = 1; m <= 4; m++) {
        asids.switch_mm(0, m, cores[0]!.mmu, m, 3);
        expect(cores[0]!.load(0x10000)).toBe(0x1000 + m);
        expect(cores[1]!.load(0x10000)).toBe(0x1005);
      }
    }
    expect(asids.generation()).toBeGreaterThan(1);
    expect(asids.asid(5)).toBe(asid5);
    // Two cores running distinct mms never share an ASID.
    expect(asids.asid(4)).not.toBe(asid5);
  });
});

// fork's address-space half, case by case: dup_mm's VMAs, layout and counters; copy_page_range's
// copy-on-write (both sides read-only on one page, mapcount 2, the parent's lost W gathered for
// a flush); do_wp_page copying exactly one page, reusing the last sharer's, clearing (never
// copying) the zero page; shared mappings staying shared; DONTFORK / WIPEONFORK; RSS, PSS and
// USS as smaps_rollup counts them; exit_mmap returning the allocator to where it started; a
// fork that runs out of memory half way leaving nothing behind.
import { describe, expect, it } from 'vitest';
import * as hw from '../../../cores/mmu/pte.ts';
import { dup_mm } from '../../../src/kernel/fork/dup_mmap.ts';
import { check_mm } from '../../../src/kernel/mm/exit_mmap.ts';
import {
  F_BRK, F_DATA_VM, F_HIWATER_RSS, F_HIWATER_VM, F_IN_USE, F_MMAP_BASE, F_START_BRK, F_TOTAL_VM, get_mm_counter, get_mm_rss,
  MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES,
} from '../../../src/kernel/mm/mm_struct.ts';
import { doMadvise, MADV_DONTFORK, MADV_WIPEONFORK } from '../../../src/kernel/mm/madvise.ts';
import { MAP_ANONYMOUS, MAP_SHARED, PROT_EXEC, PROT_READ, PROT_WRITE, vmaList } from '../../../src/kernel/mm/mmap.ts';
import { ENOMEM } from '../../../src/kernel/syscalls/numbers.ts';
import { MmuGather } from '../../../src/kernel/mm/pgtable.ts';
import { _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_SPECIAL, _PAGE_WRITE, pte_pfn } from '../../../src/kernel/mm/pgtable_bits.ts';
import { PAGE_WORDS, PG_MAPPING } from '../../../src/kernel/mm/mm_types.ts';
import { page_count, page_mapcount } from '../../../src/kernel/mm/rmap.ts';
import { VM_DONTCOPY, VM_WIPEONFORK } from '../../../src/kernel/mm/vma.ts';
import { buddyinfo } from '../../../src/kernel/proc/buddyinfo.ts';
import { memSizes } from '../../../src/kernel/proc/smaps.ts';
import { mmTaskMemRss, taskMemText } from '../../../src/kernel/proc/task_mem.ts';
import { do_wp_page, WP_COPIED, WP_RETRY } from '../../../src/kernel/mm/wp_page.ts';
import { Machine, type Proc } from './fork_harness.ts';

const N = 16; // pages in the parent's private writable mapping

/** A parent with N written anonymous pages (word k of page i = i * 1000 + k for k in 0, 1, 511) and 4 only read. */
function parentWithPages(k: Machine): { p: Proc; a: number; z: number } {
  const p = k.spawn();
  const a = k.mmap(p, N * 4096);
  for (let i = 0; i < N; i++) for (const w of [0, 1, 511]) k.store(p, a + i * 4096 + w * 8, i * 1000 + w);
  const z = k.mmap(p, 4 * 4096);
  for (let i = 0; i < 4; i++) expect(k.load(p, z + i * 4096)).toBe(0); // the zero page
  return { p, a, z };
}

describe('fork: dup_mm and copy_page_range', () => {
  it('shares every page of a private writable mapping read-only in both, mapcount 2, and gathers the parent range to flush', () => {
    const k = new Machine();
    const { p, a, z } = parentWithPages(k);
    const ptesBefore = k.pt.mm_pgtables_bytes(p.pgd);
    k.flushes.length = 0;
    const c = k.fork(p);
    for (let i = 0; i < N; i++) {
      const [plo, phi] = k.pte(p, a + i * 4096);
      const [clo, chi] = k.pte(c, a + i * 4096);
      const pfn = pte_pfn(plo, phi);
      expect(pte_pfn(clo, chi)).toBe(pfn);
      expect(plo & _PAGE_WRITE).toBe(0);
      expect(clo & _PAGE_WRITE).toBe(0);
      expect(clo & _PAGE_DIRTY).toBe(_PAGE_DIRTY); // private: stays dirty
      expect(clo & _PAGE_ACCESSED).toBe(0); // pte_mkold
      expect(page_mapcount(k.alloc.pages, pfn)).toBe(2);
      expect(page_count(k.alloc.pages, pfn)).toBe(2);
      // The hardware agrees: a store faults on both sides, a load goes through.
      expect(c.walker.walk(a + i * 4096, hw.ACC_WRITE)).toBe(15);
      expect(p.walker.walk(a + i * 4096, hw.ACC_WRITE)).toBe(15);
      expect(c.walker.walk(a + i * 4096, hw.ACC_READ)).toBe(0);
      expect(c.walker.res.ppn).toBe(pfn);
    }
    for (let i = 0; i < 4; i++) { // zero page: copied as is, no counts
      const [plo, phi] = k.pte(p, z + i * 4096);
      const [clo, chi] = k.pte(c, z + i * 4096);
      expect(clo & _PAGE_SPECIAL).toBe(_PAGE_SPECIAL);
      expect(pte_pfn(clo, chi)).toBe(k.pt.zeroPfn);
      expect(pte_pfn(plo, phi)).toBe(k.pt.zeroPfn);
    }
    expect(page_count(k.alloc.pages, k.pt.zeroPfn)).toBe(1);
    // The parent's lost W is one flush over the mapping.
    expect(k.flushes).toHaveLength(1);
    expect(k.flushes[0]!.start).toBeLessThanOrEqual(a);
    expect(k.flushes[0]!.end).toBeGreaterThanOrEqual(a + N * 4096);
    // Child tables came from the allocator and count in its VmPTE, as many as the parent's.
    expect(k.pt.mm_pgtables_bytes(c.pgd)).toBe(ptesBefore);
    expect(ptesBefore).toBeGreaterThan(0);
    // rss_stat and the smaps view: every page shared by two.
    expect(get_mm_counter(k.t, c.m, MM_ANONPAGES)).toBe(N);
    expect(get_mm_counter(k.t, p.m, MM_ANONPAGES)).toBe(N);
    expect(k.rollup(c)).toEqual({ rss: N, pss: N / 2, uss: 0 });
    expect(k.rollup(p)).toEqual({ rss: N, pss: N / 2, uss: 0 });
    expect(k.t.get(c.m, F_HIWATER_RSS)).toBe(N);
  });

  it('copies the VMAs, the layout and the VM counters; each child VMA with pages gets its own anon_vma', () => {
    const k = new Machine();
    const { p } = parentWithPages(k);
    k.t.set(p.m, F_START_BRK, 0x1_0000);
    k.t.set(p.m, F_BRK, 0x2_3000);
    const c = k.fork(p);
    const pv = vmaList(k.t, p.m), cv = vmaList(k.t, c.m);
    expect(cv.map(({ start, end, flags, pgoff, file }) => ({ start, end, flags, pgoff, file })))
      .toEqual(pv.map(({ start, end, flags, pgoff, file }) => ({ start, end, flags, pgoff, file })));
    for (let i = 0; i < pv.length; i++) {
      if (pv[i]!.anonVma === 0) expect(cv[i]!.anonVma).toBe(0);
      else {
        expect(cv[i]!.anonVma).not.toBe(0);
        expect(cv[i]!.anonVma).not.toBe(pv[i]!.anonVma);
      }
    }
    for (const f of [F_START_BRK, F_BRK, F_MMAP_BASE, F_TOTAL_VM, F_DATA_VM]) expect(k.t.get(c.m, f)).toBe(k.t.get(p.m, f));
    expect(k.t.get(c.m, F_HIWATER_VM)).toBe(k.t.get(c.m, F_TOTAL_VM));
    expect(k.t.get(c.m, F_TOTAL_VM)).toBe(N + 4);
  });
});

describe('do_wp_page', () => {
  it('a COW write copies exactly one page; the other side still sees the old bytes; the last sharer reuses its page', () => {
    const k = new Machine();
    const { p, a } = parentWithPages(k);
    const c = k.fork(p);
    const free0 = k.freePages();
    const old = pte_pfn(...k.pte(p, a + 3 * 4096));

    k.store(c, a + 3 * 4096, 0xbeef);
    expect(k.copies).toBe(1);
    expect(k.freePages()).toBe(free0 - 1); // one page, no table (the pte table exists)
    expect(k.load(c, a + 3 * 4096)).toBe(0xbeef);
    expect(k.load(c, a + 3 * 4096 + 8)).toBe(3001); // the rest of the page is the parent's copy
    expect(k.load(c, a + 3 * 4096 + 511 * 8)).toBe(3511);
    expect(k.load(p, a + 3 * 4096)).toBe(3000); // the parent's bytes are untouched
    const copy = pte_pfn(...k.pte(c, a + 3 * 4096));
    expect(copy).not.toBe(old);
    expect(page_mapcount(k.alloc.pages, old)).toBe(1);
    expect(page_count(k.alloc.pages, old)).toBe(1);
    expect(page_mapcount(k.alloc.pages, copy)).toBe(1);
    // The old translation is the one flushed.
    expect(k.flushes.at(-1)).toEqual({ start: a + 3 * 4096, end: a + 4 * 4096 });
    // RSS unchanged (one anon page for another), PSS/USS: one page private on each side now.
    expect(get_mm_counter(k.t, c.m, MM_ANONPAGES)).toBe(N);
    expect(k.rollup(c)).toEqual({ rss: N, pss: 1 + (N - 1) / 2, uss: 1 });
    expect(k.rollup(p)).toEqual({ rss: N, pss: 1 + (N - 1) / 2, uss: 1 });
    // The same through /proc's smaps_rollup arithmetic (src/kernel/proc/smaps.ts), in bytes.
    for (const q of [c, p]) {
      const w = { t: k.t, m: q.m, pgd: q.pgd, levels: 3, phys: k.phys, pages: k.alloc.pages };
      expect(memSizes(w)).toEqual({ vss: (N + 4) * 4096, rss: N * 4096, pss: (1 + (N - 1) / 2) * 4096, uss: 4096 });
    }

    // The parent is now the page's only user: its write reuses the page, no copy, no allocation.
    k.store(p, a + 3 * 4096 + 8, 0x1234);
    expect(k.copies).toBe(1);
    expect(k.reuses).toBe(1);
    expect(k.freePages()).toBe(free0 - 1);
    expect(pte_pfn(...k.pte(p, a + 3 * 4096))).toBe(old);
    expect(k.pte(p, a + 3 * 4096)[0] & _PAGE_WRITE).toBe(_PAGE_WRITE);
    expect(k.load(c, a + 3 * 4096 + 8)).toBe(3001);

    // Every other shared page copies exactly once for the child; then each parent write reuses.
    for (let i = 0; i < N; i++) k.store(c, a + i * 4096 + 16, i);
    expect(k.copies).toBe(N);
    expect(k.freePages()).toBe(free0 - N);
    for (let i = 0; i < N; i++) k.store(p, a + i * 4096 + 16, -i);
    expect(k.copies).toBe(N);
    expect(k.rollup(p)).toEqual({ rss: N, pss: N, uss: N });
    for (let i = 0; i < N; i++) {
      expect(k.load(c, a + i * 4096 + 16)).toBe(i);
      expect(k.load(p, a + i * 4096 + 16)).toBe(-i | 0);
    }
  });

  it('a write to the zero page allocates a cleared page: never a copy of the zero page', () => {
    const k = new Machine();
    const { p, z } = parentWithPages(k);
    const c = k.fork(p);
    // Poison the zero page: a copy would carry the poison, a cleared page cannot.
    const zpa = k.pt.zeroPfn * 4096;
    k.phys.write64(zpa + 64, 0x5a5a, 0);
    const anon0 = get_mm_counter(k.t, c.m, MM_ANONPAGES);
    k.store(c, z + 4096, 7);
    const [lo, hi] = k.pte(c, z + 4096);
    expect(lo & _PAGE_SPECIAL).toBe(0);
    expect(lo & _PAGE_WRITE).toBe(_PAGE_WRITE);
    expect(pte_pfn(lo, hi)).not.toBe(k.pt.zeroPfn);
    expect(k.phys.read64(pte_pfn(lo, hi) * 4096 + 64)).toBe(0);
    expect(k.load(c, z + 4096)).toBe(7);
    expect(get_mm_counter(k.t, c.m, MM_ANONPAGES)).toBe(anon0 + 1);
    expect(page_count(k.alloc.pages, k.pt.zeroPfn)).toBe(1); // the zero page is never counted
    expect(pte_pfn(...k.pte(p, z + 4096))).toBe(k.pt.zeroPfn); // the parent still maps it
    k.phys.write64(zpa + 64, 0, 0);
  });
});

describe('fork of special mappings', () => {
  it('a shared mapping keeps W: parent and child write one page, no copy', () => {
    const k = new Machine();
    const p = k.spawn();
    const s = k.mmap(p, 2 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS);
    k.store(p, s, 1);
    const c = k.fork(p);
    const [clo, chi] = k.pte(c, s);
    expect(clo & _PAGE_WRITE).toBe(_PAGE_WRITE);
    expect(clo & _PAGE_DIRTY).toBe(0); // pte_mkclean
    expect(pte_pfn(clo, chi)).toBe(pte_pfn(...k.pte(p, s)));
    k.store(c, s, 2);
    expect(k.load(p, s)).toBe(2);
    expect(k.copies).toBe(0);
    expect(get_mm_counter(k.t, c.m, MM_SHMEMPAGES)).toBe(1);
    expect(get_mm_counter(k.t, c.m, MM_ANONPAGES)).toBe(0);
    expect(get_mm_counter(k.t, c.m, MM_FILEPAGES)).toBe(0);
    k.exit(c);
    k.exit(p);
  });

  it('MADV_DONTFORK leaves the VMA behind (and out of the counters); MADV_WIPEONFORK gives the child zeros', () => {
    const k = new Machine();
    const p = k.spawn();
    const d = k.mmap(p, 4 * 4096);
    const w = k.mmap(p, 2 * 4096);
    k.store(p, d, 11);
    k.store(p, w, 22);
    k.t.mmapWriteLock(p.m);
    expect(doMadvise(k.t, p.m, d, 4 * 4096, MADV_DONTFORK).ret).toBe(0);
    expect(doMadvise(k.t, p.m, w, 2 * 4096, MADV_WIPEONFORK).ret).toBe(0);
    k.t.mmapWriteUnlock(p.m);
    expect(k.t.pool.flags(k.t.vmaLookup(p.m, d)) & VM_DONTCOPY).toBe(VM_DONTCOPY);
    expect(k.t.pool.flags(k.t.vmaLookup(p.m, w)) & VM_WIPEONFORK).toBe(VM_WIPEONFORK);
    const c = k.fork(p);
    expect(k.t.vmaLookup(c.m, d)).toBe(-1);
    expect(k.t.get(c.m, F_TOTAL_VM)).toBe(k.t.get(p.m, F_TOTAL_VM) - 4);
    expect(k.pte(c, w)).toEqual([0, 0]);
    expect(k.load(c, w)).toBe(0);
    expect(k.load(p, w)).toBe(22);
    expect(k.pte(p, d)[0] & _PAGE_WRITE).toBe(_PAGE_WRITE); // not a COW mapping for anyone
    expect(get_mm_counter(k.t, c.m, MM_ANONPAGES)).toBe(0);
    expect(k.copies).toBe(0);
  });
});

describe('exit_mmap', () => {
  for (const order of ['child first', 'parent first'] as const) {
    it(`returns /proc/buddyinfo and the free-page count to their state before the parent was built (${order})`, () => {
      const k = new Machine();
      const free0 = k.freePages();
      const info0 = buddyinfo(k.alloc);
      const { p, a } = parentWithPages(k);
      const far = k.mmap(p, 4096, PROT_READ | PROT_WRITE, undefined, 0x40_0000_0000 - 0x4000_0000); // its own tables
      k.store(p, far, 5);
      const c = k.fork(p);
      for (let i = 0; i < N; i += 3) k.store(c, a + i * 4096, 9);
      const g = k.fork(c);
      k.store(g, a, 10);
      expect(k.freePages()).toBeLessThan(free0);
      const procs = order === 'child first' ? [g, c, p] : [p, c, g];
      for (const q of procs) {
        const m = q.m;
        expect(get_mm_rss(k.t, m)).toBeGreaterThan(0);
        k.exit(q); // __mmdrop throws on a bad rss-counter state
        expect(check_mm(k.t, m)).toBe('');
        expect(k.t.get(m, F_IN_USE)).toBe(0);
      }
      expect(k.t.pool.inUse()).toBe(0);
      expect(k.freePages()).toBe(free0);
      expect(buddyinfo(k.alloc)).toBe(info0);
      for (let z = 0; z < 3; z++) if (k.alloc.populated(z)) expect(k.alloc.check_zone(z)).toBe('');
    });
  }

  it('records hiwater_rss before RSS goes down (VmHWM)', () => {
    const k = new Machine();
    const { p, a } = parentWithPages(k);
    expect(get_mm_rss(k.t, p.m)).toBe(N);
    k.munmap(p, a, 8 * 4096);
    expect(get_mm_rss(k.t, p.m)).toBe(N - 8);
    expect(k.t.get(p.m, F_HIWATER_RSS)).toBe(N);
    k.exit(p);
  });
});

describe('fork out of memory', () => {
  it('fails with -ENOMEM at every allocation it makes and leaves nothing behind; the parent carries on', () => {
    const probe = new Machine();
    const { p: pp } = parentWithPages(probe);
    probe.mmap(pp, 4096, PROT_READ | PROT_WRITE, undefined, 0x20_0000_0000);
    probe.store(pp, 0x20_0000_0000, 1);
    let allocs = 0;
    const real = probe.alloc.alloc_pages.bind(probe.alloc);
    probe.alloc.alloc_pages = (...args) => {
      allocs++;
      return real(...args);
    };
    probe.fork(pp);
    expect(allocs).toBeGreaterThanOrEqual(4); // the pgd and tables at two places

    for (let failAt = 0; failAt < allocs; failAt++) {
      const k = new Machine();
      const { p, a } = parentWithPages(k);
      k.mmap(p, 4096, PROT_READ | PROT_WRITE, undefined, 0x20_0000_0000);
      k.store(p, 0x20_0000_0000, 1);
      const free0 = k.freePages();
      const real2 = k.alloc.alloc_pages.bind(k.alloc);
      let n = 0;
      k.alloc.alloc_pages = (...args) => (n++ === failAt ? -ENOMEM : real2(...args));
      const tlb = new MmuGather();
      k.t.mmapWriteLock(p.m);
      const r = dup_mm(k.t, k.pt, p.m, p.pgd, tlb);
      tlb.reset();
      k.t.mmapWriteUnlock(p.m);
      k.alloc.alloc_pages = real2;
      expect(r.ret).toBe(-ENOMEM);
      expect(k.freePages()).toBe(free0);
      expect(k.t.get(1, F_IN_USE)).toBe(0);
      for (let i = 0; i < N; i++) {
        const pfn = pte_pfn(...k.pte(p, a + i * 4096));
        expect(page_mapcount(k.alloc.pages, pfn)).toBe(1);
        expect(page_count(k.alloc.pages, pfn)).toBe(1);
      }
      // The parent's pages may have lost W; its writes reuse them in place.
      for (let i = 0; i < N; i++) k.store(p, a + i * 4096, 1);
      expect(k.copies).toBe(0);
      expect(k.load(p, a + 4096 + 8)).toBe(1001);
    }
  });

  it('fails with -ENOMEM when the VMA pool runs out half way, and leaves nothing behind', () => {
    const k = new Machine(16 * 1024 * 1024, 3, 4, 5); // 5 VMA records in all
    const p = k.spawn();
    // Alternating protections: four VMAs that cannot merge.
    const addrs = [0, 1, 2, 3].map((i) => k.mmap(p, 4096, PROT_READ | PROT_WRITE | (i % 2 === 1 ? PROT_EXEC : 0)));
    for (const x of addrs) k.store(p, x, 3);
    expect(k.t.pool.inUse()).toBe(4);
    const free0 = k.freePages();
    k.t.mmapWriteLock(p.m);
    const r = dup_mm(k.t, k.pt, p.m, p.pgd, new MmuGather());
    k.t.mmapWriteUnlock(p.m);
    expect(r.ret).toBe(-ENOMEM);
    expect(k.t.pool.inUse()).toBe(4);
    expect(k.freePages()).toBe(free0);
  });
});

describe('do_wp_page races', () => {
  it('two cores of the child fault on one COW page: the first copies, the second (stale PTE) retries and frees its page', () => {
    const k = new Machine();
    const { p, a } = parentWithPages(k);
    const c = k.fork(p);
    const ptep = k.pt.pte_offset_map(c.pgd, a);
    const [lo, hi] = k.pte(c, a);
    const v = k.t.vmaLookup(c.m, a);
    const old = pte_pfn(lo, hi);
    const mapping = k.alloc.pages[old * PAGE_WORDS + PG_MAPPING];
    const tlb1 = new MmuGather();
    expect(do_wp_page(k.t, k.pt, c.m, v, ptep, a, lo, hi, tlb1)).toBe(WP_COPIED);
    k.pt.tlb_finish_mmu(tlb1);
    const free = k.freePages();
    // The old page is now the parent's alone (a reuse candidate): the stale fault must not touch it.
    const tlb2 = new MmuGather();
    expect(do_wp_page(k.t, k.pt, c.m, v, ptep, a, lo, hi, tlb2)).toBe(WP_RETRY);
    expect(tlb2.needFlush()).toBe(false);
    expect(k.freePages()).toBe(free);
    expect(k.alloc.pages[old * PAGE_WORDS + PG_MAPPING]).toBe(mapping); // still in the parent's anon_vma
    expect(page_count(k.alloc.pages, old)).toBe(1);
    expect(k.load(p, a + 8)).toBe(1);
    expect(get_mm_counter(k.t, c.m, MM_ANONPAGES)).toBe(N);
  });

  it('a PTE that is writable already is spurious: nothing happens', () => {
    const k = new Machine();
    const { p, a } = parentWithPages(k);
    const ptep = k.pt.pte_offset_map(p.pgd, a);
    const [lo, hi] = k.pte(p, a);
    const free = k.freePages();
    expect(do_wp_page(k.t, k.pt, p.m, k.t.vmaLookup(p.m, a), ptep, a, lo, hi, new MmuGather())).toBe(WP_RETRY);
    expect(k.pte(p, a)).toEqual([lo, hi]);
    expect(k.freePages()).toBe(free);
  });
});

describe('/proc/PID/status from rss_stat', () => {
  it('shows the child sharing, then owning one page more after its COW write and its page tables in VmPTE', () => {
    const k = new Machine();
    const { p, a, z } = parentWithPages(k);
    const c = k.fork(p);
    k.store(c, z, 1); // the zero page turns into a page of the child's: RSS + 1
    const text = taskMemText(k.t, c.m, mmTaskMemRss(k.t, c.m, k.pt.mm_pgtables_bytes(c.pgd)));
    const row = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(text)![1]);
    expect(row('VmRSS')).toBe((N + 1) * 4);
    expect(row('RssAnon')).toBe((N + 1) * 4);
    expect(row('RssFile')).toBe(0);
    expect(row('VmHWM')).toBe((N + 1) * 4);
    expect(row('VmPTE')).toBe(k.pt.mm_pgtables_bytes(c.pgd) / 1024);
    expect(row('VmPTE')).toBeGreaterThan(0);
    expect(k.load(p, a)).toBe(0);
  });
});

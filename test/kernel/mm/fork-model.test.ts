// Random maps, unmaps, writes, reads, forks and exits over several address spaces, against a
// model of what each process must read back (fork copies the model; a write changes only the
// writer's). After every step: every mapped page's refcount and mapcount equal the PTEs that
// map it (never negative), a writable private PTE maps a page nobody else maps (COW
// isolation), rss_stat equals the PTEs, and free + mapped + page-table pages is conserved.
// At the end every process exits and /proc/buddyinfo is what it was. Sv39 and Sv48.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { get_mm_counter, MM_ANONPAGES } from '../../../src/kernel/mm/mm_struct.ts';
import { vmaList } from '../../../src/kernel/mm/mmap.ts';
import { PAGE_WORDS, PG_MAPCOUNT, PG_REFCOUNT } from '../../../src/kernel/mm/mm_types.ts';
import { _PAGE_SPECIAL, _PAGE_WRITE, pte_pfn, pte_present } from '../../../src/kernel/mm/pgtable_bits.ts';
import { page_count, page_mapcount } from '../../../src/kernel/mm/rmap.ts';
import { buddyinfo } from '../../../src/kernel/proc/buddyinfo.ts';
import { Machine, type Proc } from './fork_harness.ts';

interface Live {
  p: Proc;
  /** Word 0 of each written page, by page address. */
  mem: Map<number, number>;
}

type Op =
  | { kind: 'mmap'; who: number; pages: number }
  | { kind: 'munmap'; who: number; pick: number; off: number; len: number }
  | { kind: 'write'; who: number; pick: number; value: number }
  | { kind: 'read'; who: number; pick: number }
  | { kind: 'fork'; who: number }
  | { kind: 'exit'; who: number };

const who = fc.nat(15);
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('mmap' as const), who, pages: fc.integer({ min: 1, max: 6 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('munmap' as const), who, pick: fc.nat(), off: fc.nat(5), len: fc.integer({ min: 1, max: 4 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('write' as const), who, pick: fc.nat(), value: fc.integer({ min: 1, max: 0x7fffffff }) }), weight: 8 },
  { arbitrary: fc.record({ kind: fc.constant('read' as const), who, pick: fc.nat() }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('fork' as const), who }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('exit' as const), who }), weight: 1 },
);

/** A page of one of q's VMAs, or -1 when it has none. */
function pickPage(k: Machine, q: Live, pick: number): number {
  const vs = vmaList(k.t, q.p.m);
  if (vs.length === 0) return -1;
  const v = vs[pick % vs.length]!;
  const pages = (v.end - v.start) / 4096;
  return v.start + (Math.floor(pick / vs.length) % pages) * 4096;
}

function checkInvariants(k: Machine, live: Live[], free0: number): void {
  const refs = new Map<number, number>();
  let tables = 0;
  for (const q of live) {
    let rss = 0;
    for (const v of vmaList(k.t, q.p.m)) {
      for (let a = v.start; a < v.end; a += 4096) {
        const [lo, hi] = k.pte(q.p, a);
        if (!pte_present(lo) || (lo & _PAGE_SPECIAL) !== 0) continue;
        const pfn = pte_pfn(lo, hi);
        refs.set(pfn, (refs.get(pfn) ?? 0) + 1);
        rss++;
        if ((lo & _PAGE_WRITE) !== 0) expect(page_mapcount(k.alloc.pages, pfn), `writable PTE at 0x${a.toString(16)} shares its page`).toBe(1);
      }
    }
    expect(get_mm_counter(k.t, q.p.m, MM_ANONPAGES)).toBe(rss);
    tables += k.pt.mm_pgtables_bytes(q.p.pgd) / 4096 + 1;
  }
  for (const [pfn, n] of refs) {
    expect(page_mapcount(k.alloc.pages, pfn)).toBe(n);
    expect(page_count(k.alloc.pages, pfn)).toBe(n);
  }
  const pages = k.alloc.pages;
  let negative = -1;
  for (let pfn = 0; pfn < k.alloc.layout.endPfn && negative < 0; pfn++) {
    if (pages[pfn * PAGE_WORDS + PG_REFCOUNT]! < 0 || pages[pfn * PAGE_WORDS + PG_MAPCOUNT]! < -1) negative = pfn;
  }
  expect(negative, 'a page with a negative refcount or mapcount').toBe(-1);
  expect(k.freePages() + refs.size + tables).toBe(free0);
}

describe('fork, COW and exit against a model (fast-check, seeded)', () => {
  it('keeps every process reading its own bytes, counts exact, and leaks no page', () => {
    const seed = Number(process.env.FORK_SEED ?? 20261201);
    console.log(`fork model test seed ${seed} (FORK_SEED=... to reproduce)`);
    fc.assert(
      fc.property(fc.constantFrom(3, 4), fc.array(op, { minLength: 1, maxLength: 60 }), (levels, ops) => {
        const k = new Machine(16 * 1024 * 1024, levels); // Sv39 or Sv48
        const free0 = k.freePages();
        const info0 = buddyinfo(k.alloc);
        const live: Live[] = [{ p: k.spawn(), mem: new Map() }];
        for (const o of ops) {
          if (live.length === 0) live.push({ p: k.spawn(), mem: new Map() });
          const q = live[o.who % live.length]!;
          switch (o.kind) {
            case 'mmap':
              k.mmap(q.p, o.pages * 4096);
              break;
            case 'munmap': {
              const a = pickPage(k, q, o.pick);
              if (a < 0) break;
              const v = k.t.vmaLookup(q.p.m, a);
              const start = k.t.pool.start(v) + Math.min(o.off, k.t.pool.pages(v) - 1) * 4096;
              const end = Math.min(k.t.pool.end(v), start + o.len * 4096);
              k.munmap(q.p, start, end - start);
              for (let x = start; x < end; x += 4096) q.mem.delete(x);
              break;
            }
            case 'write': {
              const a = pickPage(k, q, o.pick);
              if (a < 0) break;
              k.store(q.p, a, o.value);
              q.mem.set(a, o.value);
              break;
            }
            case 'read': {
              const a = pickPage(k, q, o.pick);
              if (a < 0) break;
              expect(k.load(q.p, a)).toBe(q.mem.get(a) ?? 0);
              break;
            }
            case 'fork':
              if (live.length < 8) live.push({ p: k.fork(q.p), mem: new Map(q.mem) });
              break;
            case 'exit':
              k.exit(q.p);
              live.splice(live.indexOf(q), 1);
              break;
          }
          checkInvariants(k, live, free0);
        }
        for (const q of live) for (const [a, x] of q.mem) expect(k.load(q.p, a)).toBe(x);
        for (const q of live) k.exit(q.p);
        expect(k.t.pool.inUse()).toBe(0);
        expect(k.freePages()).toBe(free0);
        expect(buddyinfo(k.alloc)).toBe(info0);
      }),
      { seed, numRuns: 100 },
    );
  });
});

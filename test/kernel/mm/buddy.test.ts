import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PAGE_WORDS, PG_FLAGS, PG_buddy, PG_PRIVATE, pageMapcountAdd } from '../../../src/kernel/mm/mm_types.ts';
import { MAX_ORDER, ZONE_DMA32 } from '../../../src/kernel/mm/mmzone.ts';
import { createMm, GFP_KERNEL, PageAlloc } from '../../../src/kernel/mm/page_alloc.ts';
import { buddyinfo } from '../../../src/kernel/proc/buddyinfo.ts';

const MiB = 1024 * 1024;

function boot(ramMiB: number, cpus = 1): PageAlloc {
  return new PageAlloc(createMm({ ramBytes: ramMiB * MiB, ramBase: 0x1000, cpus }));
}

/** A zone whose managed pages are exactly whole order-10 blocks (the kernel region padded to 4 MiB). */
function bootAligned(ramMiB: number): PageAlloc {
  const probe = boot(ramMiB);
  const pad = (1024 - probe.layout.kernelEndPfn) * 4096;
  return new PageAlloc(createMm({ ramBytes: ramMiB * MiB, ramBase: 0x1000, cpus: 1, reservedBytes: pad }));
}

function freeAreas(mm: PageAlloc): number[] {
  return Array.from({ length: MAX_ORDER }, (_, o) => mm.nrFreeArea(ZONE_DMA32, o));
}

describe('buddy allocator: split and merge', () => {
  it('boot frees every managed page in aligned blocks; the lists agree with the counters', () => {
    const mm = boot(32);
    expect(mm.check_zone(ZONE_DMA32)).toBe('');
    expect(mm.nrFreePages(ZONE_DMA32)).toBe(mm.zoneField(ZONE_DMA32, 99)); // all managed pages free
    // every free block is aligned to its order (check_zone checks) and the biggest are order 10
    expect(mm.nrFreeArea(ZONE_DMA32, MAX_ORDER - 1)).toBeGreaterThan(0);
  });

  it('an order-3 allocation from an order-10 block splits it into halves 9, 8, ..., 3; freeing merges back', () => {
    const mm = bootAligned(32);
    const before = freeAreas(mm);
    expect(before).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
    const pfn = mm.alloc_pages(0, GFP_KERNEL, 3);
    expect(pfn % 1024).toBe(0);
    expect(freeAreas(mm)).toEqual([0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 6]);
    // Each split-off half is the buddy (pfn ^ (1 << o)) at its order, marked PageBuddy.
    for (let o = 3; o < MAX_ORDER - 1; o++) {
      const buddy = pfn ^ (1 << o);
      expect(mm.pages[buddy * PAGE_WORDS + PG_FLAGS] & PG_buddy).toBe(PG_buddy);
      expect(mm.pages[buddy * PAGE_WORDS + PG_PRIVATE]).toBe(o);
    }
    mm.__free_pages(0, pfn, 3);
    expect(freeAreas(mm)).toEqual(before);
    expect(mm.check_zone(ZONE_DMA32)).toBe('');
  });

  it('blocks merge only with their buddy: equal-order free neighbours that are not buddies stay apart', () => {
    const mm = bootAligned(32);
    const x = mm.alloc_pages(0, GFP_KERNEL, 2); // splits an order-10 block X: x = X
    const b = mm.alloc_pages(0, GFP_KERNEL, 2); // the order-2 half left by the split: X + 4 = x ^ 4
    expect(b).toBe(x ^ 4);
    const c = mm.alloc_pages(0, GFP_KERNEL, 2); // splits the order-3 half X + 8: c = X + 8, X + 12 stays free
    expect(c).toBe(x + 8);
    expect(freeAreas(mm)).toEqual([0, 0, 1, 0, 1, 1, 1, 1, 1, 1, 6]);
    mm.__free_pages(0, x, 2); // buddy X + 4 is allocated: x stays order 2, beside the free X + 12 (not its buddy)
    expect(freeAreas(mm)).toEqual([0, 0, 2, 0, 1, 1, 1, 1, 1, 1, 6]);
    mm.__free_pages(0, c, 2); // c merges with its buddy X + 12 into order 3 at X + 8; X (order 2) is not its buddy
    expect(freeAreas(mm)).toEqual([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 6]);
    mm.__free_pages(0, b, 2); // b + x -> order 3 at X, + X + 8 -> order 4, ... up to order 10
    expect(freeAreas(mm)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
    expect(mm.check_zone(ZONE_DMA32)).toBe('');
  });

  it('a double free and a free of a reserved page are kernel bugs (throw), not silent corruption', () => {
    const mm = boot(16);
    const p = mm.alloc_pages(0, GFP_KERNEL, 1);
    mm.__free_pages(0, p, 1);
    expect(() => mm.__free_pages(0, p, 1)).toThrow(/Bad page state/);
    expect(() => mm.__free_pages(0, 1, 0)).toThrow(/Bad page state/); // pfn 1: the kernel's region
    expect(() => mm.alloc_pages(0, GFP_KERNEL, MAX_ORDER)).toThrow(RangeError);
    const q = mm.alloc_pages(0, GFP_KERNEL, 0);
    expect(pageMapcountAdd(mm.pages, q, 1)).toBe(1); // mapped once
    expect(() => mm.__free_pages(0, q, 0)).toThrow(/Bad page state/); // freeing a mapped page
    mm.get_page(q);
    expect(pageMapcountAdd(mm.pages, q, -1)).toBe(0);
    mm.__free_pages(0, q, 0);
  });
});

describe('random allocate/free', () => {
  it('returns /proc/buddyinfo to its starting state and conserves pages (fast-check, seeded)', () => {
    const seed = Number(process.env.MM_SEED ?? 20261201);
    console.log(`buddy random test seed ${seed} (MM_SEED=... to reproduce)`);
    const cpus = 3;
    const op = fc.record({ alloc: fc.boolean(), order: fc.integer({ min: 0, max: MAX_ORDER - 1 }), cpu: fc.integer({ min: 0, max: cpus - 1 }), pick: fc.nat() });
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 400 }), (ops) => {
        const mm = boot(24, cpus);
        const start = buddyinfo(mm);
        const managed = mm.totalramPages();
        const held: Array<[number, number]> = [];
        let heldPages = 0;
        for (const o of ops) {
          if (o.alloc || held.length === 0) {
            const pfn = mm.alloc_pages(o.cpu, GFP_KERNEL, o.order);
            if (pfn >= 0) {
              held.push([pfn, o.order]);
              heldPages += 1 << o.order;
            }
          } else {
            const [pfn, order] = held.splice(o.pick % held.length, 1)[0]!;
            mm.__free_pages(o.cpu, pfn, order);
            heldPages -= 1 << order;
          }
          // conservation: buddy free + per-CPU lists + held = managed
          expect(mm.nrFreePages(ZONE_DMA32) + mm.pcpPages(ZONE_DMA32) + heldPages).toBe(managed);
        }
        // no two held blocks overlap
        const owner = new Int32Array(mm.layout.endPfn).fill(-1);
        for (const [i, [pfn, order]] of held.entries()) {
          for (let k = 0; k < 1 << order; k++) {
            expect(owner[pfn + k]).toBe(-1);
            owner[pfn + k] = i;
          }
        }
        for (const [pfn, order] of held) mm.__free_pages(0, pfn, order);
        mm.drain_all_pages();
        expect(mm.check_zone(ZONE_DMA32)).toBe('');
        expect(buddyinfo(mm)).toBe(start);
        expect(mm.nrFreePages(ZONE_DMA32)).toBe(managed);
      }),
      { seed, numRuns: 60 },
    );
  });
});

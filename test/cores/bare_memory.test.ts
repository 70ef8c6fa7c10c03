// Bare mode's memory classes (BareFlatMemory, BareCacheMemory: a bounds check instead of a TLB
// lookup, chosen by createCoreMemory when no translation is given) against the TLB path over
// the same identity map (the classes createCoreMemory builds when a translation is given):
// random accesses of every width at addresses around every edge (below RAM, the first and last
// page, page and line crossings, beyond 2^32, negative) must give the same values, the same
// faults (cause and tval), the same latencies, the same counters and the same RAM.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCoreMemory, type CoreMemory } from '../../cores/core_memory.ts';
import { BareCacheMemory, CacheMemory } from '../../cores/mem_cache.ts';
import { BareFlatMemory, FlatMemory } from '../../cores/mem_flat.ts';
import type { HartMemory } from '../../cores/memory.ts';
import { IdentityMap } from '../../cores/tlb.ts';
import { allocateCoherence, CoherenceViews, DEFAULT_GEOMETRY } from '../../shared/coherence/layout.ts';
import { ProtocolTable, TRANSITIONS } from '../../shared/coherence/mesi.ts';
import { GuestFault } from '../../src/kernel/fault.ts';

const RAM_BYTES = 1 << 16;
const RAM_BASE = 0x1000;

type Model = 'flat' | 'caches';
const OPS = ['load8', 'load8u', 'load16', 'load16u', 'load32', 'load64', 'store8', 'store16', 'store32', 'store64', 'fetch32', 'fetch16', 'fetchAccess'] as const;
type Access = { op: (typeof OPS)[number]; a: number; v: number; w: number };

function wire(model: Model, ram: SharedArrayBuffer, bare: boolean): CoreMemory {
  const geometry = { ...DEFAULT_GEOMETRY, cores: 1 };
  const caches = model === 'caches' ? { views: new CoherenceViews(geometry, allocateCoherence(geometry)), table: new ProtocolTable(TRANSITIONS) } : undefined;
  // An explicit IdentityMap is a translation like any other: the TLB path over the same map.
  const translation = bare ? undefined : new IdentityMap(RAM_BASE, RAM_BYTES);
  return createCoreMemory({ core: 0, ram, ramBase: RAM_BASE, lrscHold: 0, flatLatency: 1, translation, caches });
}

/** One access: its result (value and hi, or the fault) and the latency it charged. */
function apply(mem: HartMemory, x: Access): unknown {
  try {
    let r: number;
    switch (x.op) {
      case 'load8': r = mem.load8(x.a); break;
      case 'load8u': r = mem.load8u(x.a); break;
      case 'load16': r = mem.load16(x.a); break;
      case 'load16u': r = mem.load16u(x.a); break;
      case 'load32': r = mem.load32(x.a); break;
      case 'load64': r = mem.load64(x.a); r = r + mem.hi * 2 ** 32; break;
      case 'store8': mem.store8(x.a, x.v); r = 0; break;
      case 'store16': mem.store16(x.a, x.v); r = 0; break;
      case 'store32': mem.store32(x.a, x.v); r = 0; break;
      case 'store64': mem.store64(x.a, x.v, x.w); r = 0; break;
      case 'fetch32': r = mem.fetch32(x.a - (x.a % 4)); break;
      case 'fetch16': r = mem.fetch16(x.a - (x.a % 2)); break;
      default: r = mem.fetchAccess(x.a); break;
    }
    return { r, latency: mem.lastLatency };
  } catch (e) {
    if (e instanceof GuestFault) return { cause: e.cause, tval: e.tval };
    throw e;
  }
}

// Addresses around every edge the two paths must agree on.
const edges = [0, RAM_BASE, 0x2000, 0x2040, RAM_BYTES, 2 ** 32, 2 ** 32 + RAM_BASE];
const address = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom(...edges), fc.integer({ min: -9, max: 9 })).map(([e, d]) => e + d), weight: 4 },
  fc.integer({ min: 0, max: RAM_BYTES + 16 }),
  fc.integer({ min: -0x1000, max: -1 }),
  fc.integer({ min: 0, max: RAM_BYTES / 64 - 1 }).map((l) => l * 64 - 4), // straddling a line (and some pages)
);
const access = fc.record({ op: fc.constantFrom(...OPS), a: address, v: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), w: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) });

describe('bare-mode memory behaves as the TLB path over the identity map', () => {
  for (const model of ['flat', 'caches'] as const) {
    it(`builds the bare class only without a translation, --memory ${model}`, () => {
      const ram = new SharedArrayBuffer(RAM_BYTES);
      const bare = wire(model, ram, true).mem, tlb = wire(model, ram, false).mem;
      expect(bare).toBeInstanceOf(model === 'flat' ? BareFlatMemory : BareCacheMemory);
      expect(tlb).toBeInstanceOf(model === 'flat' ? FlatMemory : CacheMemory);
      expect(tlb).not.toBeInstanceOf(model === 'flat' ? BareFlatMemory : BareCacheMemory);
    });

    it(`random accesses around every edge: same values, faults, latencies, counters and RAM, --memory ${model}`, () => {
      fc.assert(
        fc.property(fc.array(access, { minLength: 1, maxLength: 300, size: 'max' }), (xs) => {
          const ramA = new SharedArrayBuffer(RAM_BYTES), ramB = new SharedArrayBuffer(RAM_BYTES);
          const a = wire(model, ramA, true), b = wire(model, ramB, false);
          for (const x of xs) expect(apply(a.mem, x), JSON.stringify(x)).toEqual(apply(b.mem, x));
          if (model === 'caches') {
            expect(Array.from(a.ctr!)).toEqual(Array.from(b.ctr!));
            // The data lives in the caches: compare every word through each path.
            for (let p = RAM_BASE; p < RAM_BYTES; p += 4) if (a.mem.load32(p) !== b.mem.load32(p)) expect(p).toBe(-1);
          } else {
            expect(Buffer.from(ramA).equals(Buffer.from(ramB))).toBe(true);
          }
        }),
        { numRuns: model === 'flat' ? 200 : 40 },
      );
    });
  }
});

// The kernel's access path (HartMemory.copyFromGuest / copyToGuest, Hart.readGuest /
// writeGuest): line by line through translation and the caches, charged to the core's
// cycles, counted as kernel traffic and never as guest loads or stores, in both models.
import { describe, expect, it } from 'vitest';
import { createCoreMemory, type CoreMemory } from '../../cores/core_memory.ts';
import { Hart } from '../../cores/hart.ts';
import { allocateCoherence, CoherenceViews, DEFAULT_GEOMETRY } from '../../shared/coherence/layout.ts';
import { ProtocolTable, TRANSITIONS } from '../../shared/coherence/mesi.ts';
import { CTR } from '../../shared/coherence/stats.ts';
import { CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS, GuestFault } from '../../src/kernel/fault.ts';
import { RecordingTrapHandler } from './harness.ts';

const RAM_BYTES = 1 << 20;
const RAM_BASE = 0x1000;
const FLAT_LATENCY = 3;

function wire(model: 'flat' | 'caches'): CoreMemory {
  const geometry = { ...DEFAULT_GEOMETRY, cores: 1 };
  const caches = model === 'caches' ? { views: new CoherenceViews(geometry, allocateCoherence(geometry)), table: new ProtocolTable(TRANSITIONS) } : undefined;
  return createCoreMemory({ core: 0, ram: new SharedArrayBuffer(RAM_BYTES), ramBase: RAM_BASE, lrscHold: 0, flatLatency: FLAT_LATENCY, caches });
}

function faultOf(f: () => unknown): number {
  try {
    f();
  } catch (e) {
    if (e instanceof GuestFault) return e.cause;
    throw e;
  }
  return -1;
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('kernel copies through the memory path', () => {
  for (const model of ['flat', 'caches'] as const) {
    it(`moves the bytes line by line and counts lines, not guest accesses, --memory ${model}`, () => {
      const w = wire(model);
      const a = 0x2030; // 200 bytes from here span lines 0x2000, 0x2040, 0x2080, 0x20c0: 4 lines
      const data = bytes(200, 7);
      w.mem.copyToGuest(a, data);
      const out = new Uint8Array(200);
      w.mem.copyFromGuest(a, out);
      expect(out).toEqual(data);
      expect([w.mem.kernelWrites, w.mem.kernelReads]).toEqual([4, 4]);
      // The guest sees the same bytes through its own loads.
      expect(w.mem.load8u(a + 199)).toBe(data[199]);
      if (w.ctr) {
        expect([w.ctr[CTR.loads], w.ctr[CTR.stores]]).toEqual([1, 0]); // only the guest's load8u
        expect(w.ctr[CTR.l1dMisses]).toBe(4); // the first copy brought the 4 lines in
      }
    });

    it(`returns the cycles the copy cost, --memory ${model}`, () => {
      const w = wire(model);
      const data = bytes(128, 1);
      const first = w.mem.copyToGuest(0x3000, data); // 2 lines
      const again = w.mem.copyFromGuest(0x3000, new Uint8Array(128));
      if (model === 'flat') {
        expect([first, again]).toEqual([2 * FLAT_LATENCY, 2 * FLAT_LATENCY]);
      } else {
        const g = DEFAULT_GEOMETRY;
        expect(first).toBe(2 * g.ramLatency); // both lines from RAM
        expect(again).toBe(2 * g.l1d.latency); // both now in L1d
      }
    });

    it(`faults on an address outside RAM, --memory ${model}`, () => {
      const w = wire(model);
      expect(faultOf(() => w.mem.copyFromGuest(RAM_BYTES - 16, new Uint8Array(32)))).toBe(CAUSE_LOAD_ACCESS);
      expect(faultOf(() => w.mem.copyToGuest(0x800, new Uint8Array(4)))).toBe(CAUSE_STORE_ACCESS);
    });

    it(`charges the hart: readGuest and writeGuest add the copy's cycles, --memory ${model}`, () => {
      const w = wire(model);
      const hart = new Hart({ hartId: 0, mem: w.mem, decode: w.decode, trap: new RecordingTrapHandler(), timePerCycle: 1 });
      hart.writeGuest(0x4000, bytes(64, 3));
      const c1 = hart.cycle;
      expect(c1).toBeGreaterThan(0);
      expect(hart.readGuest(0x4000, 64)).toEqual(bytes(64, 3));
      expect(hart.cycle).toBeGreaterThan(c1);
    });
  }
});

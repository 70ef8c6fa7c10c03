// Address translation (cores/tlb.ts): the identity map of bare mode, a miss handler that
// remaps and restricts pages (the shape the Sv39 walker will fill), permission checks on the
// fast path, page-crossing accesses, and the memory path below it using physical addresses
// in both memory models (data, and the decode cache's invalidation).
import { describe, expect, it } from 'vitest';
import { createCoreMemory } from '../../cores/core_memory.ts';
import { Hart, RUN_LIMIT } from '../../cores/hart.ts';
import {
  accessFaultCause,
  ACC_FETCH,
  ACC_READ,
  ACC_WRITE,
  IdentityMap,
  PTE_R,
  PTE_U,
  PTE_W,
  PTE_X,
  Tlb,
  TLB_ENTRIES,
  type TlbFill,
  type TlbMissHandler,
} from '../../cores/tlb.ts';
import { allocateCoherence, CoherenceViews, DEFAULT_GEOMETRY } from '../../shared/coherence/layout.ts';
import { ProtocolTable, TRANSITIONS } from '../../shared/coherence/mesi.ts';
import { assemble } from '../../src/asm/index.ts';
import {
  CAUSE_ECALL_U,
  CAUSE_FETCH_ACCESS,
  CAUSE_LOAD_ACCESS,
  CAUSE_LOAD_PAGE,
  CAUSE_MISALIGNED_LOAD,
  CAUSE_STORE_ACCESS,
  CAUSE_STORE_PAGE,
  GuestFault,
} from '../../src/kernel/fault.ts';
import { RecordingTrapHandler } from './harness.ts';

const RAM_BYTES = 1 << 20;
const RAM_BASE = 0x1000;

function fault(f: () => unknown): { cause: number; tval: number } {
  try {
    f();
  } catch (e) {
    if (e instanceof GuestFault) return { cause: e.cause, tval: e.tval };
    throw e;
  }
  throw new Error('no fault');
}

/** Identity over RAM, except the pages in `map`: vpn -> [ppn, perm] (a page table's worth). */
class TableMap implements TlbMissHandler {
  readonly walks: number[] = [];
  constructor(
    readonly map: Map<number, [number, number]>,
    private readonly identity = new IdentityMap(RAM_BASE, RAM_BYTES),
  ) {}
  walk(vpn: number, acc: number, out: TlbFill): number {
    this.walks.push(vpn);
    const m = this.map.get(vpn);
    if (!m) return this.identity.walk(vpn, acc, out);
    out.ppn = m[0];
    out.perm = m[1];
    return 0;
  }
}

describe('the identity map (bare mode)', () => {
  it('maps every RAM address to itself, one miss per page and kind, then hits', () => {
    const tlb = new Tlb(new IdentityMap(RAM_BASE, RAM_BYTES));
    for (const a of [0x1000, 0x1ffc, 0x2345, RAM_BYTES - 8]) {
      expect(tlb.read(a, 8 - (a & 7))).toBe(a);
      expect(tlb.write(a, 1)).toBe(a);
      expect(tlb.fetch(a & ~3, 4)).toBe(a & ~3);
    }
    const misses = tlb.misses;
    expect(misses).toBe(3); // pages 1, 2 and the last: each entry fills every kind at once
    tlb.read(0x1008, 8);
    tlb.write(0x2000, 4);
    tlb.fetch(RAM_BYTES - 4, 4);
    expect(tlb.misses).toBe(misses);
    // Misaligned accesses inside a page take the slow path but hit the entry: no walk.
    expect(tlb.read(0x1003, 4)).toBe(0x1003);
    expect(tlb.write(0x2ffa, 4)).toBe(0x2ffa);
    expect(tlb.misses).toBe(misses);
  });

  it('faults outside RAM with the access fault of the kind, naming the address', () => {
    const tlb = new Tlb(new IdentityMap(RAM_BASE, RAM_BYTES));
    expect(fault(() => tlb.read(0x10, 4))).toEqual({ cause: CAUSE_LOAD_ACCESS, tval: 0x10 });
    expect(fault(() => tlb.write(RAM_BYTES, 1))).toEqual({ cause: CAUSE_STORE_ACCESS, tval: RAM_BYTES });
    expect(fault(() => tlb.fetch(0xfff, 4))).toEqual({ cause: CAUSE_FETCH_ACCESS, tval: 0xfff });
    // Above 2^32 and "negative" (an address the hart formed as xl + imm below 0) never alias a RAM page.
    expect(fault(() => tlb.read(2 ** 32 + 0x2000, 4)).cause).toBe(CAUSE_LOAD_ACCESS);
    expect(fault(() => tlb.read(-0x1000 * 0x100000 + 0x2000, 4)).cause).toBe(CAUSE_LOAD_ACCESS);
    expect(fault(() => tlb.read(-8, 4)).cause).toBe(CAUSE_LOAD_ACCESS);
    // An access that runs off the end of RAM names its first byte, as before the TLB.
    expect(fault(() => tlb.read(RAM_BYTES - 4, 8))).toEqual({ cause: CAUSE_LOAD_ACCESS, tval: RAM_BYTES - 4 });
  });

  it('has the fault causes of each access kind', () => {
    expect([ACC_READ, ACC_WRITE, ACC_FETCH].map(accessFaultCause)).toEqual([CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS, CAUSE_FETCH_ACCESS]);
  });
});

describe('a miss handler that remaps and restricts pages', () => {
  it('translates through the filled entry and checks each kind against its permission', () => {
    // (identity elsewhere: pages 1 .. 255 are RAM)
    const h = new TableMap(new Map([[0x8, [0x3, PTE_R | PTE_U]]]));
    const tlb = new Tlb(h);
    expect(tlb.read(0x8010, 4)).toBe(0x3010);
    expect(tlb.read(0x8ff8, 8)).toBe(0x3ff8);
    expect(h.walks).toEqual([0x8]); // the second read hit
    // Not writable, not executable: the fast path's per-kind tag refuses, the handler's answer faults.
    expect(fault(() => tlb.write(0x8010, 4))).toEqual({ cause: CAUSE_STORE_ACCESS, tval: 0x8010 });
    expect(fault(() => tlb.fetch(0x8000, 4))).toEqual({ cause: CAUSE_FETCH_ACCESS, tval: 0x8000 });
    expect(tlb.perm[0x8 & (tlb.entries - 1)]).toBe(PTE_R | PTE_U);
  });

  it('raises the cause the handler names (a page fault, as the Sv39 walker will)', () => {
    const tlb = new Tlb({ walk: (_vpn, acc) => (acc === ACC_WRITE ? CAUSE_STORE_PAGE : CAUSE_LOAD_PAGE) });
    expect(fault(() => tlb.read(0x5000, 4))).toEqual({ cause: CAUSE_LOAD_PAGE, tval: 0x5000 });
    expect(fault(() => tlb.write(0x5000, 4))).toEqual({ cause: CAUSE_STORE_PAGE, tval: 0x5000 });
  });

  it('refills an entry whose slot another page took (direct-mapped conflict)', () => {
    const other = 1 + TLB_ENTRIES; // the same entry as vpn 1 (mapped: it lies beyond RAM)
    const h = new TableMap(new Map([[other, [0x2, PTE_R | PTE_U]]]));
    const tlb = new Tlb(h);
    tlb.read(0x1000, 4);
    tlb.read(other * 0x1000, 4); // replaces vpn 1
    tlb.read(0x1000, 4);
    expect(h.walks).toEqual([1, other, 1]);
  });

  it('lets an access cross into a physically adjacent page, and not into a distant one', () => {
    const rw = PTE_R | PTE_W;
    const tlb = new Tlb(new TableMap(new Map([[0x8, [0x3, rw]], [0x9, [0x4, rw]], [0xa, [0x7, rw]]])));
    expect(tlb.read(0x8ffc, 8)).toBe(0x3ffc);
    expect(fault(() => tlb.read(0x9ffc, 8))).toEqual({ cause: CAUSE_MISALIGNED_LOAD, tval: 0x9ffc });
  });
});

/**
 * Virtual page 0x8 maps to physical page 0x3 (the code page) read-write; everything else is
 * the identity. The program stores through the alias into the instruction it is about to run
 * again: the memory below the TLB must write physical page 0x3 and drop the decoded entry there.
 */
function aliasRun(model: 'flat' | 'caches'): { a3: number; at: number; ram: Uint8Array } {
  const CODE = 0x3000;
  const TARGET = CODE + 0x40;
  const ALIAS = 0x8000 + (TARGET & 0xfff);
  const ram = new SharedArrayBuffer(RAM_BYTES);
  const dv = new DataView(ram);
  const put = (at: number, words: ArrayLike<number>) => {
    for (let i = 0; i < words.length; i++) dv.setUint32(at + 4 * i, words[i]! >>> 0, true);
  };
  put(CODE, assemble(`
    lui a4, ${ALIAS >>> 12}
    addi a4, a4, ${ALIAS & 0xfff}
    jal ra, ${TARGET - (CODE + 8)}
    sw a5, 0(a4)
    jal ra, ${TARGET - (CODE + 16)}
    ecall`).words);
  put(TARGET, assemble('addi a3, zero, 1\njalr zero, 0(ra)').words);
  const [liNew] = assemble('addi a3, zero, 2').words;
  const geometry = { ...DEFAULT_GEOMETRY, cores: 1 };
  const caches = model === 'caches' ? { views: new CoherenceViews(geometry, allocateCoherence(geometry)), table: new ProtocolTable(TRANSITIONS) } : undefined;
  const translation = new TableMap(new Map([[0x8, [0x3, PTE_R | PTE_W | PTE_X | PTE_U]]]));
  const { mem, decode } = createCoreMemory({ core: 0, ram, ramBase: RAM_BASE, lrscHold: 0, translation, caches });
  const handler = new RecordingTrapHandler();
  const hart = new Hart({ hartId: 0, mem, decode, trap: handler, timePerCycle: 1 });
  hart.pc = CODE;
  hart.xl[15] = liNew!;
  expect(hart.run(1_000_000)).not.toBe(RUN_LIMIT);
  expect(handler.last?.cause).toBe(CAUSE_ECALL_U);
  // Read back through the memory path (with caches the store sits in L2), by the code's own address.
  return { a3: hart.xl[13]!, at: mem.load32(TARGET) >>> 0, ram: new Uint8Array(ram) };
}

describe('the memory below the TLB works on physical addresses', () => {
  for (const model of ['flat', 'caches'] as const) {
    it(`a store through an alias page lands in the physical page and drops its decoded code, --memory ${model}`, () => {
      const r = aliasRun(model);
      expect(r.at).toBe(assemble('addi a3, zero, 2').words[0]! >>> 0);
      expect(r.a3).toBe(2);
      expect(new DataView(r.ram.buffer).getUint32(0x8040, true)).toBe(0); // the virtual address itself untouched
    });
  }
});

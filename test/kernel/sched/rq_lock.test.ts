// The run queues' ticket locks (src/kernel/sched/rq_lock.ts) over simulated RAM (--memory flat's
// FlatPhys: the word really lives in the SharedArrayBuffer): the word after each acquire and
// release, the kernel bugs it refuses (a lock taken twice, a release of a free lock), the cycles
// charged to the acting core, the per-CPU layout, and c2c's names for the lines.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FlatPhys } from '../../../cores/mmu/phys.ts';
import { R_HITM, R_LOADS, R_STORES, type C2cEntry } from '../../../cores/c2c_recorder.ts';
import { NR_CPUS, PERCPU_PAGES, PERCPU_UNIT_BYTES, RqLocks, TICKET_NEXT, ticketState } from '../../../src/kernel/sched/rq_lock.ts';
import { SymbolTable } from '../../../src/loader/symbols.ts';
import { analyzeC2c } from '../../../src/report/c2c.ts';

const SEED = Number(process.env.SCHED_SEED ?? 20261201);
const LAT = 7;
const BASE = 0x10000;

function setup(cpus: number) {
  const ram = new SharedArrayBuffer(BASE + cpus * PERCPU_UNIT_BYTES); // zero, as boot RAM: every lock unlocked
  const phys = new FlatPhys(ram, 0, LAT);
  const locks = new RqLocks(BASE, cpus);
  const word = (c: number) => new Uint32Array(ram)[locks.lockPa(c) / 4]!;
  return { ram, phys, locks, word };
}

describe('rq->__lock, a ticket lock in simulated memory', () => {
  it('each acquire takes a ticket (next += 1), each release serves it (owner += 1): free again after every pair', () => {
    const { phys, locks, word } = setup(2);
    expect(ticketState(word(1))).toEqual({ owner: 0, next: 0, free: true });
    locks.lock(phys, 0, 1);
    expect(ticketState(word(1))).toEqual({ owner: 0, next: 1, free: false });
    expect(word(1)).toBe(TICKET_NEXT); // amoadd.w of 1 << 16
    expect(locks.held()).toEqual([1]);
    locks.unlock(phys, 0, 1);
    expect(ticketState(word(1))).toEqual({ owner: 1, next: 1, free: true });
    expect(locks.held()).toEqual([]);
    expect(word(0)).toBe(0); // the other queue's word is untouched
  });

  it('the 16-bit halves wrap as Linux\'s u16 tickets do', () => {
    const { phys, locks, word } = setup(1);
    for (let i = 0; i < 0x10000 + 3; i++) {
      locks.lock(phys, 0, 0);
      locks.unlock(phys, 0, 0);
    }
    expect(ticketState(word(0))).toEqual({ owner: 3, next: 3, free: true });
    expect(locks.acquires[0]).toBe(0x10003);
  });

  it('a lock taken while held is a kernel bug (the kernel is serialized): it throws, naming the holder, never spins', () => {
    const { phys, locks } = setup(4);
    locks.lock(phys, 3, 2);
    expect(() => locks.lock(phys, 1, 2)).toThrow(/BUG: core 1 takes run queue 2's lock held by core 3/);
  });

  it('a release of a free lock is a kernel bug', () => {
    const { phys, locks } = setup(2);
    expect(() => locks.unlock(phys, 0, 1)).toThrow(/BUG: core 0 releases run queue 1's lock, which is not held/);
  });

  it('charges the acting core: the acquire one RMW, the release a load and a store, at the memory latency', () => {
    const { phys, locks } = setup(4);
    phys.cycles = 0;
    expect(locks.lock(phys, 1, 2)).toBe(LAT);
    expect(locks.unlock(phys, 1, 2)).toBe(2 * LAT);
    expect(phys.cycles).toBe(3 * LAT); // left for the kernel to move onto the core
    expect(locks.cycles).toEqual([0, 3 * LAT, 0, 0]);
    expect(locks.remoteAcquires).toEqual([0, 0, 1, 0]);
    locks.lock(phys, 2, 2);
    locks.unlock(phys, 2, 2);
    expect(locks.remoteAcquires).toEqual([0, 0, 1, 0]); // its own queue
    expect(locks.stats()).toMatchObject({ acquires: [0, 0, 2, 0], releases: [0, 0, 2, 0], held: [] });
  });

  it('lays the queues out as per-CPU data: a page-aligned unit per CPU, each lock on a line of its own', () => {
    const locks = new RqLocks(0x400000, 16);
    const pas = Array.from({ length: 16 }, (_, c) => locks.lockPa(c));
    expect(pas[0]).toBe(0x400000);
    for (let c = 1; c < 16; c++) expect(pas[c]! - pas[c - 1]!).toBe(PERCPU_UNIT_BYTES);
    expect(new Set(pas.map((pa) => Math.floor(pa / 64))).size).toBe(16);
    expect(PERCPU_PAGES * 4096).toBe(NR_CPUS * PERCPU_UNIT_BYTES); // a unit for every possible CPU
    expect(() => new RqLocks(0x400100, 2)).toThrow(/not page-aligned/);
    expect(() => new RqLocks(0x400000, NR_CPUS + 1)).toThrow(/NR_CPUS/);
    expect(locks.symbols()[5]).toEqual({ name: 'runqueues[5].__lock', value: 0x400000 + 5 * 4096, size: 4, type: 'object' });
  });

  it(`random lock/unlock pairs by random cores leave every word free, acquires == releases (seed ${SEED})`, () => {
    console.log(`rq_lock: fast-check seed ${SEED}`);
    fc.assert(
      fc.property(fc.array(fc.record({ actor: fc.integer({ min: 0, max: 3 }), rqs: fc.uniqueArray(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 2 }) }), { maxLength: 300 }), (ops) => {
        const { phys, locks, word } = setup(4);
            const taken = [0, 0, 0, 0];
        for (const { actor, rqs } of ops) {
          const order = [...rqs].sort((a, b) => a - b); // double_rq_lock's order
          for (const c of order) locks.lock(phys, actor, c);
          expect(locks.held()).toEqual(order);
          for (const c of order) {
            locks.unlock(phys, actor, c);
            taken[c]!++;
          }
        }
        expect(locks.held()).toEqual([]);
        for (let c = 0; c < 4; c++) {
          expect(ticketState(word(c))).toEqual({ owner: taken[c]! & 0xffff, next: taken[c]! & 0xffff, free: true });
          expect(locks.acquires[c]).toBe(taken[c]);
          expect(locks.releases[c]).toBe(taken[c]);
        }
      }),
      { seed: SEED, numRuns: 60 },
    );
  });
});

describe('c2c names the kernel\'s lock lines', () => {
  it('a physical line with no virtual address is named by the kernel\'s symbols: runqueues[2].__lock', () => {
    const locks = new RqLocks(0x400000, 4);
    const pa = locks.lockPa(2);
    const counts = (stores: number, hitm: number) => {
      const c = new Array<number>(10).fill(0);
      c[R_STORES] = stores;
      c[R_HITM] = hitm;
      return c;
    };
    // Cores 1 and 2 take the lock in turn (kernel accesses: an owner, no virtual address).
    const entries: C2cEntry[] = [1, 2].map((core) => ({ line: pa, offset: 0, core, pc: 0x10400, counts: counts(50, 49), pid: 1, comm: 'pp', image: 1 }));
    const kernelSymbols = new SymbolTable(locks.symbols());
    const [line] = analyzeC2c(entries, new SymbolTable([]), 64, { physical: true, kernelSymbols });
    expect(line!.symbol).toBe('runqueues[2].__lock');
    expect(line!.offsets[0]!.field).toBe('runqueues[2].__lock');
    expect(line!.cores).toEqual([1, 2]);
    expect(line!.verdict).toBe('true sharing');
    // Without the kernel's symbols the line stays a bare physical address (as before).
    const [bare] = analyzeC2c(entries, new SymbolTable([]), 64, { physical: true });
    expect(bare!.symbol).toBe('');
    expect(entries.every((e) => e.counts[R_LOADS] === 0)).toBe(true);
  });
});

// c2c under --boot linux: records made at physical addresses carry the process and the virtual
// address (cores/c2c_recorder.ts), and the report names each line by virtual address, symbol and
// pid/comm (src/report/c2c.ts) while grouping and judging by the physical line, as the caches do.

import { describe, expect, it } from 'vitest';
import { C2cRecorder, SRC_HITM, SRC_L2, type C2cEntry, type C2cOwner } from '../../cores/c2c_recorder.ts';
import { TLB_ENTRIES } from '../../cores/tlb.ts';
import { analyzeC2c, c2cJson, formatC2c } from '../../src/report/c2c.ts';
import { PACKED, WORKER, packedPattern, symbols, truePattern } from './c2c-fixtures.ts';

/** A TLB host-array view with the given (va page -> pa page) translations, in their direct-mapped slots. */
function tlbView(read: [number, number][], write: [number, number][] = []) {
  const mk = (pairs: [number, number][]) => {
    const e = new Float64Array(2 * TLB_ENTRIES).fill(-1);
    for (const [va, pa] of pairs) {
      const j = ((va / 4096) % TLB_ENTRIES) * 2;
      e[j] = va;
      e[j + 1] = pa - va;
    }
    return e;
  };
  return { readEnt: mk(read), writeEnt: mk(write) };
}

const PA_PAGE = 0x8012_3000;
const VA_PAGE = PACKED - (PACKED % 4096); // the packed counters' page in the program
const PA_PACKED = PA_PAGE + (PACKED % 4096);

/**
 * The fixtures' records (made at the program's addresses) moved to physical page PA_PAGE, each
 * carrying the owner and the virtual address a recorder notes: the process maps the page at vaPage.
 */
function asLinux(entries: C2cEntry[], owner: C2cOwner, vaPage = VA_PAGE): C2cEntry[] {
  return entries.map((e) => {
    const inPage = e.line + e.offset - VA_PAGE;
    const pa = PA_PAGE + inPage;
    return { ...e, line: pa - (pa % 64), offset: pa % 64, va: vaPage + inPage, pid: owner.pid, comm: owner.comm, image: owner.image };
  });
}

const FS: C2cOwner = { pid: 1, comm: 'fs_packed', image: 1 };

describe('C2cRecorder under --boot linux', () => {
  it('notes the owner and the virtual address (found in the TLB host arrays) when a record is made', () => {
    let running: C2cOwner | undefined = FS;
    const rec = new C2cRecorder(2, 64, tlbView([[VA_PAGE, PA_PAGE]], [[0x4000_1000, 0x8020_0000]]));
    rec.ownerOf = () => running;
    rec.miss(PA_PACKED + 8, WORKER + 0x20, true, SRC_HITM, 70); // a store whose page sits in a read slot: both arrays are searched
    rec.miss(0x8020_0010, WORKER + 0x24, true, SRC_L2, 12); // through a write slot
    running = { pid: 7, comm: 'child', image: 3 };
    rec.miss(0x9000_0040, WORKER + 0x28, false, SRC_L2, 12); // a page no slot maps (a page table)
    rec.miss(PA_PACKED + 8, WORKER + 0x20, true, SRC_HITM, 70); // the same record again: keeps its first owner
    const es = rec.entries();
    expect(es).toHaveLength(3);
    const at = (pa: number) => es.find((e) => e.line + e.offset === pa)!;
    expect(at(PA_PACKED + 8)).toMatchObject({ core: 2, va: PACKED + 8, pid: 1, comm: 'fs_packed', image: 1 });
    expect(at(PA_PACKED + 8).counts[1]).toBe(2); // R_STORES: both stores counted
    expect(at(0x8020_0010)).toMatchObject({ va: 0x4000_1010, pid: 1 });
    const pt = at(0x9000_0040);
    expect(pt.va).toBeUndefined();
    expect(pt).toMatchObject({ pid: 7, comm: 'child', image: 3 });
  });

  it('without an owner callback (bare-metal SPMD) the records carry no owner and no virtual address', () => {
    const rec = new C2cRecorder(0, 64, tlbView([[VA_PAGE, PA_PAGE]]));
    rec.miss(PA_PACKED, WORKER, true, SRC_HITM, 70);
    const [e] = rec.entries();
    expect(e).toEqual({ line: PA_PACKED - (PA_PACKED % 64), offset: PA_PACKED % 64, core: 0, pc: WORKER, counts: expect.any(Array) });
    expect(e!.counts).toHaveLength(10);
  });

  it('an idle core (no process) gives records a virtual address but no owner', () => {
    const rec = new C2cRecorder(1, 64, tlbView([[VA_PAGE, PA_PAGE]]));
    rec.ownerOf = () => undefined;
    rec.miss(PA_PACKED, WORKER, false, SRC_L2, 12);
    const [e] = rec.entries();
    expect(e!.va).toBe(PACKED);
    expect(e!.pid).toBeUndefined();
  });
});

describe('analyzeC2c under --boot linux', () => {
  it('packed counters at a physical address: named by virtual address, symbol and pid/comm, with the SPMD verdict', () => {
    const bare = analyzeC2c(packedPattern(), symbols, 64);
    const [l, ...rest] = analyzeC2c(asLinux(packedPattern(), FS), symbols, 64);
    expect(rest).toHaveLength(0);
    expect(l!.address).toBe(PA_PACKED);
    expect(l!.vaddr).toBe(PACKED);
    expect(l!.pid).toBe(1);
    expect(l!.comm).toBe('fs_packed');
    expect(l!.mappings).toEqual([{ pid: 1, comm: 'fs_packed', vaddr: PACKED }]);
    expect(l!.symbol).toBe('packed_counters');
    expect(l!.offsets.map((o) => o.field)).toEqual(['packed_counters', 'packed_counters+0x8', 'packed_counters+0x10', 'packed_counters+0x18']);
    // The verdict logic is the same: every field but the addresses agrees with the bare-metal analysis.
    const strip = ({ address: _a, vaddr: _v, pid: _p, comm: _c, mappings: _m, ...rest }: (typeof bare)[number]) => rest;
    expect(strip(l!)).toEqual(strip(bare[0]!));
    expect(l!.verdict).toBe('false sharing');
  });

  it('threads on cores in any order: the padding advice names the fields in address order', () => {
    // Core i writes the counter at 8 * ((i + 2) % 4), as the scheduler placed the threads.
    const es = packedPattern().map((e) => ({ ...e, offset: 8 * ((e.offset / 8 + 2) % 4) }));
    const [l] = analyzeC2c(asLinux(es, FS), symbols, 64);
    expect(l!.verdict).toBe('false sharing');
    expect(l!.offsets.map((o) => o.writers)).toEqual([[2], [3], [0], [1]]);
    expect(l!.advice).toMatch(/^pad each of packed_counters\+0x0, \+0x8, \+0x10, \+0x18 to its own 64-byte line/);
  });

  it('the text report shows the virtual address, the symbol, [pid comm] and the physical address in the verdict', () => {
    const lines = analyzeC2c(asLinux(packedPattern(), FS), symbols, 64);
    const text = formatC2c(lines, { lineBytes: 64, program: 'fs_packed' });
    expect(text).toContain(`0x${PACKED.toString(16)}`);
    expect(text).toMatch(/packed_counters {2}\[pid 1 fs_packed\]/);
    expect(text).toContain(`0x${PACKED.toString(16)} packed_counters (pid 1 fs_packed, pa 0x${PA_PACKED.toString(16)}): false sharing`);
    expect(text).toContain('Data addresses');
    expect(text).not.toContain(`0x${PA_PACKED.toString(16)}  `); // the table shows the virtual address
    const bare = formatC2c(analyzeC2c(packedPattern(), symbols, 64), { lineBytes: 64 });
    expect(bare).not.toContain('[pid');
    expect(bare).not.toContain('Data addresses');
  });

  it('the JSON has the same fields', () => {
    const j = c2cJson(analyzeC2c(asLinux(packedPattern(), FS), symbols, 64));
    const l = JSON.parse(JSON.stringify(j)).lines[0];
    expect(l).toMatchObject({ address: PA_PACKED, addressHex: `0x${PA_PACKED.toString(16)}`, vaddr: PACKED, vaddrHex: `0x${PACKED.toString(16)}`, pid: 1, comm: 'fs_packed', symbol: 'packed_counters', verdict: 'false sharing' });
    expect(l.offsets[1].field).toBe('packed_counters+0x8');
  });

  it('a process running another executable gets bare virtual addresses, not the booted program\'s symbols', () => {
    const [l] = analyzeC2c(asLinux(truePattern(), { pid: 9, comm: 'other', image: 4 }), symbols, 64);
    expect(l!.vaddr).toBeDefined();
    expect(l!.symbol).toBe('');
    expect(l!.offsets[0]!.field).toBe('');
    expect(l!.offsets[0]!.pcs[0]!.symbol).toMatch(/^0x/);
    expect(l!.verdict).toBe('true sharing');
    expect(l!.advice).toContain(`0x${l!.vaddr!.toString(16)}`);
  });

  it('a line with no user mapping (page-table traffic) keeps its physical address and no symbol', () => {
    const es = asLinux(truePattern(), FS).map(({ va: _va, ...e }) => e);
    const [l] = analyzeC2c(es, symbols, 64);
    expect(l!.vaddr).toBeUndefined();
    expect(l!.pid).toBe(1);
    expect(l!.symbol).toBe('');
    expect(formatC2c([l!], { lineBytes: 64 })).toContain(', kernel accesses only)');
  });

  it('records with no owner at all (a core outside the kernel\'s worker): with physical set, no symbol from a physical address', () => {
    // The physical address of the line is made to coincide with the program's symbol.
    const es = packedPattern();
    expect(analyzeC2c(es, symbols, 64)[0]!.symbol).toBe('packed_counters');
    const [l] = analyzeC2c(es, symbols, 64, { physical: true });
    expect(l!.symbol).toBe('');
    expect(l!.offsets.map((o) => o.field)).toEqual(['', '', '', '']);
    expect(l!.verdict).toBe('false sharing');
    expect(l!.pid).toBeUndefined();
  });

  it('two processes on one physical line: named after the busier, the other listed', () => {
    const child: C2cOwner = { pid: 2, comm: 'child', image: 1 };
    const a = asLinux(packedPattern(), FS);
    // The child maps the same physical page at another virtual page, and touches it less.
    const b = asLinux(packedPattern(1), child, 0x4000_0000).map((e) => ({ ...e, core: 5, counts: e.counts.map((c) => c / 10) }));
    const [l] = analyzeC2c([...a, ...b], symbols, 64);
    expect(l!.pid).toBe(1);
    expect(l!.vaddr).toBe(PACKED);
    expect(l!.mappings).toEqual([
      { pid: 1, comm: 'fs_packed', vaddr: PACKED },
      { pid: 2, comm: 'child', vaddr: 0x4000_0000 + (PACKED % 4096) },
    ]);
    expect(formatC2c([l!], { lineBytes: 64 })).toContain(`also pid 2 at 0x${(0x4000_0000 + (PACKED % 4096)).toString(16)}`);
  });
});

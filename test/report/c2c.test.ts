import { describe, expect, it } from 'vitest';
import { analyzeC2c, c2cJson, formatC2c } from '../../src/report/c2c.ts';
import type { C2cLine } from '../../src/report/c2c.ts';
import { SymbolTable } from '../../src/loader/symbols.ts';
import { MAIN, PACKED, SHARED, TABLE, WORKER, entry, packedPattern, readPattern, strayRead, sym, symbols, truePattern } from './c2c-fixtures.ts';

const byAddr = (lines: C2cLine[], a: number): C2cLine => {
  const l = lines.find((x) => x.address === a);
  if (!l) throw new Error(`no line 0x${a.toString(16)}`);
  return l;
};

describe('analyzeC2c', () => {
  it('packed per-core counters: false sharing, with padding advice naming the symbol', () => {
    const [l, ...rest] = analyzeC2c(packedPattern(), symbols, 64);
    expect(rest).toHaveLength(0);
    expect(l!.address).toBe(PACKED);
    expect(l!.symbol).toBe('packed_counters');
    expect(l!.verdict).toBe('false sharing');
    expect(l!.cores).toEqual([0, 1, 2, 3]);
    expect(l!.reason).toBe('cores 0,1,2,3 write disjoint offsets 0x0,0x8,0x10,0x18');
    expect(l!.advice).toContain('packed_counters');
    expect(l!.advice).toContain('56 bytes of padding');
    expect(l!.advice).toContain('+0x8, +0x10, +0x18');
    expect(l!.advice).toContain('align each to 64');

    expect(l!.offsets.map((o) => o.offset)).toEqual([0, 8, 16, 24]);
    expect(l!.offsets.map((o) => o.field)).toEqual(['packed_counters', 'packed_counters+0x8', 'packed_counters+0x10', 'packed_counters+0x18']);
    expect(l!.offsets.map((o) => o.writers)).toEqual([[0], [1], [2], [3]]);
    // HITMs: loads 100+10i, stores 10 each.
    expect(l!.offsets.map((o) => o.hitm)).toEqual([110, 120, 130, 140]);
    expect(l!.hitm).toBe(500);
    expect(l!.records).toBe(8);
    const o0 = l!.offsets[0]!;
    expect(o0.loads).toBe(16 * 20 + 100);
    expect(o0.stores).toBe(16 * 5 + 120);
    expect(o0.storeL1Hit).toBe(80);
    expect(o0.storeL1Miss).toBe(120);
    expect(o0.avgLoadCycles).toBeCloseTo((16 * 20 * 4 + 100 * 60) / 420, 1);
    expect(o0.pcs.map((p) => p.symbol)).toEqual(['worker+0x1c', 'worker+0x20']); // by HITM
    expect(o0.pcs[0]).toMatchObject({ pc: WORKER + 0x1c, count: 420, hitm: 100, loadHitm: 100, cores: [0] });
  });

  it('line totals add up from the records', () => {
    const [l] = analyzeC2c(packedPattern(), symbols, 64);
    expect(l!.loads).toBe(4 * 320 + 100 + 110 + 120 + 130);
    expect(l!.l1Hits).toBe(4 * 320);
    expect(l!.stores).toBe(l!.storeL1Hit + l!.storeL1Miss);
    expect(l!.l2Hits + l!.l3Hits + l!.ramLoads).toBe(0);
  });

  it('one counter hammered by all cores at offset 0: true sharing', () => {
    const [l] = analyzeC2c(truePattern(), symbols, 64);
    expect(l!.address).toBe(SHARED);
    expect(l!.symbol).toBe('shared_counter');
    expect(l!.verdict).toBe('true sharing');
    expect(l!.offsets).toHaveLength(1);
    expect(l!.offsets[0]!.writers).toEqual([0, 1, 2, 3]);
    expect(l!.reason).toContain('offset 0x0 written by cores 0,1,2,3');
    expect(l!.advice).toMatch(/own copy/);
    expect(l!.advice).toMatch(/combine/);
    expect(l!.advice).toMatch(/batch/);
  });

  it('a write by one core and a read by another of the same offset is true sharing', () => {
    const lines = analyzeC2c(
      [entry(SHARED, 0, 0, MAIN, { stMiss: 5 }), entry(SHARED, 0, 1, MAIN + 4, { l1: 16, l3: 5 })],
      symbols,
      64,
    );
    expect(lines).toHaveLength(1); // a store and two cores: contended even without HITMs
    expect(lines[0]!.verdict).toBe('true sharing');
    expect(lines[0]!.reason).toBe('offset 0x0 written by core 0, read by core 1');
  });

  it('writer and readers on different offsets: false sharing (write/read)', () => {
    const [l] = analyzeC2c(
      [
        entry(PACKED, 0, 0, MAIN, { stMiss: 40, stHit: 160 }),
        entry(PACKED, 8, 1, MAIN + 4, { l1: 160, ldHitm: 40 }),
        entry(PACKED, 8, 2, MAIN + 4, { l1: 160, ldHitm: 35 }),
      ],
      symbols,
      64,
    );
    expect(l!.verdict).toBe('false sharing');
    expect(l!.reason).toBe('core 0 writes disjoint offsets 0x0; cores 1,2 read 0x8');
    expect(l!.advice).toContain('packed_counters+0x0, +0x8');
  });

  it('two cores only loading: read-shared, and not listed as contended', () => {
    expect(analyzeC2c(readPattern(), symbols, 64)).toEqual([]);
    const [l] = analyzeC2c(readPattern(), symbols, 64, { all: true });
    expect(l!.address).toBe(TABLE);
    expect(l!.verdict).toBe('read-shared');
    expect(l!.advice).toBe('no action needed');
    expect(l!.hitm).toBe(0);
  });

  it('a line touched by one core only is private (listed only with all)', () => {
    const e = [entry(PACKED, 0, 2, MAIN, { stHit: 160, stMiss: 1 }), entry(PACKED, 8, 2, MAIN, { l1: 16 })];
    expect(analyzeC2c(e, symbols, 64)).toEqual([]);
    const [l] = analyzeC2c(e, symbols, 64, { all: true });
    expect(l!.verdict).toBe('private');
    expect(l!.cores).toEqual([2]);
  });

  it('keeps a line with HITMs even if only one core was recorded on it', () => {
    const [l] = analyzeC2c([entry(PACKED, 0, 1, MAIN, { ldHitm: 3 })], symbols, 64);
    expect(l!.verdict).toBe('private');
    expect(l!.reason).toMatch(/HITMs/);
  });

  it('ranks lines by HITM, then stores', () => {
    const mk = (line: number, hitm: number, stores: number) => [
      entry(line, 0, 0, MAIN, { ldHitm: hitm, stMiss: stores }),
      entry(line, 8, 1, MAIN, { l1: 16, stMiss: stores }),
    ];
    const lines = analyzeC2c(
      [...mk(0x20000, 5, 1), ...mk(0x20040, 50, 1), ...mk(0x20080, 5, 9), ...mk(0x200c0, 0, 3), ...mk(0x20100, 20, 1)].reverse(),
      new SymbolTable([]),
      64,
    );
    expect(lines.map((l) => l.address)).toEqual([0x20040, 0x20100, 0x20080, 0x20000, 0x200c0]);
    expect(lines.map((l) => l.hitm)).toEqual([50, 20, 5, 5, 0]);
    expect(lines.every((l) => l.symbol === '')).toBe(true);
    expect(lines[0]!.offsets[0]!.field).toBe('');
  });

  it('names fields from ELF symbols and takes field sizes from them', () => {
    // Two separate 4-byte globals 32 bytes apart on one line, one per core.
    const table = new SymbolTable([
      sym('worker', WORKER, 0x80, 'func'),
      sym('hits_a', 0x30000, 4),
      sym('hits_b', 0x30020, 4),
      sym('later', 0x30100, 8),
    ]);
    const [l] = analyzeC2c(
      [
        entry(0x30000, 0, 0, WORKER + 8, { ldHitm: 7, stMiss: 7 }),
        entry(0x30000, 0x20, 1, WORKER + 12, { ldHitm: 9, stMiss: 9 }),
      ],
      table,
      64,
    );
    expect(l!.symbol).toBe('hits_a');
    expect(l!.offsets.map((o) => o.field)).toEqual(['hits_a', 'hits_b']);
    expect(l!.offsets[1]!.pcs[0]!.symbol).toBe('worker+0xc');
    expect(l!.verdict).toBe('false sharing');
    expect(l!.advice).toBe('pad each of hits_a, hits_b to its own 64-byte line: 60 bytes of padding after each 4-byte field, or align each to 64');
  });

  it('names a line by its first accessed field when no symbol covers the line start', () => {
    const table = new SymbolTable([sym('tail_flags', 0x40010, 16)]);
    const [l] = analyzeC2c(
      [entry(0x40000, 0x10, 0, MAIN, { stMiss: 3, ldHitm: 2 }), entry(0x40000, 0x18, 1, MAIN, { stMiss: 3, ldHitm: 2 })],
      table,
      64,
    );
    expect(l!.symbol).toBe('tail_flags');
    expect(l!.offsets.map((o) => o.field)).toEqual(['tail_flags', 'tail_flags+0x8']);
  });

  it('groups a writer with several fields and gives per-group padding', () => {
    const [l] = analyzeC2c(
      [
        entry(PACKED, 0, 0, MAIN, { stMiss: 5, ldHitm: 5 }),
        entry(PACKED, 8, 0, MAIN, { stMiss: 5 }),
        entry(PACKED, 16, 1, MAIN, { stMiss: 5, ldHitm: 5 }),
      ],
      symbols,
      64,
    );
    expect(l!.verdict).toBe('false sharing');
    expect(l!.reason).toBe('cores 0,1 write disjoint offsets 0x0,0x8,0x10');
    expect(l!.advice).toContain("core 0's packed_counters+0x0, +0x8 (16 bytes: pad 48)");
    expect(l!.advice).toContain("core 1's packed_counters+0x10 (8 bytes: pad 56)");
  });

  it('regroups records by the given line size (true sharing wins; bystanders are named)', () => {
    // 128-byte lines: packed_counters and shared_counter share one line.
    const lines = analyzeC2c([...packedPattern(), ...truePattern()], symbols, 128);
    expect(lines).toHaveLength(1);
    const l = lines[0]!;
    expect(l.address).toBe(PACKED);
    expect(l.offsets.map((o) => o.offset)).toEqual([0, 8, 16, 24, 0x40]);
    expect(l.hitm).toBe(500 + 200);
    expect(l.verdict).toBe('true sharing');
    expect(l.advice).toContain('shared_counter');
    expect(l.advice).toContain('also move packed_counters+0x0, +0x8, +0x10, +0x18');
  });

  it('treats accesses by their start offset only (documented limitation)', () => {
    // An 8-byte store at +0x0 by core 0 and a 4-byte load at +0x4 by core 1 overlap
    // in bytes, but the recorder keeps start offsets: this reads as false sharing.
    const [l] = analyzeC2c([entry(PACKED, 0, 0, MAIN, { stMiss: 4 }), entry(PACKED, 4, 1, MAIN, { ldHitm: 4 })], symbols, 64);
    expect(l!.verdict).toBe('false sharing');
  });
});

describe('analyzeC2c: single sampled reads never turn the advice around', () => {
  const base = analyzeC2c(packedPattern(), symbols, 64)[0]!;
  const verdictOf = (l: C2cLine) => ({ verdict: l.verdict, reason: l.reason, advice: l.advice, cores: l.cores });

  // Hart 0 sums the counters once at the end: one of its L1 hits may be sampled on any offset.
  it.each([
    ['core 0 reads core 1\'s counter once (sampled)', [strayRead(0, 8)]],
    ['core 0 reads an unused slot once (sampled)', [strayRead(0, 0x20)]],
    ['core 3 reads core 0\'s counter once (sampled)', [strayRead(3, 0)]],
    ['one exact HITM read of another core\'s counter', [entry(PACKED, 0x10, 0, MAIN + 0x60, { ldHitm: 1, cycles: 70 })]],
    ['one stray read on every offset', [0, 8, 16, 24, 32, 40, 48, 56].map((o) => strayRead(0, o))],
  ])('%s', (_name, extra) => {
    const [l, ...rest] = analyzeC2c([...packedPattern(), ...extra], symbols, 64);
    expect(rest).toHaveLength(0);
    expect(verdictOf(l!)).toEqual(verdictOf(base));
    expect(base.verdict).toBe('false sharing');
    // The stray access stays in the tables, and its core is listed as minor where it landed.
    const e = extra[extra.length - 1]!;
    const o = l!.offsets.find((x) => x.offset === e.offset)!;
    expect(o.minor).toContain(e.core);
    expect(o.pcs.some((p) => p.pc === e.pc)).toBe(true);
    expect(l!.loads).toBeGreaterThan(base.loads);
  });

  it('the same reads, when frequent, do count: a reader of another core\'s counter makes it true sharing', () => {
    // 40 samples (640 weighted loads) against ~420 accesses of each counter: a real reader.
    const [l] = analyzeC2c([...packedPattern(), entry(PACKED, 8, 0, MAIN + 0x60, { l1: 640 })], symbols, 64);
    expect(l!.verdict).toBe('true sharing');
    expect(l!.reason).toBe('offset 0x8 written by core 1, read by core 0');
    expect(l!.offsets[1]!.minor).toEqual([]);
  });

  it('two sampled reads are evidence on a quiet line', () => {
    const [l] = analyzeC2c([entry(SHARED, 0, 0, MAIN, { stMiss: 2 }), entry(SHARED, 0, 1, MAIN + 4, { l1: 32 })], symbols, 64);
    expect(l!.verdict).toBe('true sharing');
  });

  it('a rare store is evidence when stores are rare (a barrier flag written once per episode)', () => {
    // Flag at +0x4 written once by core 3 (exactly recorded atomic), spun on by cores 0-2.
    const [l] = analyzeC2c(
      [
        entry(SHARED, 0, 0, MAIN, { stMiss: 1, stHitm: 1 }),
        entry(SHARED, 0, 1, MAIN, { stMiss: 1, stHitm: 1 }),
        entry(SHARED, 4, 3, MAIN + 8, { stHit: 1 }),
        ...[0, 1, 2].map((c) => entry(SHARED, 4, c, MAIN + 12, { l1: 16 * 200, ldHitm: 1 })),
      ],
      symbols,
      64,
    );
    expect(l!.offsets.map((o) => o.writers)).toEqual([[0, 1], [3]]);
    expect(l!.reason).toBe('offset 0x0 written by cores 0,1; offset 0x4 written by core 3, read by cores 0,1,2');
    expect(l!.advice).toContain('reduce sharing of shared_counter+0x0, +0x4');
  });

  it('a stray read by a second core does not make a private line contended', () => {
    const e = [entry(PACKED, 0, 2, MAIN, { stHit: 1600, stMiss: 1 }), strayRead(1, 8)];
    expect(analyzeC2c(e, symbols, 64)).toEqual([]);
    const [l] = analyzeC2c(e, symbols, 64, { all: true });
    expect(l!.verdict).toBe('private');
    expect(l!.cores).toEqual([2]);
  });
});

describe('formatC2c', () => {
  const lines = analyzeC2c([...truePattern(), ...readPattern(), ...packedPattern()], symbols, 64);
  const text = formatC2c(lines, { lineBytes: 64, program: 'packed' });
  const rows = text.split('\n');

  it('has perf c2c sections in order, plus the verdicts', () => {
    const titles = [
      'Trace Event Information',
      'Global Shared Cache Line Event Information',
      'c2c details',
      'Shared Data Cache Line Table',
      'Shared Cache Line Distribution Pareto',
      'Verdict',
    ];
    let at = -1;
    for (const t of titles) {
      const i = text.search(new RegExp(`^ *${t}$`, 'm'));
      expect(i, t).toBeGreaterThan(at);
      at = i;
    }
    expect(text.startsWith('=================================================\n')).toBe(true);
    expect(text).toMatch(/^ {13}Trace Event Information$/m);
    expect(text).toMatch(/^ {2}Total HITMs \(loads \+ stores\) +: +700$/m);
    expect(text).toMatch(/^ {2}Load Local HITM +: +580$/m);
    expect(text).toMatch(/^ {2}Store Operations +: +1044$/m);
  });

  it('prints the table header as perf does and right-aligns the numbers under it', () => {
    const h = rows.findIndex((r) => r.startsWith('  # Index'));
    expect(rows[h - 1]).toContain(
      '  #        ----------- Cacheline ----------      Tot  ------- Load Hitm -------    Snoop    Total    Total    Total  --------- Stores --------  ----- Core Load Hit -----  - LLC Load Hit --  - RMT Load Hit --  --- Load Dram ----',
    );
    expect(rows[h]).toContain(
      '  # Index             Address  Node  PA cnt     Hitm    Total  LclHitm  RmtHitm     Peer  records    Loads   Stores    L1Hit   L1Miss      N/A       FB       L1       L2    LclHit  LclHitm    RmtHit  RmtHitm       Lcl       Rmt',
    );
    const r0 = rows[h + 1]!;
    const r1 = rows[h + 2]!;
    const end = (s: string, w: string) => s.indexOf(w) + w.length;
    expect(end(r0, '0x13400')).toBe(end(rows[h]!, 'Address'));
    expect(end(r1, '0x13440')).toBe(end(rows[h]!, 'Address'));
    expect(r0).toMatch(/^ {8}0 {13}0x13400 {5}0 {7}8 {3}71\.43% {6}500 {6}500 {8}0/);
    expect(r0.trimEnd().endsWith('packed_counters')).toBe(true);
    expect(r1.trimEnd().endsWith('shared_counter')).toBe(true);
    expect(text).not.toContain('0x13480'); // read-only table is not contended
  });

  it('Tot Hitm % sums to ~100% across lines, and Pareto HITM% to ~100% within a line', () => {
    const h = rows.findIndex((r) => r.startsWith('  # Index'));
    const pcts = [rows[h + 1]!, rows[h + 2]!].map((r) => Number(/(\d+\.\d\d)%/.exec(r)![1]));
    expect(pcts[0]! + pcts[1]!).toBeCloseTo(100, 1);

    const p = rows.findIndex((r) => r.startsWith('  #   Num'));
    expect(rows[p - 1]).toContain('  #        ----- HITM -----    Snoop  ------- Store Refs ------  --------- Data address ---------');
    expect(rows[p]).toContain('  #   Num  RmtHitm  LclHitm     Peer   L1 Hit  L1 Miss      N/A              Offset  Node  PA cnt        Code address  rmt hitm  lcl hitm      load      peer  records       cnt');
    const dash = '    ' + '-'.repeat(79);
    expect(rows[p + 1]).toBe(dash);
    expect(rows[p + 2]).toMatch(/^ {8}0 {8}0 {6}500 {8}0 {6}320 {6}540 {8}0 {13}0x13400/);
    expect(rows[p + 3]).toBe(dash);
    const block = rows.slice(p + 4, p + 12);
    expect(block.every((r) => r.includes('[.] worker+0x'))).toBe(true);
    expect(block.every((r) => r.includes('  packed  ?'))).toBe(true);
    const lcl = block.map((r) => Number(r.trim().split(/\s+/)[1]!.replace('%', '')));
    expect(lcl.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 1);
    // Offsets right-aligned in the 20-wide Offset column.
    expect(block[2]).toMatch(/%\s+0x8 {5}0 {7}1 {13}0x1011c/);
    expect(rows[p + 12]).toBe(dash);
    expect(rows[p + 13]).toContain('0x13440  shared_counter');
  });

  it('prints the verdict and advice lines', () => {
    expect(text).toContain('  0x13400 packed_counters: false sharing — cores 0,1,2,3 write disjoint offsets 0x0,0x8,0x10,0x18\n');
    expect(text).toContain('      advice: pad each of packed_counters+0x0, +0x8, +0x10, +0x18 to its own 64-byte line: 56 bytes of padding after each 8-byte field');
    expect(text).toContain('  0x13440 shared_counter: true sharing — offset 0x0 written by cores 0,1,2,3\n');
  });

  it('honours top, totalHitm and the default object name', () => {
    const t = formatC2c(lines, { lineBytes: 64, top: 1, totalHitm: 1000 });
    expect(t).toContain('0x13400 packed_counters: false sharing');
    expect(t).not.toContain('0x13440');
    expect(t).toMatch(/ 50\.00% +500/);
    expect(t).toMatch(/\] worker\+0x1c  guest +\?/);
  });

  it('formats an empty list without throwing', () => {
    const t = formatC2c([], { lineBytes: 64 });
    expect(t).toContain('Shared Data Cache Line Table');
    expect(t).toMatch(/Total Shared Cache Lines +: +0/);
  });
});

describe('c2cJson', () => {
  it('is plain JSON with the same data', () => {
    const lines = analyzeC2c([...packedPattern(), ...truePattern()], symbols, 64);
    const j = c2cJson(lines);
    expect(JSON.parse(JSON.stringify(j))).toEqual(j);
    expect(j.totalHitm).toBe(700);
    expect(j.lines.map((l) => l.addressHex)).toEqual(['0x13400', '0x13440']);
    expect(j.lines[0]).toMatchObject({ address: PACKED, symbol: 'packed_counters', verdict: 'false sharing', hitm: 500, cores: [0, 1, 2, 3] });
    expect(j.lines[0]!.offsets[1]).toMatchObject({ offset: 8, offsetHex: '0x8', field: 'packed_counters+0x8', writers: [1] });
    expect(j.lines[0]!.offsets[1]!.pcs[0]!.pcHex).toBe('0x1011c');
    // Copies, not aliases of the analyzer's arrays.
    j.lines[0]!.cores.push(9);
    expect(lines[0]!.cores).toEqual([0, 1, 2, 3]);
  });
});

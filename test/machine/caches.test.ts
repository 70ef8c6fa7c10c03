// The cache hierarchy on whole programs: hand-computable miss counts, false sharing against
// padding, coherence traffic, exact atomic totals and the data-lives-in-the-caches view.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/loader/elf.ts';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine, type RunResult } from '../../src/machine/machine.ts';
import { sink } from '../helpers/program.ts';

const elf = (name: string) => readFileSync(new URL(`../../workloads/bin/${name}.elf`, import.meta.url));
const run = (name: string, cfg: Parameters<typeof makeConfig>[0], opts = {}) =>
  runMachine(makeConfig({ memory: 'caches', ...cfg }), elf(name), { stdout: () => {}, ...opts });
const maxCycles = (r: RunResult) => Math.max(...r.cores.map((c) => c.cycles));

describe('hand-computable miss counts', () => {
  it('a sequential scan of 4x the L1d misses L1d once per 64-byte line (within 1%)', async () => {
    const r = await run('scan', { cores: 1 });
    const lines = (128 * 1024) / 64;
    const misses = r.caches!.cores[0].l1d.misses;
    expect(Math.abs(misses - lines) / lines).toBeLessThan(0.01);
  });

  it('column-major traversal of a 512x512 int matrix misses L1d at least 8x as often as row-major', async () => {
    const rows = await run('matrix_rows', { cores: 1 });
    const cols = await run('matrix_cols', { cores: 1 });
    const r = rows.caches!.cores[0].l1d.misses;
    const c = cols.caches!.cores[0].l1d.misses;
    // Row-major: one miss per 16 ints (512*512/16 = 16384); column-major: every access.
    expect(Math.abs(r - 16384) / 16384).toBeLessThan(0.01);
    expect(c / r).toBeGreaterThanOrEqual(8);
  });
});

describe('false sharing against padding (4 cores, deterministic)', () => {
  it('packed counters have >= 20x the HITM + invalidations and >= 3x the cycles of padded ones', async () => {
    const packed = await run('counters_packed', { cores: 4, threads: 1 });
    const padded = await run('counters_padded', { cores: 4, threads: 1 });
    expect(packed.exitCode).toBe(0);
    expect(padded.exitCode).toBe(0);
    const traffic = (r: RunResult) => r.totals!.hitm + r.totals!.invalidations;
    expect(traffic(packed)).toBeGreaterThanOrEqual(20 * Math.max(1, traffic(padded)));
    expect(maxCycles(packed)).toBeGreaterThanOrEqual(3 * maxCycles(padded));
    // Each of 80000 increments in the packed run finds the line in another core.
    expect(packed.totals!.hitm).toBeGreaterThan(60_000);
  });

  it("the padded counters' lines show no cross-core traffic; the packed line does", async () => {
    const check = async (name: string, symbol: string) => {
      const img = elf(name);
      const sym = parseElf(img).symbols.find((s) => s.name === symbol);
      expect(sym).toBeDefined();
      const r = await run(name, { cores: 4, threads: 1 });
      // Records exist for lines a core saw shared; count writers and HITMs on the counters' lines.
      const writers = new Map<number, Set<number>>();
      let hitm = 0;
      for (const e of r.c2cEntries!) {
        if (e.line < sym!.value || e.line >= sym!.value + sym!.size) continue;
        if (e.counts[1] > 0) {
          if (!writers.has(e.line)) writers.set(e.line, new Set());
          writers.get(e.line)!.add(e.core);
        }
        hitm += e.counts[6];
      }
      const verdicts = (r.c2c?.lines ?? []).filter((l) => l.address >= sym!.value && l.address < sym!.value + sym!.size);
      return { writers, hitm, verdicts: verdicts.map((l) => l.verdict) };
    };
    const padded = await check('counters_padded', 'padded_counters');
    // Hart 0 reads every counter once at the end to print it: that is the only sharing.
    for (const [, w] of padded.writers) expect(w.size).toBeLessThanOrEqual(1);
    expect(padded.hitm).toBeLessThanOrEqual(4);
    expect(padded.verdicts).not.toContain('false sharing');
    const packed = await check('counters_packed', 'packed_counters');
    expect(Math.max(...[...packed.writers.values()].map((w) => w.size))).toBe(4);
    expect(packed.hitm).toBeGreaterThan(60_000);
    expect(packed.verdicts[0]).toBe('false sharing');
  });
});

describe('atomics on the cache hierarchy', () => {
  it.each([4, 2, 1])('exact totals for AMO and LR/SC increments on 4 cores with --threads %i', async (threads) => {
    const o = sink();
    const r = await runMachine(makeConfig({ cores: 4, threads, memory: 'caches' }), elf('atomic_counter'), { stdout: o.out });
    expect(r.exitCode).toBe(0);
    expect(o.text()).toBe(
      'amo total = 40000 expected 40000 OK\nlr/sc.w total = 40000 expected 40000 OK\nlr/sc.d total = 40000 expected 40000 OK\n',
    );
  });

  it.each([4, 2])('packed counters keep every plain increment with --threads %i (no lost update through the caches)', async (threads) => {
    const o = sink();
    const r = await runMachine(makeConfig({ cores: 4, threads, memory: 'caches' }), elf('counters_packed'), { stdout: o.out });
    expect(r.exitCode).toBe(0);
    expect(o.text()).toContain('total = 80000 expected 80000 OK');
  });
});

describe('data lives in the caches', () => {
  it('at the end the counters line is dirty in the caches while RAM still holds zeros', async () => {
    const r = await run('counters_packed', { cores: 4, threads: 1 }, { inspect: ['packed_counters'] });
    const x = r.inspect![0];
    expect(x.ram.replace(/ /g, '')).toMatch(/^0+$/);
    const holders = x.cores.filter((c) => c.state !== 'I');
    expect(holders.length).toBeGreaterThan(0);
    // 20000 = 0x4e20, little-endian, in each of the 4 counters.
    for (const h of holders) expect(h.bytes.startsWith('20 4e 00 00 00 00 00 00 20 4e')).toBe(true);
  });
});

describe('readback', () => {
  it.each(['caches', 'flat'] as const)('reads guest memory as the program sees it (%s), newest copy first', async (memory) => {
    const img = elf('counters_packed');
    const sym = parseElf(img).symbols.find((s) => s.name === 'packed_counters')!;
    const r = await runMachine(makeConfig({ cores: 4, threads: 1, memory }), img, { stdout: () => {}, readback: [{ addr: sym.value, len: 32 }] });
    const dv = new DataView(r.readback![0].buffer);
    for (let i = 0; i < 4; i++) expect(dv.getUint32(8 * i, true)).toBe(20000);
  });
});

describe('the invariant checker at quantum boundaries', () => {
  it('checks every boundary of a clean run and finds nothing', async () => {
    const r = await run('counters_packed', { cores: 4, threads: 2, checkInvariants: true });
    expect(r.exitCode).toBe(0);
    expect(r.invariantChecks).toBeGreaterThan(10);
    expect(r.violations).toEqual([]);
  });

  it('stops a machine whose protocol is broken (a store hits in S silently) at the first violation', async () => {
    const r = await run('counters_packed', { cores: 4, threads: 1, checkInvariants: true, mutation: 'store-hit-in-s' });
    expect(r.stopReason).toBe('invariant');
    expect(r.exitCode).toBe(2);
    expect(r.error).toMatch(/^coherence invariant violated after quantum \d+: SWMR: line 0x[0-9a-f]+ is held /);
  });
});

// The TLBs under `--boot linux` with a real program: workloads/linux/bin/tlb_stride (one byte
// loaded and stored in each of N pages per round; its loop keeps everything else in
// registers, so the only data pages it touches per round are the N). Counts are compared
// between R and R + ΔR rounds of the same N, so start-up (exec, glibc, the first touch of
// each page) cancels and what remains is what the geometry predicts per round.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig, type MachineConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine, type RunResult } from '../../src/machine/machine.ts';
import { crossCompile, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuRequired } from '../helpers/qemu.ts';

const prog = readFileSync(new URL('../../workloads/linux/bin/tlb_stride', import.meta.url));

async function stride(pages: number, rounds: number, given: Partial<MachineConfig> = {}): Promise<RunResult> {
  const out = sink();
  const config = makeConfig({ boot: 'linux', memory: 'flat', cores: 1, threads: 1, ...given });
  const r = await runMachine(config, prog, { stdout: out.out, stderr: sink().out, linux: { execfn: '/tlb_stride', args: [String(pages), String(rounds)] } });
  expect(r.exitCode).toBe(0);
  expect(out.text()).toMatch(new RegExp(`^tlb_stride pages ${pages} rounds ${rounds} checksum [0-9a-f]{16}\\n$`));
  return r;
}

/** Per-round growth of a core-0 TLB count between `lo` and `hi` rounds. */
async function perRound(pages: number, lo: number, hi: number, given: Partial<MachineConfig> = {}) {
  const a = await stride(pages, lo, given), b = await stride(pages, hi, given);
  const ta = a.cores[0].tlb!, tb = b.cores[0].tlb!;
  const d = (k: 'dtlbMisses' | 'stlbHits' | 'walks') => (tb[k] - ta[k]) / (hi - lo);
  return { dtlbMisses: d('dtlbMisses'), stlbHits: d('stlbHits'), walks: d('walks'), a, b };
}

describe('tlb_stride under --boot linux: the miss counts the default geometry predicts (32-entry fully associative dTLB, 512-entry 4-way STLB)', () => {
  it('64 pages (beyond the dTLB, within the STLB): 64 dTLB misses a round (±2%), all STLB hits, no walks', async () => {
    const r = await perRound(64, 5, 15);
    expect(Math.abs(r.dtlbMisses - 64)).toBeLessThanOrEqual(64 * 0.02);
    expect(Math.abs(r.stlbHits - 64)).toBeLessThanOrEqual(64 * 0.02);
    expect(r.walks).toBeLessThanOrEqual(64 * 0.02);
    // Every walk is a miss of every level, and the stats agree with the old counters.
    const t = r.b.cores[0].tlb!;
    expect(t.walks).toBe(t.stlbMisses);
    expect(r.b.cores[0].pageWalks).toBe(t.walks);
  }, 120_000);

  it('16 pages (within reach): almost no misses a round', async () => {
    const r = await perRound(16, 5, 15);
    expect(r.dtlbMisses).toBeLessThanOrEqual(0.2);
    expect(r.walks).toBeLessThanOrEqual(0.2);
  }, 120_000);

  it('640 pages (5 per STLB set: beyond the STLB too): every access to a page walks (±2%)', async () => {
    const r = await perRound(640, 2, 4);
    expect(Math.abs(r.dtlbMisses - 640)).toBeLessThanOrEqual(640 * 0.02);
    expect(Math.abs(r.walks - 640)).toBeLessThanOrEqual(640 * 0.02);
  }, 120_000);

  it('--dtlb 64:fully: 48 pages now fit (almost no misses a round); --dtlb 16:4 thrashes on 24 (6 pages per set)', async () => {
    const big = await perRound(48, 5, 10, { tlb: { ...makeConfig().tlb, dtlb: { entries: 64, ways: 64 } } });
    expect(big.dtlbMisses).toBeLessThanOrEqual(0.2);
    const small = await perRound(24, 5, 10, { tlb: { ...makeConfig().tlb, dtlb: { entries: 16, ways: 4 } } });
    expect(Math.abs(small.dtlbMisses - 24)).toBeLessThanOrEqual(24 * 0.02);
  }, 120_000);

  it('with caches, page walks read their PTEs through the L1d: 3 more L1d accesses per walk (Sv39, 4 KiB pages) on top of the program\'s 2 per page', async () => {
    const caches = { memory: 'caches' as const };
    const r = await perRound(640, 2, 4, caches);
    const acc = (x: RunResult) => x.caches!.cores[0].l1d.hits + x.caches!.cores[0].l1d.misses;
    const dL1d = (acc(r.b) - acc(r.a)) / 2;
    expect(Math.abs(r.walks - 640)).toBeLessThanOrEqual(640 * 0.02);
    const predicted = 2 * 640 + 3 * r.walks;
    expect(Math.abs(dL1d - predicted)).toBeLessThanOrEqual(predicted * 0.02);
  }, 120_000);
});

const haveCross = crossInstalled || qemuRequired;

describe.skipIf(!haveCross)('no access through a translation the kernel removed (test/machine/linux/stale_tlb.c)', () => {
  let bin: Uint8Array;
  beforeAll(() => {
    bin = crossCompile(new URL('./linux/stale_tlb.c', import.meta.url));
  }, 120_000);

  async function runIt(how: string, memory: MemoryModel) {
    const out = sink(), err = sink();
    const config = makeConfig({ boot: 'linux', memory, cores: 1, threads: 1 });
    const r = await runMachine(config, bin, { stdout: out.out, stderr: err.out, linux: { execfn: '/stale_tlb', args: [how] } });
    return { r, out: out.text() };
  }

  it.each(['flat', 'caches'] as const)('--memory %s: a read after munmap and a write after mprotect(PROT_READ) are SIGSEGV; a fresh mapping at the same address reads 0', async (memory) => {
    const u = await runIt('munmap', memory);
    expect(u.out).toBe('touched 1938\n');
    expect(u.r.exitCode).toBe(139);
    const p = await runIt('mprotect', memory);
    expect(p.out).toBe('touched 1938\n');
    expect(p.r.exitCode).toBe(139);
    const f = await runIt('remap', memory);
    expect(f.out).toBe('touched 1938\nsame address 1, fresh page reads 0\n');
    expect(f.r.exitCode).toBe(0);
    // The pages were in the dTLB when the kernel changed them: the flush, not a miss, made the difference.
    expect(u.r.cores[0].tlb!.dtlbMisses).toBeGreaterThan(0);
  }, 120_000);
});

// The adaptive interleave in a running machine (cores/interleave.ts; the rule alone is
// test/cores/interleave.test.ts). Cores hammering one line (packed counters) keep the configured
// interleave and contend as with a fixed one; cores that share nothing (compute_long) grow the
// slice to the quantum; one worker (--deterministic) never adapts and its stats are the same
// with the rule on and off. Parallel runs' counts depend on host timing, so they are compared
// with a tolerance; the slice-by-slice checks run one CoreGroup on this thread, which is exact.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeConfig, type MachineConfig } from '../../src/machine/config.ts';
import { runMachine, type RunResult } from '../../src/machine/machine.ts';
import { boot } from '../../src/machine/boot.ts';
import { CoreGroup } from '../../cores/core_group.ts';
import { CTR } from '../../shared/coherence/stats.ts';
import { canonicalStats } from '../workloads/stats_digest.ts';

const elfOf = (name: string) => readFileSync(new URL(`../../workloads/bin/${name}.elf`, import.meta.url));

async function run(name: string, cfg: Partial<MachineConfig>): Promise<RunResult> {
  const r = await runMachine(makeConfig({ cores: 4, ...cfg }), elfOf(name), { stdout: () => {} });
  if (r.stopReason !== 'max-insns') expect(r.exitCode).toBe(0);
  return r;
}

const slicesOf = (r: RunResult) => {
  expect(r.host).toBeDefined();
  return r.host!.map((w) => w.slices);
};

interface Slice {
  core: number;
  /** Cycles asked for: the limit less the core's cycle at the start. */
  asked: number;
  /** The core's HITMs, invalidations sent or cache-to-cache transfers rose during it. */
  shared: boolean;
}

/**
 * One CoreGroup hosting every core of `name` on this thread, quantum by quantum, with the
 * config's `threads` (2: the rule is on, though one thread runs it all, so the run is exact);
 * every slice recorded by wrapping each hart's run.
 */
function hostInProcess(name: string, cfg: Partial<MachineConfig>): { group: CoreGroup; slices: Slice[] } {
  const config = makeConfig({ cores: 4, threads: 2, ...cfg });
  const b = boot(config, elfOf(name));
  const group = new CoreGroup({ config, coreIds: Array.from({ length: config.cores }, (_, i) => i), regions: b.regions, entry: b.image.entry, stackTops: b.stackTops, pid: 1 });
  const slices: Slice[] = [];
  group.harts.forEach((h, i) => {
    const run = h.run.bind(h);
    h.run = (limit: number) => {
      const ctr = group.countersOf(i)!;
      const seen = () => ctr[CTR.hitmLoads] + ctr[CTR.hitmStores] + ctr[CTR.invalidationsSent] + ctr[CTR.c2cTransfers];
      const asked = limit - h.cycle;
      const s0 = seen();
      const r = run(limit);
      slices.push({ core: i, asked, shared: seen() !== s0 });
      return r;
    };
  });
  let end = 0;
  for (let q = 0; !group.ctl.stopping && group.anyLive && q < 10_000; q++) {
    end += config.quantum;
    group.clock.quantum = q;
    group.runQuantum(end);
  }
  expect(group.anyLive && !group.ctl.stopping).toBe(false);
  return { group, slices };
}

describe('adaptive interleave', () => {
  it('false sharing (packed counters, 4 cores on 2 threads): contention as with the fixed interleave, slices at the interleave', async () => {
    const adaptive = await run('counters_packed', { threads: 2, memory: 'caches' });
    const fixed = await run('counters_packed', { threads: 2, memory: 'caches', adaptiveInterleave: false });
    // Two parallel runs are not compared with each other: host timing decides whether a store
    // finds the line Shared (BusUpgr) or Invalid (BusRdX), and one fixed run against another
    // moved HITMs by 31%, bus transactions by 29% and invalidations by 11% on a quiet 2-CPU host
    // (60,649-79,569 HITMs). The exact comparison is the one-thread test below (2%). Here each
    // run must show the contention at all: slices grown under sharing would not (a fixed
    // interleave of 400 cycles gives 3,451 HITMs; of 20,000, 232).
    for (const r of [adaptive, fixed]) {
      expect(r.totals!.hitm).toBeGreaterThan(40_000);
      expect(r.totals!.invalidations).toBeGreaterThan(40_000);
    }
    for (const s of slicesOf(fixed)) expect(s).toBeUndefined();
    for (const s of slicesOf(adaptive)) {
      expect(s).toBeDefined();
      // Only the start and the end, when each core runs alone, and slices that missed the other
      // worker's stores, as host timing has it, may lengthen them: 0.2-1.4% of slices over twelve
      // runs on a quiet host. Under a rule that grew slices while sharing, nearly all would be.
      expect(s!.sharingSlices).toBeGreaterThan(s!.slices * 0.9);
      expect(s!.longSlices).toBeLessThan(s!.slices * 0.05);
    }
  }, 120_000);

  it('one thread hosting the packed counters: no slice after one that shared is longer than the interleave, and the counts stay within 2%', () => {
    const adaptive = hostInProcess('counters_packed', {});
    const fixed = hostInProcess('counters_packed', { adaptiveInterleave: false });
    const base = 50;
    let afterShared = 0;
    for (let i = 1; i < adaptive.slices.length; i++) {
      if (!adaptive.slices[i - 1].shared) continue;
      afterShared++;
      if (adaptive.slices[i].asked > base) throw new Error(`slice ${i} (core ${adaptive.slices[i].core}) asked ${adaptive.slices[i].asked} cycles right after a slice that shared`);
    }
    expect(afterShared).toBeGreaterThan(10_000);
    // A long slice that shared is the first of a sharing phase: a handful (the start, the end).
    const longShared = adaptive.slices.filter((s) => s.shared && s.asked > base).length;
    expect(longShared).toBeLessThan(afterShared / 200);
    expect(fixed.slices.every((s) => s.asked <= base)).toBe(true);
    const hitm = (g: CoreGroup) => g.results().reduce((t, c) => t + c.counters![CTR.hitmLoads] + c.counters![CTR.hitmStores], 0);
    const bus = (g: CoreGroup) => g.results().reduce((t, c) => t + c.counters![CTR.gets] + c.counters![CTR.getx] + c.counters![CTR.upgrades], 0);
    expect(hitm(fixed.group)).toBeGreaterThan(50_000);
    expect(Math.abs(hitm(adaptive.group) - hitm(fixed.group)) / hitm(fixed.group)).toBeLessThan(0.02);
    expect(Math.abs(bus(adaptive.group) - bus(fixed.group)) / bus(fixed.group)).toBeLessThan(0.02);
    const inv = (g: CoreGroup) => g.results().reduce((t, c) => t + c.counters![CTR.invalidationsSent], 0);
    expect(Math.abs(inv(adaptive.group) - inv(fixed.group)) / inv(fixed.group)).toBeLessThan(0.02);
    // The group's own count agrees with the slices seen here.
    expect(adaptive.group.sliceStats.slices).toBe(adaptive.slices.length);
  }, 120_000);

  it('private compute grows the slice to the quantum (compute_long, 4 cores on 2 threads and on one thread)', async () => {
    const r = await run('compute_long', { threads: 2, memory: 'caches', maxInsns: 2_000_000 });
    for (const s of slicesOf(r)) {
      expect(s!.maxSlice).toBe(20_000);
      expect(s!.longSlices).toBeGreaterThan(s!.slices * 0.9);
    }
    const { group, slices } = hostInProcess('compute_long', { memory: 'caches', maxInsns: 2_000_000 });
    expect(group.sliceStats.maxSlice).toBe(20_000);
    // Past the start (cores fetching the same code lines for the first time), no slice shares.
    expect(slices.slice(slices.length / 2).some((s) => s.shared)).toBe(false);
    // Once grown, a core runs from where it stands to the quantum's end in one slice: one slice a core a quantum.
    // (Each core's last few slices stop short of it, at --max-insns: left out.)
    const late = slices.slice(slices.length / 2, -40);
    expect(late.every((s) => s.asked > 50)).toBe(true);
    expect(late.filter((s) => s.asked > 19_000).length).toBeGreaterThan(late.length * 0.9);
  }, 120_000);

  it('flat memory: atomics count as sharing (atomic counter), private compute grows', async () => {
    const a = await run('atomic_counter', { threads: 2, memory: 'flat' });
    for (const s of slicesOf(a)) {
      expect(s!.sharingSlices).toBeGreaterThan(s!.slices * 0.9);
      expect(s!.longSlices).toBeLessThan(s!.slices / 10);
    }
    const c = await run('compute_long', { threads: 2, memory: 'flat', maxInsns: 2_000_000 });
    for (const s of slicesOf(c)) expect(s!.maxSlice).toBe(20_000);
  }, 120_000);

  it('one worker (--deterministic): never adapts, every stat the same with the rule on and off', async () => {
    for (const [name, memory] of [['counters_packed', 'caches'], ['compute_long', 'caches'], ['atomic_counter', 'flat']] as const) {
      const on = await run(name, { threads: 1, memory, maxInsns: 1_000_000 });
      const off = await run(name, { threads: 1, memory, maxInsns: 1_000_000, adaptiveInterleave: false });
      expect(slicesOf(on)[0]).toBeUndefined();
      const strip = (r: RunResult) => {
        const { c2cEntries: _c, config: _cfg, ...s } = r;
        return canonicalStats(s);
      };
      expect(strip(on)).toEqual(strip(off));
    }
  }, 120_000);

  it('the CLI: --fixed-interleave and a config file\'s adaptiveInterleave turn it off; it is on by default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smpemu-interleave-'));
    const bin = fileURLToPath(new URL('../../bin/smpemu.mjs', import.meta.url));
    const elf = fileURLToPath(new URL('../../workloads/bin/compute_long.elf', import.meta.url));
    const smpemu = (...args: string[]) => new Promise<number>((resolve) => {
      execFile(process.execPath, [bin, 'run', elf, '--cores', '4', '--threads', '2', '--max-insns', '300000', '-q', ...args], { encoding: 'utf8', timeout: 120_000 }, (err) => resolve(err ? Number(err.code) : 0));
    });
    const stats = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
    expect(await smpemu('--stats-json', join(dir, 'on.json'))).toBe(2); // the instruction limit
    expect(await smpemu('--fixed-interleave', '--stats-json', join(dir, 'off.json'))).toBe(2);
    const cfg = join(dir, 'cfg.json');
    writeFileSync(cfg, JSON.stringify({ adaptiveInterleave: false }));
    expect(await smpemu('--config', cfg, '--stats-json', join(dir, 'file.json'))).toBe(2);
    expect(stats('on.json').config.adaptiveInterleave).toBe(true);
    for (const w of stats('on.json').host) expect(w.slices.maxSlice).toBe(20_000);
    for (const f of ['off.json', 'file.json']) {
      expect(stats(f).config.adaptiveInterleave).toBe(false);
      for (const w of stats(f).host) expect(w.slices).toBeUndefined();
    }
  }, 120_000);
});

// The adaptive quantum in a running machine (cores/quantum.ts; the rule alone is
// test/cores/quantum.test.ts): two workers whose cores share nothing lengthen the quantum to
// its bound, cores that share a line every quantum keep it at the configured length, and one
// worker (--deterministic) never changes it: its stats are the same with the rule on and off.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeConfig, type MachineConfig } from '../../src/machine/config.ts';
import { runMachine, type RunResult } from '../../src/machine/machine.ts';
import { QUANTUM_GROWTH } from '../../cores/quantum.ts';
import { canonicalStats } from '../workloads/stats_digest.ts';

const QUANTUM = 1000;

async function run(name: string, cfg: Partial<MachineConfig>): Promise<RunResult> {
  const elf = readFileSync(new URL(`../../workloads/bin/${name}.elf`, import.meta.url));
  const r = await runMachine(makeConfig({ cores: 2, quantum: QUANTUM, ...cfg }), elf, { stdout: () => {} });
  expect(r.exitCode).toBe(0);
  return r;
}

const hostOf = (r: RunResult) => {
  expect(r.host).toBeDefined();
  return r.host!;
};

describe('adaptive quantum', () => {
  it('grows to its bound when the workers share no data (padded counters, caches), and stays fixed with --fixed-quantum', async () => {
    const adaptive = await run('counters_padded', { threads: 2, memory: 'caches' });
    const fixed = await run('counters_padded', { threads: 2, memory: 'caches', adaptiveQuantum: false });
    for (const w of hostOf(adaptive)) expect(w.maxQuantum).toBe(QUANTUM * QUANTUM_GROWTH);
    for (const w of hostOf(fixed)) {
      expect(w.maxQuantum).toBe(QUANTUM);
      expect(w.longQuanta).toBe(0);
    }
    // Both workers agree on every quantum's end, so they count the same quanta.
    expect(new Set(hostOf(adaptive).map((w) => w.quanta)).size).toBe(1);
    expect(hostOf(adaptive)[0].quanta).toBeLessThan(hostOf(fixed)[0].quanta / 4);
  }, 120_000);

  it('stays at the configured quantum while a line crosses workers every quantum (packed counters, caches)', async () => {
    const r = await run('counters_packed', { threads: 2, memory: 'caches' });
    const [w] = hostOf(r);
    expect(w.quanta).toBeGreaterThan(100);
    // Only the start and the end, when one core runs alone, may lengthen it.
    expect(w.longQuanta).toBeLessThan(w.quanta / 10);
  }, 120_000);

  it('flat memory: atomics count as sharing (atomic counter)', async () => {
    const r = await run('atomic_counter', { threads: 2, memory: 'flat' });
    const [w] = hostOf(r);
    expect(w.longQuanta).toBeLessThan(w.quanta / 10);
  }, 120_000);

  it('one worker (--deterministic): the quantum never changes and every stat is the same with the rule on and off', async () => {
    const on = await run('counters_packed', { threads: 1, memory: 'caches' });
    const off = await run('counters_packed', { threads: 1, memory: 'caches', adaptiveQuantum: false });
    expect(hostOf(on)[0].longQuanta).toBe(0);
    const strip = (r: RunResult) => {
      const { c2cEntries: _c, config: _cfg, ...s } = r;
      return canonicalStats(s);
    };
    expect(strip(on)).toEqual(strip(off));
  }, 120_000);
});

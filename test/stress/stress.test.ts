// The random coherence stress tester on the real machine: clean runs report nothing,
// every protocol mutation is caught within a bounded number of ops, deterministic mode
// reproduces a failure exactly, and a core that cannot finish is reported as stuck.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MUTATIONS } from '../../shared/coherence/mutations.ts';
import { stressCommand, type StressFlags } from '../../src/cli/stress.ts';
import { formatOutcome, runStress, type StressOptions } from '../../src/stress/run.ts';

const names = MUTATIONS.map((m) => m.name);

async function run(o: Partial<StressOptions> & { cores: number; ops: number; seed: number }) {
  const r = await runStress(o);
  return { r, text: formatOutcome(r) };
}

describe('clean runs report zero violations', () => {
  const cases: [string, Partial<StressOptions> & { cores: number; ops: number }][] = [
    ['4 cores, --threads 4', { cores: 4, threads: 4, ops: 20_000 }],
    ['4 cores, --threads 2, tiny caches', { cores: 4, threads: 2, ops: 20_000, tinyCaches: true }],
    ['8 cores, --threads 2, tiny caches', { cores: 8, threads: 2, ops: 20_000, tinyCaches: true }],
  ];
  it.each(cases)('%s', async (_name, o) => {
    const { r, text } = await run({ seed: 11, ...o });
    expect(r.first ?? [], text).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.opsRun).toBe(o.ops);
    expect(r.valueViolations).toBe(0);
    expect(r.invariantViolations).toEqual([]);
    expect(r.invariantChecks).toBeGreaterThan(0);
    expect(r.check.opsChecked).toBe(o.ops);
    expect(r.check.loadsChecked).toBeGreaterThan(o.ops / 2);
    expect(r.check.orderChecks).toBeGreaterThan(o.ops / 2);
    expect(r.check.scSucceeded).toBeGreaterThan(0);
    const t = r.traffic!;
    expect(t.hitm).toBeGreaterThan(0);
    expect(t.invalidations).toBeGreaterThan(0);
    if (o.tinyCaches) {
      // The point of the tiny hierarchy: evictions, write-backs and back-invalidations all the time.
      expect(t.evictions).toBeGreaterThan(o.ops);
      expect(t.writebacks).toBeGreaterThan(o.ops / 4);
      expect(t.backInvalidations).toBeGreaterThan(100);
    }
    expect(text).toMatch(/^smpemu stress: OK, seed 11: 20,000 random ops/);
  });
});

// Ops needed, measured as the smallest run (50, 100, 200, ... ops) that detects, 4 cores, tiny
// caches: deterministic (seeds 1-8) at most 400 (skip-upgrade-invalidation), 800 (store-hit-in-s),
// 1600 (keep-reservation, since the LR/SC hold protects the shortest LR/SC ops), 50 (the others);
// --threads 4 (seeds 1-5) at most 800; the value checker alone at most 1600 (3200 for
// exclusive-despite-sharers with --threads 4, mostly a protocol panic first). The bounds below
// (4000 deterministic, 20000 parallel) keep a margin of 5x or more (2.5x for keep-reservation).
describe('every mutation is caught', () => {
  it.each(names)('%s: deterministic, tiny caches, 4000 ops, seeds 1-3', async (mutation) => {
    for (const seed of [1, 2, 3]) {
      const { r, text } = await run({ cores: 4, ops: 4000, seed, deterministic: true, tinyCaches: true, mutation });
      expect(r.ok, text).toBe(false);
      expect(['invariant', 'value', 'panic']).toContain(r.detectedBy);
      expect(text).toContain(`reproduce: smpemu stress --cores 4 --ops 4000 --seed ${seed} --deterministic --tiny-caches --mutate ${mutation}`);
      // Bugs the invariant checker cannot see (lost data, a reservation that survives) fall to the value checker.
      if (mutation === 'keep-reservation' || mutation === 'drop-eviction-writeback') expect(r.detectedBy).toBe('value');
    }
  });

  it.each(names)('%s: --threads 2, tiny caches, 20000 ops', async (mutation) => {
    const { r, text } = await run({ cores: 4, ops: 20_000, seed: 5, threads: 2, tinyCaches: true, mutation });
    expect(r.ok, text).toBe(false);
  });

  it.each(['store-hit-in-s', 'skip-sharer-update', 'keep-reservation', 'drop-eviction-writeback'])(
    '%s: the value checker alone (no invariant checker) catches it',
    async (mutation) => {
      const { r, text } = await run({ cores: 4, ops: 4000, seed: 2, deterministic: true, tinyCaches: true, mutation, invariants: false });
      expect(r.detectedBy, text).toBe('value');
      expect(r.invariantChecks).toBe(0);
      expect(r.firstViolation).toBeDefined();
    },
  );

  it('drop-eviction-writeback is caught with the default (large) caches too', async () => {
    const { r, text } = await run({ cores: 4, ops: 60_000, seed: 1, threads: 2, mutation: 'drop-eviction-writeback', invariants: false });
    expect(r.detectedBy, text).toBe('value');
  });
});

describe('deterministic mode', () => {
  it.each(['keep-reservation', 'store-hit-in-s'])('the same seed gives the identical first violation twice (%s)', async (mutation) => {
    const o = { cores: 4, ops: 4000, seed: 7, deterministic: true, tinyCaches: true, mutation, invariants: false };
    const a = await run(o);
    const b = await run(o);
    expect(a.r.ok).toBe(false);
    expect(a.r.firstViolation).toBeDefined();
    expect(b.r.firstViolation).toEqual(a.r.firstViolation);
    expect(b.r.first).toEqual(a.r.first);
    expect(b.r.valueViolations).toBe(a.r.valueViolations);
    expect(b.r.traffic).toEqual(a.r.traffic);
    expect(b.r.result.instructions).toBe(a.r.result.instructions);
  });

  it('an invariant-checker detection is reproduced exactly too', async () => {
    const o = { cores: 4, ops: 4000, seed: 1, deterministic: true, tinyCaches: true, mutation: 'exclusive-despite-sharers' };
    const a = await run(o);
    const b = await run(o);
    expect(a.r.detectedBy).toBe('invariant');
    expect(b.r.first).toEqual(a.r.first);
    expect(b.r.opsRun).toBe(a.r.opsRun);
  });
});

describe('watchdog', () => {
  it('cores that cannot finish are reported as a livelock, with where they are stuck and the line states', async () => {
    const { r, text } = await run({ cores: 2, ops: 2000, seed: 3, deterministic: true, tinyCaches: true, maxInsns: 5000 });
    expect(r.ok).toBe(false);
    expect(r.detectedBy).toBe('livelock');
    expect(r.stuck!.join('\n')).toMatch(/core 0: stuck at op \d+ of 1000 \(\S+ at 0x[0-9a-f]+\), pc 0x[0-9a-f]+/);
    expect(text).toMatch(/line 0x[0-9a-f]+ \(stress_(packed|strided)_line\d+\)/);
    // What ran before the stop was still checked, and was fine.
    expect(r.valueViolations).toBe(0);
    expect(r.opsRun).toBeGreaterThan(0);
  });
});

describe('smpemu stress (command)', () => {
  class Sink {
    text = '';
    isTTY = false;
    write(s: string): boolean {
      this.text += s;
      return true;
    }
  }
  const flags = (f: Partial<StressFlags>): StressFlags => ({ cores: 2, ops: 400, lines: 8, invariants: true, watchdog: 20, progress: false, ...f });

  it('--list-mutations prints one name per line', async () => {
    const out = new Sink();
    const code = await stressCommand(flags({ listMutations: true }), out as unknown as NodeJS.WriteStream, new Sink() as unknown as NodeJS.WriteStream);
    expect(code).toBe(0);
    expect(out.text).toBe(names.join('\n') + '\n');
  });

  it('exit 0 and a summary on success; exit 1, the seed and the command line on failure; --json', async () => {
    const out = new Sink();
    const err = new Sink();
    expect(await stressCommand(flags({ seed: 4, tinyCaches: true }), out as unknown as NodeJS.WriteStream, err as unknown as NodeJS.WriteStream)).toBe(0);
    expect(out.text).toMatch(/smpemu stress: OK, seed 4: 400 random ops/);
    expect(out.text).toMatch(/evictions, .* write-backs, .* back-invalidations, .* HITM/);
    const out2 = new Sink();
    const err2 = new Sink();
    const code = await stressCommand(flags({ seed: 4, tinyCaches: true, deterministic: true, mutate: 'skip-sharer-update', json: true }), out2 as unknown as NodeJS.WriteStream, err2 as unknown as NodeJS.WriteStream);
    expect(code).toBe(1);
    expect(err2.text).toMatch(/FAILED, seed 4/);
    expect(err2.text).toContain('reproduce: smpemu stress --cores 2 --ops 400 --seed 4 --deterministic --lines 8 --tiny-caches --mutate skip-sharer-update');
    const j = JSON.parse(out2.text) as { ok: boolean; seed: number; detectedBy: string };
    expect(j).toMatchObject({ ok: false, seed: 4 });
    expect(j.detectedBy).toMatch(/invariant|value/);
  });

  it('bad options exit 2 with one line', () => {
    const bin = fileURLToPath(new URL('../../bin/smpemu.mjs', import.meta.url));
    const cwd = fileURLToPath(new URL('../..', import.meta.url));
    const r = spawnSync(process.execPath, [bin, 'stress', '--mutate', 'no-such-bug', '--ops', '10'], { cwd, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("smpemu: unknown mutation 'no-such-bug' (smpemu stress --list-mutations lists them)");
    const r2 = spawnSync(process.execPath, [bin, 'stress', '--deterministic', '--threads', '2'], { cwd, encoding: 'utf8', timeout: 60_000 });
    expect(r2.status).toBe(2);
    expect(r2.stderr.trim()).toBe('smpemu: --deterministic means --threads 1 (got --threads 2)');
  });
});

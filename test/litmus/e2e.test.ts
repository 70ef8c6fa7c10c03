// End to end: every shipped litmus test on the machine, with one worker per thread
// and in the deterministic mode. No observed state may fall outside what SC allows;
// where SC allows several, the start skew and cache pre-states must show more than
// one. With a protocol bug injected, the tests must report violations.

import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLitmusFiles } from '../../src/litmus/pool.ts';
import { runLitmus, type LitmusResult } from '../../src/litmus/run.ts';
import { runLitmusCommand } from '../../src/cli/litmus.ts';

const dir = fileURLToPath(new URL('../../litmus/', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.litmus')).sort();
const path = (f: string) => join(dir, f);
const source = (name: string) => ({ source: readFileSync(path(`${name}.litmus`), 'utf8'), file: `${name}.litmus` });

// Deterministic runs repeat exactly for a seed: these counts give every multi-state
// test several states. The threaded runs depend on host timing; 150 runs show several
// states for every test with a wide margin, and keep the suite quick on 2 busy CPUs.
const DET_RUNS = 300;
const DET_SEED = 20240611;
const THREADED_RUNS = 150;

// A constrained LR/SC sequence always succeeds on this machine (the LR/SC hold,
// cores/memory.ts): the failures SC also allows never show.
const ONE_STATE: Record<string, string> = { 'LR-SC-inc.litmus': '0:x8=0; 1:x8=0; x=2;' };

function checkResult(r: LitmusResult, f: string): void {
  expect(r.status, `${f}: ${r.reason ?? r.harness ?? ''}\n${r.text}`).toBe('ok');
  expect(r.violations, f).toEqual([]);
  expect(r.completed, f).toBe(r.runs);
  const seen = r.histogram.reduce((s, h) => s + h.count, 0);
  expect(seen + r.filtered, f).toBe(r.runs);
  for (const h of r.histogram) expect(r.allowed, `${f}: ${h.key}`).toContain(h.key);
  if (ONE_STATE[f]) expect(r.histogram.map((h) => h.key), f).toEqual([ONE_STATE[f]]);
  else if (r.allowed.length > 1) expect(r.histogram.length, `${f} shows one state of ${r.allowed.length}:\n${r.text}`).toBeGreaterThan(1);
}

describe('shipped litmus tests, deterministic (one worker)', () => {
  let results: LitmusResult[] = [];
  beforeAll(async () => {
    // Two tests at a time in a piscina pool (also exercises the pool).
    results = await runLitmusFiles(files.map(path), { runs: DET_RUNS, deterministic: true, seed: DET_SEED }, 2);
  }, 180_000);

  it.each(files)('%s', (f) => {
    const r = results[files.indexOf(f)]!;
    expect(r.threads).toBe(1);
    checkResult(r, f);
  });

  it('a deterministic run repeats exactly for its seed', async () => {
    const a = await runLitmus(source('IRIW'), { runs: 100, deterministic: true, seed: 5 });
    const b = await runLitmus(source('IRIW'), { runs: 100, deterministic: true, seed: 5 });
    expect(a.histogram).toEqual(b.histogram);
  });
});

describe('shipped litmus tests, one worker per thread', () => {
  it.each(files)('%s', async (f) => {
    const r = await runLitmus({ source: readFileSync(path(f), 'utf8'), file: f }, { runs: THREADED_RUNS, seed: 99 });
    expect(r.threads).toBe(r.cores);
    checkResult(r, f);
  });

  it('extra cores reading the locations change nothing', async () => {
    const r = await runLitmus(source('MP'), { runs: 100, cores: 4, threads: 2, seed: 3 });
    expect(r.cores).toBe(4);
    checkResult(r, 'MP on 4 cores');
  });
});

describe('the testers bite: injected protocol bugs are reported', () => {
  const mutant = (name: string, mutation: string, runs = 600, seed = 1) =>
    runLitmus(source(name), { runs, deterministic: true, seed, mutation });

  it.each([
    ['MP', 'store-hit-in-s', '1:x5=1; 1:x7=0;'],
    ['SB', 'store-hit-in-s', '0:x7=0; 1:x7=0;'],
    ['MP', 'skip-upgrade-invalidation', '1:x5=1; 1:x7=0;'],
    ['MP', 'drop-eviction-writeback', '1:x5=1; 1:x7=0;'],
    ['LR-SC-inc-slow', 'keep-reservation', '0:x8=0; 1:x8=0; x=1;'],
  ])('%s with %s shows the state %s', async (name, mutation, state) => {
    const r = await mutant(name, mutation);
    expect(r.status, r.text).toBe('violation');
    expect(r.violations.map((v) => v.key)).toContain(state);
    expect(r.text).toContain(`VIOLATION ${name}: `);
    expect(r.text).toContain(`(seed 1)`);
  });

  it('with exclusive-despite-sharers SB fails: a non-SC state, or the protocol table\'s own panic (a violation too)', async () => {
    const r = await mutant('SB', 'exclusive-despite-sharers');
    expect(r.status).toBe('violation');
    if (r.violations.length > 0) expect(r.violations.map((v) => v.key)).toContain('0:x7=0; 1:x7=0;');
    else expect(r.harness).toMatch(/^protocol panic: MESI: no transition/);
    expect(r.text).toMatch(/VIOLATION SB: /);
  });

  it('with skip-sharer-update a barrier never releases: reported as a lost store', async () => {
    const r = await mutant('MP', 'skip-sharer-update', 100);
    expect(r.status).toBe('violation');
    expect(r.harness).toMatch(/^lost store: /);
  });

  it('the same runs without the bug pass', async () => {
    for (const name of ['MP', 'SB', 'LR-SC-inc', 'LR-SC-inc-slow']) {
      const r = await runLitmus(source(name), { runs: 600, deterministic: true, seed: 1 });
      expect(r.status, r.text).toBe('ok');
    }
  });
});

describe('smpemu litmus', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'litmus-cli-'));
    copyFileSync(path('MP.litmus'), join(tmp, 'MP.litmus'));
    copyFileSync(path('SB.litmus'), join(tmp, 'SB.litmus'));
    writeFileSync(join(tmp, 'Ecall.litmus'), 'RISCV Ecall\n{ 0:x6=x; }\n P0 ;\n ecall ;\nexists (x=0)\n');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('runs a directory, prints litmus7 output and a summary, lists skipped tests', async () => {
    let out = '';
    const code = await runLitmusCommand([tmp], { runs: 50, deterministic: true, seed: 4, jobs: 2 }, (s) => (out += s));
    expect(code).toBe(0);
    expect(out).toContain('Test MP Allowed\nStates ');
    expect(out).toMatch(/\nObservation MP Never 0 50\n/);
    expect(out).toContain('Condition exists (1:x5=1 /\\ 1:x7=0) is NOT validated');
    expect(out).toContain('Test Ecall (');
    expect(out).toContain("skipped: P0: instruction 'ecall' is not supported by the litmus runner");
    expect(out).toMatch(/Summary: 3 tests, 2 ok, 0 violations, 1 skipped, 0 errors \(50 runs each, seed 4/);
    expect(out).toMatch(/ {2}skipped {4}\S*Ecall\.litmus: P0: instruction 'ecall'/);
  });

  it('exits 1 on a violation, 2 on a broken test (one stderr line naming the file once)', async () => {
    let out = '';
    const code = await runLitmusCommand([join(tmp, 'MP.litmus')], { runs: 600, deterministic: true, seed: 1, mutate: 'store-hit-in-s', quiet: true }, (s) => (out += s));
    expect(code).toBe(1);
    expect(out).toMatch(/VIOLATION {2}MP {2}\d+ runs in 1 non-SC state \(seed 1\)/);
    const broken = join(tmp, 'Broken.litmus');
    writeFileSync(broken, 'RISCV Broken\n{ 0:x6=x; }\n P0 ;\n lw x5,0(x6) ;\n');
    out = '';
    let err = '';
    expect(await runLitmusCommand([broken], { runs: 10 }, (s) => (out += s), (s) => (err += s))).toBe(2);
    expect(err).toBe(`smpemu: ${broken}:line 4: no final condition (exists, ~exists or forall)\n`);
    expect(out).not.toContain('Broken.litmus');
    expect(out).toMatch(/Summary: 1 test, 0 ok, 0 violations, 0 skipped, 1 error /);
  });

  it('the command line: registerLitmus, options and exit status', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url)),
      'litmus', join(tmp, 'SB.litmus'), '--runs', '40', '--deterministic', '--seed', '2'], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Test SB Allowed');
    expect(r.stdout).toContain('SC SB: ');
    const bad = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url)),
      'litmus', join(tmp, 'SB.litmus'), '--mutate', 'no-such-bug'], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("unknown mutation 'no-such-bug'");
  });
});

// Bad input to `smpemu litmus`: one line on stderr starting `smpemu:`, naming the file
// once, exit status 2, no stack trace; options that cannot run a test are refused
// before anything runs. A real instruction of an unimplemented extension is skipped
// (saying which); a test too large to enumerate is "not checked" (exit 3), never Ok.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLitmusCommand, type LitmusFlags } from '../../src/cli/litmus.ts';
import { ConfigError } from '../../src/machine/config.ts';
import { maxRuns, buildTest, DATA_BASE, TooManyRuns } from '../../src/litmus/build.ts';
import { parseLitmus } from '../../src/litmus/parse.ts';
import { makeConfig } from '../../src/machine/config.ts';
import { readFileSync } from 'node:fs';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const MP = fileURLToPath(new URL('../../litmus/MP.litmus', import.meta.url));
let tmp: string;
const file = (name: string) => join(tmp, name);

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'litmus-bad-'));
  writeFileSync(file('Typo.litmus'), 'RISCV Typo\n{ 0:x6=x; }\n P0 ;\n frobnicate x5,0(x6) ;\nexists (x=0)\n');
  writeFileSync(file('Fp.litmus'), 'RISCV Fp\n{ 0:x6=x; }\n P0 ;\n fld f0,0(x6) ;\nexists (x=0)\n');
  writeFileSync(file('Cols.litmus'), 'RISCV Cols\n{ 0:x6=x; 1:x6=x; }\n P0 | P1 | P2 ;\n lw x5,0(x6) | lw x5,0(x6) ;\nexists (x=0)\n');
  writeFileSync(file('Parse.litmus'), 'RISCV Parse\n{ 0:x6=x; }\n P0 ;\n lw x5,0(x6) ;\nexists (0:x5=1 && x=0)\n');
  copyFileSync(MP, file('MP.litmus'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The real command line: exit status, stdout, stderr. */
function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, 'litmus', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** In process: exit status, stdout, stderr (a refused option is the ConfigError main prints as `smpemu: ...`). */
async function run(paths: string[], f: Partial<LitmusFlags> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  try {
    const code = await runLitmusCommand(paths, { runs: 20, deterministic: true, seed: 1, ...f }, (s) => (out += s), (s) => (err += s));
    return { code, out, err };
  } catch (e) {
    if (e instanceof ConfigError) return { code: 2, out, err: `smpemu: ${e.message}\n` };
    throw e;
  }
}

function oneLine(err: string, mentions: string): void {
  expect(err.split('\n')).toHaveLength(2); // one line and its newline
  expect(err).toMatch(/^smpemu: /);
  expect(err).not.toMatch(/\n\s+at /);
  expect(err.split(mentions).length - 1, `names ${mentions} once: ${err}`).toBe(1);
}

describe('bad tests', () => {
  it('a typo\'d mnemonic is an error: exit 2, one stderr line naming the file once (the real command line)', () => {
    const r = cli(file('Typo.litmus'), '--runs', '10', '--deterministic');
    expect(r.status).toBe(2);
    oneLine(r.stderr, 'Typo.litmus');
    expect(r.stderr).toBe(`smpemu: ${file('Typo.litmus')}:line 4: P0: unknown mnemonic 'frobnicate'\n`);
    expect(r.stdout).not.toContain('Typo.litmus');
  });

  it('a real instruction of an extension the runner lacks is skipped, saying which (exit 0)', async () => {
    const r = await run([file('Fp.litmus')]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toContain(`Test Fp (${file('Fp.litmus')}) skipped: P0 (line 4): instruction 'fld' (D extension) is not supported by the litmus SC model\n`);
    expect(r.out).toMatch(/Summary: 1 test, 0 ok, 0 violations, 1 skipped, 0 errors/);
  });

  it('a header naming 3 threads over 2 columns is an error', async () => {
    const r = await run([file('Cols.litmus')]);
    expect(r.code).toBe(2);
    oneLine(r.err, 'Cols.litmus');
    expect(r.err).toContain('line 4: code row has 2 columns, the header names 3 threads');
  });

  it('a parse error goes to stderr naming the file once', async () => {
    const r = await run([file('Parse.litmus')]);
    expect(r.code).toBe(2);
    oneLine(r.err, 'Parse.litmus');
    expect(r.err).toContain("line 5: unexpected '&&' in the condition");
    expect(r.out).not.toContain('Parse.litmus');
  });

  it('in a directory the good tests still run; the bad one is the stderr line', async () => {
    const r = await run([tmp]);
    expect(r.code).toBe(2);
    expect(r.err.trimEnd().split('\n')).toHaveLength(3); // Cols, Parse, Typo
    expect(r.out).toMatch(/Summary: 5 tests, 1 ok, 0 violations, 1 skipped, 3 errors/);
    expect(r.out).toContain('Test MP Allowed');
  });
});

describe('options that cannot run a test are refused before anything runs', () => {
  it('--threads above the test\'s cores', async () => {
    const r = await run([file('MP.litmus')], { deterministic: false, threads: 9 });
    expect(r.code).toBe(2);
    oneLine(r.err, 'MP.litmus');
    expect(r.err).toContain('--threads 9 is more than the 2 cores (one per test thread): a worker runs at least one core (--cores adds cores)');
    expect(r.out).toBe('');
    // with enough cores it runs: 9 cores, 9 workers
    const ok = await run([file('MP.litmus')], { deterministic: false, threads: 4, cores: 4 });
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/\(20 runs, 4 cores, 4 threads/);
  });

  it('--cores below the test\'s threads (naming how many other tests fail it)', async () => {
    let r = await run([file('MP.litmus')], { cores: 1 });
    expect(r.code).toBe(2);
    oneLine(r.err, 'MP.litmus');
    expect(r.err).toContain("--cores 1 is fewer than the test's 2 threads");
    r = await run([fileURLToPath(new URL('../../litmus/', import.meta.url))], { cores: 2 });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^smpemu: \S+\.litmus \(and \d+ other tests\): --cores 2 is fewer than the test's [34] threads/);
    expect(r.out).toBe('');
  });

  it('--runs 1e9: refused with the real bound (the run tables live in guest RAM), no RangeError (the real command line)', () => {
    const r = cli(MP, '--runs', '1e9');
    expect(r.status).toBe(2);
    oneLine(r.stderr, 'MP.litmus');
    expect(r.stderr).toMatch(/^smpemu: --runs 1000000000 is more than \S*MP\.litmus can hold: at most \d+ runs \(its run tables and records take \d+ bytes a run in 256 MiB of guest RAM\)\n$/);
    expect(r.stdout).toBe('');
  });

  it('the bound is the layout\'s: the largest count it names builds, beyond it buildTest refuses too', () => {
    const test = parseLitmus(readFileSync(MP, 'utf8'), 'MP.litmus');
    const config = makeConfig({ cores: 2, memory: 'caches' });
    const ramLimit = DATA_BASE + 4 * 2 ** 20; // a small RAM keeps the test quick
    const max = maxRuns(test, config.caches, ramLimit);
    expect(max).toBeGreaterThan(1000);
    expect(() => buildTest(test, { runs: max, cores: 2, seed: 1, caches: config.caches, ramLimit })).not.toThrow();
    // the estimate is close to exact: a few percent more no longer fits
    expect(() => buildTest(test, { runs: Math.ceil(max * 1.05), cores: 2, seed: 1, caches: config.caches, ramLimit })).toThrow(TooManyRuns);
  });
});

describe('SC enumeration is bounded', () => {
  it('a test over --sc-limit is "not checked" in one line, exit 3, and never Ok', async () => {
    const r = await run([file('MP.litmus')], { scLimit: 10 });
    expect(r.code).toBe(3);
    expect(r.out).toContain('Test MP (');
    expect(r.out).toContain('NOT CHECKED: more than 10 SC states to enumerate (--sc-limit 10): not checked\n');
    expect(r.out).not.toMatch(/\nOk\n|  ok  /);
    expect(r.out).toMatch(/Summary: 1 test, 0 ok, 0 violations, 0 skipped, 1 not checked, 0 errors/);
    const ok = await run([file('MP.litmus')], { scLimit: 1000 });
    expect(ok.code).toBe(0);
  });
});

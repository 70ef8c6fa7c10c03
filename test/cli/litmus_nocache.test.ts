// The litmus runner with the bundle cache off (SMPEMU_CACHE=0): its pool workers run the task
// from a bundle esbuild builds in the process (src/litmus/pool.ts), which must leave the
// launcher's modules (bin/*.mjs over CommonJS) outside; inside, every test failed with
// "Dynamic require of node:fs is not supported".
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const cli = join(root, 'bin/smpemu.mjs');

describe('smpemu litmus with SMPEMU_CACHE=0', () => {
  it('runs tests in parallel pool workers', async () => {
    const tests = ['3.2W.litmus', 'W+RR+P1.litmus'].map((t) => join(root, 'litmus/regress', t));
    const { out, err } = await new Promise<{ out: string; err: string }>((resolve, reject) =>
      execFile(process.execPath, [cli, 'litmus', ...tests, '--jobs', '2', '--runs', '10', '--deterministic', '--seed', '1', '-q'], { env: { ...process.env, SMPEMU_CACHE: '0' }, encoding: 'utf8', timeout: 120_000 }, (e, stdout, stderr) =>
        e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve({ out: stdout, err: stderr }),
      ),
    );
    expect(err).toBe('');
    const [summary, ...lines] = out.trimEnd().split('\n');
    expect(summary).toMatch(/^Summary: 2 tests, 2 ok, 0 violations, 0 skipped, 0 errors /);
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l).toMatch(/^ {2}ok +\S+ +\d+\/\d+ SC states seen$/);
  }, 130_000);
});

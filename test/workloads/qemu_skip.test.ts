// The qemu differential suite without qemu: skipped (not passed) by default, failed when
// SMPEMU_REQUIRE_QEMU=1. Runs that suite in a child vitest with SMPEMU_QEMU pointing at a
// binary that does not exist, and reads vitest's JSON report.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'smpemu-qemu-skip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Report {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTotalTests: number;
}

function runSuite(env: Record<string, string>, tag: string): { status: number | null; report: Report } {
  const out = join(dir, `${tag}.json`);
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, SMPEMU_QEMU: join(dir, 'no-such-qemu') };
  if (!('SMPEMU_REQUIRE_QEMU' in env)) delete childEnv.SMPEMU_REQUIRE_QEMU;
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'test/workloads/qemu.test.ts', '--reporter=json', `--outputFile=${out}`],
    { cwd: root, env: childEnv, encoding: 'utf8' },
  );
  return { status: r.status, report: JSON.parse(readFileSync(out, 'utf8')) as Report };
}

describe('qemu.test.ts without qemu', () => {
  it('every test shows as skipped, none as passed, and the run succeeds', () => {
    const { status, report } = runSuite({}, 'optional');
    expect(report.numTotalTests).toBeGreaterThan(1);
    expect(report.numPassedTests).toBe(0);
    expect(report.numFailedTests).toBe(0);
    expect(report.numPendingTests).toBe(report.numTotalTests);
    expect(status).toBe(0);
  });

  it('with SMPEMU_REQUIRE_QEMU=1 the run fails on the missing qemu', () => {
    const { status, report } = runSuite({ SMPEMU_REQUIRE_QEMU: '1' }, 'required');
    expect(report.numFailedTests).toBe(1);
    expect(report.numPassedTests).toBe(0);
    expect(status).not.toBe(0);
  });
});

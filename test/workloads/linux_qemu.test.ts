// The Linux guest programs' expected outputs (workloads/linux/expected/) are what qemu-riscv64
// prints: each recorded run, replayed under qemu, gives the same stdout bytes and exit status.
// Without qemu the runs show as skipped; SMPEMU_REQUIRE_QEMU=1 (CI) makes a missing qemu fail.

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { linuxCases, linuxDir, runCaseUnderQemu } from '../helpers/linux_cases.ts';

const QEMU = process.env.SMPEMU_QEMU || 'qemu-riscv64';
const qemu = spawnSync(QEMU, ['--version']).status === 0;
const required = process.env.SMPEMU_REQUIRE_QEMU === '1';
const cases = linuxCases();
// escape opens host files under qemu (no sandbox): smpemu's own tests judge it, not qemu.
const notRecorded = new Set(['escape']);

describe('workloads/linux: recorded runs', () => {
  it('every program in bin/ but escape has a recorded run, and every expected file a case', () => {
    const programs = readdirSync(`${linuxDir}bin`).sort();
    const recorded = new Set(cases.map((c) => c.program));
    expect(programs.filter((p) => !recorded.has(p) && !notRecorded.has(p))).toEqual([]);
    for (const c of cases) expect(programs, `case ${c.id}`).toContain(c.program);
    const ids = new Set(cases.map((c) => c.id));
    const stale = readdirSync(`${linuxDir}expected`).filter((f) => !ids.has(f.replace(/\.(stdout|status)$/, '')));
    expect(stale).toEqual([]);
  });

  it('segv is recorded as killed by SIGSEGV (139) after its one line; the others exit 0', () => {
    const segv = cases.find((c) => c.id === 'segv');
    expect(segv?.expectedStatus).toBe(139);
    expect(segv?.expectedStdout.toString()).toBe('about to write through NULL+0x10\n');
    for (const c of cases.filter((c) => c.id !== 'segv')) expect(c.expectedStatus, c.id).toBe(0);
  });
});

describe('workloads/linux: against qemu-riscv64', () => {
  it.skipIf(!required)('qemu-riscv64 is installed (SMPEMU_REQUIRE_QEMU=1)', () => {
    expect(qemu, `SMPEMU_REQUIRE_QEMU=1 but ${QEMU} is not installed`).toBe(true);
  });

  for (const c of cases) {
    it.skipIf(!qemu)(`${c.id}: qemu-riscv64 prints expected/${c.id}.stdout and ends with expected/${c.id}.status`, () => {
      const r = runCaseUnderQemu(QEMU, c);
      expect(r.status).toBe(c.expectedStatus);
      expect(r.stdout.toString('utf8')).toBe(c.expectedStdout.toString('utf8'));
      expect(r.stdout.equals(c.expectedStdout)).toBe(true);
      expect(r.stdout.length).toBeGreaterThan(0);
    }, 120_000);
  }

  it.skipIf(!qemu)('malloc_story reports VmSize/VmRSS on stderr only (the stream the comparison ignores)', () => {
    const c = cases.find((x) => x.id === 'malloc_story');
    if (!c) throw new Error('no malloc_story case');
    const r = runCaseUnderQemu(QEMU, c);
    expect(r.stderr).toMatch(/^\[start\] VmSize:\s+\d+ kB$/m);
    expect(r.stderr).toMatch(/^\[after touching 64 MiB\] VmRSS:\s+\d+ kB$/m);
    expect(r.stdout.toString()).not.toMatch(/Vm(Size|RSS)/);
  }, 120_000);
});

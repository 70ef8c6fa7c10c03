// The recorded Linux guest programs (workloads/linux/cases.txt, expected output from
// qemu-riscv64) under `--boot linux`: stdout byte for byte and the shell's exit status.
// The guest tree is workloads/linux/data, as the recording's cwd. Cases that need more kernel
// than there is go in NEEDS, and a test fails once one of them passes. forkwait runs on 1 and
// 2 worker threads too (the process and its child stay on core 0).

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { linuxBin, linuxCases, linuxDataDir, type LinuxCase } from '../helpers/linux_cases.ts';
import { sink } from '../helpers/program.ts';

/** Cases that need what --boot linux does not do yet, and what that is. */
const NEEDS: Record<string, string> = {};

async function runCase(c: LinuxCase, memory: MemoryModel, threads = 1) {
  const out = sink();
  const r = await runMachine(makeConfig({ boot: 'linux', memory, cores: 2, threads }), readFileSync(linuxBin(c.program)), {
    stdout: out.out,
    stderr: () => {},
    linux: { execfn: `/${c.program}`, args: c.args, envp: Object.entries(c.env).map(([k, v]) => `${k}=${v}`), root: linuxDataDir },
  });
  return { status: r.exitCode, stdout: out.text() };
}

describe('workloads/linux under --boot linux', () => {
  const cases = linuxCases();
  for (const c of cases.filter((x) => !(x.id in NEEDS))) {
    it.each(['flat', 'caches'] as const)(`${c.id} (--memory %s): qemu's stdout and status`, async (memory) => {
      const r = await runCase(c, memory);
      expect(r.stdout).toBe(c.expectedStdout.toString('utf8'));
      expect(r.status).toBe(c.expectedStatus);
    }, 120_000);
  }

  it.each(['flat', 'caches'] as const)('forkwait on 2 worker threads (--memory %s): qemu\'s stdout and status', async (memory) => {
    const c = cases.find((x) => x.id === 'forkwait')!;
    const r = await runCase(c, memory, 2);
    expect(r.stdout).toBe(c.expectedStdout.toString('utf8'));
    expect(r.status).toBe(c.expectedStatus);
  }, 120_000);

  if (Object.keys(NEEDS).length > 0) it('the cases that need more kernel still differ from qemu (remove them from NEEDS when they pass)', async () => {
    for (const c of cases.filter((x) => x.id in NEEDS)) {
      const r = await runCase(c, 'flat');
      expect(r.stdout === c.expectedStdout.toString('utf8') && r.status === c.expectedStatus, `${c.id} passes now`).toBe(false);
    }
  }, 120_000);
});

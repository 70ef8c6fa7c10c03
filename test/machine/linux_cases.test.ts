// The recorded Linux guest programs (workloads/linux/cases.txt, expected output from
// qemu-riscv64) under `--boot linux`: stdout byte for byte and the shell's exit status.
// The guest tree is workloads/linux/data, as the recording's cwd. The cases that fork
// (forkwait) wait for fork; NEEDS lists them, and a test fails once one of them passes.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { linuxBin, linuxCases, linuxDataDir, type LinuxCase } from '../helpers/linux_cases.ts';
import { sink } from '../helpers/program.ts';

/** Cases that need what --boot linux does not do yet, and what that is. */
const NEEDS: Record<string, string> = {
  forkwait: 'fork and wait4',
};

async function runCase(c: LinuxCase, memory: MemoryModel) {
  const out = sink();
  const r = await runMachine(makeConfig({ boot: 'linux', memory, cores: 2, threads: 1 }), readFileSync(linuxBin(c.program)), {
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

  it('the cases that need more kernel still differ from qemu (remove them from NEEDS when they pass)', async () => {
    for (const c of cases.filter((x) => x.id in NEEDS)) {
      const r = await runCase(c, 'flat');
      expect(r.stdout === c.expectedStdout.toString('utf8') && r.status === c.expectedStatus, `${c.id} passes now`).toBe(false);
    }
  }, 120_000);
});

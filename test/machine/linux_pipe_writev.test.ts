// writev to a pipe under `--boot linux` (test/machine/linux/pipe_writev.c): a blocking writev
// larger than the pipe's 64 KiB sleeps until every byte of its iovecs is in, as Linux's
// pipe_write (it returned 65536 of 160000 before); PIPE_BUF records written as two iovecs by
// 4 processes at once are never torn; a handler interrupting the writev after some bytes
// makes it return their count; O_NONBLOCK takes what fits, then EAGAIN. Each case against
// qemu-riscv64, on one core and on 4 (deterministic, caches).

import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompile, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired } from '../helpers/qemu.ts';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const have = crossInstalled || qemuRequired;
const withQemu = qemuInstalled || qemuRequired;
let bin: Uint8Array;
let binFile: string;

/** qemu-riscv64's output for each case (Debian qemu-user 7.2), checked again where it is installed. */
const EXPECTED: Record<string, string> = {
  large: 'reader: 160000 bytes, 0 differ, sum c541c51684bf85ff\nwritev: 160000 of 160000\n',
  records: 'records: 256 of 256, torn 0, out of order 0, left 0, writers ok 4\n',
  interrupted: 'interrupted writev: 65536 (count), handler ran 1\n',
  nonblock: 'nonblock: 65536, then -1 Resource temporarily unavailable; after reading 100, a 4096-byte writev: -1 Resource temporarily unavailable\n',
};

async function run(arg: string, o: { memory: MemoryModel; cores: number; threads: number }) {
  const out = sink();
  const r = await runMachine(makeConfig({ boot: 'linux', ...o }), bin, { stdout: out.out, stderr: sink().out, linux: { execfn: '/pipe_writev', args: [arg] } });
  return { r, out: out.text() };
}

describe.skipIf(!have)('--boot linux: writev to a pipe', () => {
  beforeAll(() => {
    bin = crossCompile(new URL('./linux/pipe_writev.c', import.meta.url));
    binFile = join(mkdtempSync(join(tmpdir(), 'smpemu-writev-')), 'pipe_writev');
    writeFileSync(binFile, bin);
    chmodSync(binFile, 0o755);
  }, 120_000);

  it.each(Object.keys(EXPECTED))('%s: as qemu-riscv64, on 1 core (flat) and 4 cores (caches)', async (arg) => {
    for (const o of [{ memory: 'flat' as const, cores: 1, threads: 1 }, { memory: 'caches' as const, cores: 4, threads: 1 }]) {
      const { r, out } = await run(arg, o);
      expect(r.error).toBeUndefined();
      expect(r.exitCode).toBe(0);
      expect(out).toBe(EXPECTED[arg]);
    }
    if (withQemu) {
      const q = spawnSync('qemu-riscv64', [binFile, arg], { encoding: 'utf8', timeout: 60_000 });
      expect(q.status).toBe(0);
      expect(q.stdout).toBe(EXPECTED[arg]);
    }
  }, 180_000);
});

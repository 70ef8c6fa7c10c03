// Pipes between cores of different workers (parallel mode, src/kernel/remote/):
// test/machine/linux/pipe_xcore.c pins a writer to core 0 and a reader to core 1 — two
// processes (fork) or two threads — and runs a ping-pong over two pipes (each side asleep in
// read until the other writes) and a 1 MiB stream that keeps the writer asleep on the full
// pipe. With --threads 2 core 1 sits in worker 1: its reads, its sleeps and the wake-ups the
// writer's core sends it are remote calls. Output equal to qemu-riscv64's and to the one-worker run.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuInstalled, qemuRequired } from '../helpers/qemu.ts';

const have = crossInstalled || qemuRequired;
let bin: Uint8Array;
let binFile: string;

const EXPECTED: Record<string, string> = {
  fork: 'writer process wrote 1048576\nreader on cpu 1: ping-pong 200 rounds, 0 wrong; stream 1048576 bytes, 0 wrong\nwriter exit 0\n',
  threads: 'reader on cpu 1: ping-pong 200 rounds, 0 wrong; stream 1048576 bytes, 0 wrong\nwriter thread wrote 1048576\n',
};

async function run(mode: string, threads: number) {
  const out = sink();
  const err = sink();
  const r = await runMachine(makeConfig({ boot: 'linux', memory: 'caches', cores: 2, threads }), bin, { stdout: out.out, stderr: err.out, linux: { execfn: '/pipe_xcore', args: [mode] } });
  const sw = (who: string) => Number(new RegExp(`^${who} voluntary switches (\\d+)$`, 'm').exec(err.text())?.[1] ?? -1);
  return { r, out: out.text(), writerSleeps: sw('writer'), readerSleeps: sw('reader') };
}

describe.skipIf(!have)('--boot linux: a pipe between cores of different workers', () => {
  beforeAll(() => {
    bin = crossCompilePthread(new URL('./linux/pipe_xcore.c', import.meta.url));
    binFile = join(mkdtempSync(join(tmpdir(), 'smpemu-xcore-')), 'pipe_xcore');
    writeFileSync(binFile, bin);
    chmodSync(binFile, 0o755);
  }, 120_000);

  it.each(Object.keys(EXPECTED))('%s: reader on core 1 (worker 1), writer on core 0: blocking reads and writes, output as qemu and as one worker', async (mode) => {
    const par = await run(mode, 2);
    expect(par.r.error).toBeUndefined();
    expect(par.r.exitCode).toBe(0);
    expect(par.out).toBe(EXPECTED[mode]);
    // Each ping-pong round the reader sleeps in read(pong); the writer sleeps on the full pipe (1 MiB through 64 KiB).
    expect(par.readerSleeps).toBeGreaterThanOrEqual(100);
    expect(par.writerSleeps).toBeGreaterThanOrEqual(16);
    expect(par.r.cores[1]!.instructions).toBeGreaterThan(1_000_000); // the reader's checking loop ran on core 1
    const one = await run(mode, 1);
    expect(one.r.error).toBeUndefined();
    expect(one.out).toBe(par.out);
    expect(one.readerSleeps).toBeGreaterThanOrEqual(100);
    expect(one.writerSleeps).toBeGreaterThanOrEqual(16);
    if (qemuInstalled || qemuRequired) {
      const q = spawnSync('qemu-riscv64', [binFile, mode], { encoding: 'utf8', timeout: 60_000 });
      expect(q.status).toBe(0);
      expect(q.stdout).toBe(EXPECTED[mode]);
    }
  }, 180_000);
});

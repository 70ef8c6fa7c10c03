// qemu-riscv64 (Debian qemu-user) as a differential oracle. CI sets SMPEMU_REQUIRE_QEMU=1 so that a
// missing qemu fails the suite instead of skipping the differential tests.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const qemuInstalled = spawnSync('qemu-riscv64', ['--version']).status === 0;
export const qemuRequired = process.env.SMPEMU_REQUIRE_QEMU === '1';

export interface QemuResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** Writes `elf` to a fresh executable temporary file and runs it under qemu-riscv64. */
export function runQemu(elf: Uint8Array, timeoutMs = 30_000): Promise<QemuResult> {
  const dir = mkdtempSync(join(tmpdir(), 'smpemu-qemu-'));
  const file = join(dir, 'prog.elf');
  writeFileSync(file, elf);
  chmodSync(file, 0o755);
  return new Promise((resolve, reject) => {
    const p = spawn('qemu-riscv64', [file], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => err.push(d));
    p.on('error', (e) => {
      rmSync(dir, { recursive: true, force: true });
      reject(e);
    });
    p.on('close', (status, signal) => {
      rmSync(dir, { recursive: true, force: true });
      resolve({ status, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

// Debian's riscv64-linux-gnu-gcc as the test programs' compiler: `-static -O2`, glibc 2.36,
// as `--boot linux` must run them. Binaries are cached in the temp directory by a hash of
// the source, so a test run compiles each program once. CI sets SMPEMU_REQUIRE_QEMU=1, and
// then a missing cross compiler fails the suite instead of skipping the tests.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CROSS_CC = 'riscv64-linux-gnu-gcc';
export const crossInstalled = spawnSync(CROSS_CC, ['--version']).status === 0;

/** Compiles the C file at `src` (a file URL) and returns the static executable's bytes. */
export function crossCompile(src: URL): Uint8Array {
  const text = readFileSync(src);
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'smpemu-cross');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${hash}.elf`);
  if (!existsSync(out)) {
    const tmp = `${out}.${process.pid}.tmp`;
    const r = spawnSync(CROSS_CC, ['-static', '-O2', '-w', '-o', tmp, src.pathname], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${CROSS_CC} ${src.pathname} failed: ${r.stderr}`);
    renameSync(tmp, out);
  }
  return readFileSync(out);
}

/** As crossCompile, with -pthread (glibc pthreads programs). */
export function crossCompilePthread(src: URL): Uint8Array {
  const text = readFileSync(src);
  const hash = createHash('sha256').update(text).update('-pthread').digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'smpemu-cross');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${hash}.elf`);
  if (!existsSync(out)) {
    const tmp = `${out}.${process.pid}.tmp`;
    const r = spawnSync(CROSS_CC, ['-static', '-O2', '-w', '-pthread', '-o', tmp, src.pathname], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${CROSS_CC} ${src.pathname} failed: ${r.stderr}`);
    renameSync(tmp, out);
  }
  return readFileSync(out);
}

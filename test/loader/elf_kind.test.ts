import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/loader/elf.ts';
import { guessBoot } from '../../src/loader/elf_kind.ts';

const root = join(import.meta.dirname, '../..');
const guess = (file: string) => guessBoot(parseElf(readFileSync(file)));

describe('--boot auto: which boot a program wants', () => {
  it('every Debian glibc program in workloads/linux is a Linux program (its ABI note)', () => {
    const dir = join(root, 'workloads/linux/bin');
    const files = readdirSync(dir);
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expect(guess(join(dir, f)), f).toEqual({ boot: 'linux', why: 'a GNU/Linux ABI note' });
  });

  it('every bare-metal workload (the SPMD runtime, rv64ima and rv64gc) is spmd', () => {
    for (const dir of ['workloads/bin', 'workloads/bin/gc']) {
      const files = readdirSync(join(root, dir)).filter((f) => f.endsWith('.elf'));
      expect(files.length).toBeGreaterThan(1);
      for (const f of files) expect(guess(join(root, dir, f)).boot, f).toBe('spmd');
    }
  });

  it('the CLI runs a glibc program as a Linux process without --boot, output as qemu prints it', async () => {
    const out = await new Promise<string>((res, rej) =>
      execFile(process.execPath, [join(root, 'bin/smpemu.mjs'), 'run', join(root, 'workloads/linux/bin/hello'), '-q', '--memory', 'flat'], { encoding: 'utf8', timeout: 120_000 }, (err, stdout) => (err ? rej(err) : res(stdout))),
    );
    expect(out).toBe(readFileSync(join(root, 'workloads/linux/expected/hello.stdout'), 'utf8'));
  }, 130_000);
});

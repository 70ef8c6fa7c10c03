// No path leaves the guest tree (issue: "a test proves it"): Debian's glibc `escape` program,
// run under --boot linux with --root a fresh directory holding a file, a symlink to the host's
// /etc/passwd, a relative symlink climbing out, and a symlink that stays inside. Every way out
// fails with ENOENT or EACCES; the inside ones open.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { linuxBin } from '../helpers/linux_cases.ts';

const cli = join(import.meta.dirname, '../../bin/smpemu.mjs');
const root = mkdtempSync(join(tmpdir(), 'smpemu-escape-'));
mkdirSync(join(root, 'sub'));
writeFileSync(join(root, 'inside.txt'), 'inside\n');
symlinkSync('/etc/passwd', join(root, 'abs_out'));
symlinkSync('../../../../../../etc/passwd', join(root, 'sub', 'rel_out'));
symlinkSync('../inside.txt', join(root, 'sub', 'rel_in'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('--boot linux: the guest tree is a jail', () => {
  it('.., absolute paths and symlinks pointing out fail with ENOENT/EACCES; paths inside open', async () => {
    const paths = ['../../etc/passwd', '/../../etc/passwd', '/etc/passwd', '../../../../../../etc/passwd', 'abs_out', 'sub/rel_out', '/sub/../../etc/passwd', 'inside.txt', 'sub/rel_in', '/sub/../inside.txt'];
    const out = await new Promise<string>((res, rej) =>
      execFile(process.execPath, [cli, 'run', linuxBin('escape'), '--root', root, '-q', '--memory', 'flat', '--', ...paths], { encoding: 'utf8', timeout: 120_000 }, (err, stdout) => (err ? rej(err) : res(stdout))),
    );
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(paths.length);
    for (const [i, p] of paths.entries()) {
      if (p.includes('inside') || p.endsWith('rel_in')) expect(lines[i]).toBe(`open ${p}: opened`);
      else expect(lines[i]).toMatch(new RegExp(`^open ${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: (ENOENT|EACCES) `));
    }
  }, 130_000);
});

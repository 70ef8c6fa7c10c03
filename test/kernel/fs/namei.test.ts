// No path leaves the guest root: "..", absolute paths, symlinks to absolute host paths, symlinks climbing out,
// loops (ELOOP after 40 links, as Linux's MAXSYMLINKS), and random paths built from all of them.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { guestFs, readAll, tempDir } from './helpers.ts';

const ENOENT = -2;
const ENOTDIR = -20;
const ELOOP = -40;
const ENAMETOOLONG = -36;

let top: string;
let root: string;

beforeAll(() => {
  // top/outside/secret.txt and top/etc/passwd are outside; top/root is the guest's "/".
  top = tempDir('smpemu-namei-');
  mkdirSync(join(top, 'outside'));
  writeFileSync(join(top, 'outside', 'secret.txt'), 'SECRET');
  mkdirSync(join(top, 'etc'));
  writeFileSync(join(top, 'etc', 'passwd'), 'SECRET passwd of the parent');
  root = join(top, 'root');
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  writeFileSync(join(root, 'hello.txt'), 'hello from the guest');
  symlinkSync('/etc/passwd', join(root, 'link_abs'));
  symlinkSync('../../etc/passwd', join(root, 'link_up'));
  symlinkSync('../../../../../../etc/passwd', join(root, 'a', 'b', 'link_up2'));
  symlinkSync('../outside/secret.txt', join(root, 'link_out'));
  symlinkSync(join(top, 'outside', 'secret.txt'), join(root, 'link_host_abs'));
  symlinkSync(join(top, 'outside'), join(root, 'link_host_dir'));
  symlinkSync('/', join(root, 'dirlink'));
  symlinkSync('/hello.txt', join(root, 'a', 'to_hello'));
  symlinkSync('loop2', join(root, 'loop1'));
  symlinkSync('loop1', join(root, 'loop2'));
  symlinkSync('self', join(root, 'self'));
  // A chain c0 -> c1 -> ... -> c40 -> hello.txt: 41 links from c0, 40 from c1.
  for (let i = 0; i < 41; i++) symlinkSync(i === 40 ? 'hello.txt' : `c${i + 1}`, join(root, `c${i}`));
});

describe('namei: nothing escapes the root', () => {
  it('plain files resolve inside the root', () => {
    const fs = guestFs(root);
    expect(readAll(fs, '/hello.txt')).toBe('hello from the guest');
    expect(readAll(fs, 'hello.txt')).toBe('hello from the guest');
    expect(readAll(fs, '/a/b/../../hello.txt')).toBe('hello from the guest');
  });

  it('".." above the root stays at the root, so ../../etc/passwd is ENOENT in a tree without one', () => {
    const fs = guestFs(root);
    expect(readAll(fs, '../../etc/passwd')).toBe(ENOENT);
    expect(readAll(fs, '/../../../etc/passwd')).toBe(ENOENT);
    expect(readAll(fs, '/a/b/../../../../outside/secret.txt')).toBe(ENOENT);
    expect(readAll(fs, '/..')).toBe(-21); // EISDIR for read... of "/" opened O_RDONLY then read
    expect(readAll(fs, '../hello.txt')).toBe('hello from the guest');
    expect(readAll(fs, '/../../hello.txt')).toBe('hello from the guest');
  });

  it('symlinks to absolute paths are re-rooted; symlinks climbing out are clamped', () => {
    const fs = guestFs(root);
    for (const p of ['/link_abs', '/link_up', '/a/b/link_up2', '/link_out', '/link_host_abs', '/link_host_dir/secret.txt']) {
      expect([p, readAll(fs, p)]).toEqual([p, ENOENT]);
    }
    expect(readAll(fs, '/a/to_hello')).toBe('hello from the guest');
    expect(readAll(fs, '/dirlink/../../dirlink/hello.txt')).toBe('hello from the guest');
    expect(readAll(fs, '/dirlink/dirlink/dirlink/a/../hello.txt')).toBe('hello from the guest');
  });

  it("with a guest /etc/passwd, every way out reads the guest's own file", () => {
    const t = tempDir('smpemu-namei2-');
    mkdirSync(join(t, 'etc'));
    writeFileSync(join(t, 'etc', 'passwd'), 'root:x:0:0:guest:/root:/bin/sh\n');
    mkdirSync(join(t, 'a', 'b'), { recursive: true });
    symlinkSync('/etc/passwd', join(t, 'link_abs'));
    symlinkSync('../../etc/passwd', join(t, 'link_up'));
    symlinkSync('../../../../../../etc/passwd', join(t, 'a', 'b', 'link_up2'));
    const fs = guestFs(t);
    for (const p of ['../../etc/passwd', '/../../etc/passwd', '/link_abs', '/link_up', '/a/b/link_up2', 'a/b/../../../etc/passwd']) {
      expect([p, readAll(fs, p)]).toEqual([p, 'root:x:0:0:guest:/root:/bin/sh\n']);
    }
  });

  it('symlink loops fail with ELOOP; 40 links are followed, the 41st is not', () => {
    const fs = guestFs(root);
    expect(readAll(fs, '/loop1')).toBe(ELOOP);
    expect(readAll(fs, '/self')).toBe(ELOOP);
    expect(readAll(fs, '/self/x')).toBe(ELOOP);
    expect(readAll(fs, '/c1')).toBe('hello from the guest');
    expect(readAll(fs, '/c0')).toBe(ELOOP);
  });

  it('ENOTDIR through a file, ENAMETOOLONG for long names and paths', () => {
    const fs = guestFs(root);
    expect(readAll(fs, '/hello.txt/x')).toBe(ENOTDIR);
    expect(readAll(fs, '/hello.txt/')).toBe(ENOTDIR);
    expect(readAll(fs, `/${'n'.repeat(256)}`)).toBe(ENAMETOOLONG);
    expect(readAll(fs, `/${'a/'.repeat(2048)}`)).toBe(ENAMETOOLONG);
    expect(readAll(fs, '')).toBe(ENOENT);
  });

  it('random paths from "..", ".", symlinks and names never read outside the root (property)', () => {
    const fs = guestFs(root);
    const comp = fc.constantFrom('..', '.', 'a', 'b', 'link_abs', 'link_up', 'link_up2', 'link_out', 'link_host_dir',
      'dirlink', 'outside', 'secret.txt', 'etc', 'passwd', 'hello.txt', 'to_hello', 'root', 'loop1', '');
    fc.assert(fc.property(fc.boolean(), fc.array(comp, { minLength: 1, maxLength: 12 }), (abs, comps) => {
      const path = (abs ? '/' : '') + comps.join('/');
      const r = readAll(fs, path);
      if (typeof r === 'string') expect(r).not.toContain('SECRET');
      const lk = fs.root.lookup([], path, { followLast: true }, { self: 1 });
      if (typeof lk !== 'number' && lk.inode && lk.inode.fs === 'host') {
        expect(lk.inode.host === fs.root.host || lk.inode.host.startsWith(`${fs.root.host}/`)).toBe(true);
      }
    }), { seed: 4242, numRuns: 3000 });
  });
});

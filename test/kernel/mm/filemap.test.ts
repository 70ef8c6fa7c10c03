// MappedFiles (mm/filemap.ts): the files behind mmap'ed VMAs. A page read from the file
// (zeros after EOF in the last page, nothing for a page wholly past it), one id per open
// file, a reference held while a VMA maps it and dropped (the host fd closed) by sweep.
import { fstatSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HostFile } from '../../../src/kernel/fs/file.ts';
import { O_RDONLY, O_RDWR } from '../../../src/kernel/fs/uapi.ts';
import { MappedFiles } from '../../../src/kernel/mm/filemap.ts';
import { EBADF } from '../../../src/kernel/syscalls/numbers.ts';

const dir = mkdtempSync(join(tmpdir(), 'smpemu-filemap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = Buffer.from(Array.from({ length: 4096 + 10 }, (_, i) => (i * 13 + 1) & 0xff));
writeFileSync(join(dir, 'f'), data);

function files() {
  let next = 10;
  return new MappedFiles(() => next++);
}

describe('MappedFiles', () => {
  it('reads pages from the file: the last one zero-filled past EOF, none wholly past EOF', () => {
    const m = files();
    const f = m.fget(new HostFile(O_RDONLY, ['f'], openSync(join(dir, 'f'), 'r')));
    if (typeof f === 'number') throw new Error(`fget: ${f}`);
    expect(f).toEqual({ id: 10, readable: true, writable: false });
    const page = new Uint8Array(4096).fill(0x55);
    expect(m.readPage(f.id, 0, page)).toBe(true);
    expect(Buffer.from(page).equals(data.subarray(0, 4096))).toBe(true);
    expect(m.readPage(f.id, 1, page)).toBe(true);
    expect(Buffer.from(page.subarray(0, 10)).equals(data.subarray(4096))).toBe(true);
    expect(page.subarray(10).every((b) => b === 0)).toBe(true);
    expect(m.readPage(f.id, 2, page)).toBe(false);
    expect(m.info(f.id)?.path).toBe('/f');
  });

  it('one id per open file; the reference goes (host fd closed) when no VMA maps it', () => {
    const m = files();
    const fd = openSync(join(dir, 'f'), 'r+');
    const hf = new HostFile(O_RDWR, ['f'], fd);
    hf.refs = 1; // the guest's fd
    const a = m.fget(hf);
    const b = m.fget(hf);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ writable: true });
    expect(hf.refs).toBe(2);
    const id = (a as { id: number }).id;
    hf.refs--; // close(fd): the mapping keeps it
    m.sweep(new Set([id]));
    expect(m.size).toBe(1);
    expect(() => fstatSync(fd)).not.toThrow();
    m.sweep(new Set());
    expect(m.size).toBe(0);
    expect(m.readPage(id, 0, new Uint8Array(4096))).toBe(false);
    expect(() => fstatSync(fd)).toThrow(/EBADF/);
  });

  it('a bad fd is EBADF; a directory has no mmap (noMmap)', () => {
    const m = files();
    expect(m.fget(undefined)).toBe(-EBADF);
    const d = m.fget(new HostFile(O_RDONLY, [], openSync(dir, 'r')));
    expect(d).toMatchObject({ noMmap: true });
    expect(m.size).toBe(0);
  });
});

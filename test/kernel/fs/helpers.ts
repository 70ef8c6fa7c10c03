// A guest file tree in a temp directory, and a process's FileSyscalls over it.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Console } from '../../../src/kernel/fs/file.ts';
import { createGuestRoot, FileSyscalls } from '../../../src/kernel/fs/syscalls.ts';

export function tempDir(prefix = 'smpemu-fs-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function guestFs(hostDir: string, o: { writable?: boolean; ncpus?: number; exe?: string; pid?: number } = {}): FileSyscalls {
  const pid = o.pid ?? 1;
  const root = createGuestRoot({
    hostDir, writable: o.writable, ncpus: o.ncpus ?? 4,
    exeOf: (p) => (p === pid ? (o.exe ?? '/prog') : undefined), pids: () => [pid],
  });
  return new FileSyscalls({ root, pid });
}

/** A console that records output; tty decides isatty for every stream. */
export function fakeConsole(tty: boolean, input = ''): Console & { out: string[] } {
  const out: string[] = [];
  let inp = Buffer.from(input);
  return {
    out,
    write: (stream, data) => out.push(`${stream}:${Buffer.from(data).toString()}`),
    read: (buf) => {
      const n = Math.min(buf.length, inp.length);
      buf.set(inp.subarray(0, n));
      inp = inp.subarray(n);
      return n;
    },
    isatty: () => tty,
    winsize: () => ({ rows: 50, cols: 132 }),
  };
}

export const utf8 = (s: string) => new TextEncoder().encode(s);

/** Opens and reads a whole file through the syscalls; returns the text or the -errno. */
export function readAll(fs: FileSyscalls, path: string, flags = 0): string | number {
  const fd = fs.openat(-100, path, flags, 0);
  if (fd < 0) return fd;
  const parts: Buffer[] = [];
  const buf = new Uint8Array(4096);
  for (;;) {
    const n = fs.read(fd, buf);
    if (n < 0) {
      fs.close(fd);
      return n;
    }
    if (n === 0) break;
    parts.push(Buffer.from(buf.subarray(0, n)));
  }
  fs.close(fd);
  return Buffer.concat(parts).toString();
}

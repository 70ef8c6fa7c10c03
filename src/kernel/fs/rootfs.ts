// The default guest tree when no --root is given: a fresh empty directory
// holding only the program (at /<its file name>, mode 0755), so that
// /proc/self/exe and execve of it resolve. The caller removes it at exit.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export interface FreshRoot {
  /** Host directory to pass as the guest root. */
  hostDir: string;
  /** Where the program sits in the guest tree (execfn, AT_EXECFN, /proc/self/exe). */
  guestPath: string;
  remove(): void;
}

export function freshRoot(program: Uint8Array, hostName: string): FreshRoot {
  const name = basename(hostName).replace(/[^A-Za-z0-9._+-]/g, '_') || 'prog';
  const hostDir = mkdtempSync(join(tmpdir(), 'smpemu-root-'));
  const file = join(hostDir, name === '.' || name === '..' ? 'prog' : name);
  writeFileSync(file, program);
  chmodSync(file, 0o755);
  return { hostDir, guestPath: `/${basename(file)}`, remove: () => rmSync(hostDir, { recursive: true, force: true }) };
}

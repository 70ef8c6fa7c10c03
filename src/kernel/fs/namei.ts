// Path lookup confined to the guest root (fs/namei.c, as for a chrooted task).
// The guest tree is a host directory. A guest path is walked one component at
// a time from the root (absolute) or the start directory (relative): each
// component is lstat'ed on the host, never followed by the host; ".." pops a
// component and stays at the root ("/.." is "/"); a symlink's target is
// spliced into the remaining path, an absolute target restarting at the guest
// root, so neither ".." nor a symlink can name anything outside the root. Only
// paths built from components already checked (no symlinks, all directories)
// are handed to the host, and the final open adds O_NOFOLLOW. The walk trusts
// that nothing but this kernel changes the tree while the machine runs.
// /proc and /sys are pseudo mounts that shadow the host tree's entries.

import { lstatSync, readlinkSync, realpathSync, statSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { EINVAL, EIO, ELOOP, ENAMETOOLONG, ENOENT, ENOTDIR } from '../syscalls/numbers.ts';
import { type PseudoFs, type PseudoRef, type ProcContext } from './procfs.ts';
import { MAXSYMLINKS, NAME_MAX, PATH_MAX } from './uapi.ts';

export type Inode =
  | { fs: 'host'; host: string; st: BigIntStats }
  | { fs: 'pseudo'; ref: PseudoRef };

export interface Lookup {
  /** Canonical guest path of the result (or of where it would be created). */
  guest: string[];
  /** The inode, or undefined when the last component does not exist (the parent does). */
  inode?: Inode;
  /** The directory that holds the last component. */
  parent: Inode;
}

export interface LookupFlags {
  /** Follow a symlink in the last component (false: O_NOFOLLOW, AT_SYMLINK_NOFOLLOW, readlink). */
  followLast: boolean;
}

export class GuestRoot {
  /** Host path of the root, resolved once. */
  readonly host: string;
  readonly writable: boolean;
  readonly pseudo: PseudoFs;
  private readonly rootInode: Inode;

  constructor(hostDir: string, o: { writable: boolean; pseudo: PseudoFs }) {
    this.host = realpathSync(hostDir);
    const st = statSync(this.host, { bigint: true });
    if (!st.isDirectory()) throw new Error(`guest root is not a directory: ${hostDir}`);
    this.writable = o.writable;
    this.pseudo = o.pseudo;
    this.rootInode = { fs: 'host', host: this.host, st };
  }

  /**
   * Resolves path relative to the guest directory `start` (ignored for
   * absolute paths). Returns -ENOENT, -ENOTDIR, -ELOOP, -ENAMETOOLONG or
   * -EACCES as Linux does; a missing last component is not an error here.
   */
  lookup(start: string[], path: string, flags: LookupFlags, ctx: ProcContext): Lookup | number {
    if (path.length === 0) return -ENOENT;
    if (path.length >= PATH_MAX) return -ENAMETOOLONG;
    if (path.includes('\0')) return -EINVAL;
    const names: string[] = [];
    const inodes: Inode[] = [this.rootInode];
    if (!path.startsWith('/')) {
      const r = this.walkCanonical(start);
      if (typeof r === 'number') return r;
      names.push(...start);
      inodes.push(...r);
    }
    const todo = split(path);
    // A trailing slash asks for a directory and follows a final symlink.
    let mustBeDir = path.endsWith('/');
    let links = 0;
    while (todo.length > 0) {
      const c = todo.shift()!;
      if (c === '.') continue;
      if (c === '..') {
        if (names.length > 0) {
          names.pop();
          inodes.pop();
        }
        continue;
      }
      if (c.length > NAME_MAX) return -ENAMETOOLONG;
      const dir = inodes[inodes.length - 1];
      const last = todo.length === 0;
      const child = this.child(dir, c, names.length === 0);
      if (typeof child === 'number') return child;
      if (child === undefined) {
        if (last) return { guest: [...names, c], parent: dir };
        return -ENOENT;
      }
      if (isLink(child) && (!last || flags.followLast || mustBeDir)) {
        if (++links > MAXSYMLINKS) return -ELOOP;
        const target = this.readlink(child, ctx);
        if (typeof target === 'number') return target;
        if (target.length === 0) return -ENOENT;
        if (target.startsWith('/')) {
          names.length = 0;
          inodes.length = 1;
        }
        if (last && target.endsWith('/')) mustBeDir = true;
        todo.unshift(...split(target));
        continue;
      }
      if (!last && !isDir(child)) return -ENOTDIR;
      names.push(c);
      inodes.push(child);
    }
    const inode = inodes[inodes.length - 1];
    if (mustBeDir && !isDir(inode)) return -ENOTDIR;
    return { guest: names, inode, parent: inodes[Math.max(0, inodes.length - 2)] };
  }

  /** Inodes along a canonical guest path (a directory fd's or the cwd's), checked again. */
  private walkCanonical(comps: string[]): Inode[] | number {
    const out: Inode[] = [];
    let dir = this.rootInode;
    for (let i = 0; i < comps.length; i++) {
      const c = this.child(dir, comps[i], i === 0);
      if (c === undefined) return -ENOENT;
      if (typeof c === 'number') return c;
      if (!isDir(c)) return -ENOTDIR;
      out.push(c);
      dir = c;
    }
    return out;
  }

  /** The entry `name` in directory `dir` without following it; undefined if absent. */
  private child(dir: Inode, name: string, atRoot: boolean): Inode | undefined | number {
    if (dir.fs === 'pseudo') {
      const r = this.pseudo.child(dir.ref, name);
      return r ? { fs: 'pseudo', ref: r } : undefined;
    }
    if (atRoot && this.pseudo.isMount(name)) return { fs: 'pseudo', ref: this.pseudo.mountRoot(name) };
    const host = join(dir.host, name);
    try {
      const st = lstatSync(host, { bigint: true, throwIfNoEntry: false });
      return st ? { fs: 'host', host, st } : undefined;
    } catch (e) {
      return hostErrno(e);
    }
  }

  /** A symlink's target text (the host's, verbatim: it is resolved inside the root when followed). */
  readlink(inode: Inode, ctx: ProcContext): string | number {
    if (inode.fs === 'pseudo') {
      if (inode.ref.node.type !== 'link') return -EINVAL;
      return inode.ref.node.target({ ...ctx, pid: inode.ref.pid ?? ctx.pid, tid: inode.ref.tid ?? ctx.tid });
    }
    if (!inode.st.isSymbolicLink()) return -EINVAL;
    try {
      return readlinkSync(inode.host, 'utf8');
    } catch (e) {
      return hostErrno(e);
    }
  }

  root(): Inode {
    return this.rootInode;
  }
}

function split(path: string): string[] {
  return path.split('/').filter((c) => c !== '');
}

export function isDir(i: Inode): boolean {
  return i.fs === 'host' ? i.st.isDirectory() : i.ref.node.type === 'dir';
}

export function isLink(i: Inode): boolean {
  return i.fs === 'host' ? i.st.isSymbolicLink() : i.ref.node.type === 'link';
}

const HOST_ERRNO: Record<string, number> = {
  EPERM: 1, ENOENT: 2, EIO: 5, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EBUSY: 16, EEXIST: 17, EXDEV: 18,
  ENOTDIR: 20, EISDIR: 21, EINVAL: 22, EMFILE: 24, ENFILE: 23, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30,
  EMLINK: 31, ENAMETOOLONG: 36, ENOTEMPTY: 39, ELOOP: 40, EOVERFLOW: 75, EDQUOT: 122,
};

/** A host fs exception as a negative Linux errno (by name, so a non-Linux host maps right too). */
export function hostErrno(e: unknown): number {
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && code in HOST_ERRNO) return -HOST_ERRNO[code];
  if (typeof code === 'string') return -EIO;
  throw e;
}

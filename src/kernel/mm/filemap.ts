// The files behind file mappings made by mmap (mm/filemap.c's side of vm_file): each open
// file mapped gets a VMA file id, and the registry holds a reference to it (get_file), so
// closing the fd keeps the mapping readable; `sweep` drops it (fput) once no VMA has the id. filemap_fault reads the page from the file
// (no page cache yet: every fault is a read, a major fault): the part past EOF in the last
// page reads as zeros, a page wholly past EOF is SIGBUS. Only regular host files map; any
// other file has no mmap operation (-ENODEV). Mapping ids come from the caller's id space
// (shared with the executables' images).

import { HostFile, type File } from '../fs/file.ts';
import { S_IFMT, S_IFREG } from '../fs/uapi.ts';
import type { MapsFile } from '../proc/maps.ts';
import { EBADF } from '../syscalls/numbers.ts';
import type { MmapFile } from './mmap.ts';

export class MappedFiles {
  private readonly byId = new Map<number, HostFile>();
  private readonly ids = new Map<File, number>();

  constructor(private readonly newId: () => number) {}

  /** fget for mmap: `f` (the fd's open file, undefined: a bad fd) as the mapping sees it. */
  fget(f: File | undefined): MmapFile | number {
    if (!f) return -EBADF;
    const regular = f instanceof HostFile && (f.stat().mode & S_IFMT) === S_IFREG;
    if (!regular) return { id: 0, readable: f.readable, writable: f.writable, noMmap: true };
    let id = this.ids.get(f);
    if (id === undefined) {
      id = this.newId();
      f.refs++; // the VMAs' reference (sweep drops it)
      this.ids.set(f, id);
      this.byId.set(id, f);
    }
    return { id, readable: f.readable, writable: f.writable };
  }

  get size(): number {
    return this.byId.size;
  }

  /** fput of every file no VMA maps any more (`mapped`: the ids some VMA still has). */
  sweep(mapped: Set<number>): void {
    for (const [id, f] of this.byId) {
      if (mapped.has(id)) continue;
      this.byId.delete(id);
      this.ids.delete(f);
      if (--f.refs === 0) f.release();
    }
  }

  /** filemap_fault's read: page `pgoff` of file `id` into `out`; false: wholly past EOF (SIGBUS). */
  readPage(id: number, pgoff: number, out: Uint8Array): boolean {
    const f = this.byId.get(id);
    if (!f) return false;
    const from = pgoff * out.length;
    if (from >= Number(f.stat().size)) return false;
    out.fill(0);
    for (let n = 0; n < out.length;) {
      const r = f.read(out.subarray(n), from + n);
      if (r <= 0) break;
      n += r;
    }
    return true;
  }

  /** What /proc/PID/maps shows for file `id`: the host's device and inode, the guest path. */
  info(id: number): MapsFile | undefined {
    const f = this.byId.get(id);
    if (!f) return undefined;
    const st = f.stat();
    const dev = st.dev;
    // new_decode_dev
    const major = Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn));
    const minor = Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn));
    return { major, minor, ino: Number(st.ino), path: '/' + f.path.join('/') };
  }
}

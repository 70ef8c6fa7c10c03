// /proc/PID/maps (fs/proc/task_mmu.c show_map_vma): one line per VMA,
//   "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu " then, for a named mapping, spaces up to
// column 72 (seq_setwidth(25 + 6 * sizeof(void *) - 1)), one more space and the name.
// An unnamed anonymous VMA ends with the space after the inode. [heap] is the VMA that
// overlaps [start_brk, brk] (vma_is_initial_heap), [stack] the one holding start_stack.

import { F_BRK, F_START_BRK, F_START_STACK, type MmTable } from '../mm/mm_struct.ts';
import { isShmemZeroFile } from '../mm/mmap.ts';
import { PAGE_SHIFT, VM_EXEC, VM_MAYSHARE, VM_READ, VM_WRITE } from '../mm/vma.ts';

/** What maps prints for a file: device numbers, inode, path (" (deleted)" included if so). */
export interface MapsFile {
  major: number;
  minor: number;
  ino: number;
  path: string;
}

const WIDTH = 25 + 6 * 8 - 1;

function hex(x: number, width: number): string {
  return x.toString(16).padStart(width, '0');
}

/** seq_path's escaping of "\n" (and only it, as show_map_vma asks). */
function escapePath(path: string): string {
  return path.replace(/\n/g, '\\012');
}

/**
 * show_vma_header_prefix: "start-end perms offset major:minor inode " (the trailing space
 * included), before seq_pad. Also the [rollup] line of smaps_rollup.
 */
export function showVmaHeaderPrefix(start: number, end: number, flags: number, pgoff: number, major: number, minor: number, ino: number): string {
  return `${hex(start, 8)}-${hex(end, 8)} ${flags & VM_READ ? 'r' : '-'}${flags & VM_WRITE ? 'w' : '-'}` +
    `${flags & VM_EXEC ? 'x' : '-'}${flags & VM_MAYSHARE ? 's' : 'p'} ${hex(pgoff, 8)} ${hex(major, 2)}:${hex(minor, 2)} ${ino} `;
}

/** seq_pad(m, ' ') after seq_setwidth(25 + 6 * sizeof(void *) - 1), then the name. */
export function padName(prefix: string, name: string): string {
  return prefix.padEnd(WIDTH, ' ') + ' ' + name;
}

/** show_map_vma: the maps line of VMA v of mm m, with its newline. */
export function showMapVma(t: MmTable, m: number, v: number, fileInfo: (id: number) => MapsFile | undefined): string {
  const p = t.pool;
  const start = p.start(v);
  const end = p.end(v);
  const file = p.file(v);
  let pgoff = 0;
  let major = 0;
  let minor = 0;
  let ino = 0;
  let name: string | null = null;
  if (file !== 0) {
    pgoff = p.pgoff(v) * 2 ** PAGE_SHIFT;
    if (isShmemZeroFile(file)) {
      minor = 1; // shmem's anonymous superblock
      ino = -file;
      name = '/dev/zero (deleted)';
    } else {
      const f = fileInfo(file);
      if (f === undefined) throw new Error(`maps: no file for id ${file}`);
      major = f.major;
      minor = f.minor;
      ino = f.ino;
      name = escapePath(f.path);
    }
  } else if (start <= t.get(m, F_BRK) && end >= t.get(m, F_START_BRK)) {
    name = '[heap]';
  } else if (start <= t.get(m, F_START_STACK) && end >= t.get(m, F_START_STACK)) {
    name = '[stack]';
  }
  const line = showVmaHeaderPrefix(start, end, p.flags(v), pgoff, major, minor, ino);
  return (name === null ? line : padName(line, name)) + '\n';
}

/** The text of /proc/PID/maps for mm m. `fileInfo` resolves positive file ids. */
export function showMaps(t: MmTable, m: number, fileInfo: (id: number) => MapsFile | undefined): string {
  let s = '';
  for (let i = 0; i < t.mapCount(m); i++) s += showMapVma(t, m, t.vmaAt(m, i), fileInfo);
  return s;
}

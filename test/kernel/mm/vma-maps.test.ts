// /proc/PID/maps text against lines copied from a real Linux 6.x /proc/self/maps (x86_64
// host, 48-bit addresses, so the mm here uses Sv48's TASK_SIZE to hold the same addresses).
import { describe, expect, it } from 'vitest';
import { F_BRK, F_START_BRK, F_START_STACK, TASK_SIZE_SV48 } from '../../../src/kernel/mm/mm_struct.ts';
import { MAP_ANONYMOUS, MAP_FIXED, MAP_GROWSDOWN, MAP_PRIVATE, MAP_SHARED, PROT_EXEC, PROT_READ, PROT_WRITE, doMmap } from '../../../src/kernel/mm/mmap.ts';
import { showMaps, type MapsFile } from '../../../src/kernel/proc/maps.ts';
import { taskMemText } from '../../../src/kernel/proc/task_mem.ts';
import { newMm } from './helpers.ts';

// Real lines (cat /proc/self/maps on the build host); the trailing space of unnamed lines is part of the format.
const REAL = [
  '5594d1391000-5594d1393000 r--p 00000000 fe:00 260131                     /usr/bin/cat',
  '5594d1393000-5594d1398000 r-xp 00002000 fe:00 260131                     /usr/bin/cat',
  '557a73f16000-557a73f26000 rw-p 00000000 00:00 0 ',
  '557a9f5e5000-557a9f62b000 rw-p 00000000 00:00 0                          [heap]',
  '7f5b37794000-7f5b3779b000 r--s 00000000 fe:00 338846                     /usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache',
  '7f5dfb1fb000-7f5dfb1ff000 r--p 001cf000 fe:00 339380                     /usr/lib/x86_64-linux-gnu/libc.so.6',
  '7fffb6ee3000-7fffb6f04000 rw-p 00000000 00:00 0                          [stack]',
];

const FILES = new Map<number, MapsFile>([
  [1, { major: 0xfe, minor: 0, ino: 260131, path: '/usr/bin/cat' }],
  [2, { major: 0xfe, minor: 0, ino: 338846, path: '/usr/lib/x86_64-linux-gnu/gconv/gconv-modules.cache' }],
  [3, { major: 0xfe, minor: 0, ino: 339380, path: '/usr/lib/x86_64-linux-gnu/libc.so.6' }],
]);

describe('/proc/PID/maps', () => {
  it('prints the same bytes as Linux for file, anonymous, heap and stack VMAs', () => {
    const { t, m } = newMm({ taskSize: TASK_SIZE_SV48 });
    const ro = (id: number) => ({ id, readable: true, writable: false });
    const ANON = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED;
    doMmap(t, m, 0x5594d1391000, 0x2000, PROT_READ, MAP_PRIVATE | MAP_FIXED, ro(1), 0);
    doMmap(t, m, 0x5594d1393000, 0x5000, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, ro(1), 2);
    doMmap(t, m, 0x557a73f16000, 0x10000, PROT_READ | PROT_WRITE, ANON, null, 0);
    doMmap(t, m, 0x557a9f5e5000, 0x46000, PROT_READ | PROT_WRITE, ANON, null, 0);
    doMmap(t, m, 0x7f5b37794000, 0x7000, PROT_READ, MAP_SHARED | MAP_FIXED, ro(2), 0);
    doMmap(t, m, 0x7f5dfb1fb000, 0x4000, PROT_READ, MAP_PRIVATE | MAP_FIXED, ro(3), 0x1cf);
    doMmap(t, m, 0x7fffb6ee3000, 0x21000, PROT_READ | PROT_WRITE, ANON | MAP_GROWSDOWN, null, 0);
    t.set(m, F_START_BRK, 0x557a9f5e5000);
    t.set(m, F_BRK, 0x557a9f62a123);
    t.set(m, F_START_STACK, 0x7fffb6f02f50);
    const text = showMaps(t, m, (id) => FILES.get(id));
    expect(text.split('\n')).toEqual([...[...REAL].sort(), '']);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('anonymous shared memory shows as /dev/zero (deleted) on 00:01; small addresses pad to 8 digits', () => {
    const { t, m } = newMm();
    doMmap(t, m, 0x10000, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, null, 0);
    doMmap(t, m, 0x11000, 0x1000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED, null, 0);
    const lines = showMaps(t, m, () => undefined).split('\n');
    // Two shared anonymous mappings never merge: each has its own shmem file.
    // The name column stays at 73 (seq_setwidth 72 plus a space) whatever the address width.
    expect(lines[0]).toBe('00010000-00011000 rw-s 00000000 00:01 1' + ' '.repeat(33) + ' /dev/zero (deleted)');
    expect(lines[1]).toBe('00011000-00012000 rw-s 00000000 00:01 2' + ' '.repeat(33) + ' /dev/zero (deleted)');
    expect(lines[0]!.indexOf('/')).toBe(73);
    expect(lines.length).toBe(3);
  });
});

describe('/proc/PID/status memory block', () => {
  it('prints task_mem\'s lines with 8-column values (layout of a real status file)', () => {
    const { t, m } = newMm();
    doMmap(t, m, 0, 2260 * 1024, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, null, 0);
    const text = taskMemText(t, m, { anon: 52, file: 513, shmem: 0, hiwaterRss: 0, pteBytes: 44 * 1024, swap: 0 });
    expect(text.split('\n').slice(0, 8)).toEqual([
      'VmPeak:\t    2260 kB', 'VmSize:\t    2260 kB', 'VmLck:\t       0 kB', 'VmPin:\t       0 kB',
      'VmHWM:\t    2260 kB', 'VmRSS:\t    2260 kB', 'RssAnon:\t     208 kB', 'RssFile:\t    2052 kB',
    ]);
    expect(text).toContain('VmData:\t    2260 kB\n');
    expect(text).toContain('VmPTE:\t      44 kB\n');
    expect(text.endsWith('VmSwap:\t       0 kB\n')).toBe(true);
  });
});

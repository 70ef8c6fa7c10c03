// Generated files: /sys/devices/system/cpu/{online,possible}, /proc/cpuinfo as riscv Linux 6.1 prints it, and
// providers plugged in by other subsystems (a /proc file, a per-pid file), read through open/read/fstat.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cpuList, PseudoFs, registerCpuFiles, riscvCpuinfoIsa } from '../../../src/kernel/fs/procfs.ts';
import { GuestRoot } from '../../../src/kernel/fs/namei.ts';
import { FileSyscalls } from '../../../src/kernel/fs/syscalls.ts';
import { AT_FDCWD, O_RDONLY, SEEK_SET } from '../../../src/kernel/fs/uapi.ts';
import { guestFs, readAll, tempDir } from './helpers.ts';

describe('cpu files', () => {
  it('online, possible and present read "0-3\\n" for 4 cpus and "0\\n" for one', () => {
    const fs = guestFs(tempDir(), { ncpus: 4 });
    for (const f of ['online', 'possible', 'present']) expect(readAll(fs, `/sys/devices/system/cpu/${f}`)).toBe('0-3\n');
    expect(readAll(guestFs(tempDir(), { ncpus: 1 }), '/sys/devices/system/cpu/online')).toBe('0\n');
    expect(cpuList(16)).toBe('0-15');
  });

  it('/proc/cpuinfo has Linux 6.1 riscv c_show records, one per cpu', () => {
    const fs = guestFs(tempDir(), { ncpus: 2 });
    expect(readAll(fs, '/proc/cpuinfo')).toBe(
      'processor\t: 0\nhart\t\t: 0\nisa\t\t: rv64imafdc\nmmu\t\t: sv39\nmvendorid\t: 0x0\nmarchid\t\t: 0x0\nmimpid\t\t: 0x0\n\n' +
      'processor\t: 1\nhart\t\t: 1\nisa\t\t: rv64imafdc\nmmu\t\t: sv39\nmvendorid\t: 0x0\nmarchid\t\t: 0x0\nmimpid\t\t: 0x0\n\n');
    expect(riscvCpuinfoIsa('rv64gc')).toBe('rv64imafdc');
    expect(riscvCpuinfoIsa('rv64ima')).toBe('rv64ima');
    expect(riscvCpuinfoIsa('rv64cdfami')).toBe('rv64imafdc'); // canonical order
  });

  it('procfs files stat as size 0 / blksize 1024, sysfs as 4096 / 4096, both regular 0444', () => {
    const fs = guestFs(tempDir());
    const out = new Uint8Array(128);
    const dv = new DataView(out.buffer);
    expect(fs.newfstatat(AT_FDCWD, '/proc/cpuinfo', 0, out)).toBe(0);
    expect([dv.getUint32(16, true), Number(dv.getBigInt64(48, true)), dv.getInt32(56, true)]).toEqual([0o100444, 0, 1024]);
    expect(fs.newfstatat(AT_FDCWD, '/sys/devices/system/cpu/online', 0, out)).toBe(0);
    expect([dv.getUint32(16, true), Number(dv.getBigInt64(48, true)), dv.getInt32(56, true)]).toEqual([0o100444, 4096, 4096]);
    expect(fs.newfstatat(AT_FDCWD, '/proc', 0, out)).toBe(0);
    expect(dv.getUint32(16, true)).toBe(0o40555);
  });
});

describe('the registry', () => {
  it('takes providers from other subsystems; text is generated at each open; per-pid files follow /proc/self', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'proc')); // a host "proc" directory is shadowed by the mount
    const pseudo = new PseudoFs();
    registerCpuFiles(pseudo, { ncpus: 4, isa: 'rv64imafdc', mmu: 'sv39' });
    let free = 1000;
    pseudo.register('/proc/meminfo', () => `MemFree:        ${free} kB\n`);
    pseudo.register('/proc/[pid]/status', (ctx) => `Pid:\t${ctx.pid}\nReader:\t${ctx.self}\n`);
    pseudo.pids = () => [7, 9];
    const root = new GuestRoot(dir, { writable: false, pseudo });
    const fs = new FileSyscalls({ root, pid: 7 });
    expect(readAll(fs, '/proc/meminfo')).toBe('MemFree:        1000 kB\n');
    const fd = fs.openat(AT_FDCWD, '/proc/meminfo', O_RDONLY, 0);
    free = 500;
    const b = new Uint8Array(64);
    const n = fs.read(fd, b);
    expect(Buffer.from(b.subarray(0, n)).toString()).toBe('MemFree:        1000 kB\n'); // snapshot at open
    expect(fs.lseek(fd, 0, SEEK_SET)).toBe(0);
    expect(readAll(fs, '/proc/meminfo')).toBe('MemFree:        500 kB\n');
    expect(readAll(fs, '/proc/self/status')).toBe('Pid:\t7\nReader:\t7\n');
    expect(readAll(fs, '/proc/9/status')).toBe('Pid:\t9\nReader:\t7\n');
    expect(readAll(fs, '/proc/8/status')).toBe(-2);
    expect(readAll(fs, '/proc/self/../cpuinfo')).toContain('processor\t: 3');
    expect(readAll(fs, '/proc/nothing')).toBe(-2);
    expect(() => pseudo.register('/etc/x', () => '')).toThrow();
  });
});

describe('freshRoot', () => {
  it('holds only the program, executable, where /proc/self/exe names it', async () => {
    const { freshRoot } = await import('../../../src/kernel/fs/rootfs.ts');
    const { readdirSync, statSync, existsSync } = await import('node:fs');
    const r = freshRoot(new Uint8Array([0x7f, 0x45, 0x4c, 0x46]), '/some/where/hello.elf');
    expect(readdirSync(r.hostDir)).toEqual(['hello.elf']);
    expect(statSync(join(r.hostDir, 'hello.elf')).mode & 0o777).toBe(0o755);
    expect(r.guestPath).toBe('/hello.elf');
    const fs = guestFs(r.hostDir, { exe: r.guestPath });
    const b = new Uint8Array(64);
    expect(Buffer.from(b.subarray(0, fs.readlinkat(AT_FDCWD, '/proc/self/exe', b))).toString()).toBe('/hello.elf');
    expect(readAll(fs, '/proc/self/exe')).toBe('\x7fELF');
    r.remove();
    expect(existsSync(r.hostDir)).toBe(false);
  });
});

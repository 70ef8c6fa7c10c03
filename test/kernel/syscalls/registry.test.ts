// The registry: the groups of one process together, glibc's start-up sequence through them,
// numbers the trap handler keeps (mm, exit) left to it, and the syscall number table.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { OutputChunk } from '../../../src/kernel/kernel.ts';
import { QueuedConsole } from '../../../src/kernel/syscalls/console.ts';
import * as N from '../../../src/kernel/syscalls/numbers.ts';
import { LinuxProcessState } from '../../../src/kernel/syscalls/process_state.ts';
import { RandomPool } from '../../../src/kernel/syscalls/random.ts';
import { dispatchSyscall, linuxSyscallGroups } from '../../../src/kernel/syscalls/registry.ts';
import { NOT_MINE } from '../../../src/kernel/syscalls/task_context.ts';
import { guestFs, tempDir } from '../fs/helpers.ts';
import { BASE, harness, PAGE } from './helpers.ts';

function setup() {
  const dir = tempDir('smpemu-sysreg-');
  writeFileSync(join(dir, 'f'), 'x');
  const fs = guestFs(dir, { exe: '/hello', pid: 100 });
  const out: OutputChunk[] = [];
  const console = new QueuedConsole({ push: (c) => out.push(c) });
  fs.installStdio(console);
  const state = new LinuxProcessState({ totalramPages: 65536 });
  const groups = linuxSyscallGroups({
    fs, state, console, clockHz: 1e9, bootEpochNs: 1_796_145_704_000_000_000n, random: new RandomPool(42),
    sysinfo: () => ({ totalram: 256 << 20, freeram: 200 << 20, procs: 1 }),
  });
  const h = harness((t, nr) => dispatchSyscall(groups, t, nr), { pid: 100, hart: 2 });
  return { fs, out, state, ...h };
}

describe('linuxSyscallGroups', () => {
  it("glibc 2.36's static start-up (qemu-riscv64 -strace of hello) gets Linux's answers", () => {
    const { call, user, out, state } = setup();
    const B = BASE + PAGE;
    expect(call(N.SYS_set_tid_address, B)).toBe(100);
    expect(call(N.SYS_set_robust_list, B + 16, 24)).toBe(0); // qemu says ENOSYS; Linux accepts it
    expect(call(N.SYS_prlimit64, 0, 3, 0, B + 64)).toBe(0);
    expect(user.dv(B + 64, 16).getBigUint64(0, true)).toBe(8n << 20n);
    expect(call(N.SYS_readlinkat, -100, user.putStr(B + 128, '/proc/self/exe'), B + 256, 4096)).toBe(6);
    expect(user.str(B + 256, 6)).toBe('/hello');
    expect(call(N.SYS_getrandom, B + 512, 8, 1)).toBe(8);
    expect(call(N.SYS_newfstatat, 1, user.putStr(B + 128, ''), B + 1024, 0x1000)).toBe(0);
    expect(user.dv(B + 1024, 128).getUint32(16, true) & 0o170000).toBe(0o010000); // not a tty here: a FIFO
    expect(call(N.SYS_clock_gettime, 5, B + 1200)).toBe(0);
    user.put(B + 2048, 'hello 42\n');
    expect(call(N.SYS_write, 1, B + 2048, 9)).toBe(9);
    expect(out.map((c) => [c.core, c.fd, Buffer.from(c.data).toString()])).toEqual([[2, 1, 'hello 42\n']]);
    expect(state.task(100).clearChildTid).toBe(B);
    expect(state.task(100).robustListHead).toBe(B + 16);
  });

  it('leaves the trap handler its own numbers (mm, exit, clone) and unknown ones: NOT_MINE', () => {
    const { call } = setup();
    for (const nr of [N.SYS_brk, N.SYS_mmap, N.SYS_munmap, 226, 233, 216, N.SYS_exit, N.SYS_exit_group, N.SYS_clone, N.SYS_futex, 258, 293, 9999]) {
      expect(call(nr)).toBe(NOT_MINE);
    }
  });

  it('setrlimit(RLIMIT_NOFILE) is the fd table\'s limit', () => {
    const { call, user, fs } = setup();
    const B = BASE + PAGE;
    const dv = new DataView(new ArrayBuffer(16));
    dv.setBigUint64(0, 5n, true);
    dv.setBigUint64(8, 5n, true);
    user.put(B, new Uint8Array(dv.buffer));
    expect(call(N.SYS_setrlimit, 7, B)).toBe(0);
    expect(fs.files.limit).toBe(5);
    const path = user.putStr(B + 64, 'f');
    expect(call(N.SYS_openat, -100, path, 0)).toBe(3);
    expect(call(N.SYS_openat, -100, path, 0)).toBe(4);
    expect(call(N.SYS_openat, -100, path, 0)).toBe(-N.EMFILE);
  });

  it('the dispatch answers what one group answers, in order', () => {
    const seen: string[] = [];
    const g1 = (_t: unknown, nr: number) => (seen.push(`g1:${nr}`), nr === 1 ? 11 : NOT_MINE);
    const g2 = (_t: unknown, nr: number) => (seen.push(`g2:${nr}`), nr === 2 ? -N.EINVAL : NOT_MINE);
    const { t } = harness(() => NOT_MINE);
    expect(dispatchSyscall([g1, g2], t, 1)).toBe(11);
    expect(dispatchSyscall([g1, g2], t, 2)).toBe(-N.EINVAL);
    expect(dispatchSyscall([g1, g2], t, 3)).toBe(NOT_MINE);
    expect(seen).toEqual(['g1:1', 'g1:2', 'g2:2', 'g1:3', 'g2:3']);
  });
});

describe('numbers.ts', () => {
  it('every SYS_ constant is named in SYSCALL_NAMES by its own name, with asm-generic numbers', () => {
    const sys = Object.entries(N).filter(([k]) => k.startsWith('SYS_')) as Array<[string, number]>;
    expect(sys.length).toBeGreaterThan(50);
    for (const [k, v] of sys) expect(N.SYSCALL_NAMES[v], k).toBe(k.slice(4));
    // Spot checks against /usr/include/asm-generic/unistd.h.
    expect([N.SYS_uname, N.SYS_sysinfo, N.SYS_gettimeofday, N.SYS_times, N.SYS_getrlimit, N.SYS_setrlimit, N.SYS_prlimit64, N.SYS_getrandom])
      .toEqual([160, 179, 169, 153, 163, 164, 261, 278]);
  });
});

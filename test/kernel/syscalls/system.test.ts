// Identity, uname, sysinfo, rlimits and getrandom: values, byte layouts, errno.
// Layout facts from qemu-riscv64 running a static glibc program printing sizeof/offsetof
// (Debian riscv64-linux-gnu-gcc 12, glibc 2.36): struct sysinfo is 112 bytes with totalram at
// 32, procs at 80, mem_unit at 104; struct utsname is 390 bytes, fields at 0, 65, 130, 195, 260,
// 325; struct rlimit 16 bytes (cur, max).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EFAULT, EINVAL, EPERM, ESRCH,
  SYS_get_robust_list, SYS_getegid, SYS_geteuid, SYS_getgid, SYS_getpid, SYS_getppid, SYS_getrandom, SYS_getrlimit,
  SYS_gettid, SYS_getuid, SYS_prlimit64, SYS_set_robust_list, SYS_set_tid_address, SYS_setrlimit, SYS_sysinfo, SYS_uname,
} from '../../../src/kernel/syscalls/numbers.ts';
import { identityCalls } from '../../../src/kernel/syscalls/identity.ts';
import {
  defaultRlimits, LinuxProcessState, RLIM_INFINITY, RLIMIT_AS, RLIMIT_CORE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_STACK,
} from '../../../src/kernel/syscalls/process_state.ts';
import { RandomPool, randomCalls } from '../../../src/kernel/syscalls/random.ts';
import { resourceCalls } from '../../../src/kernel/syscalls/resource.ts';
import { sysInfoCalls } from '../../../src/kernel/syscalls/sys_info.ts';
import { BASE, harness, HOLE, PAGE } from './helpers.ts';

const BUF = BASE + PAGE;

describe('identity', () => {
  it('getpid is the tgid, gettid the thread, getppid the parent; the uid family from the creds (root by default)', () => {
    const ps = new LinuxProcessState({ totalramPages: 1024 });
    const h = harness(identityCalls(ps), { pid: 40, tid: 41, ppid: 7 });
    expect([h.call(SYS_getpid), h.call(SYS_gettid), h.call(SYS_getppid)]).toEqual([40, 41, 7]);
    expect([SYS_getuid, SYS_geteuid, SYS_getgid, SYS_getegid].map((n) => h.call(n))).toEqual([0, 0, 0, 0]);
    ps.cred = { uid: 1000, euid: 1001, suid: 1000, gid: 100, egid: 101, sgid: 100 };
    expect([SYS_getuid, SYS_geteuid, SYS_getgid, SYS_getegid].map((n) => h.call(n))).toEqual([1000, 1001, 100, 101]);
  });

  it('set_tid_address returns the tid and records the pointer (unchecked, like Linux)', () => {
    const ps = new LinuxProcessState({ totalramPages: 1024 });
    const h = harness(identityCalls(ps), { pid: 40, tid: 41 });
    expect(h.call(SYS_set_tid_address, HOLE + 8)).toBe(41);
    expect(ps.task(41).clearChildTid).toBe(HOLE + 8);
  });

  it('set_robust_list wants len 24; get_robust_list reads it back (len first), ESRCH for unknown pids', () => {
    const ps = new LinuxProcessState({ totalramPages: 1024 });
    const h = harness(identityCalls(ps), { pid: 40, tid: 41 });
    expect(h.call(SYS_set_robust_list, 0x5000, 23)).toBe(-EINVAL);
    expect(h.call(SYS_set_robust_list, 0x5000, 25)).toBe(-EINVAL);
    expect(h.call(SYS_set_robust_list, 0x5000, 24)).toBe(0);
    expect(ps.task(41).robustListHead).toBe(0x5000);
    expect(h.call(SYS_get_robust_list, 0, BUF, BUF + 8)).toBe(0);
    expect([h.user.dv(BUF, 16).getBigUint64(0, true), h.user.dv(BUF, 16).getBigUint64(8, true)]).toEqual([0x5000n, 24n]);
    expect(h.call(SYS_get_robust_list, 41, BUF, BUF + 8)).toBe(0);
    expect(h.call(SYS_get_robust_list, 999, BUF, BUF + 8)).toBe(-ESRCH);
    expect(h.call(SYS_get_robust_list, 0, BUF, HOLE)).toBe(-EFAULT);
    expect(h.call(SYS_get_robust_list, 0, HOLE, BUF)).toBe(-EFAULT);
  });

  it('fork copies actions, limits and the caller thread\'s mask; the child has no robust list', () => {
    const ps = new LinuxProcessState({ totalramPages: 1024 });
    ps.task(41).blocked = 0x200n;
    ps.task(41).robustListHead = 0x5000;
    ps.actions[9] = { handler: 0x1234n, flags: 0x10000000n, mask: 0n };
    ps.rlimits[RLIMIT_CORE] = { cur: 5n, max: 6n };
    const c = ps.fork(41, 77);
    expect(c.task(77).blocked).toBe(0x200n);
    expect(c.task(77).robustListHead).toBe(0);
    expect(c.actions[9].handler).toBe(0x1234n);
    expect(c.rlimits[RLIMIT_CORE]).toEqual({ cur: 5n, max: 6n });
    c.actions[9].handler = 0n; // copies, not shared
    c.rlimits[RLIMIT_CORE].cur = 0n;
    expect(ps.actions[9].handler).toBe(0x1234n);
    expect(ps.rlimits[RLIMIT_CORE].cur).toBe(5n);
    const th = ps.addThread(41, 42); // a thread starts with its creator's mask, no altstack, no robust list
    expect([th.blocked, th.robustListHead, th.altStack.size]).toEqual([0x200n, 0, 0n]);
    ps.actions[2] = { handler: 1n, flags: 4n, mask: 8n }; // SIG_IGN survives exec, a handler does not
    ps.exec(41);
    expect(ps.actions[9]).toEqual({ handler: 0n, flags: 0n, mask: 0n });
    expect(ps.actions[2]).toEqual({ handler: 1n, flags: 0n, mask: 0n });
    expect(ps.task(41).blocked).toBe(0x200n);
    expect(ps.tasks.has(42)).toBe(false); // exec leaves one thread
  });

  it('procView gives /proc/PID/status its signal sets and ids', () => {
    const ps = new LinuxProcessState({ totalramPages: 65536 });
    ps.actions[12] = { handler: 1n, flags: 0n, mask: 0n }; // SIGPIPE ignored
    ps.actions[9] = { handler: 0x4000n, flags: 0n, mask: 0n }; // SIGUSR1 caught
    ps.task(7).blocked = 0x2n;
    ps.cred = { uid: 5, euid: 6, suid: 7, gid: 8, egid: 9, sgid: 10 };
    ps.task(7).pending.add(2, new Uint8Array(128)); // SIGINT for the thread
    ps.shared.add(15, new Uint8Array(128)); // SIGTERM for the process
    expect(ps.procView(7)).toEqual({
      sigPending: 0x2n, shdPending: 0x4000n, sigQueued: 2,
      sigBlocked: 0x2n, sigIgnored: 0x1000n, sigCaught: 0x200n, sigQueueLimit: 1024, uid: [5, 6, 7, 6], gid: [8, 9, 10, 9],
    });
  });
});

describe('uname and sysinfo', () => {
  const sysinfo = { totalram: 512 << 20, freeram: 300 << 20, sharedram: 4096, bufferram: 8192, procs: 3, loads: [0.5, 1, 2] as [number, number, number] };

  it('uname fills six 65-byte NUL-padded fields', () => {
    const h = harness(sysInfoCalls({ clockHz: 1e9, sysinfo: () => sysinfo }));
    h.user.put(BUF, new Uint8Array(400).fill(0xee));
    expect(h.call(SYS_uname, BUF)).toBe(0);
    const fields = ['Linux', 'smpemu', '6.1.0-smpemu', '#1 SMP', 'riscv64', '(none)'];
    const want = new Uint8Array(390);
    fields.forEach((f, i) => want.set(Buffer.from(f), 65 * i));
    expect(h.user.get(BUF, 390)).toEqual(want);
    expect(h.user.get(BUF + 390, 1)[0]).toBe(0xee); // nothing past the struct
    expect(h.call(SYS_uname, HOLE - 100)).toBe(-EFAULT);
  });

  it('sysinfo: uptime rounded up from simulated time, memory in bytes with mem_unit 1, loads << 16', () => {
    const h = harness(sysInfoCalls({ clockHz: 1e9, sysinfo: () => sysinfo }));
    h.cpu.cycle = 5e9 + 1; // 5 s and 1 ns
    h.user.put(BUF, new Uint8Array(120).fill(0xee));
    expect(h.call(SYS_sysinfo, BUF)).toBe(0);
    const dv = h.user.dv(BUF, 120);
    const u = (o: number) => dv.getBigUint64(o, true);
    expect(u(0)).toBe(6n);
    expect([u(8), u(16), u(24)]).toEqual([32768n, 65536n, 131072n]);
    expect([u(32), u(40), u(48), u(56), u(64), u(72)]).toEqual([512n << 20n, 300n << 20n, 4096n, 8192n, 0n, 0n]);
    expect(dv.getUint16(80, true)).toBe(3);
    expect(dv.getUint16(82, true)).toBe(0);
    expect([u(88), u(96)]).toEqual([0n, 0n]);
    expect(dv.getUint32(104, true)).toBe(1);
    expect(dv.getUint32(108, true)).toBe(0);
    expect(dv.getUint8(112)).toBe(0xee);
    h.cpu.cycle = 7e9; // exactly 7 s
    h.call(SYS_sysinfo, BUF);
    expect(h.user.dv(BUF, 8).getBigUint64(0, true)).toBe(7n);
    expect(h.call(SYS_sysinfo, HOLE - 8)).toBe(-EFAULT);
  });
});

describe('rlimits', () => {
  function rl(cur: bigint, max: bigint): Uint8Array {
    const dv = new DataView(new ArrayBuffer(16));
    dv.setBigUint64(0, cur, true);
    dv.setBigUint64(8, max, true);
    return new Uint8Array(dv.buffer);
  }
  const read = (h: ReturnType<typeof harness>, a: number) => [h.user.dv(a, 16).getBigUint64(0, true), h.user.dv(a, 16).getBigUint64(8, true)];

  it('the defaults: STACK 8 MiB/infinity, NOFILE 1024/1048576, CORE 0/infinity, NPROC from RAM', () => {
    const ps = new LinuxProcessState({ totalramPages: 65536 }); // 256 MiB: max_threads = 2048
    const h = harness(resourceCalls(ps), { pid: 5 });
    expect(h.call(SYS_prlimit64, 0, RLIMIT_STACK, 0, BUF)).toBe(0);
    expect(read(h, BUF)).toEqual([8n << 20n, RLIM_INFINITY]);
    expect(h.call(SYS_getrlimit, RLIMIT_NOFILE, BUF)).toBe(0);
    expect(read(h, BUF)).toEqual([1024n, 1048576n]);
    expect(h.call(SYS_getrlimit, RLIMIT_CORE, BUF)).toBe(0);
    expect(read(h, BUF)).toEqual([0n, RLIM_INFINITY]);
    expect(h.call(SYS_getrlimit, RLIMIT_NPROC, BUF)).toBe(0);
    expect(read(h, BUF)).toEqual([1024n, 1024n]);
    expect(defaultRlimits(100)[RLIMIT_NPROC].cur).toBe(10n); // MIN_THREADS 20
  });

  it('prlimit64 sets and returns the old value; pid 0 or own pid, else ESRCH; soft > hard is EINVAL', () => {
    const ps = new LinuxProcessState({ totalramPages: 65536 });
    const nofile: number[] = [];
    const h = harness(resourceCalls(ps, { onNofile: (n) => nofile.push(n) }), { pid: 5 });
    h.user.put(BUF, rl(100n, 200n));
    expect(h.call(SYS_prlimit64, 5, RLIMIT_NOFILE, BUF, BUF + 16)).toBe(0);
    expect(read(h, BUF + 16)).toEqual([1024n, 1048576n]);
    expect(nofile).toEqual([100]);
    expect(h.call(SYS_prlimit64, 6, RLIMIT_NOFILE, 0, BUF + 16)).toBe(-ESRCH);
    expect(h.call(SYS_prlimit64, 6, RLIMIT_NOFILE, HOLE, BUF + 16)).toBe(-EFAULT); // the new value is read before the pid
    h.user.put(BUF, rl(300n, 200n));
    expect(h.call(SYS_prlimit64, 0, RLIMIT_NOFILE, BUF, 0)).toBe(-EINVAL);
    expect(h.call(SYS_prlimit64, 0, 16, 0, BUF)).toBe(-EINVAL);
    h.user.put(BUF, rl(10n, 1n << 21n));
    expect(h.call(SYS_prlimit64, 0, RLIMIT_NOFILE, BUF, 0)).toBe(-EPERM); // over nr_open
    // A bad old pointer: the new limit is set, then EFAULT (do_prlimit runs before the copy-out).
    h.user.put(BUF, rl(50n, 60n));
    expect(h.call(SYS_prlimit64, 0, RLIMIT_AS, BUF, HOLE)).toBe(-EFAULT);
    expect(ps.rlimits[RLIMIT_AS]).toEqual({ cur: 50n, max: 60n });
  });

  it('root may raise a hard limit; another uid may only lower it', () => {
    const ps = new LinuxProcessState({ totalramPages: 65536 });
    const h = harness(resourceCalls(ps), { pid: 5 });
    h.user.put(BUF, rl(0n, 0n));
    expect(h.call(SYS_setrlimit, RLIMIT_CORE, BUF)).toBe(0);
    h.user.put(BUF, rl(0n, 10n));
    expect(h.call(SYS_setrlimit, RLIMIT_CORE, BUF)).toBe(0);
    ps.cred.euid = 1000;
    h.user.put(BUF, rl(0n, 20n));
    expect(h.call(SYS_setrlimit, RLIMIT_CORE, BUF)).toBe(-EPERM);
    h.user.put(BUF, rl(0n, 5n));
    expect(h.call(SYS_setrlimit, RLIMIT_CORE, BUF)).toBe(0);
    expect(h.call(SYS_setrlimit, RLIMIT_CORE, HOLE)).toBe(-EFAULT);
    expect(h.call(SYS_getrlimit, RLIMIT_CORE, HOLE)).toBe(-EFAULT);
  });
});

describe('getrandom', () => {
  const bytes = (seed: number, lens: number[]) => {
    const h = harness(randomCalls(new RandomPool(seed)));
    return lens.map((n) => {
      expect(h.call(SYS_getrandom, BUF, n, 0)).toBe(n);
      return Buffer.from(h.user.get(BUF, n)).toString('hex');
    });
  };

  it('the same seed gives the same bytes call after call; another seed different ones', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }), (seed, lens) => {
      const a = bytes(seed, lens);
      expect(bytes(seed, lens)).toEqual(a);
      expect(bytes(seed + 1, lens)).not.toEqual(a);
    }), { numRuns: 30 });
  });

  it('flags: unknown bits and INSECURE|RANDOM are EINVAL; NONBLOCK, RANDOM, INSECURE alone are fine', () => {
    const h = harness(randomCalls(new RandomPool(1)));
    for (const f of [8, 6, 7, 0x80000000]) expect(h.call(SYS_getrandom, BUF, 8, f)).toBe(-EINVAL);
    for (const f of [0, 1, 2, 3, 4, 5]) expect(h.call(SYS_getrandom, BUF, 8, f)).toBe(8);
    expect(h.call(SYS_getrandom, HOLE, 8, 8)).toBe(-EINVAL); // flags before the buffer
    expect(h.call(SYS_getrandom, HOLE, 0, 0)).toBe(0);
  });

  it('a buffer running into the hole gets the bytes before it (whole 64-byte blocks and the page rest); none is EFAULT', () => {
    const h = harness(randomCalls(new RandomPool(1)));
    expect(h.call(SYS_getrandom, HOLE - 100, 1000, 0)).toBe(100);
    expect(h.call(SYS_getrandom, HOLE, 10, 0)).toBe(-EFAULT);
  });
});

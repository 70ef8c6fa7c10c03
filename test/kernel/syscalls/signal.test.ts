// Signal bookkeeping: struct sigaction (24 bytes: handler, flags, mask — riscv has no
// sa_restorer; asm-generic/signal.h), sigset_t 8 bytes, stack_t 24 bytes (ss_sp 0, ss_flags 8,
// ss_size 16: offsets from qemu-riscv64 running a static glibc program).

import { describe, expect, it } from 'vitest';
import { EFAULT, EINVAL, ENOMEM, EPERM, SYS_rt_sigaction, SYS_rt_sigprocmask, SYS_sigaltstack } from '../../../src/kernel/syscalls/numbers.ts';
import { LinuxProcessState } from '../../../src/kernel/syscalls/process_state.ts';
import { signalCalls } from '../../../src/kernel/syscalls/signal.ts';
import { BASE, harness, HOLE, PAGE } from './helpers.ts';

const ACT = BASE + PAGE;
const OACT = ACT + 64;
const bit = (sig: number) => 1n << BigInt(sig - 1);

function setup(tid = 50) {
  const ps = new LinuxProcessState({ totalramPages: 1024 });
  const h = harness(signalCalls(ps), { pid: 50, tid });
  const put64 = (addr: number, ...vs: bigint[]) => {
    const dv = new DataView(new ArrayBuffer(8 * vs.length));
    vs.forEach((v, i) => dv.setBigUint64(8 * i, BigInt.asUintN(64, v), true));
    h.user.put(addr, new Uint8Array(dv.buffer));
    return addr;
  };
  const get64 = (addr: number, n: number) => Array.from({ length: n }, (_, i) => h.user.dv(addr, 8 * n).getBigUint64(8 * i, true));
  return { ps, ...h, put64, get64 };
}

describe('rt_sigaction', () => {
  it('records the action per process and returns the old one; unknown flags and SIGKILL/SIGSTOP in the mask are dropped', () => {
    const { ps, call, put64, get64 } = setup();
    put64(ACT, 0x4000_1234n, 0x1000_0004n | 0x400n | 0x100n, bit(12) | bit(9) | bit(19) | bit(2));
    expect(call(SYS_rt_sigaction, 10, ACT, OACT, 8)).toBe(0);
    expect(get64(OACT, 3)).toEqual([0n, 0n, 0n]);
    expect(ps.actions[9]).toEqual({ handler: 0x4000_1234n, flags: 0x1000_0004n, mask: bit(12) | bit(2) });
    put64(ACT, 1n, 0n, 0n);
    expect(call(SYS_rt_sigaction, 10, ACT, OACT, 8)).toBe(0);
    expect(get64(OACT, 3)).toEqual([0x4000_1234n, 0x1000_0004n, bit(12) | bit(2)]);
  });

  it('sigsetsize must be 8; sig 1..64; SIGKILL and SIGSTOP may be queried, not set; EFAULT for act and oact', () => {
    const { call, put64 } = setup();
    put64(ACT, 1n, 0n, 0n);
    expect(call(SYS_rt_sigaction, 10, HOLE, 0, 4)).toBe(-EINVAL);
    expect(call(SYS_rt_sigaction, 10, ACT, 0, 16)).toBe(-EINVAL);
    expect(call(SYS_rt_sigaction, 0, ACT, 0, 8)).toBe(-EINVAL);
    expect(call(SYS_rt_sigaction, 65, ACT, 0, 8)).toBe(-EINVAL);
    expect(call(SYS_rt_sigaction, 64, ACT, 0, 8)).toBe(0);
    expect(call(SYS_rt_sigaction, 9, ACT, 0, 8)).toBe(-EINVAL);
    expect(call(SYS_rt_sigaction, 19, ACT, 0, 8)).toBe(-EINVAL);
    expect(call(SYS_rt_sigaction, 9, 0, OACT, 8)).toBe(0);
    expect(call(SYS_rt_sigaction, 0, HOLE, 0, 8)).toBe(-EFAULT); // act is copied before the signal is checked
    expect(call(SYS_rt_sigaction, 10, 0, HOLE, 8)).toBe(-EFAULT);
  });
});

describe('rt_sigprocmask', () => {
  it('SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK per thread; SIGKILL and SIGSTOP never blocked; the old mask returned', () => {
    const { ps, call, put64, get64 } = setup(51);
    put64(ACT, bit(10) | bit(9) | bit(19) | bit(2));
    expect(call(SYS_rt_sigprocmask, 0, ACT, OACT, 8)).toBe(0);
    expect(get64(OACT, 1)).toEqual([0n]);
    expect(ps.task(51).blocked).toBe(bit(10) | bit(2));
    expect(ps.task(52).blocked).toBe(0n);
    put64(ACT, bit(2));
    expect(call(SYS_rt_sigprocmask, 1, ACT, OACT, 8)).toBe(0);
    expect(get64(OACT, 1)).toEqual([bit(10) | bit(2)]);
    put64(ACT, ~0n);
    expect(call(SYS_rt_sigprocmask, 2, ACT, OACT, 8)).toBe(0);
    expect(ps.task(51).blocked).toBe(~0n & ((1n << 64n) - 1n) & ~(bit(9) | bit(19)));
  });

  it('EINVAL for sigsetsize and (only with a set) for how; EFAULT for set and oset', () => {
    const { call, put64 } = setup();
    put64(ACT, bit(10));
    expect(call(SYS_rt_sigprocmask, 0, ACT, 0, 4)).toBe(-EINVAL);
    expect(call(SYS_rt_sigprocmask, 3, ACT, 0, 8)).toBe(-EINVAL);
    expect(call(SYS_rt_sigprocmask, 3, 0, OACT, 8)).toBe(0);
    expect(call(SYS_rt_sigprocmask, 3, HOLE, 0, 8)).toBe(-EFAULT); // the copy comes before how is checked
    expect(call(SYS_rt_sigprocmask, 0, 0, HOLE, 8)).toBe(-EFAULT);
  });
});

describe('sigaltstack', () => {
  const STACK = BASE + 4 * PAGE;

  it('no stack: SS_DISABLE; set one, read it back; EPERM while running on it; SS_AUTODISARM lifts that', () => {
    const { ps, call, put64, get64, user, cpu } = setup();
    const ss = (sp: bigint, flags: number, size: bigint) => {
      put64(ACT, sp, 0n, size);
      user.put(ACT + 8, new Uint8Array(new Int32Array([flags]).buffer));
      return ACT;
    };
    const oflags = () => user.dv(OACT + 8, 4).getInt32(0, true);
    cpu.xl[2] = BASE + 10 * PAGE; // sp elsewhere
    expect(call(SYS_sigaltstack, 0, OACT)).toBe(0);
    expect([get64(OACT, 1)[0], oflags(), get64(OACT + 16, 1)[0]]).toEqual([0n, 2, 0n]);
    expect(call(SYS_sigaltstack, ss(BigInt(STACK), 0, 8192n), 0)).toBe(0);
    expect(ps.task(50).altStack).toEqual({ sp: BigInt(STACK), size: 8192n, flags: 0 });
    expect(call(SYS_sigaltstack, 0, OACT)).toBe(0);
    expect([get64(OACT, 1)[0], oflags(), get64(OACT + 16, 1)[0]]).toEqual([BigInt(STACK), 0, 8192n]);
    cpu.xl[2] = STACK + 100; // now on the alternate stack
    expect(call(SYS_sigaltstack, 0, OACT)).toBe(0);
    expect(oflags()).toBe(1); // SS_ONSTACK
    expect(call(SYS_sigaltstack, ss(0n, 2, 0n), 0)).toBe(-EPERM);
    cpu.xl[2] = BASE + 10 * PAGE;
    expect(call(SYS_sigaltstack, ss(BigInt(STACK), 0x80000000 | 0, 8192n), 0)).toBe(0);
    cpu.xl[2] = STACK + 100;
    expect(call(SYS_sigaltstack, 0, OACT)).toBe(0);
    expect(oflags()).toBe(0x80000000 | 0); // not "on stack" with SS_AUTODISARM, the flag reported
    expect(call(SYS_sigaltstack, ss(0n, 2, 0n), OACT)).toBe(0);
    expect(call(SYS_sigaltstack, 0, OACT)).toBe(0);
    expect(oflags()).toBe(2);
  });

  it('a bad mode is EINVAL, a stack below MINSIGSTKSZ (2048) ENOMEM; EFAULT for both pointers', () => {
    const { call, put64, user } = setup();
    const ss = (flags: number, size: bigint) => {
      put64(ACT, BigInt(STACK), 0n, size);
      user.put(ACT + 8, new Uint8Array(new Int32Array([flags]).buffer));
      return ACT;
    };
    expect(call(SYS_sigaltstack, ss(4, 8192n), 0)).toBe(-EINVAL);
    expect(call(SYS_sigaltstack, ss(3, 8192n), 0)).toBe(-EINVAL);
    expect(call(SYS_sigaltstack, ss(0, 2047n), 0)).toBe(-ENOMEM);
    expect(call(SYS_sigaltstack, ss(1, 2048n), 0)).toBe(0);
    expect(call(SYS_sigaltstack, HOLE, 0)).toBe(-EFAULT);
    expect(call(SYS_sigaltstack, 0, HOLE)).toBe(-EFAULT);
  });
});

// The clocks from simulated cycles, timespec/timeval/tms layouts (struct timespec 16 bytes:
// tv_sec at 0, tv_nsec at 8; timeval tv_usec at 8; tms four longs — offsets from qemu-riscv64
// running a static glibc program), and the sleep placeholder that advances the core's clock.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  EFAULT, EINVAL, EOPNOTSUPP, SYS_clock_getres, SYS_clock_gettime, SYS_clock_nanosleep, SYS_gettimeofday, SYS_nanosleep, SYS_times,
} from '../../../src/kernel/syscalls/numbers.ts';
import { timeCalls } from '../../../src/kernel/syscalls/time.ts';
import { BASE, harness, HOLE, PAGE } from './helpers.ts';

const BUF = BASE + PAGE;
const EPOCH = 1_700_000_000_123_456_789n;

function setup(clockHz = 2_000_000_000, o: { cpu?: number } = {}) {
  const h = harness(timeCalls({ clockHz, bootEpochNs: EPOCH, cpuCycles: o.cpu === undefined ? undefined : () => o.cpu! }), { pid: 9, tid: 9 });
  const ts = (clk: number): [bigint, bigint] | number => {
    const r = h.call(SYS_clock_gettime, clk, BUF);
    if (r !== 0) return r;
    const dv = h.user.dv(BUF, 16);
    return [dv.getBigInt64(0, true), dv.getBigInt64(8, true)];
  };
  const putTs = (addr: number, sec: bigint, nsec: bigint) => {
    const dv = new DataView(new ArrayBuffer(16));
    dv.setBigInt64(0, sec, true);
    dv.setBigInt64(8, nsec, true);
    h.user.put(addr, new Uint8Array(dv.buffer));
    return addr;
  };
  return { ...h, ts, putTs };
}

const split = (ns: bigint): [bigint, bigint] => [ns / 1_000_000_000n, ns % 1_000_000_000n];

describe('clock_gettime', () => {
  it('MONOTONIC, RAW and BOOTTIME are cycles / clockHz exactly; REALTIME and TAI add the boot epoch', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 52 }), fc.constantFrom(1e9, 2e9, 3_000_000_007, 100e6), (cycles, hz) => {
      const { ts, cpu } = setup(hz);
      cpu.cycle = cycles;
      const mono = (BigInt(cycles) * 1_000_000_000n) / BigInt(hz);
      for (const c of [1, 4, 7]) expect(ts(c)).toEqual(split(mono));
      for (const c of [0, 11]) expect(ts(c)).toEqual(split(EPOCH + mono));
    }), { numRuns: 100 });
  });

  it('the COARSE clocks stop at the last 4 ms tick (HZ 250)', () => {
    const { ts, cpu } = setup(1e9);
    cpu.cycle = 1_234_567_891; // 1.234567891 s
    expect(ts(6)).toEqual([1n, 232_000_000n]);
    expect(ts(5)).toEqual(split(EPOCH + 1_232_000_000n));
  });

  it('the CPU-time clocks read the caller\'s CPU cycles; own pid/tid CPU clock ids work, others are EINVAL', () => {
    const { ts, cpu } = setup(1e9, { cpu: 2_500_000_000 });
    cpu.cycle = 9e9;
    expect(ts(2)).toEqual([2n, 500_000_000n]);
    expect(ts(3)).toEqual([2n, 500_000_000n]);
    const cpuClock = (pid: number, thread: boolean, which: number) => (~pid << 3) | (thread ? 4 : 0) | which;
    expect(ts(cpuClock(0, false, 2))).toEqual([2n, 500_000_000n]);
    expect(ts(cpuClock(9, true, 0))).toEqual([2n, 500_000_000n]);
    expect(ts(cpuClock(10, false, 2))).toBe(-EINVAL);
    expect(ts(cpuClock(0, false, 3))).toBe(-EINVAL); // a clock fd
  });

  it('EINVAL for unknown ids (8, 9 need an RTC, 10 is gone, 12+), EFAULT for a bad pointer', () => {
    const { ts, call } = setup();
    for (const c of [8, 9, 10, 12, 99, 0x7fffffff]) expect(ts(c)).toBe(-EINVAL);
    expect(call(SYS_clock_gettime, 1, HOLE - 8)).toBe(-EFAULT);
    expect(call(SYS_clock_gettime, 99, HOLE)).toBe(-EINVAL);
  });
});

describe('clock_getres, gettimeofday, times', () => {
  it('clock_getres: 1 ns for the high-resolution and sched CPU clocks, the tick for COARSE, 1/HZ for PROF CPU clocks; NULL tp is fine', () => {
    const { call, user } = setup();
    const res = (c: number) => {
      expect(call(SYS_clock_getres, c, BUF)).toBe(0);
      return [user.dv(BUF, 16).getBigInt64(0, true), user.dv(BUF, 16).getBigInt64(8, true)];
    };
    for (const c of [0, 1, 2, 3, 4, 7, 11]) expect(res(c)).toEqual([0n, 1n]);
    for (const c of [5, 6]) expect(res(c)).toEqual([0n, 4_000_000n]);
    expect(res(~0 << 3)).toEqual([0n, 4_000_000n]); // CPUCLOCK_PROF of self
    expect(call(SYS_clock_getres, 0, 0)).toBe(0);
    expect(call(SYS_clock_getres, 99, 0)).toBe(-EINVAL);
    expect(call(SYS_clock_getres, 0, HOLE)).toBe(-EFAULT);
  });

  it('gettimeofday: seconds and microseconds of REALTIME; tv or tz may be NULL; tz is zero', () => {
    const { call, user, cpu } = setup(1e9);
    cpu.cycle = 3_000_000_500;
    user.put(BUF, new Uint8Array(24).fill(0xee));
    expect(call(SYS_gettimeofday, BUF, BUF + 16)).toBe(0);
    const dv = user.dv(BUF, 24);
    const real = EPOCH + 3_000_000_500n;
    expect(dv.getBigInt64(0, true)).toBe(real / 1_000_000_000n);
    expect(dv.getBigInt64(8, true)).toBe((real % 1_000_000_000n) / 1000n);
    expect(dv.getBigInt64(16, true)).toBe(0n);
    expect(call(SYS_gettimeofday, 0, 0)).toBe(0);
    expect(call(SYS_gettimeofday, HOLE, 0)).toBe(-EFAULT);
    expect(call(SYS_gettimeofday, BUF, HOLE)).toBe(-EFAULT);
  });

  it('times: CPU time in clock ticks (USER_HZ 100); returns jiffies in clock_t counted from INITIAL_JIFFIES', () => {
    const { call, user, cpu } = setup(1e9, { cpu: 1_234_000_000 });
    cpu.cycle = 10_000_000_000; // 10 s: 2500 jiffies at HZ 250
    expect(call(SYS_times, BUF)).toBe(Math.floor(((2 ** 32 - 300 * 250 + 2500) * 4_000_000) / 10_000_000));
    const dv = user.dv(BUF, 32);
    expect([0, 8, 16, 24].map((o) => dv.getBigInt64(o, true))).toEqual([123n, 0n, 0n, 0n]);
    expect(call(SYS_times, HOLE)).toBe(-EFAULT);
    expect(call(SYS_times, 0)).toBeGreaterThan(0);
  });
});

describe('nanosleep and clock_nanosleep (the core\'s clock jumps; no scheduler yet)', () => {
  it('nanosleep advances the cycles by the interval, rounded up to a whole cycle', () => {
    const { call, cpu, putTs } = setup(3e9);
    cpu.cycle = 1000;
    expect(call(SYS_nanosleep, putTs(BUF, 2n, 1n), 0)).toBe(0);
    expect(cpu.cycle).toBe(1000 + 6e9 + 3);
  });

  it('validation: tv_nsec outside [0, 1e9) or tv_sec < 0 is EINVAL, a bad pointer EFAULT; nothing advances', () => {
    const { call, cpu, putTs } = setup();
    expect(call(SYS_nanosleep, putTs(BUF, 0n, 1_000_000_000n), 0)).toBe(-EINVAL);
    expect(call(SYS_nanosleep, putTs(BUF, 0n, -1n), 0)).toBe(-EINVAL);
    expect(call(SYS_nanosleep, putTs(BUF, -1n, 0n), 0)).toBe(-EINVAL);
    expect(call(SYS_nanosleep, HOLE - 8, 0)).toBe(-EFAULT);
    expect(cpu.cycle).toBe(0);
  });

  it('clock_nanosleep: relative and TIMER_ABSTIME (to a time in the future or the past), and the clocks that cannot sleep', () => {
    const { call, cpu, putTs } = setup(1e9);
    cpu.cycle = 5e9;
    expect(call(SYS_clock_nanosleep, 1, 0, putTs(BUF, 1n, 0n), 0)).toBe(0);
    expect(cpu.cycle).toBe(6e9);
    expect(call(SYS_clock_nanosleep, 1, 1, putTs(BUF, 8n, 0n), 0)).toBe(0);
    expect(cpu.cycle).toBe(8e9);
    expect(call(SYS_clock_nanosleep, 1, 1, putTs(BUF, 2n, 0n), 0)).toBe(0);
    expect(cpu.cycle).toBe(8e9);
    const realNow = EPOCH + 8_000_000_000n;
    expect(call(SYS_clock_nanosleep, 0, 1, putTs(BUF, (realNow + 500n) / 1_000_000_000n, (realNow + 500n) % 1_000_000_000n), 0)).toBe(0);
    expect(cpu.cycle).toBe(8e9 + 500);
    for (const c of [3, 4, 5, 6]) expect(call(SYS_clock_nanosleep, c, 0, putTs(BUF, 1n, 0n), 0)).toBe(-EOPNOTSUPP);
    expect(call(SYS_clock_nanosleep, 99, 0, BUF, 0)).toBe(-EINVAL);
    expect(call(SYS_clock_nanosleep, 1, 0, HOLE, 0)).toBe(-EFAULT);
    expect(call(SYS_clock_nanosleep, 1, 0, putTs(BUF, 0n, 1_000_000_000n), 0)).toBe(-EINVAL);
    expect(cpu.cycle).toBe(8e9 + 500);
  });
});

// The scheduling syscalls' checks and errno, in Linux's order, over a fake user memory.
import { describe, expect, it } from 'vitest';
import { init_idle, R_CURR, sched_init, sched_task_init, test_need_resched, wake_up_new_task, rq_lock, rq_unlock, update_rq_clock, __schedule, SM_PREEMPT, type Sched } from '../../../src/kernel/sched/core.ts';
import { dl_total_bw } from '../../../src/kernel/sched/deadline.ts';
import {
  decodeSchedAttr, emptyAttr, encodeSchedAttr, PRIO_PGRP, PRIO_PROCESS, SCHED_ATTR_SIZE_VER0, SCHED_ATTR_SIZE_VER1,
  SCHED_FLAG_KEEP_PARAMS, SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_UTIL_CLAMP_MIN, sys_getpriority, sys_sched_get_priority_max,
  sys_sched_get_priority_min, sys_sched_getattr, sys_sched_getparam, sys_sched_getscheduler, sys_sched_rr_get_interval,
  sys_sched_setattr, sys_sched_setparam, sys_sched_setscheduler, sys_setpriority, task_sched_params, type SchedAttr,
  type SchedSyscallCtx,
} from '../../../src/kernel/sched/syscalls.ts';

const EPERM = -1, ESRCH = -3, E2BIG = -7, EFAULT = -14, EBUSY = -16, EINVAL = -22;
const MS = 1e6;

/** A machine of 1 core, the idle task 0, tasks 1..4 (pids 101..104, caller 101) queued; user
 *  memory is one 8 KiB buffer at 0x10000 (anything else faults). */
function setup(rtRuntimeUs?: number): { ctx: SchedSyscallCtx; s: Sched; mem: Uint8Array } {
  const s = sched_init({ cpus: 1, nrTasks: 8, rtRuntimeUs });
  init_idle(s, 0, 0);
  rq_lock(s, 0);
  for (let p = 1; p <= 4; p++) {
    sched_task_init(s, p);
    wake_up_new_task(s, 0, p);
  }
  __schedule(s, 0, SM_PREEMPT);
  rq_unlock(s, 0);
  const mem = new Uint8Array(8192);
  const BASE = 0x10000;
  const ctx: SchedSyscallCtx = {
    s,
    now: 0,
    lookup: (pid) => (pid === 0 ? 1 : pid >= 101 && pid <= 104 ? pid - 100 : -1),
    tasksOf: (which, who) => (which === PRIO_PGRP && (who === 0 || who === 101) ? [1, 2, 3, 4] : []),
    read: (addr, len) => (addr >= BASE && addr + len <= BASE + mem.length ? mem.slice(addr - BASE, addr - BASE + len) : null),
    write: (addr, data) => {
      if (addr < BASE || addr + data.length > BASE + mem.length) return false;
      mem.set(data, addr - BASE);
      return true;
    },
  };
  return { ctx, s, mem };
}

const PARAM = 0x10000;
const ATTR = 0x10100;
const BAD = 0x900000;

function putInt(mem: Uint8Array, at: number, v: number): void {
  new DataView(mem.buffer).setInt32(at - 0x10000, v, true);
}
function putAttr(mem: Uint8Array, a: Partial<SchedAttr>, size = SCHED_ATTR_SIZE_VER1): void {
  const full = { ...emptyAttr(), size, ...a };
  mem.set(encodeSchedAttr(full), ATTR - 0x10000);
}

describe('sched_setscheduler / sched_setparam / getters', () => {
  it('policy and priority checks, in Linux order', () => {
    const { ctx, mem } = setup();
    putInt(mem, PARAM, 10);
    expect(sys_sched_setscheduler(ctx, 0, -1, PARAM)).toBe(EINVAL); // policy < 0
    expect(sys_sched_setscheduler(ctx, -1, 1, PARAM)).toBe(EINVAL); // pid < 0
    expect(sys_sched_setscheduler(ctx, 0, 1, 0)).toBe(EINVAL); // NULL param
    expect(sys_sched_setscheduler(ctx, 0, 1, BAD)).toBe(EFAULT);
    expect(sys_sched_setscheduler(ctx, 999, 1, PARAM)).toBe(ESRCH);
    expect(sys_sched_setscheduler(ctx, 0, 4, PARAM)).toBe(EINVAL); // policy 4 does not exist
    expect(sys_sched_setscheduler(ctx, 0, 7, PARAM)).toBe(EINVAL);
    expect(sys_sched_setscheduler(ctx, 0, 0, PARAM)).toBe(EINVAL); // SCHED_OTHER with priority 10
    putInt(mem, PARAM, 0);
    expect(sys_sched_setscheduler(ctx, 0, 1, PARAM)).toBe(EINVAL); // FIFO with priority 0
    putInt(mem, PARAM, 100);
    expect(sys_sched_setscheduler(ctx, 0, 2, PARAM)).toBe(EINVAL); // RR with priority 100
    putInt(mem, PARAM, -5);
    expect(sys_sched_setscheduler(ctx, 0, 2, PARAM)).toBe(EINVAL);
    putInt(mem, PARAM, 1);
    expect(sys_sched_setscheduler(ctx, 0, 6, PARAM)).toBe(EINVAL); // SCHED_DEADLINE needs sched_setattr
    putInt(mem, PARAM, 99);
    expect(sys_sched_setscheduler(ctx, 102, 1, PARAM)).toBe(0);
    expect(sys_sched_getscheduler(ctx, 102)).toBe(1);
    expect(task_sched_params(ctx.s, 2).prio).toBe(0); // MAX_RT_PRIO - 1 - 99
    expect(sys_sched_getparam(ctx, 102, PARAM + 16)).toBe(0);
    expect(new DataView(mem.buffer).getInt32(16, true)).toBe(99);
    expect(sys_sched_getparam(ctx, 102, BAD)).toBe(EFAULT);
    expect(sys_sched_getparam(ctx, 102, 0)).toBe(EINVAL);
    expect(sys_sched_getscheduler(ctx, -3)).toBe(EINVAL);
    expect(sys_sched_getscheduler(ctx, 555)).toBe(ESRCH);
  });

  it('an rt policy change on a queued task preempts the running fair task', () => {
    const { ctx, s, mem } = setup();
    const running = s.rget(0, R_CURR);
    const other = running === 1 ? 103 : 101;
    putInt(mem, PARAM, 5);
    expect(sys_sched_setscheduler(ctx, other, 2, PARAM)).toBe(0);
    expect(test_need_resched(s, 0)).toBe(true);
    rq_lock(s, 0);
    update_rq_clock(s, 0, 1 * MS);
    expect(__schedule(s, 0, SM_PREEMPT)).toBe(other - 100);
    rq_unlock(s, 0);
    // sched_setparam keeps the policy, changes the priority; 0 is invalid for RR
    putInt(mem, PARAM, 0);
    expect(sys_sched_setparam(ctx, other, PARAM)).toBe(EINVAL);
    putInt(mem, PARAM, 42);
    expect(sys_sched_setparam(ctx, other, PARAM)).toBe(0);
    expect(task_sched_params(s, other - 100)).toMatchObject({ policy: 2, prio: 57 });
    // SCHED_RESET_ON_FORK rides in the policy and reads back in getscheduler
    expect(sys_sched_setscheduler(ctx, other, 2 | 0x40000000, PARAM)).toBe(0);
    expect(sys_sched_getscheduler(ctx, other)).toBe(2 | 0x40000000);
    // back to SCHED_OTHER (priority must be 0)
    putInt(mem, PARAM, 0);
    expect(sys_sched_setscheduler(ctx, other, 0, PARAM)).toBe(0);
    expect(task_sched_params(s, other - 100)).toMatchObject({ policy: 0, prio: 120, weight: 1024 });
  });

  it('priority ranges and rr intervals', () => {
    expect([0, 1, 2, 3, 5, 6].map(sys_sched_get_priority_max)).toEqual([0, 99, 99, 0, 0, 0]);
    expect([0, 1, 2, 3, 5, 6].map(sys_sched_get_priority_min)).toEqual([0, 1, 1, 0, 0, 0]);
    expect(sys_sched_get_priority_max(4)).toBe(EINVAL);
    expect(sys_sched_get_priority_min(-1)).toBe(EINVAL);
    const { ctx, mem } = setup();
    const ts = (): [bigint, bigint] => {
      const v = new DataView(mem.buffer);
      return [v.getBigInt64(0x200, true), v.getBigInt64(0x208, true)];
    };
    // CFS: sched_slice of 4 nice-0 tasks = 6 ms / 4 = 1.5 ms -> whole jiffies (4 ms) = 0
    expect(sys_sched_rr_get_interval(ctx, 101, 0x10200)).toBe(0);
    expect(ts()).toEqual([0n, 0n]);
    putInt(mem, PARAM, 1);
    expect(sys_sched_setscheduler(ctx, 102, 2, PARAM)).toBe(0);
    expect(sys_sched_rr_get_interval(ctx, 102, 0x10200)).toBe(0);
    expect(ts()).toEqual([0n, 100_000_000n]);
    expect(sys_sched_setscheduler(ctx, 103, 1, PARAM)).toBe(0);
    expect(sys_sched_rr_get_interval(ctx, 103, 0x10200)).toBe(0);
    expect(ts()).toEqual([0n, 0n]);
    expect(sys_sched_rr_get_interval(ctx, -1, 0x10200)).toBe(EINVAL);
    expect(sys_sched_rr_get_interval(ctx, 200, 0x10200)).toBe(ESRCH);
    expect(sys_sched_rr_get_interval(ctx, 101, BAD)).toBe(EFAULT);
  });
});

describe('sched_setattr / sched_getattr', () => {
  it('struct sched_attr round-trips', () => {
    const a = { ...emptyAttr(), size: 56, policy: 6, flags: 0x4, nice: -3, priority: 0, runtime: 2e6, deadline: 5e6, period: 1e7, utilMin: 1, utilMax: 1024 };
    expect(decodeSchedAttr(encodeSchedAttr(a))).toEqual(a);
  });

  it('size rules: 0 means VER0, E2BIG with the size written back, non-zero tail', () => {
    const { ctx, mem } = setup();
    putAttr(mem, { policy: 0, nice: 5 }, 0);
    expect(sys_sched_setattr(ctx, 0, ATTR, 0)).toBe(0);
    expect(task_sched_params(ctx.s, 1).nice).toBe(5);
    putAttr(mem, { policy: 0 }, 40);
    expect(sys_sched_setattr(ctx, 0, ATTR, 0)).toBe(E2BIG);
    expect(new DataView(mem.buffer).getUint32(ATTR - 0x10000, true)).toBe(SCHED_ATTR_SIZE_VER1);
    putAttr(mem, { policy: 0 }, 64);
    mem[ATTR - 0x10000 + 60] = 1;
    expect(sys_sched_setattr(ctx, 0, ATTR, 0)).toBe(E2BIG);
    mem[ATTR - 0x10000 + 60] = 0;
    expect(sys_sched_setattr(ctx, 0, ATTR, 0)).toBe(0);
    putAttr(mem, { policy: 0, flags: SCHED_FLAG_UTIL_CLAMP_MIN }, SCHED_ATTR_SIZE_VER0);
    expect(sys_sched_setattr(ctx, 0, ATTR, 0)).toBe(EINVAL);
    putAttr(mem, { policy: 0, flags: 0x80 });
    expect(sys_sched_setattr(ctx, 0, ATTR, 0)).toBe(EINVAL); // unknown flag
    putAttr(mem, { policy: 0, nice: -100 });
    expect(sys_sched_setattr(ctx, 0, ATTR, 0)).toBe(0); // nice clamped
    expect(task_sched_params(ctx.s, 1).nice).toBe(-20);
    expect(sys_sched_setattr(ctx, 0, ATTR, 1)).toBe(EINVAL); // flags != 0
    expect(sys_sched_setattr(ctx, 0, 0, 0)).toBe(EINVAL);
    expect(sys_sched_setattr(ctx, 0, BAD, 0)).toBe(EFAULT);
  });

  it('SCHED_DEADLINE: parameter checks, admission, getattr', () => {
    const { ctx, s, mem } = setup();
    const dl = (runtime: number, deadline: number, period: number, pid = 0): number => {
      putAttr(mem, { policy: 6, runtime, deadline, period });
      return sys_sched_setattr(ctx, pid, ATTR, 0);
    };
    expect(dl(1 * MS, 0, 10 * MS)).toBe(EINVAL); // deadline 0
    expect(dl(1000, 5 * MS, 10 * MS)).toBe(EINVAL); // runtime under 1024 ns
    expect(dl(6 * MS, 5 * MS, 10 * MS)).toBe(EINVAL); // runtime > deadline
    expect(dl(1 * MS, 11 * MS, 10 * MS)).toBe(EINVAL); // deadline > period
    expect(dl(10_000, 50_000, 0)).toBe(EINVAL); // period under 100 us
    expect(dl(1 * MS, 5 * MS, 5 * 1e9)).toBe(EINVAL); // period over 2^22 us
    expect(dl(5 * MS, 10 * MS, 10 * MS, 101)).toBe(0);
    expect(dl(4 * MS, 10 * MS, 10 * MS, 102)).toBe(0); // 0.9
    expect(dl(1 * MS, 10 * MS, 10 * MS, 103)).toBe(EBUSY); // 1.0 > 0.95
    expect(dl(0.5 * MS, 10 * MS, 10 * MS, 103)).toBe(0); // 0.95
    expect(dl_total_bw(s)).toBeLessThanOrEqual(Math.floor(0.95 * 2 ** 20));
    // getattr reads them back; usize bounds
    expect(sys_sched_getattr(ctx, 101, ATTR, SCHED_ATTR_SIZE_VER1, 0)).toBe(0);
    const got = decodeSchedAttr(mem.slice(ATTR - 0x10000, ATTR - 0x10000 + 56));
    expect(got).toMatchObject({ size: 56, policy: 6, runtime: 5 * MS, deadline: 10 * MS, period: 10 * MS, flags: 0 });
    expect(sys_sched_getattr(ctx, 101, ATTR, 47, 0)).toBe(EINVAL);
    expect(sys_sched_getattr(ctx, 101, ATTR, 4097, 0)).toBe(EINVAL);
    expect(sys_sched_getattr(ctx, 101, ATTR, 56, 1)).toBe(EINVAL);
    expect(sys_sched_getattr(ctx, 101, BAD, 56, 0)).toBe(EFAULT);
    expect(sys_sched_getattr(ctx, 300, ATTR, 56, 0)).toBe(ESRCH);
    mem.fill(0xee, ATTR - 0x10000, ATTR - 0x10000 + 64);
    expect(sys_sched_getattr(ctx, 101, ATTR, 48, 0)).toBe(0);
    expect(mem[ATTR - 0x10000 + 48]).toBe(0xee); // only 48 bytes written
    expect(new DataView(mem.buffer).getUint32(ATTR - 0x10000, true)).toBe(48);
    // KEEP_PARAMS with a fair task: the nice value is kept
    putAttr(mem, { policy: 0, nice: 7 });
    expect(sys_sched_setattr(ctx, 104, ATTR, 0)).toBe(0);
    putAttr(mem, { policy: 0, nice: -4, flags: SCHED_FLAG_KEEP_PARAMS | SCHED_FLAG_RESET_ON_FORK });
    expect(sys_sched_setattr(ctx, 104, ATTR, 0)).toBe(0);
    expect(task_sched_params(s, 4).nice).toBe(7);
    expect(sys_sched_getscheduler(ctx, 104)).toBe(0x40000000);
  });

  it('SCHED_DEADLINE is refused with EPERM when rt bandwidth is 0', () => {
    const { ctx, mem } = setup(0);
    putAttr(mem, { policy: 6, runtime: 1 * MS, deadline: 10 * MS, period: 10 * MS });
    expect(sys_sched_setattr(ctx, 0, ATTR, 0)).toBe(EPERM);
  });
});

describe('setpriority / getpriority', () => {
  it('nice range, clamping, 20 - nice from the syscall', () => {
    const { ctx, s } = setup();
    expect(sys_getpriority(ctx, PRIO_PROCESS, 0)).toBe(20);
    expect(sys_setpriority(ctx, PRIO_PROCESS, 0, 5)).toBe(0);
    expect(sys_getpriority(ctx, PRIO_PROCESS, 0)).toBe(15);
    expect(task_sched_params(s, 1)).toMatchObject({ nice: 5, prio: 125, weight: 335 });
    expect(sys_setpriority(ctx, PRIO_PROCESS, 0, 100)).toBe(0);
    expect(sys_getpriority(ctx, PRIO_PROCESS, 0)).toBe(1); // nice 19
    expect(sys_setpriority(ctx, PRIO_PROCESS, 0, -100)).toBe(0);
    expect(sys_getpriority(ctx, PRIO_PROCESS, 0)).toBe(40); // nice -20
    expect(task_sched_params(s, 1).weight).toBe(88761);
    expect(sys_setpriority(ctx, 3, 0, 0)).toBe(EINVAL);
    expect(sys_getpriority(ctx, -1, 0)).toBe(EINVAL);
    expect(sys_setpriority(ctx, PRIO_PROCESS, 999, 0)).toBe(ESRCH);
    expect(sys_getpriority(ctx, PRIO_PROCESS, 999)).toBe(ESRCH);
    // a process group: all of them; getpriority answers for the highest priority
    expect(sys_setpriority(ctx, PRIO_PGRP, 0, 3)).toBe(0);
    expect(sys_setpriority(ctx, PRIO_PROCESS, 104, -2)).toBe(0);
    expect(sys_getpriority(ctx, PRIO_PGRP, 0)).toBe(22);
  });
});

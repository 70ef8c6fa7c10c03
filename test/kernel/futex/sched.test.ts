// The futex code against the real scheduler core (src/kernel/sched/core.ts), with the sleep path
// waitwake.ts prescribes: futex_wait_pending checked under the task's run-queue lock before
// __schedule(SM_SLEEP); wake_up = try_to_wake_up under the woken task's run-queue lock. Both
// orders of the wake and the sleep end with the task runnable and its result 0.
import { describe, expect, it } from 'vitest';
import { allocFutexBuffer, FutexHash } from '../../../src/kernel/futex/hash.ts';
import { FUTEX_PRIVATE_FLAG, FUTEX_SLEEP, FUTEX_WAIT, FUTEX_WAKE } from '../../../src/kernel/futex/futex.ts';
import { sys_futex } from '../../../src/kernel/futex/syscalls.ts';
import { futex_timeout, futex_wait_pending, futex_wait_result, futex_wait_seq } from '../../../src/kernel/futex/waitwake.ts';
import {
  __schedule, init_idle, R_CURR, rq_lock, rq_unlock, sched_init, sched_task_init, SM_PREEMPT, SM_SLEEP, T_CPU, T_ON_RQ,
  try_to_wake_up, update_rq_clock, wake_up_new_task, type Sched,
} from '../../../src/kernel/sched/core.ts';
import { ETIMEDOUT } from '../../../src/kernel/syscalls/numbers.ts';
import { A0, putTimespec, A4, world } from './setup.ts';

const WAIT = FUTEX_WAIT | FUTEX_PRIVATE_FLAG;
const WAKE = FUTEX_WAKE | FUTEX_PRIVATE_FLAG;

function setup(): { s: Sched; f: FutexHash; w: ReturnType<typeof world>; A: number; B: number } {
  const s = sched_init({ cpus: 2, nrTasks: 8 });
  init_idle(s, 0, 0);
  init_idle(s, 1, 1);
  const A = 2;
  const B = 3;
  sched_task_init(s, A);
  sched_task_init(s, B);
  const w = world({ nrTasks: 8 });
  // wake_up: try_to_wake_up on the task's last core, under that run queue's lock
  const f = new FutexHash(w.f.buffer, {
    wake_up(p: number): void {
      const cpu = s.tget(p, T_CPU);
      rq_lock(s, cpu);
      update_rq_clock(s, cpu, 1000);
      try_to_wake_up(s, cpu, p);
      rq_unlock(s, cpu);
    },
  });
  // A runs on cpu 0, B on cpu 1
  for (const [p, cpu] of [[A, 0], [B, 1]] as const) {
    rq_lock(s, cpu);
    wake_up_new_task(s, cpu, p);
    expect(__schedule(s, cpu, SM_PREEMPT)).toBe(p); // the idle task gives way
    rq_unlock(s, cpu);
  }
  return { s, f, w, A, B };
}

/** The sleep path after FUTEX_SLEEP: returns whether the task went to sleep. */
function sleepPath(s: Sched, f: FutexHash, p: number, cpu: number): boolean {
  rq_lock(s, cpu);
  let slept = false;
  if (futex_wait_pending(f, p)) {
    __schedule(s, cpu, SM_SLEEP);
    slept = true;
  }
  rq_unlock(s, cpu);
  return slept;
}

describe('futex with the scheduler core', () => {
  it('wait, sleep, then a wake from another core requeues the task', () => {
    const { s, f, w, A } = setup();
    expect(sys_futex(f, w.caller(A, w.a), A0, WAIT, 0, 0, 0, 0)).toBe(FUTEX_SLEEP);
    expect(sleepPath(s, f, A, 0)).toBe(true);
    expect(s.tget(A, T_ON_RQ)).toBe(0);
    expect(s.rget(0, R_CURR)).toBe(0); // the idle task
    expect(sys_futex(f, w.caller(3, w.a), A0, WAKE, 1, 0, 0, 0)).toBe(1);
    expect(s.tget(A, T_ON_RQ)).toBe(1);
    rq_lock(s, 0);
    expect(__schedule(s, 0, SM_PREEMPT)).toBe(A);
    rq_unlock(s, 0);
    expect(futex_wait_result(f, A)).toBe(0);
  });

  it('a wake before the sleep path: try_to_wake_up leaves the running task alone and it never sleeps', () => {
    const { s, f, w, A } = setup();
    expect(sys_futex(f, w.caller(A, w.a), A0, WAIT, 0, 0, 0, 0)).toBe(FUTEX_SLEEP);
    expect(sys_futex(f, w.caller(3, w.a), A0, WAKE, 1, 0, 0, 0)).toBe(1);
    expect(s.tget(A, T_ON_RQ)).toBe(1);
    expect(sleepPath(s, f, A, 0)).toBe(false);
    expect(s.rget(0, R_CURR)).toBe(A);
    expect(futex_wait_result(f, A)).toBe(0);
  });

  it('a timed wait: the timer takes it off and the timer code wakes it', () => {
    const { s, f, w, A } = setup();
    putTimespec(w.a, A4, 0, 1000);
    expect(sys_futex(f, w.caller(A, w.a), A0, WAIT, 0, A4, 0, 0)).toBe(FUTEX_SLEEP);
    expect(sleepPath(s, f, A, 0)).toBe(true);
    // the timer fires (say under cpu 0's rq lock: futex_timeout takes only a bucket lock)
    rq_lock(s, 0);
    expect(futex_timeout(f, A, futex_wait_seq(f, A))).toBe(true);
    try_to_wake_up(s, 0, A);
    expect(__schedule(s, 0, SM_PREEMPT)).toBe(A);
    rq_unlock(s, 0);
    expect(futex_wait_result(f, A)).toBe(-ETIMEDOUT);
  });
});

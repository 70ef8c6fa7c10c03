// sched/cputime.ts: a running task's CPU time up to now, and the thread-group sums that
// getrusage, times and the CPU-time clocks report (dead threads, reaped children).
import { describe, expect, it } from 'vitest';
import {
  __schedule, init_idle, rq_lock, rq_unlock, sched_init, sched_task_init, SM_PREEMPT, SM_SLEEP, update_rq_clock,
  wake_up_new_task, type Sched,
} from '../../../src/kernel/sched/core.ts';
import { task_sched_runtime, task_stime, task_times, ThreadGroupTimes, utimeOf, vtime_user_enter, vtime_user_exit } from '../../../src/kernel/sched/cputime.ts';

const MS = 1e6;

/** One core, idle task 0, tasks 1..3 queued; task 1 runs from t = 0. */
function setup(): Sched {
  const s = sched_init({ cpus: 1, nrTasks: 8 });
  init_idle(s, 0, 0);
  rq_lock(s, 0);
  for (let p = 1; p <= 3; p++) {
    sched_task_init(s, p);
    wake_up_new_task(s, 0, p);
  }
  __schedule(s, 0, SM_PREEMPT);
  rq_unlock(s, 0);
  return s;
}

/** Run the current task until `t`, then switch (it sleeps when `sleep`). */
function runUntil(s: Sched, t: number, sleep = false): number {
  rq_lock(s, 0);
  update_rq_clock(s, 0, t);
  const next = __schedule(s, 0, sleep ? SM_SLEEP : SM_PREEMPT);
  rq_unlock(s, 0);
  return next;
}

describe('task_sched_runtime and thread-group sums', () => {
  it('the running task is brought up to now; the others keep what they had', () => {
    const s = setup();
    const first = s.curr(0);
    expect(task_sched_runtime(s, first, 3 * MS)).toBe(3 * MS);
    expect(task_sched_runtime(s, first, 5 * MS)).toBe(5 * MS);
    const second = runUntil(s, 7 * MS);
    expect(second).not.toBe(first);
    expect(task_sched_runtime(s, first, 20 * MS)).toBe(7 * MS); // not running: no time added
    expect(task_sched_runtime(s, second, 9 * MS)).toBe(2 * MS);
  });

  it('dead threads stay in their group; a reaped child (and its reaped children) goes to the parent', () => {
    const s = setup();
    const g = new ThreadGroupTimes(s);
    const a = s.curr(0);
    const b = runUntil(s, 4 * MS, true); // a sleeps after 4 ms: a voluntary switch
    const c = runUntil(s, 10 * MS); // b ran 6 ms, preempted
    expect(task_times(s, a, 10 * MS)).toEqual({ sumExec: 4 * MS, stime: 0, nvcsw: 1, nivcsw: 0 });
    // Group 100 = {a, b}; a dies.
    g.threadGone(100, a);
    expect(g.group(100, [b], 10 * MS)).toEqual({ sumExec: 10 * MS, stime: 0, nvcsw: 1, nivcsw: 1 });
    // Group 200 = {c} reaps 100, whose zombie leader slot is b.
    runUntil(s, 13 * MS); // c ran 3 ms
    g.reap(200, 100, [b]);
    expect(g.reaped(200)).toEqual({ sumExec: 10 * MS, stime: 0, nvcsw: 1, nivcsw: 1 });
    expect(g.group(100, [], 13 * MS).sumExec).toBe(0); // the child's sums are gone
    // 300 reaps 200: 200's own time (c) plus what 200 had reaped.
    g.reap(300, 200, [c]);
    expect(g.reaped(300).sumExec).toBe(13 * MS);
    expect(g.reaped(200).sumExec).toBe(0);
  });

  it('vtime: stretches between kernel entry and the return to user are stime, the open one counted up to now; utime is the rest', () => {
    const s = setup();
    const g = new ThreadGroupTimes(s);
    const a = s.curr(0);
    expect(task_stime(s, a, 1 * MS)).toBe(0); // a new task starts in user mode
    vtime_user_exit(s, a, 1 * MS); // a syscall at 1 ms ...
    vtime_user_enter(s, a, 1.25 * MS); // ... returns at 1.25 ms
    vtime_user_exit(s, a, 2 * MS); // a fault at 2 ms, still in the kernel at 2.5 ms
    expect(task_stime(s, a, 2.5 * MS)).toBe(0.75 * MS);
    const t = task_times(s, a, 2.5 * MS);
    expect(t).toEqual({ sumExec: 2.5 * MS, stime: 0.75 * MS, nvcsw: 0, nivcsw: 0 });
    expect(utimeOf(t)).toBe(1.75 * MS);
    // Switched out at 3 ms from inside the kernel: the stretch closes there, and nothing runs on.
    const b = runUntil(s, 3 * MS);
    vtime_user_enter(s, a, 3 * MS);
    expect(task_times(s, a, 9 * MS)).toEqual({ sumExec: 3 * MS, stime: 1.25 * MS, nvcsw: 0, nivcsw: 1 });
    // b, switched in at 3 ms, leaves the kernel at 3.5 ms: its switch-in counts as system time.
    vtime_user_exit(s, b, 3 * MS);
    vtime_user_enter(s, b, 3.5 * MS);
    expect(task_times(s, b, 4 * MS).stime).toBe(0.5 * MS);
    // A stale reader (a clock behind the stretch's start) never sees stime above sum_exec.
    vtime_user_exit(s, b, 4 * MS);
    expect(task_times(s, b, 3.8 * MS).stime).toBeLessThanOrEqual(task_times(s, b, 3.8 * MS).sumExec);
    // The group sums carry stime: a dies, its stime stays with the group.
    vtime_user_enter(s, b, 4 * MS);
    g.threadGone(100, a);
    const grp = g.group(100, [b], 4 * MS);
    expect(grp.stime).toBe(1.75 * MS);
    expect(grp.sumExec).toBe(4 * MS);
  });
});

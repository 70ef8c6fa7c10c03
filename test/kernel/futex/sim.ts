// A fake scheduler for the lost-wakeup property test: simulated tasks are generators; every
// `yield` is a point where another task, a delayed wake_up, a signal or a timer may run. The
// sleep path is the one waitwake.ts prescribes to the thread code: futex_wait returns
// FUTEX_SLEEP; later (a separate step) the task checks futex_wait_pending "under its run-queue
// lock" (atomically with becoming SLEEPING) and sleeps; wake_up calls are queued and delivered as
// separate steps (a remote try_to_wake_up arriving late); at switch-in futex_wait_result gives
// the syscall's result, or FUTEX_SLEEP after a spurious wakeup (then it sleeps again).
import {
  FUTEX_CMP_REQUEUE, FUTEX_OP, FUTEX_OP_CMP_GT, FUTEX_OP_SET, FUTEX_PRIVATE_FLAG, FUTEX_SLEEP, FUTEX_WAIT,
  FUTEX_WAIT_BITSET, FUTEX_WAKE, FUTEX_WAKE_OP, type FutexUser,
} from '../../../src/kernel/futex/futex.ts';
import { allocFutexBuffer, FutexHash } from '../../../src/kernel/futex/hash.ts';
import { sys_futex, type FutexCaller } from '../../../src/kernel/futex/syscalls.ts';
import { futex_interrupt, futex_timeout, futex_wait_clock, futex_wait_pending, futex_wait_result, futex_wait_seq } from '../../../src/kernel/futex/waitwake.ts';
import { FakeUser, physMem, USER_BASE } from './fake_user.ts';

const RUN = 0;
const SLEEP = 1;
type Step = Generator<number, void, void>;

export type Scenario = 'mutex' | 'condvar';
export type Signal = 'wake' | 'requeue' | 'wakeop';
/** Deliberate bugs, to show the checker catches lost wakeups. */
export type Bug = 'none' | 'wait-without-check' | 'sleep-without-check';

export interface SimCase {
  scenario: Scenario;
  signal: Signal;
  tasks: number;
  iters: number;
  private: boolean;
  /** Scheduler choices: each picks one of the enabled actions (mod their count). */
  choices: number[];
  bug?: Bug;
}

export interface SimResult {
  ok: boolean;
  why: string;
  steps: number;
  sleeps: number;
  spurious: number;
  interrupts: number;
}

const M = USER_BASE; // mutex word
const CV = USER_BASE + 64; // condvar sequence word
const COUNTER = USER_BASE + 128;
const ITEMS = USER_BASE + 192;
const TIMESPEC = USER_BASE + 256;
const INT_MAX = 0x7fffffff;

export function runSim(c: SimCase): SimResult {
  const bug = c.bug ?? 'none';
  const phys = physMem(2);
  const mem = new FakeUser(phys, { mm: 3, pages: [0] });
  mem.store(TIMESPEC, 1_000_000_000); // tv_sec (low word); tv_nsec 0
  const pendingWakes: number[] = [];
  const f = new FutexHash(allocFutexBuffer({ nrTasks: c.tasks, nbuckets: 4 }), { wake_up: (t) => pendingWakes.push(t) });
  // 'wait-without-check': futex_wait reads back whatever value the task expects (no compare).
  let lie = 0;
  const user: FutexUser =
    bug === 'wait-without-check'
      ? { mm: mem.mm, taskSize: mem.taskSize, getU32: () => lie >>> 0, putU32: (a, v) => mem.putU32(a, v), atomicOp: (a, o, x) => mem.atomicOp(a, o, x), sharedKey: (a) => mem.sharedKey(a) }
      : mem;
  const P = c.private ? FUTEX_PRIVATE_FLAG : 0;
  const sleeping = new Array<boolean>(c.tasks).fill(false);
  const done = new Array<boolean>(c.tasks).fill(false);
  let inCritical = 0;
  let violation = '';
  const r: SimResult = { ok: true, why: '', steps: 0, sleeps: 0, spurious: 0, interrupts: 0 };
  const caller = (t: number): FutexCaller => ({ task: t, prio: 100, user, uaccess: mem, clockNow: () => 0 });
  const futex = (t: number, addr: number, op: number, val: number, val2: number, addr2: number, val3: number): number =>
    sys_futex(f, caller(t), addr, op | P, val, val2, addr2, val3);

  // The syscall's sleeping half, as the thread code will run it.
  function* wait(t: number, addr: number, val: number, timed: boolean): Generator<number, number, void> {
    lie = val;
    // A timed wait: an absolute deadline far ahead on CLOCK_MONOTONIC (its value does not matter:
    // the test fires timers when it likes).
    const rr = timed ? futex(t, addr, FUTEX_WAIT_BITSET, val, TIMESPEC, 0, -1) : futex(t, addr, FUTEX_WAIT, val, 0, 0, 0);
    if (rr !== FUTEX_SLEEP) return rr;
    yield RUN; // between the syscall's return and schedule(): arming the timer, the rq lock
    yield RUN;
    for (;;) {
      if (bug === 'sleep-without-check' || futex_wait_pending(f, t)) yield SLEEP;
      const res = futex_wait_result(f, t);
      if (res !== FUTEX_SLEEP) return res;
      r.spurious++;
    }
  }
  // Drepper's mutex #3 (glibc lll_lock/lll_unlock): 0 free, 1 locked, 2 locked with waiters.
  function* lock(t: number): Step {
    let v = mem.cas(M, 0, 1);
    yield RUN;
    if (v === 0) return;
    if (v !== 2) {
      v = mem.xchg(M, 2);
      yield RUN;
    }
    while (v !== 0) {
      yield* wait(t, M, 2, false);
      v = mem.xchg(M, 2);
      yield RUN;
    }
  }
  function* unlock(t: number): Step {
    const v = mem.xchg(M, 0);
    yield RUN;
    if (v === 2) futex(t, M, FUTEX_WAKE, 1, 0, 0, 0);
    yield RUN;
  }
  function* critical(): Step {
    inCritical++;
    if (inCritical > 1) violation = 'two tasks in the critical section';
    const x = mem.load(COUNTER);
    yield RUN;
    mem.store(COUNTER, x + 1);
    inCritical--;
  }
  function* mutexTask(t: number): Step {
    for (let k = 0; k < c.iters; k++) {
      yield* lock(t);
      yield* critical();
      yield* unlock(t);
    }
  }
  // Condition variable: a sequence word; waiters sleep on it having sampled it under the mutex.
  function* condWait(t: number): Step {
    const seq = mem.load(CV);
    yield* unlock(t);
    yield* wait(t, CV, seq, t % 2 === 1);
    // Requeued or woken waiters may have others behind them on the mutex: take it as contended.
    let v = mem.xchg(M, 2);
    yield RUN;
    while (v !== 0) {
      yield* wait(t, M, 2, false);
      v = mem.xchg(M, 2);
      yield RUN;
    }
  }
  // Signal with the mutex held; 'wakeop' also releases it (glibc's old cond_signal).
  function* condSignalAndUnlock(t: number): Step {
    const seq = mem.load(CV) + 1;
    mem.store(CV, seq);
    yield RUN;
    if (c.signal === 'wake') {
      futex(t, CV, FUTEX_WAKE, 1, 0, 0, 0);
      yield RUN;
      yield* unlock(t);
    } else if (c.signal === 'requeue') {
      // broadcast: wake one, move the rest onto the mutex; they need the unlock to wake them
      const n = futex(t, CV, FUTEX_CMP_REQUEUE, 1, INT_MAX, M, seq);
      if (n < 0) futex(t, CV, FUTEX_WAKE, INT_MAX, 0, 0, 0);
      else if (n > 1) mem.store(M, 2);
      yield RUN;
      yield* unlock(t);
    } else {
      // FUTEX_WAKE_OP: m = 0 (unlock) and wake a mutex waiter if it was contended (old > 1)
      futex(t, CV, FUTEX_WAKE_OP, 1, 1, M, FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_GT, 1));
      yield RUN;
    }
  }
  function* producer(t: number): Step {
    for (let k = 0; k < c.iters; k++) {
      yield* lock(t);
      mem.store(ITEMS, mem.load(ITEMS) + 1);
      mem.store(COUNTER, mem.load(COUNTER) + 1);
      yield* condSignalAndUnlock(t);
    }
  }
  function* consumer(t: number): Step {
    for (let k = 0; k < c.iters; k++) {
      yield* lock(t);
      while (mem.load(ITEMS) === 0) yield* condWait(t);
      mem.store(ITEMS, mem.load(ITEMS) - 1);
      yield* unlock(t);
    }
  }

  const gens: Step[] = [];
  for (let t = 0; t < c.tasks; t++) {
    if (c.scenario === 'mutex') gens.push(mutexTask(t));
    else gens.push(t % 2 === 0 ? producer(t) : consumer(t)); // odd task count: one more producer
  }
  const producers = c.scenario === 'mutex' ? c.tasks : Math.ceil(c.tasks / 2);
  const consumers = c.tasks - producers;
  // Consumers take iters items each; producers make iters each: surplus items stay, never a shortfall.

  function stepTask(t: number): void {
    const n = gens[t]!.next();
    if (n.done) done[t] = true;
    else if (n.value === SLEEP) {
      sleeping[t] = true;
      r.sleeps++;
    }
  }
  function deliver(k: number): void {
    const t = pendingWakes.splice(k, 1)[0]!;
    sleeping[t] = false; // try_to_wake_up: a task still running is left alone
  }
  // Actions: run task t (runnable), deliver pending wake k, interrupt or time out a waiting task.
  // A choice ch picks the kind by ch % 16 (0: a signal or timer, 1: a late wake_up arrives,
  // else a task runs; a kind with nothing to do falls through to the next) and the target by
  // ch >> 4.
  const runnable: number[] = [];
  const waiting: number[] = [];
  function collect(): void {
    runnable.length = 0;
    waiting.length = 0;
    for (let t = 0; t < c.tasks; t++) {
      if (!done[t] && !sleeping[t]) runnable.push(t);
      if (futex_wait_pending(f, t)) waiting.push(t);
    }
  }
  function signal(t: number): void {
    // a timed wait gets its timer, the others a signal; either way the caller then wakes the task
    const hit = futex_wait_clock(f, t) >= 0 ? futex_timeout(f, t, futex_wait_seq(f, t)) : futex_interrupt(f, t);
    if (hit) {
      r.interrupts++;
      pendingWakes.push(t);
    }
  }
  /** One random step; false when nothing at all can happen. */
  function randomStep(ch: number): boolean {
    collect();
    const target = ch >>> 4;
    let kind = ch % 16 === 0 ? 0 : ch % 16 === 1 ? 1 : 2;
    for (let tries = 0; tries < 3; tries++, kind = (kind + 1) % 3) {
      if (kind === 0 && waiting.length > 0) signal(waiting[target % waiting.length]!);
      else if (kind === 1 && pendingWakes.length > 0) deliver(target % pendingWakes.length);
      else if (kind === 2 && runnable.length > 0) stepTask(runnable[target % runnable.length]!);
      else continue;
      r.steps++;
      return true;
    }
    return false;
  }
  for (const ch of c.choices) {
    if (!randomStep(ch) || violation) break;
  }
  // Then a fair finish: deliver wakes first, run tasks round-robin, no more signals or timers.
  let rr = 0;
  while (!violation && r.steps < 200_000) {
    if (done.every(Boolean)) break;
    collect();
    r.steps++;
    if (pendingWakes.length > 0) deliver(0);
    else if (runnable.length > 0) stepTask(runnable[rr++ % runnable.length]!);
    else {
      const asleep = [...done.keys()].filter((t) => !done[t]);
      return { ...r, ok: false, why: `lost wakeup: tasks ${asleep.join(',')} asleep forever (word ${mem.load(M)}, cv ${mem.load(CV)}, items ${mem.load(ITEMS)})` };
    }
  }
  if (violation) return { ...r, ok: false, why: violation };
  if (!done.every(Boolean)) return { ...r, ok: false, why: `no progress after ${r.steps} steps` };
  const expectCount = c.scenario === 'mutex' ? c.tasks * c.iters : producers * c.iters;
  if (mem.load(COUNTER) !== expectCount) return { ...r, ok: false, why: `counter ${mem.load(COUNTER)}, expected ${expectCount}` };
  if (c.scenario === 'condvar' && mem.load(ITEMS) !== (producers - consumers) * c.iters) {
    return { ...r, ok: false, why: `items left ${mem.load(ITEMS)}, expected ${(producers - consumers) * c.iters}` };
  }
  if (mem.load(M) !== 0) return { ...r, ok: false, why: `mutex word ${mem.load(M)} at the end` };
  for (let t = 0; t < c.tasks; t++) if (futex_wait_pending(f, t)) return { ...r, ok: false, why: `task ${t} still queued` };
  return r;
}

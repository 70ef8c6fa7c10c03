// One simulated task per worker thread, on the shared futex hash. A task that must sleep blocks
// its thread with Atomics.wait on its own run word until a wake_up (from any worker) sets it:
// the sleep path waitwake.ts prescribes, with Atomics standing in for the run-queue lock.
// workerData: FutexJob; posts FutexResult once.
import { parentPort, workerData } from 'node:worker_threads';
import {
  FUTEX_CMP_REQUEUE, FUTEX_OP, FUTEX_OP_CMP_GT, FUTEX_OP_SET, FUTEX_PRIVATE_FLAG, FUTEX_SLEEP, FUTEX_WAIT, FUTEX_WAKE,
  FUTEX_WAKE_OP,
} from '../../../../src/kernel/futex/futex.ts';
import { FutexHash } from '../../../../src/kernel/futex/hash.ts';
import { sys_futex, type FutexCaller } from '../../../../src/kernel/futex/syscalls.ts';
import { futex_interrupt, futex_wait_pending, futex_wait_result } from '../../../../src/kernel/futex/waitwake.ts';
import { EAGAIN, EINTR } from '../../../../src/kernel/syscalls/numbers.ts';
import { startGate } from '../../../helpers/gate.ts';
import { FakeUser, type MmDesc } from '../fake_user.ts';

export type Role = 'ring' | 'mutex' | 'producer' | 'consumer' | 'interrupter' | 'queued-waiter' | 'waker';

export interface FutexJob {
  futex: SharedArrayBuffer;
  phys: SharedArrayBuffer;
  /** Run words: task t's at i32 index t * 32 (its own 128-byte line); 1 running, 0 asleep. */
  run: SharedArrayBuffer;
  /** Start gate at [0]; tasks finished at [32]; "queued" flag for the forced handoff at [64]. */
  ctl: SharedArrayBuffer;
  parties: number;
  mm: MmDesc;
  task: number;
  role: Role;
  iters: number;
  shared: boolean;
  signal: 'wake' | 'requeue' | 'wakeop';
  /** Virtual addresses in this task's mm: the mutex, condvar, counter and item words. */
  m: number;
  cv: number;
  counter: number;
  items: number;
  /** Tasks the interrupter may signal, and how many must finish before it stops. */
  victims: number;
}

export interface FutexResult {
  task: number;
  sleeps: number;
  spurious: number;
  eintr: number;
  eagain: number;
  interrupts: number;
  /** The critical section's busy work (kept so it is not optimised away). */
  spin: number;
}

const job = workerData as FutexJob;
const t = job.task;
const run = new Int32Array(job.run);
const ctl = new Int32Array(job.ctl);
const f = new FutexHash(job.futex, {
  wake_up(task: number): void {
    // try_to_wake_up: mark it running, and unpark its thread if it sleeps
    Atomics.store(run, task * 32, 1);
    Atomics.notify(run, task * 32, 1);
  },
});
const mem = new FakeUser(job.phys, job.mm);
const caller: FutexCaller = { task: t, prio: 100, user: mem, uaccess: mem, clockNow: () => 0 };
const P = job.shared ? 0 : FUTEX_PRIVATE_FLAG;
let spin = 0;
const r: FutexResult = { task: t, sleeps: 0, spurious: 0, eintr: 0, eagain: 0, interrupts: 0, spin: 0 };

function futex(addr: number, op: number, val: number, val2: number, addr2: number, val3: number): number {
  return sys_futex(f, caller, addr, op | P, val, val2, addr2, val3);
}

/** FUTEX_WAIT and, if it must, the sleep: the result the syscall returns to the task. */
function wait(addr: number, val: number): number {
  let res = futex(addr, FUTEX_WAIT, val, 0, 0, 0);
  if (res === FUTEX_SLEEP) {
    for (;;) {
      Atomics.store(run, t * 32, 0); // TASK_INTERRUPTIBLE, then the check (a wake after it sets 1)
      if (futex_wait_pending(f, t)) {
        r.sleeps++;
        while (Atomics.load(run, t * 32) === 0) Atomics.wait(run, t * 32, 0);
      }
      res = futex_wait_result(f, t);
      if (res !== FUTEX_SLEEP) break;
      r.spurious++;
    }
  }
  if (res === -EINTR) r.eintr++;
  else if (res === -EAGAIN) r.eagain++;
  return res;
}

// Drepper's mutex #3 (glibc lll_lock / lll_unlock) on the word at job.m.
function lock(): void {
  let v = mem.cas(job.m, 0, 1);
  if (v === 0) return;
  if (v !== 2) v = mem.xchg(job.m, 2);
  while (v !== 0) {
    wait(job.m, 2);
    v = mem.xchg(job.m, 2);
  }
}
function lockContended(): void {
  while (mem.xchg(job.m, 2) !== 0) wait(job.m, 2);
}
function unlock(): void {
  if (mem.xchg(job.m, 0) === 2) futex(job.m, FUTEX_WAKE, 1, 0, 0, 0);
}

function condWait(): void {
  const seq = mem.load(job.cv);
  unlock();
  wait(job.cv, seq);
  lockContended();
}
function condSignalAndUnlock(): void {
  const seq = (mem.load(job.cv) + 1) | 0;
  mem.store(job.cv, seq);
  if (job.signal === 'wake') {
    futex(job.cv, FUTEX_WAKE, 1, 0, 0, 0);
    unlock();
  } else if (job.signal === 'requeue') {
    const n = futex(job.cv, FUTEX_CMP_REQUEUE, 1, 0x7fffffff, job.m, seq);
    if (n < 0) futex(job.cv, FUTEX_WAKE, 0x7fffffff, 0, 0, 0);
    else if (n > 1) mem.store(job.m, 2); // requeued waiters sleep on the mutex: the unlock must wake
    unlock();
  } else {
    futex(job.cv, FUTEX_WAKE_OP, 1, 1, job.m, FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_GT, 1));
  }
}

startGate(ctl, 0, job.parties);
switch (job.role) {
  case 'mutex':
    for (let k = 0; k < job.iters; k++) {
      lock();
      // a read-modify-write the mutex alone guards, stretched so that others pile up behind it
      const c = mem.load(job.counter);
      for (let s = 0; s < 300; s++) spin = (spin * 31 + s) | 0;
      mem.store(job.counter, c + 1);
      unlock();
    }
    break;
  case 'producer':
    for (let k = 0; k < job.iters; k++) {
      lock();
      mem.store(job.items, mem.load(job.items) + 1);
      mem.store(job.counter, mem.load(job.counter) + 1);
      condSignalAndUnlock();
    }
    break;
  case 'consumer':
    for (let k = 0; k < job.iters; k++) {
      lock();
      while (mem.load(job.items) === 0) condWait();
      mem.store(job.items, mem.load(job.items) - 1);
      unlock();
    }
    break;
  case 'ring': {
    // A token passed round a ring of job.victims tasks on one word: each checks the word, then
    // waits on the value it saw; the one before it changes the word and wakes right after. The
    // change often lands between the check and the wait: only the compare under the bucket
    // lock keeps that wake from being lost.
    const n = job.victims;
    for (let k = 0; k < job.iters; k++) {
      for (;;) {
        const v = mem.load(job.cv);
        if (v === k * n + t) break;
        wait(job.cv, v);
      }
      mem.store(job.counter, mem.load(job.counter) + 1); // only the token's holder touches it
      mem.store(job.cv, k * n + t + 1);
      futex(job.cv, FUTEX_WAKE, 0x7fffffff, 0, 0, 0);
    }
    break;
  }
  case 'interrupter': {
    // signal_wake_up at random: a task taken off its futex is woken like any other
    let x = 0x9e3779b9 ^ t;
    while (Atomics.load(ctl, 32) < job.victims) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const v = (x >>> 0) % job.victims;
      if (futex_interrupt(f, v)) {
        r.interrupts++;
        f.waker.wake_up(v);
      }
      Atomics.wait(ctl, 96, 0, 0.05); // a pause, not a synchronisation
    }
    break;
  }
  case 'queued-waiter':
    // Queue on the word, tell the waker only once queued: the wake must find this task asleep
    // or about to sleep, and must not be lost either way.
    mem.store(job.cv, 0);
    if (futex(job.cv, FUTEX_WAIT, 0, 0, 0, 0) !== FUTEX_SLEEP) throw new Error('queued-waiter: did not queue');
    Atomics.store(ctl, 64, 1);
    Atomics.notify(ctl, 64);
    for (;;) {
      Atomics.store(run, t * 32, 0);
      if (futex_wait_pending(f, t)) {
        r.sleeps++;
        while (Atomics.load(run, t * 32) === 0) Atomics.wait(run, t * 32, 0);
      }
      const res = futex_wait_result(f, t);
      if (res === FUTEX_SLEEP) continue;
      if (res !== 0) throw new Error(`queued-waiter: woke with ${res}`);
      break;
    }
    if (mem.load(job.cv) !== 1) throw new Error('queued-waiter: woken before the word changed');
    break;
  case 'waker':
    while (Atomics.load(ctl, 64) === 0) Atomics.wait(ctl, 64, 0);
    mem.store(job.cv, 1);
    if (futex(job.cv, FUTEX_WAKE, 1, 0, 0, 0) !== 1) throw new Error('waker: woke nobody');
    break;
}
if (job.role !== 'interrupter') {
  Atomics.add(ctl, 32, 1);
}
r.spin = spin;
parentPort!.postMessage(r);

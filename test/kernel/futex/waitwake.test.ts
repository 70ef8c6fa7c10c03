// FUTEX_WAIT / FUTEX_WAKE (and the _BITSET forms) through sys_futex over a fake user memory and a
// recording scheduler: Linux's results and errno, keys, bitsets, order, timeouts and signals.
import { describe, expect, it } from 'vitest';
import {
  CLOCK_MONOTONIC, CLOCK_REALTIME, FUTEX_BITSET_MATCH_ANY, FUTEX_CLOCK_REALTIME, FUTEX_PRIVATE_FLAG, FUTEX_SLEEP,
  FUTEX_WAIT, FUTEX_WAIT_BITSET, FUTEX_WAKE, FUTEX_WAKE_BITSET,
} from '../../../src/kernel/futex/futex.ts';
import {
  futex_interrupt, futex_timeout, futex_wait, futex_wait_clock, futex_wait_deadline, futex_wait_pending, futex_wait_result,
  futex_wait_seq, futex_task_exit,
} from '../../../src/kernel/futex/waitwake.ts';
import { futex_bucket_offset, FutexHash, W_BUCKET } from '../../../src/kernel/futex/hash.ts';
import { sys_futex } from '../../../src/kernel/futex/syscalls.ts';
import { futex_clear_child_tid } from '../../../src/kernel/futex/mm_release.ts';
import { EAGAIN, EFAULT, EINTR, EINVAL, ENOSYS, ETIMEDOUT } from '../../../src/kernel/syscalls/numbers.ts';
import { A0, A4, putTimespec, SHARED_A, SHARED_B, UNMAPPED, world, type World } from './setup.ts';
import { TASK_SIZE, type FakeUser } from './fake_user.ts';
import { futexUserFromAccess } from '../../../src/kernel/futex/uaccess.ts';
import { UACCESS_FAULT } from '../../../src/kernel/futex/futex.ts';

const WAIT_P = FUTEX_WAIT | FUTEX_PRIVATE_FLAG;
const WAKE_P = FUTEX_WAKE | FUTEX_PRIVATE_FLAG;
const INT_MAX = 0x7fffffff;

function wait(w: World, task: number, u: FakeUser, addr: number, val: number, op = WAIT_P, utime = 0, val3 = 0): number {
  return sys_futex(w.f, w.caller(task, u), addr, op, val, utime, 0, val3);
}
function wake(w: World, u: FakeUser, addr: number, n: number, op = WAKE_P, val3 = 0): number {
  return sys_futex(w.f, w.caller(15, u), addr, op, n, 0, 0, val3);
}

describe('FUTEX_WAIT and FUTEX_WAKE', () => {
  it('waits only while the word holds val; a wake hands back 0', () => {
    const w = world();
    w.a.store(A0, 7);
    expect(wait(w, 1, w.a, A0, 8)).toBe(-EAGAIN);
    expect(futex_wait_pending(w.f, 1)).toBe(false);
    expect(wait(w, 1, w.a, A0, 7)).toBe(FUTEX_SLEEP);
    expect(futex_wait_pending(w.f, 1)).toBe(true);
    expect(futex_wait_result(w.f, 1)).toBe(FUTEX_SLEEP); // a spurious wakeup: still queued
    expect(w.waker.woken).toEqual([]);
    expect(wake(w, w.a, A0, 1)).toBe(1);
    expect(w.waker.take()).toEqual([1]);
    expect(futex_wait_pending(w.f, 1)).toBe(false);
    expect(futex_wait_result(w.f, 1)).toBe(0);
    expect(() => futex_wait_result(w.f, 1)).toThrow(/not in a futex wait/);
    expect(wake(w, w.a, A0, 1)).toBe(0);
  });

  it('compares all 32 bits, unsigned', () => {
    const w = world();
    w.a.store(A0, -1);
    expect(wait(w, 1, w.a, A0, 0xffffffff)).toBe(FUTEX_SLEEP);
    // the sign-extended register's low word compares the same
    expect(wait(w, 2, w.a, A0, -1)).toBe(FUTEX_SLEEP);
    expect(wait(w, 4, w.a, A0, 2 ** 33 + 0xffffffff)).toBe(FUTEX_SLEEP);
    expect(wait(w, 3, w.a, A0, 0x7fffffff)).toBe(-EAGAIN);
    expect(wake(w, w.a, A0, INT_MAX)).toBe(3);
  });

  it('wakes in FIFO order, at most val, and at least one even for val <= 0', () => {
    const w = world();
    for (const t of [3, 1, 4, 2, 5]) expect(wait(w, t, w.a, A0, 0)).toBe(FUTEX_SLEEP);
    expect(wake(w, w.a, A0, 2)).toBe(2);
    expect(w.waker.take()).toEqual([3, 1]);
    expect(wake(w, w.a, A0, 0)).toBe(1);
    expect(w.waker.take()).toEqual([4]);
    expect(wake(w, w.a, A0, 0xffffffff)).toBe(1); // val is an int: -1
    expect(w.waker.take()).toEqual([2]);
    expect(wake(w, w.a, A0, INT_MAX)).toBe(1);
    expect(w.waker.take()).toEqual([5]);
  });

  it('an RT waiter (lower prio) goes ahead of normal ones; equal prios stay FIFO', () => {
    const w = world();
    expect(sys_futex(w.f, w.caller(1, w.a, 100), A0, WAIT_P, 0, 0, 0, 0)).toBe(FUTEX_SLEEP);
    expect(sys_futex(w.f, w.caller(2, w.a, 100), A0, WAIT_P, 0, 0, 0, 0)).toBe(FUTEX_SLEEP);
    expect(sys_futex(w.f, w.caller(3, w.a, 40), A0, WAIT_P, 0, 0, 0, 0)).toBe(FUTEX_SLEEP);
    expect(sys_futex(w.f, w.caller(4, w.a, 10), A0, WAIT_P, 0, 0, 0, 0)).toBe(FUTEX_SLEEP);
    expect(sys_futex(w.f, w.caller(5, w.a, 40), A0, WAIT_P, 0, 0, 0, 0)).toBe(FUTEX_SLEEP);
    expect(wake(w, w.a, A0, INT_MAX)).toBe(5);
    expect(w.waker.take()).toEqual([4, 3, 5, 1, 2]);
  });

  it('keys: private futexes are per mm, shared ones meet on the physical word', () => {
    const w = world();
    // the same virtual address in two mms: private keys differ
    expect(wait(w, 1, w.a, SHARED_A, 0)).toBe(FUTEX_SLEEP);
    expect(wake(w, w.b, SHARED_B, 1)).toBe(0);
    // shared: b's wake at its own address of the shared page reaches a's shared waiter
    expect(wait(w, 2, w.a, SHARED_A + 8, 0, FUTEX_WAIT)).toBe(FUTEX_SLEEP);
    expect(wake(w, w.b, SHARED_B + 8, INT_MAX, FUTEX_WAKE)).toBe(1);
    expect(w.waker.take()).toEqual([2]);
    // a private waiter is not woken by a shared wake of the same word, nor the reverse
    expect(wake(w, w.a, SHARED_A, INT_MAX, FUTEX_WAKE)).toBe(0);
    expect(wait(w, 3, w.a, SHARED_A + 4, 0, FUTEX_WAIT)).toBe(FUTEX_SLEEP);
    expect(wake(w, w.a, SHARED_A + 4, INT_MAX)).toBe(0);
    // and a's private page at the same offset is another word
    expect(wake(w, w.a, A0, INT_MAX)).toBe(0);
    expect(wake(w, w.a, SHARED_A, INT_MAX)).toBe(1);
    expect(wake(w, w.a, SHARED_A + 4, INT_MAX, FUTEX_WAKE)).toBe(1);
    expect(w.waker.take()).toEqual([1, 3]);
  });

  it('keys that share a bucket never wake each other (one bucket for everything)', () => {
    const w = world({ nbuckets: 1 });
    expect(wait(w, 1, w.a, A0, 0)).toBe(FUTEX_SLEEP);
    expect(wait(w, 2, w.a, A0 + 4, 0)).toBe(FUTEX_SLEEP);
    expect(wait(w, 3, w.b, A0, 0)).toBe(FUTEX_SLEEP);
    expect(wake(w, w.a, A0 + 4, INT_MAX)).toBe(1);
    expect(w.waker.take()).toEqual([2]);
    expect(wake(w, w.b, A0, INT_MAX)).toBe(1);
    expect(wake(w, w.a, A0, INT_MAX)).toBe(1);
    expect(w.waker.take()).toEqual([3, 1]);
  });

  it('bitsets: WAKE_BITSET wakes waiters sharing a bit; a 0 bitset is EINVAL', () => {
    const w = world();
    const WB = FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG;
    const KB = FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG;
    expect(wait(w, 1, w.a, A0, 0, WB, 0, 0)).toBe(-EINVAL);
    expect(wake(w, w.a, A0, 1, KB, 0)).toBe(-EINVAL);
    expect(wait(w, 1, w.a, A0, 0, WB, 0, 0b0001)).toBe(FUTEX_SLEEP);
    expect(wait(w, 2, w.a, A0, 0, WB, 0, 0b0110)).toBe(FUTEX_SLEEP);
    expect(wait(w, 3, w.a, A0, 0, WAIT_P)).toBe(FUTEX_SLEEP); // MATCH_ANY
    expect(wake(w, w.a, A0, INT_MAX, KB, 0b1000)).toBe(1);
    expect(w.waker.take()).toEqual([3]);
    expect(wake(w, w.a, A0, INT_MAX, KB, 0b0100)).toBe(1);
    expect(w.waker.take()).toEqual([2]);
    expect(wake(w, w.a, A0, INT_MAX, KB, FUTEX_BITSET_MATCH_ANY)).toBe(1);
    expect(w.waker.take()).toEqual([1]);
  });

  it('errors: unaligned -EINVAL, beyond TASK_SIZE or unmapped -EFAULT, unknown op -ENOSYS', () => {
    const w = world();
    expect(wait(w, 1, w.a, A0 + 2, 0)).toBe(-EINVAL);
    expect(wake(w, w.a, A0 + 1, 1)).toBe(-EINVAL);
    expect(wait(w, 1, w.a, TASK_SIZE, 0)).toBe(-EFAULT);
    expect(wake(w, w.a, TASK_SIZE - 2, 1)).toBe(-EINVAL);
    expect(wake(w, w.a, TASK_SIZE, 1)).toBe(-EFAULT);
    expect(wait(w, 1, w.a, UNMAPPED, 0)).toBe(-EFAULT);
    expect(wait(w, 1, w.a, UNMAPPED, 0, FUTEX_WAIT)).toBe(-EFAULT);
    // a private wake needs no page (no waiter could be there); a shared one looks the page up
    expect(wake(w, w.a, UNMAPPED, 1)).toBe(0);
    expect(wake(w, w.a, UNMAPPED, 1, FUTEX_WAKE)).toBe(-EFAULT);
    for (const op of [2, 6, 7, 8, 11, 12, 13, 14, 127]) expect(wake(w, w.a, A0, 1, op | FUTEX_PRIVATE_FLAG)).toBe(-ENOSYS);
    // FUTEX_CLOCK_REALTIME only with FUTEX_WAIT_BITSET (FUTEX_WAIT refuses it since 5.13)
    expect(wait(w, 1, w.a, A0, 0, WAIT_P | FUTEX_CLOCK_REALTIME)).toBe(-ENOSYS);
    expect(wake(w, w.a, A0, 1, WAKE_P | FUTEX_CLOCK_REALTIME)).toBe(-ENOSYS);
    expect(futex_wait_pending(w.f, 1)).toBe(false);
  });

  it('a task cannot wait twice', () => {
    const w = world();
    expect(wait(w, 1, w.a, A0, 0)).toBe(FUTEX_SLEEP);
    expect(() => wait(w, 1, w.a, A0 + 4, 0)).toThrow(/already waiting/);
  });
});

describe('timeouts and signals', () => {
  it('FUTEX_WAIT: a relative timespec becomes a CLOCK_MONOTONIC deadline; expiry gives -ETIMEDOUT', () => {
    const w = world();
    putTimespec(w.a, A4, 1, 250);
    expect(wait(w, 1, w.a, A0, 0, WAIT_P, A4)).toBe(FUTEX_SLEEP);
    expect(futex_wait_deadline(w.f, 1)).toBe(w.clock.mono + 1_000_000_250);
    expect(futex_wait_clock(w.f, 1)).toBe(CLOCK_MONOTONIC);
    const seq = futex_wait_seq(w.f, 1);
    expect(futex_timeout(w.f, 1, seq)).toBe(true);
    expect(futex_wait_pending(w.f, 1)).toBe(false);
    expect(futex_timeout(w.f, 1, seq)).toBe(false);
    expect(wake(w, w.a, A0, 1)).toBe(0); // not on the chain any more
    expect(futex_wait_result(w.f, 1)).toBe(-ETIMEDOUT);
    expect(futex_wait_deadline(w.f, 1)).toBe(Infinity);
  });

  it('a wake before the timer wins; a late timer of an old wait does nothing to the next one', () => {
    const w = world();
    putTimespec(w.a, A4, 0, 5000);
    expect(wait(w, 1, w.a, A0, 0, WAIT_P, A4)).toBe(FUTEX_SLEEP);
    const seq = futex_wait_seq(w.f, 1);
    expect(wake(w, w.a, A0, 1)).toBe(1);
    expect(futex_timeout(w.f, 1, seq)).toBe(false);
    expect(futex_wait_result(w.f, 1)).toBe(0);
    expect(wait(w, 1, w.a, A0, 0)).toBe(FUTEX_SLEEP);
    expect(futex_wait_clock(w.f, 1)).toBe(-1);
    expect(futex_timeout(w.f, 1, seq)).toBe(false);
    expect(futex_wait_pending(w.f, 1)).toBe(true);
    expect(futex_timeout(w.f, 1, futex_wait_seq(w.f, 1))).toBe(true);
  });

  it('FUTEX_WAIT_BITSET: absolute deadline, CLOCK_REALTIME with the flag (pthread_join\'s op 265)', () => {
    const w = world();
    const rt = w.clock.real + 3_000_000_000;
    putTimespec(w.a, A4, Math.floor(rt / 1e9), rt % 1e9);
    expect(wait(w, 1, w.a, SHARED_A, 0, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, A4, FUTEX_BITSET_MATCH_ANY)).toBe(FUTEX_SLEEP);
    expect(FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME).toBe(265);
    expect(futex_wait_clock(w.f, 1)).toBe(CLOCK_REALTIME);
    expect(futex_wait_deadline(w.f, 1)).toBe(Math.floor(rt / 1e9) * 1e9 + (rt % 1e9));
    const mono = w.clock.mono + 7_000_000_000;
    putTimespec(w.a, A4, Math.floor(mono / 1e9), mono % 1e9);
    expect(wait(w, 2, w.a, A0, 0, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, A4, 1)).toBe(FUTEX_SLEEP);
    expect(futex_wait_clock(w.f, 2)).toBe(CLOCK_MONOTONIC);
    expect(futex_wait_deadline(w.f, 2)).toBe(mono);
  });

  it('a deadline already past: -ETIMEDOUT at once, but only once the word matched', () => {
    const w = world();
    putTimespec(w.a, A4, 0, 0);
    expect(wait(w, 1, w.a, A0, 0, WAIT_P, A4)).toBe(-ETIMEDOUT);
    expect(wait(w, 1, w.a, A0, 1, WAIT_P, A4)).toBe(-EAGAIN);
    putTimespec(w.a, A4, 1, 0); // absolute 1 s on CLOCK_MONOTONIC: long gone
    expect(wait(w, 1, w.a, A0, 0, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, A4, -1)).toBe(-ETIMEDOUT);
    expect(futex_wait_pending(w.f, 1)).toBe(false);
    expect(wake(w, w.a, A0, 1)).toBe(0);
  });

  it('bad timespecs: -EINVAL for tv_nsec out of range or tv_sec < 0, -EFAULT unmapped; huge ones saturate', () => {
    const w = world();
    putTimespec(w.a, A4, 0, 1_000_000_000);
    expect(wait(w, 1, w.a, A0, 0, WAIT_P, A4)).toBe(-EINVAL);
    putTimespec(w.a, A4, 0, -1);
    expect(wait(w, 1, w.a, A0, 0, WAIT_P, A4)).toBe(-EINVAL);
    putTimespec(w.a, A4, -1, 0);
    expect(wait(w, 1, w.a, A0, 0, WAIT_P, A4)).toBe(-EINVAL);
    expect(wait(w, 1, w.a, A0, 0, WAIT_P, UNMAPPED)).toBe(-EFAULT);
    // the timespec is read before the word: an EAGAIN-bound wait still reports the bad pointer
    expect(wait(w, 1, w.a, A0, 9, WAIT_P, UNMAPPED)).toBe(-EFAULT);
    // a timespec straddling into an unmapped page
    expect(wait(w, 1, w.a, A0, 0, WAIT_P, UNMAPPED - 8)).toBe(-EFAULT);
    putTimespec(w.a, A4, 2 ** 40, 0);
    expect(wait(w, 1, w.a, A0, 0, WAIT_P, A4)).toBe(FUTEX_SLEEP);
    expect(futex_wait_deadline(w.f, 1)).toBe(9223372036854775807);
  });

  it('a signal takes the waiter off with -EINTR; after a wake it is too late', () => {
    const w = world();
    expect(wait(w, 1, w.a, A0, 0)).toBe(FUTEX_SLEEP);
    expect(wait(w, 2, w.a, A0, 0)).toBe(FUTEX_SLEEP);
    expect(futex_interrupt(w.f, 1)).toBe(true);
    expect(futex_interrupt(w.f, 1)).toBe(false);
    expect(futex_wait_result(w.f, 1)).toBe(-EINTR);
    expect(futex_interrupt(w.f, 3)).toBe(false); // not waiting at all
    expect(wake(w, w.a, A0, INT_MAX)).toBe(1);
    expect(w.waker.take()).toEqual([2]);
    expect(futex_interrupt(w.f, 2)).toBe(false);
    expect(futex_wait_result(w.f, 2)).toBe(0);
  });

  it('the signal code may pass its own result (e.g. -ERESTARTSYS = -512)', () => {
    const w = world();
    expect(futex_wait(w.f, w.a, 1, 100, A0, 0, 0, -1)).toBe(FUTEX_SLEEP);
    expect(futex_interrupt(w.f, 1, -512)).toBe(true);
    expect(futex_wait_result(w.f, 1)).toBe(-512);
  });
});

describe('task exit and charging', () => {
  it('futex_task_exit takes a queued waiter off and frees the record for the next task', () => {
    const w = world();
    expect(wait(w, 1, w.a, A0, 0)).toBe(FUTEX_SLEEP);
    expect(futex_task_exit(w.f, 1)).toBe(true);
    expect(wake(w, w.a, A0, 1)).toBe(0);
    expect(w.waker.woken).toEqual([]);
    expect(() => futex_wait_result(w.f, 1)).toThrow(/not in a futex wait/);
    // woken but never ran again (killed): the record is freed too
    expect(wait(w, 1, w.a, A0, 0)).toBe(FUTEX_SLEEP);
    expect(wake(w, w.a, A0, 1)).toBe(1);
    expect(futex_task_exit(w.f, 1)).toBe(false);
    expect(wait(w, 1, w.a, A0, 0)).toBe(FUTEX_SLEEP);
  });

  it('the charge hook sees the bucket line locked and the waiter record written', () => {
    const touched: Array<[number, boolean]> = [];
    const w = world();
    const f = new FutexHash(w.f.buffer, w.waker, { touch: (off, write) => touched.push([off, write]) });
    expect(futex_wait(f, w.a, 1, 100, A0, 0, 0, -1)).toBe(FUTEX_SLEEP);
    const b = f.i32[f.q(1) + W_BUCKET]!;
    expect(touched).toEqual([[futex_bucket_offset(b), true], [f.q(1) * 4, true]]);
  });
});

describe('futexUserFromAccess', () => {
  it('reads and writes the word through copy_from_user / copy_to_user, little-endian', () => {
    const w = world();
    const u = futexUserFromAccess(w.a, { mm: 1, taskSize: TASK_SIZE, atomicOp: () => UACCESS_FAULT, sharedKey: (x) => w.a.sharedKey(x) });
    w.a.store(A0, -2);
    expect(u.getU32(A0)).toBe(0xfffffffe);
    expect(u.putU32(A0 + 4, 0x81020304)).toBe(true);
    expect(w.a.load(A0 + 4)).toBe(0x81020304 | 0);
    expect(u.getU32(UNMAPPED)).toBe(UACCESS_FAULT);
    expect(u.putU32(UNMAPPED, 1)).toBe(false);
    // and the futex code runs over it
    expect(futex_wait(w.f, u, 1, 100, A0, 0, 0xfffffffe, -1)).toBe(FUTEX_SLEEP);
    expect(futex_wait(w.f, u, 2, 100, A0, 0, 0, -1)).toBe(-EAGAIN);
    expect(futex_clear_child_tid(w.f, u, A0)).toBe(0); // shared wake: the private waiter stays
    expect(futex_wait_pending(w.f, 1)).toBe(true);
    expect(u.getU32(A0)).toBe(0);
  });
});

describe('CLONE_CHILD_CLEARTID', () => {
  it('futex_clear_child_tid stores 0 and wakes one shared waiter (pthread_join)', () => {
    const w = world();
    w.a.store(SHARED_A + 16, 1234);
    const joinOp = FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME;
    expect(wait(w, 1, w.a, SHARED_A + 16, 1234, joinOp, 0, FUTEX_BITSET_MATCH_ANY)).toBe(FUTEX_SLEEP);
    expect(wait(w, 2, w.a, SHARED_A + 16, 1234, joinOp, 0, FUTEX_BITSET_MATCH_ANY)).toBe(FUTEX_SLEEP);
    expect(futex_clear_child_tid(w.f, w.a, SHARED_A + 16)).toBe(1);
    expect(w.a.load(SHARED_A + 16)).toBe(0);
    expect(w.waker.take()).toEqual([1]);
    // a joiner arriving after the exit sees 0 and does not sleep
    expect(wait(w, 3, w.a, SHARED_A + 16, 1234, joinOp, 0, FUTEX_BITSET_MATCH_ANY)).toBe(-EAGAIN);
    // an unmapped ctid: the store faults, the wake reports it, nothing breaks
    expect(futex_clear_child_tid(w.f, w.a, UNMAPPED)).toBe(-EFAULT);
    expect(futex_wait_pending(w.f, 2)).toBe(true);
  });
});

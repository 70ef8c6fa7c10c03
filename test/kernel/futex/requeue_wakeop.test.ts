// FUTEX_REQUEUE, FUTEX_CMP_REQUEUE and FUTEX_WAKE_OP through sys_futex: counts, which waiters move
// or wake, the compare under the locks, the op encoding and its errors.
import { describe, expect, it } from 'vitest';
import {
  FUTEX_CMP_REQUEUE, FUTEX_OP, FUTEX_OP_ADD, FUTEX_OP_ANDN, FUTEX_OP_CMP_EQ, FUTEX_OP_CMP_GE, FUTEX_OP_CMP_GT,
  FUTEX_OP_CMP_LE, FUTEX_OP_CMP_LT, FUTEX_OP_CMP_NE, FUTEX_OP_OPARG_SHIFT, FUTEX_OP_OR, FUTEX_OP_SET, FUTEX_OP_XOR,
  FUTEX_PRIVATE_FLAG, FUTEX_REQUEUE, FUTEX_SLEEP, FUTEX_WAIT, FUTEX_WAKE, FUTEX_WAKE_OP,
} from '../../../src/kernel/futex/futex.ts';
import { sys_futex, sys_futex_cpu } from '../../../src/kernel/futex/syscalls.ts';
import { futex_timeout, futex_wait_pending, futex_wait_result, futex_wait_seq } from '../../../src/kernel/futex/waitwake.ts';
import { EAGAIN, EFAULT, EINVAL, ENOSYS, ETIMEDOUT } from '../../../src/kernel/syscalls/numbers.ts';
import type { Cpu } from '../../../src/kernel/cpu.ts';
import { A0, SHARED_A, SHARED_B, UNMAPPED, world, type World } from './setup.ts';
import type { FakeUser } from './fake_user.ts';

const P = FUTEX_PRIVATE_FLAG;
const INT_MAX = 0x7fffffff;
const A = A0;
const B = A0 + 64;

function waitOn(w: World, task: number, u: FakeUser, addr: number, op = FUTEX_WAIT | P): void {
  expect(sys_futex(w.f, w.caller(task, u), addr, op, u.load(addr), 0, 0, 0)).toBe(FUTEX_SLEEP);
}
function call(w: World, u: FakeUser, uaddr: number, op: number, val: number, val2: number, uaddr2: number, val3: number): number {
  return sys_futex(w.f, w.caller(15, u), uaddr, op, val, val2, uaddr2, val3);
}
function wakeAll(w: World, u: FakeUser, addr: number, op = FUTEX_WAKE | P): number[] {
  w.waker.take();
  call(w, u, addr, op, INT_MAX, 0, 0, 0);
  return w.waker.take();
}

describe('FUTEX_REQUEUE and FUTEX_CMP_REQUEUE', () => {
  for (const nbuckets of [64, 1]) {
    it(`wakes nr_wake, moves up to nr_requeue in order, returns both (${nbuckets} buckets)`, () => {
      const w = world({ nbuckets });
      for (const t of [1, 2, 3, 4, 5, 6]) waitOn(w, t, w.a, A);
      waitOn(w, 7, w.a, B);
      expect(call(w, w.a, A, FUTEX_REQUEUE | P, 2, 3, B, 0)).toBe(5);
      expect(w.waker.take()).toEqual([1, 2]);
      expect(wakeAll(w, w.a, A)).toEqual([6]);
      // Moved waiters go behind B's own when the buckets differ; in one bucket they keep their
      // place on the chain (requeue_futex only changes the key), as on Linux.
      expect(wakeAll(w, w.a, B)).toEqual(nbuckets === 1 ? [3, 4, 5, 7] : [7, 3, 4, 5]);
      for (const t of [1, 3, 6, 7]) expect(futex_wait_result(w.f, t)).toBe(0);
    });
  }

  it('requeue onto the same futex keeps the waiters; nr 0/0 does nothing', () => {
    const w = world();
    waitOn(w, 1, w.a, A);
    waitOn(w, 2, w.a, A);
    expect(call(w, w.a, A, FUTEX_REQUEUE | P, 0, 0, B, 0)).toBe(0);
    expect(call(w, w.a, A, FUTEX_REQUEUE | P, 0, INT_MAX, A, 0)).toBe(2);
    expect(w.waker.take()).toEqual([]);
    expect(wakeAll(w, w.a, A)).toEqual([1, 2]);
  });

  it('CMP_REQUEUE: -EAGAIN and nothing moves when *uaddr != val3', () => {
    const w = world();
    w.a.store(A, 5);
    waitOn(w, 1, w.a, A);
    waitOn(w, 2, w.a, A);
    expect(call(w, w.a, A, FUTEX_CMP_REQUEUE | P, 1, 1, B, 4)).toBe(-EAGAIN);
    expect(w.waker.take()).toEqual([]);
    expect(call(w, w.a, A, FUTEX_CMP_REQUEUE | P, 1, 1, B, 5)).toBe(2);
    expect(w.waker.take()).toEqual([1]);
    expect(wakeAll(w, w.a, B)).toEqual([2]);
    // val3 compares as a u32
    w.a.store(A, -2);
    expect(call(w, w.a, A, FUTEX_CMP_REQUEUE | P, 1, 1, B, 0xfffffffe)).toBe(0);
  });

  it('a requeued waiter times out on its new bucket', () => {
    const w = world({ nbuckets: 1024 });
    waitOn(w, 1, w.a, A);
    waitOn(w, 2, w.a, A);
    const seq = futex_wait_seq(w.f, 2);
    expect(call(w, w.a, A, FUTEX_REQUEUE | P, 0, 2, A0 + 4 * 999, 0)).toBe(2);
    expect(futex_timeout(w.f, 2, seq)).toBe(true);
    expect(futex_wait_result(w.f, 2)).toBe(-ETIMEDOUT);
    expect(wakeAll(w, w.a, A0 + 4 * 999)).toEqual([1]);
  });

  it('shared requeue across mms meets on the physical word', () => {
    const w = world();
    waitOn(w, 1, w.a, SHARED_A, FUTEX_WAIT);
    expect(call(w, w.b, SHARED_B, FUTEX_REQUEUE, 0, 1, SHARED_B + 4, 0)).toBe(1);
    expect(wakeAll(w, w.a, SHARED_A + 4, FUTEX_WAKE)).toEqual([1]);
  });

  it('errors: negative counts -EINVAL, unaligned -EINVAL, bad words -EFAULT (uaddr read only by CMP)', () => {
    const w = world();
    expect(call(w, w.a, A, FUTEX_REQUEUE | P, 0xffffffff, 1, B, 0)).toBe(-EINVAL);
    expect(call(w, w.a, A, FUTEX_REQUEUE | P, 1, -1, B, 0)).toBe(-EINVAL);
    expect(call(w, w.a, A + 2, FUTEX_REQUEUE | P, 1, 1, B, 0)).toBe(-EINVAL);
    expect(call(w, w.a, A, FUTEX_REQUEUE | P, 1, 1, B + 1, 0)).toBe(-EINVAL);
    expect(call(w, w.a, UNMAPPED, FUTEX_REQUEUE | P, 1, 1, B, 0)).toBe(0);
    expect(call(w, w.a, UNMAPPED, FUTEX_CMP_REQUEUE | P, 1, 1, B, 0)).toBe(-EFAULT);
    expect(call(w, w.a, A, FUTEX_REQUEUE, 1, 1, UNMAPPED, 0)).toBe(-EFAULT);
  });

  it('sys_futex_cpu reads a3 as val2 exactly (a sign-extended -1 is -EINVAL, not 0)', () => {
    const w = world();
    waitOn(w, 1, w.a, A);
    const xl = new Int32Array(32);
    const xh = new Int32Array(32);
    const set = (r: number, v: bigint) => {
      xl[r] = Number(BigInt.asIntN(32, v));
      xh[r] = Number(BigInt.asIntN(32, v >> 32n));
    };
    set(10, BigInt(A)); set(11, BigInt(FUTEX_REQUEUE | P)); set(12, 0n); set(13, -1n); set(14, BigInt(B)); set(15, 0n);
    const cpu = { xl, xh } as unknown as Cpu;
    expect(sys_futex_cpu(w.f, w.caller(15, w.a), cpu)).toBe(-EINVAL);
    set(13, 1n);
    expect(sys_futex_cpu(w.f, w.caller(15, w.a), cpu)).toBe(1);
    expect(wakeAll(w, w.a, B)).toEqual([1]);
  });
});

describe('FUTEX_WAKE_OP', () => {
  it('does the op on uaddr2 and wakes uaddr2 only when the old value compares true', () => {
    const w = world();
    waitOn(w, 1, w.a, A);
    waitOn(w, 2, w.a, A);
    waitOn(w, 3, w.a, B);
    waitOn(w, 4, w.a, B);
    w.a.store(B, 0);
    // glibc's old pthread_cond_signal: FUTEX_OP(SET, 0, CMP_GT, 1) on the mutex word
    const op = FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_GT, 1);
    expect(call(w, w.a, A, FUTEX_WAKE_OP | P, 1, 1, B, op)).toBe(1); // old 0 > 1 false
    expect(w.waker.take()).toEqual([1]);
    w.a.store(B, 2);
    expect(call(w, w.a, A, FUTEX_WAKE_OP | P, 1, 5, B, op)).toBe(3); // old 2 > 1: wake uaddr2 too
    expect(w.waker.take()).toEqual([2, 3, 4]);
    expect(w.a.load(B)).toBe(0);
  });

  const cases: Array<[string, number, number, number, number, number, boolean]> = [
    // name, op, oparg, old, expected new, cmp, cmparg -> expected compare (with cmp below)
    ['SET', FUTEX_OP_SET, 5, 9, 5, FUTEX_OP_CMP_EQ, true],
    ['ADD', FUTEX_OP_ADD, 3, 9, 12, FUTEX_OP_CMP_NE, false],
    ['ADD -1 (oparg sign-extends)', FUTEX_OP_ADD, -1, 9, 8, FUTEX_OP_CMP_LT, false],
    ['OR', FUTEX_OP_OR, 0x30, 0x0f, 0x3f, FUTEX_OP_CMP_GE, true],
    ['ANDN', FUTEX_OP_ANDN, 0x3, 0x0f, 0x0c, FUTEX_OP_CMP_LE, true],
    ['XOR', FUTEX_OP_XOR, 0xff, 0x0f, 0xf0, FUTEX_OP_CMP_GT, true],
  ];
  for (const [name, o, oparg, old, nv, cmp, hit] of cases) {
    it(`op ${name}`, () => {
      const w = world();
      waitOn(w, 1, w.a, B);
      w.a.store(B, old);
      const cmparg = cmp === FUTEX_OP_CMP_EQ ? 9 : cmp === FUTEX_OP_CMP_NE ? 9 : cmp === FUTEX_OP_CMP_LT ? 9 : cmp === FUTEX_OP_CMP_GE ? 0x0f : cmp === FUTEX_OP_CMP_LE ? 0x0f : 0x0e;
      expect(call(w, w.a, A, FUTEX_WAKE_OP | P, 1, 1, B, FUTEX_OP(o, oparg, cmp, cmparg))).toBe(hit ? 1 : 0);
      expect(w.a.load(B)).toBe(nv);
      expect(futex_wait_pending(w.f, 1)).toBe(!hit);
    });
  }

  it('OPARG_SHIFT: the operand is 1 << oparg (a count past 31 is masked); cmparg and old compare signed', () => {
    const w = world();
    w.a.store(B, 0);
    expect(call(w, w.a, A, FUTEX_WAKE_OP | P, 1, 1, B, FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 3, FUTEX_OP_CMP_EQ, 0))).toBe(0);
    expect(w.a.load(B)).toBe(8);
    expect(call(w, w.a, A, FUTEX_WAKE_OP | P, 1, 1, B, FUTEX_OP(FUTEX_OP_OR | FUTEX_OP_OPARG_SHIFT, 33, FUTEX_OP_CMP_EQ, 0))).toBe(0);
    expect(w.a.load(B)).toBe(10);
    expect(call(w, w.a, A, FUTEX_WAKE_OP | P, 1, 1, B, FUTEX_OP(FUTEX_OP_SET | FUTEX_OP_OPARG_SHIFT, 31, FUTEX_OP_CMP_EQ, 0))).toBe(0);
    expect(w.a.load(B)).toBe(-0x80000000);
    // old = INT_MIN: LT -2048 (signed) holds; as unsigned it would not
    waitOn(w, 1, w.a, B);
    expect(call(w, w.a, A, FUTEX_WAKE_OP | P, 1, 1, B, FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_LT, -2048))).toBe(1);
    expect(w.waker.take()).toEqual([1]);
  });

  it('unknown op: -ENOSYS, nothing written; unknown cmp: -ENOSYS after the write (as Linux)', () => {
    const w = world();
    waitOn(w, 1, w.a, A);
    w.a.store(B, 1);
    expect(call(w, w.a, A, FUTEX_WAKE_OP | P, 1, 1, B, FUTEX_OP(5, 7, FUTEX_OP_CMP_EQ, 0))).toBe(-ENOSYS);
    expect(w.a.load(B)).toBe(1);
    expect(call(w, w.a, A, FUTEX_WAKE_OP | P, 1, 1, B, FUTEX_OP(FUTEX_OP_SET, 7, 6, 0))).toBe(-ENOSYS);
    expect(w.a.load(B)).toBe(7);
    expect(futex_wait_pending(w.f, 1)).toBe(true);
  });

  it('errors: an unmapped uaddr2 is -EFAULT and wakes nobody; unaligned -EINVAL', () => {
    const w = world();
    waitOn(w, 1, w.a, A);
    expect(call(w, w.a, A, FUTEX_WAKE_OP | P, 1, 1, UNMAPPED, FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0))).toBe(-EFAULT);
    expect(call(w, w.a, A, FUTEX_WAKE_OP | P, 1, 1, B + 2, 0)).toBe(-EINVAL);
    expect(call(w, w.a, A + 2, FUTEX_WAKE_OP | P, 1, 1, B, 0)).toBe(-EINVAL);
    expect(futex_wait_pending(w.f, 1)).toBe(true);
    // same futex as both: wakes from uaddr1's count, then uaddr2's
    waitOn(w, 2, w.a, A);
    waitOn(w, 3, w.a, A);
    expect(call(w, w.a, A, FUTEX_WAKE_OP | P, 1, 1, A, FUTEX_OP(FUTEX_OP_ADD, 0, FUTEX_OP_CMP_EQ, 0))).toBe(2);
    expect(w.waker.take()).toEqual([1, 2]);
  });
});

// FUTEX_REQUEUE and FUTEX_CMP_REQUEUE (kernel/futex/requeue.c, Linux 6.1, the non-PI path):
// wake some waiters of one futex and move others, still asleep, onto a second futex, so a
// condition-variable broadcast need not wake every waiter only to have them pile onto the mutex.

import { EAGAIN, EFAULT, EINVAL } from '../syscalls/numbers.ts';
import { FLAGS_SHARED, UACCESS_FAULT, type FutexUser } from './futex.ts';
import { B_HEAD, double_lock_hb, double_unlock_hb, W_NEXT, type FutexHash } from './hash.ts';
import { futex_match, get_futex_key, key_bucket, set_waiter_key } from './key.ts';
import { __futex_queue, __futex_unqueue, futex_wake_mark, wake_up_q } from './queue.ts';

/**
 * requeue_futex: move waiter w from bucket b1's chain to b2's (both locked) and give it key
 * slot 1. Its lock_ptr (W_BUCKET) follows, so a concurrent timeout locks the right bucket.
 */
export function requeue_futex(f: FutexHash, w: number, b1: number, b2: number): void {
  if (b1 !== b2) {
    __futex_unqueue(f, w);
    set_waiter_key(f, w, 1);
    __futex_queue(f, b2, w);
  } else {
    set_waiter_key(f, w, 1);
  }
}

/**
 * futex_requeue: wake up to nr_wake waiters on uaddr1 and requeue up to nr_requeue more onto
 * uaddr2. With `hasCmp` (FUTEX_CMP_REQUEUE) the u32 at uaddr1 must equal cmpval, read under both
 * bucket locks, else -EAGAIN. Returns woken + requeued, or -EINVAL (a negative count, unaligned),
 * -EFAULT. Plain FUTEX_REQUEUE never reads uaddr1.
 */
export function futex_requeue(
  f: FutexHash, user: FutexUser, uaddr1: number, flags: number, uaddr2: number, nr_wake: number, nr_requeue: number,
  hasCmp: boolean, cmpval: number,
): number {
  if (nr_wake < 0 || nr_requeue < 0) return -EINVAL;
  const shared = (flags & FLAGS_SHARED) !== 0;
  let ret = get_futex_key(f, user, uaddr1, shared, 0);
  if (ret !== 0) return ret;
  ret = get_futex_key(f, user, uaddr2, shared, 1);
  if (ret !== 0) return ret;
  const b1 = key_bucket(f, 0);
  const b2 = key_bucket(f, 1);
  const i = f.i32;
  const from = f.wakeLen;
  double_lock_hb(f, b1, b2);
  if (hasCmp) {
    const curval = user.getU32(uaddr1);
    if (curval === UACCESS_FAULT || curval !== cmpval >>> 0) {
      double_unlock_hb(f, b1, b2);
      return curval === UACCESS_FAULT ? -EFAULT : -EAGAIN;
    }
  }
  let taskCount = 0;
  for (let w = i[f.hb(b1) + B_HEAD]!, next = 0; w >= 0; w = next) {
    next = i[f.q(w) + W_NEXT]!;
    if (taskCount - nr_wake >= nr_requeue) break;
    if (!futex_match(f, w, 0)) continue;
    if (++taskCount <= nr_wake) futex_wake_mark(f, w);
    else requeue_futex(f, w, b1, b2);
  }
  double_unlock_hb(f, b1, b2);
  wake_up_q(f, from);
  return taskCount;
}

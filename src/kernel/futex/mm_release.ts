// CLONE_CHILD_CLEARTID / set_tid_address at thread exit (kernel/fork.c mm_release): clear the
// tid word and wake one waiter on it, which is how pthread_join learns the thread is gone
// (glibc waits there with FUTEX_WAIT_BITSET|FUTEX_CLOCK_REALTIME, a shared futex).

import { FLAGS_SHARED, FUTEX_BITSET_MATCH_ANY, type FutexUser } from './futex.ts';
import type { FutexHash } from './hash.ts';
import { futex_wake } from './waitwake.ts';

/**
 * put_user(0, tidAddr), then futex_wake(tidAddr, FLAGS_SHARED, 1, FUTEX_BITSET_MATCH_ANY).
 * Linux does it only while the mm has other users (mm_users > 1): the caller checks that, and
 * forgets clear_child_tid afterwards. A fault on the store is ignored, as Linux ignores it; the
 * wake still runs. Returns the number woken (0 or 1) or the wake's -errno. Calls wake_up: no
 * run-queue lock may be held.
 */
export function futex_clear_child_tid(f: FutexHash, user: FutexUser, tidAddr: number): number {
  user.putU32(tidAddr, 0);
  return futex_wake(f, user, tidAddr, FLAGS_SHARED, 1, FUTEX_BITSET_MATCH_ANY);
}

// A small world for the futex semantics tests: two address spaces over one physical memory
// (mm 1 and mm 2 share physical page 1), a recording scheduler, settable clocks.
import { allocFutexBuffer, FutexHash } from '../../../src/kernel/futex/hash.ts';
import { CLOCK_MONOTONIC } from '../../../src/kernel/futex/futex.ts';
import type { FutexCaller } from '../../../src/kernel/futex/syscalls.ts';
import { FakeUser, PAGE, physMem, RecordingWaker, USER_BASE } from './fake_user.ts';

export interface World {
  f: FutexHash;
  waker: RecordingWaker;
  /** mm 1: pages 0,1,2 mapped; page 3 unmapped; page 4 mapped. */
  a: FakeUser;
  /** mm 2: its page 0 is physical page 5, its page 1 is physical page 1 (shared with a's page 1). */
  b: FakeUser;
  clock: { mono: number; real: number };
  caller(task: number, user: FakeUser, prio?: number): FutexCaller;
}

export const A0 = USER_BASE; // a: private page
export const SHARED_A = USER_BASE + PAGE; // a's view of the shared page
export const SHARED_B = USER_BASE + PAGE; // b's view of it (same va, different mm)
export const UNMAPPED = USER_BASE + 3 * PAGE;
export const A4 = USER_BASE + 4 * PAGE;

export function world(o: { nrTasks?: number; nbuckets?: number } = {}): World {
  const phys = physMem(8);
  const a = new FakeUser(phys, { mm: 1, pages: [0, 1, 2, -1, 3] });
  const b = new FakeUser(phys, { mm: 2, pages: [5, 1] });
  const waker = new RecordingWaker();
  const f = new FutexHash(allocFutexBuffer({ nrTasks: o.nrTasks ?? 16, nbuckets: o.nbuckets ?? 64 }), waker);
  const clock = { mono: 5_000_000_000, real: 1_700_000_000_000_000_000 };
  return {
    f, waker, a, b, clock,
    caller: (task, user, prio = 100) => ({
      task, prio, user, uaccess: user,
      clockNow: (c: number) => (c === CLOCK_MONOTONIC ? clock.mono : clock.real),
    }),
  };
}

/** Write a 16-byte riscv64 struct __kernel_timespec at va. */
export function putTimespec(u: FakeUser, va: number, sec: number, nsec: number): void {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  dv.setBigInt64(0, BigInt(sec), true);
  dv.setBigInt64(8, BigInt(nsec), true);
  if (!u.copyToUser(va, b)) throw new Error('putTimespec: unmapped');
}

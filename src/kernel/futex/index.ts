// The futex subsystem's entry points, for the trap handler and the thread code.
export * from './futex.ts';
export { allocFutexBuffer, futex_hashsize, futex_bucket_offset, FutexHash, FUTEX_PRIO_NORMAL, type FutexCharge } from './hash.ts';
export { futex_wait, futex_wake, futex_wake_op, futex_wait_pending, futex_wait_result, futex_wait_deadline, futex_wait_clock, futex_wait_seq, futex_timeout, futex_interrupt, futex_task_exit } from './waitwake.ts';
export { futex_requeue } from './requeue.ts';
export { sys_futex, sys_futex_cpu, do_futex, type FutexCaller } from './syscalls.ts';
export { futex_clear_child_tid } from './mm_release.ts';
export { futexUserFromAccess, type FutexUserParts } from './uaccess.ts';

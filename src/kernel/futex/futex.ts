// The futex ABI (include/uapi/linux/futex.h) and what the futex code needs from the caller
// (kernel/futex/futex.h's role): the calling task's user memory as FutexUser, and the
// scheduler's wake_up. The futex code never runs a task and never blocks a host thread: a wait
// that must sleep returns FUTEX_SLEEP and the caller schedules the task away (see waitwake.ts).

// ---- op codes (the low 7 bits of op: FUTEX_CMD_MASK) ----
export const FUTEX_WAIT = 0;
export const FUTEX_WAKE = 1;
export const FUTEX_FD = 2;
export const FUTEX_REQUEUE = 3;
export const FUTEX_CMP_REQUEUE = 4;
export const FUTEX_WAKE_OP = 5;
export const FUTEX_LOCK_PI = 6;
export const FUTEX_UNLOCK_PI = 7;
export const FUTEX_TRYLOCK_PI = 8;
export const FUTEX_WAIT_BITSET = 9;
export const FUTEX_WAKE_BITSET = 10;
export const FUTEX_WAIT_REQUEUE_PI = 11;
export const FUTEX_CMP_REQUEUE_PI = 12;
export const FUTEX_LOCK_PI2 = 13;

export const FUTEX_PRIVATE_FLAG = 128;
export const FUTEX_CLOCK_REALTIME = 256;
export const FUTEX_CMD_MASK = ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);

/** FUTEX_WAIT/FUTEX_WAKE are the _BITSET ops with every bit set. */
export const FUTEX_BITSET_MATCH_ANY = 0xffffffff | 0;

// ---- FUTEX_WAKE_OP's encoded op: (op << 28) | (cmp << 24) | (oparg << 12) | cmparg ----
export const FUTEX_OP_SET = 0; // uaddr2 = oparg
export const FUTEX_OP_ADD = 1; // uaddr2 += oparg
export const FUTEX_OP_OR = 2; // uaddr2 |= oparg
export const FUTEX_OP_ANDN = 3; // uaddr2 &= ~oparg
export const FUTEX_OP_XOR = 4; // uaddr2 ^= oparg
/** Set in op: oparg is a shift count, the operand is 1 << oparg. */
export const FUTEX_OP_OPARG_SHIFT = 8;
export const FUTEX_OP_CMP_EQ = 0;
export const FUTEX_OP_CMP_NE = 1;
export const FUTEX_OP_CMP_LT = 2;
export const FUTEX_OP_CMP_LE = 3;
export const FUTEX_OP_CMP_GT = 4;
export const FUTEX_OP_CMP_GE = 5;

/** The FUTEX_OP() macro: op, oparg (12-bit signed), cmp, cmparg (12-bit signed). */
export function FUTEX_OP(op: number, oparg: number, cmp: number, cmparg: number): number {
  return (((op & 0xf) << 28) | ((cmp & 0xf) << 24) | ((oparg & 0xfff) << 12) | (cmparg & 0xfff)) | 0;
}

// ---- internal flags (kernel/futex/futex.h) ----
export const FLAGS_SHARED = 0x01;
export const FLAGS_CLOCKRT = 0x02;

// clock ids a timed wait's deadline is on (uapi/linux/time.h)
export const CLOCK_REALTIME = 0;
export const CLOCK_MONOTONIC = 1;
/** ktime_t's KTIME_MAX, as a float: timeouts saturate here (ktime_add_safe). */
export const KTIME_MAX = 9223372036854775807;

/**
 * futex_wait's (and sys_futex's) answer when the task must sleep. Not an errno and never seen by
 * the guest: the caller schedules the task away; its real result comes from futex_wait_result.
 */
export const FUTEX_SLEEP = Number.MIN_SAFE_INTEGER + 1;

/** FutexUser's answer for a user access that faulted (every good answer is a u32, >= 0). */
export const UACCESS_FAULT = -1;
/** FutexUser.sharedKey's answer for a word in a private (anonymous) page: keyed by (mm, address) as Linux's FUT_OFF_MMSHARED key, so a copy-on-write copy of the page after fork keeps the key. */
export const KEY_BY_MM = -2;

/**
 * The calling task's user memory, as the futex code needs it. Every address is a user virtual
 * address of an aligned u32 (the futex code checks alignment first). Each call may fault the page
 * in (demand paging) and is made with futex bucket locks held: it must not call back into the
 * futex code (lock order: futex bucket lock -> whatever the access takes).
 */
export interface FutexUser {
  /** The address space's id (the mm table index): a private key is (mm, address). */
  readonly mm: number;
  /** TASK_SIZE: access_ok refuses a word that does not lie wholly below it. */
  readonly taskSize: number;
  /** get_user: the u32 at addr (0..2^32-1), or UACCESS_FAULT. */
  getU32(addr: number): number;
  /** put_user: false on a fault. */
  putU32(addr: number, v: number): boolean;
  /**
   * arch_futex_atomic_op_inuser: one atomic read-modify-write of the u32 at addr, as riscv's
   * amoswap.w (FUTEX_OP_SET), amoadd.w (ADD), amoor.w (OR), amoand.w with ~oparg (ANDN),
   * amoxor.w (XOR), through the core's memory path, so no other core's access comes between
   * the read and the write. Returns the old value as a u32, or UACCESS_FAULT. `op` is always
   * one of the five (the caller refuses others first).
   */
  atomicOp(addr: number, op: number, oparg: number): number;
  /**
   * get_futex_key's shared half: the word's physical address (faulting the page in, as
   * get_user_pages_fast), KEY_BY_MM for a private mapping's page, or UACCESS_FAULT. Two
   * address spaces mapping one shared page meet here.
   */
  sharedKey(addr: number): number;
}

/** The scheduler side the futex code calls, never with a futex bucket lock held. */
export interface FutexWaker {
  /**
   * try_to_wake_up(task): the futex code has taken the task's waiter off its queue and stored its
   * result. The task may still be running (it has not scheduled away yet): then the caller's
   * sleep path sees futex_wait_pending() false under its run-queue lock and does not sleep.
   * A task may also get a late wake_up meant for a wait it has already left (a spurious wakeup);
   * futex_wait_result then answers FUTEX_SLEEP and the caller puts it back to sleep.
   */
  wake_up(task: number): void;
}

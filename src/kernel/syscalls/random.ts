// getrandom (drivers/char/random.c), from a seeded PRNG so that a run with
// the same seed (--deterministic) sees the same bytes. Not cryptographic: the
// guest is a simulation, and repeatability is the point.
//
// Linux's shape is kept: flags checked first, the length cut to MAX_RW_COUNT,
// bytes produced and copied in 64-byte ChaCha blocks, and a fault part-way
// returns the bytes copied before it (-EFAULT when none). The pool is always
// initialised, so GRND_NONBLOCK never sees EAGAIN.

import { Rng } from '../../stress/prng.ts';
import { EFAULT, EINVAL, SYS_getrandom } from './numbers.ts';
import { NOT_MINE, type SyscallGroup, type SyscallTask } from './task_context.ts';
import { accessOk, argUInt, argULong, copyToUserPartial, MAX_RW_COUNT } from './uaccess.ts';
import { TASK_SIZE_SV39 } from '../mm/mm_struct.ts';

export const GRND_NONBLOCK = 0x1;
export const GRND_RANDOM = 0x2;
export const GRND_INSECURE = 0x4;
/** CHACHA_BLOCK_SIZE: the unit Linux generates and copies. */
const BLOCK = 64;

/** A reproducible byte stream: the same seed gives the same bytes, call after call. */
export class RandomPool {
  private readonly rng: Rng;

  constructor(seed: number) {
    // A stream of its own, apart from the other uses of the run's seed (AT_RANDOM, the stress tester).
    this.rng = new Rng(seed, 0x67726e64);
  }

  fill(out: Uint8Array): void {
    for (let i = 0; i < out.length; i += 4) {
      const v = this.rng.u32();
      for (let k = 0; k < 4 && i + k < out.length; k++) out[i + k] = (v >>> (8 * k)) & 0xff;
    }
  }
}

export function randomCalls(pool: RandomPool, taskSize = TASK_SIZE_SV39): SyscallGroup {
  return (t: SyscallTask, nr: number): number => {
    if (nr !== SYS_getrandom) return NOT_MINE;
    const flags = argUInt(t.cpu, 2);
    if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) return -EINVAL;
    // Asking for insecure and blocking (pool) randomness at once makes no sense.
    if ((flags & (GRND_INSECURE | GRND_RANDOM)) === (GRND_INSECURE | GRND_RANDOM)) return -EINVAL;
    const addr = argULong(t.cpu, 0);
    const len = Math.min(argULong(t.cpu, 1), MAX_RW_COUNT); // import_single_range: cut, then access_ok
    if (!accessOk(addr, len, taskSize)) return -EFAULT;
    let done = 0;
    const block = new Uint8Array(BLOCK);
    while (done < len) {
      pool.fill(block);
      const n = Math.min(BLOCK, len - done);
      const c = copyToUserPartial(t.user, addr + done, block.subarray(0, n));
      done += c;
      if (c < n) return done > 0 ? done : -EFAULT;
    }
    return done;
  };
}

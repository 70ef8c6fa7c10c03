// union futex_key (kernel/futex/core.c get_futex_key, futex_match). A private futex
// (FUTEX_PRIVATE_FLAG) is known by (mm, user address): only threads of one address space meet
// on it. A shared one is known by the physical address of the word, which the caller's
// FutexUser.sharedKey finds (Linux keys by inode and page offset, or by (mm, address) for an
// anonymous private page: so here a private mapping's word is keyed by (mm, address), which a
// copy-on-write break after fork leaves alone; a shared page by its physical address, which
// is what the inode and offset mean while the page stays put, and this kernel neither swaps
// nor migrates pages). Private and shared keys of one word never match,
// as on Linux.
//
// Keys are four i32 words (type, mm, lo, hi), looked up into FutexHash.keys (slot 0 or 1) so
// no key object is allocated per call.

import { EFAULT, EINVAL } from '../syscalls/numbers.ts';
import { KEY_BY_MM, UACCESS_FAULT, type FutexUser } from './futex.ts';
import { futex_hash, W_KEY_HI, W_KEY_LO, W_KEY_MM, W_KEY_TYPE, type FutexHash } from './hash.ts';

export const KEY_PRIVATE = 1;
export const KEY_SHARED = 2;
/** A shared futex on a private anonymous page: (mm, address), as Linux's FUT_OFF_MMSHARED key. */
export const KEY_SHARED_MM = 3;

const TWO32 = 4294967296;

/**
 * get_futex_key: fill key slot `slot` for the u32 at uaddr. Returns 0, -EINVAL for an unaligned
 * address, -EFAULT for one outside the user range (access_ok) or, for a shared key, one that is
 * not mapped. A private key needs no mapping: FUTEX_WAKE on an unmapped private word wakes no one.
 */
export function get_futex_key(f: FutexHash, user: FutexUser, uaddr: number, shared: boolean, slot: number): number {
  if (uaddr % 4 !== 0) return -EINVAL;
  if (uaddr < 0 || uaddr + 4 > user.taskSize) return -EFAULT;
  const k = f.keys;
  const o = slot * 4;
  if (!shared) {
    k[o] = KEY_PRIVATE;
    k[o + 1] = user.mm;
    k[o + 2] = uaddr % TWO32;
    k[o + 3] = Math.floor(uaddr / TWO32);
    return 0;
  }
  const pa = user.sharedKey(uaddr);
  if (pa === UACCESS_FAULT) return -EFAULT;
  if (pa === KEY_BY_MM) {
    k[o] = KEY_SHARED_MM;
    k[o + 1] = user.mm;
    k[o + 2] = uaddr % TWO32;
    k[o + 3] = Math.floor(uaddr / TWO32);
    return 0;
  }
  k[o] = KEY_SHARED;
  k[o + 1] = 0;
  k[o + 2] = pa % TWO32;
  k[o + 3] = Math.floor(pa / TWO32);
  return 0;
}

/** The bucket of key slot `slot`. */
export function key_bucket(f: FutexHash, slot: number): number {
  const k = f.keys;
  const o = slot * 4;
  return futex_hash(f, k[o]!, k[o + 1]!, k[o + 2]!, k[o + 3]!);
}

/** futex_match: waiter w's key equals key slot `slot`. Caller holds w's bucket lock. */
export function futex_match(f: FutexHash, w: number, slot: number): boolean {
  const i = f.i32;
  const q = f.q(w);
  const k = f.keys;
  const o = slot * 4;
  return i[q + W_KEY_LO] === k[o + 2] && i[q + W_KEY_HI] === k[o + 3] && i[q + W_KEY_MM] === k[o + 1] && i[q + W_KEY_TYPE] === k[o];
}

/** Two key slots are the same key. */
export function keys_equal(f: FutexHash): boolean {
  const k = f.keys;
  return k[0] === k[4] && k[1] === k[5] && k[2] === k[6] && k[3] === k[7];
}

/** Copy key slot `slot` into waiter w's key (the waiter's bucket lock held). */
export function set_waiter_key(f: FutexHash, w: number, slot: number): void {
  const i = f.i32;
  const q = f.q(w);
  const k = f.keys;
  const o = slot * 4;
  i[q + W_KEY_TYPE] = k[o]!;
  i[q + W_KEY_MM] = k[o + 1]!;
  i[q + W_KEY_LO] = k[o + 2]!;
  i[q + W_KEY_HI] = k[o + 3]!;
}

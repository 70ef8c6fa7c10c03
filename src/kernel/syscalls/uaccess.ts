// Argument decoding and user-memory helpers shared by the syscall groups
// (Linux's SYSCALL_DEFINE argument casts, getname, import_iovec, and the
// partial-copy rule of copy_to_user/copy_from_user).
//
// Partial copies: UserAccess says only that bytes before a bad page *may* have
// been written. Copying one page at a time makes the count exact, so read(),
// readv() and getrandom() return the bytes that reached the user before the
// fault, and -EFAULT only when none did, as Linux does.

import { regS, regU, type Cpu } from '../cpu.ts';
import { UIO_MAXIOV } from '../fs/syscalls.ts';
import { PATH_MAX } from '../fs/uapi.ts';
import { PAGE_SIZE } from '../mm/mm_types.ts';
import { EFAULT, EINVAL, ENAMETOOLONG, ENOENT } from './numbers.ts';
import type { UserAccess } from './task_context.ts';

/** MAX_RW_COUNT (INT_MAX & PAGE_MASK): read/write-like calls move at most this much at once. */
export const MAX_RW_COUNT = 0x7ffff000;
/** sizeof(struct iovec) on riscv64: iov_base (u64), iov_len (u64). */
export const IOVEC_SIZE = 16;

/** access_ok: the range [addr, addr + size) lies below TASK_SIZE (checked before any copy of a user buffer). */
export function accessOk(addr: number, size: number, taskSize: number): boolean {
  return size <= taskSize && addr <= taskSize - size;
}

/** Argument i (a0 = 0) as a C int: the low 32 bits, signed. */
export function argInt(cpu: Cpu, i: number): number {
  return cpu.xl[10 + i];
}
/** Argument i as an unsigned int. */
export function argUInt(cpu: Cpu, i: number): number {
  return cpu.xl[10 + i] >>> 0;
}
/** Argument i as an unsigned long / pointer (exact below 2^53). */
export function argULong(cpu: Cpu, i: number): number {
  return regU(cpu, 10 + i);
}
/** Argument i as a long / loff_t (exact within ±2^53). */
export function argLong(cpu: Cpu, i: number): number {
  return regS(cpu, 10 + i);
}

/**
 * getname(): the path at addr as a string, -EFAULT, -ENAMETOOLONG (no NUL within PATH_MAX
 * bytes), or -ENOENT for an empty path unless the call allows one (AT_EMPTY_PATH: LOOKUP_EMPTY).
 */
export function getName(user: UserAccess, addr: number, allowEmpty = false): string | number {
  const b = user.strncpyFromUser(addr, PATH_MAX);
  if (b === null) return -EFAULT;
  if (b === -1) return -ENAMETOOLONG;
  if (b.length === 0 && !allowEmpty) return -ENOENT;
  return utf8.decode(b);
}

const utf8 = new TextDecoder();

/** copy_to_user page by page: the number of bytes written before the first page that faults. */
export function copyToUserPartial(user: UserAccess, addr: number, data: Uint8Array): number {
  // The common case in one call; after a failure, redo page by page (rewriting a prefix is harmless).
  if (data.length === 0 || user.copyToUser(addr, data)) return data.length;
  let done = 0;
  while (done < data.length) {
    const n = Math.min(data.length - done, PAGE_SIZE - ((addr + done) % PAGE_SIZE));
    if (!user.copyToUser(addr + done, data.subarray(done, done + n))) break;
    done += n;
  }
  return done;
}

/** copy_from_user page by page: the readable prefix of [addr, addr + len). */
export function copyFromUserPartial(user: UserAccess, addr: number, len: number): Uint8Array {
  const first = user.copyFromUser(addr, len);
  if (first || len === 0) return first ?? new Uint8Array(0);
  const out = new Uint8Array(len);
  let done = 0;
  while (done < len) {
    const n = Math.min(len - done, PAGE_SIZE - ((addr + done) % PAGE_SIZE));
    const b = user.copyFromUser(addr + done, n);
    if (!b) break;
    out.set(b, done);
    done += n;
  }
  return out.subarray(0, done);
}

/** One user buffer of an iovec array. */
export interface Iovec {
  base: number;
  len: number;
}

/**
 * import_iovec: reads `nr` struct iovec at addr. -EINVAL for nr > UIO_MAXIOV or an iov_len
 * negative as ssize_t, -EFAULT when the array is unreadable or a segment fails access_ok.
 * Lengths are then cut so the
 * total stays within MAX_RW_COUNT, as Linux does instead of failing.
 */
export function importIovec(user: UserAccess, addr: number, nr: number, taskSize: number): Iovec[] | number {
  if (nr === 0) return [];
  if (nr > UIO_MAXIOV) return -EINVAL;
  const raw = user.copyFromUser(addr, nr * IOVEC_SIZE);
  if (!raw) return -EFAULT;
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.length);
  const iov: Iovec[] = [];
  for (let i = 0; i < nr; i++) {
    const o = i * IOVEC_SIZE;
    if (dv.getInt32(o + 12, true) < 0) return -EINVAL;
    iov.push({ base: u64(dv, o), len: u64(dv, o + 8) });
  }
  let total = 0;
  for (const v of iov) {
    if (!accessOk(v.base, v.len, taskSize)) return -EFAULT;
    if (v.len > MAX_RW_COUNT - total) v.len = MAX_RW_COUNT - total;
    total += v.len;
  }
  return iov;
}

/** A little-endian u64 field as a number (exact below 2^53). */
export function u64(dv: DataView, off: number): number {
  return dv.getUint32(off + 4, true) * 4294967296 + dv.getUint32(off, true);
}

/** Stores a non-negative safe integer (or a signed one, two's complement) as a 64-bit field. */
export function putU64(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v >>> 0, true);
  dv.setUint32(off + 4, Math.floor(v / 4294967296) >>> 0, true);
}

/** A zeroed struct of `size` bytes and a DataView on it. */
export function struct(size: number): { bytes: Uint8Array; dv: DataView } {
  const bytes = new Uint8Array(size);
  return { bytes, dv: new DataView(bytes.buffer) };
}

/** Reads a fixed-size struct from the user, or null (EFAULT). */
export function readStruct(user: UserAccess, addr: number, size: number): DataView | null {
  const b = user.copyFromUser(addr, size);
  return b ? new DataView(b.buffer, b.byteOffset, b.length) : null;
}

/** copy_to_user of a whole struct: 0 or -EFAULT. */
export function putStruct(user: UserAccess, addr: number, bytes: Uint8Array): number {
  return user.copyToUser(addr, bytes) ? 0 : -EFAULT;
}

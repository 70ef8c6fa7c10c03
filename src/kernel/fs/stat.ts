// struct stat for riscv64 (asm-generic/stat.h, 128 bytes), filled from a
// host stat or a pseudo file (fs/stat.c cp_new_stat).
//
//   0 st_dev u64    8 st_ino u64     16 st_mode u32   20 st_nlink u32
//  24 st_uid u32   28 st_gid u32     32 st_rdev u64   40 __pad1 u64
//  48 st_size i64  56 st_blksize i32 60 __pad2 i32    64 st_blocks i64
//  72 st_atime     80 st_atime_nsec  88 st_mtime      96 st_mtime_nsec
// 104 st_ctime    112 st_ctime_nsec 120 __unused4 u32, __unused5 u32

import type { BigIntStats } from 'node:fs';

export const STAT_SIZE = 128;

export interface KStat {
  dev: bigint;
  ino: bigint;
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  rdev: bigint;
  size: bigint;
  blksize: number;
  blocks: bigint;
  /** Times in nanoseconds since the epoch. */
  atimeNs: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export function kstatFromHost(st: BigIntStats): KStat {
  return {
    dev: st.dev, ino: st.ino, mode: Number(st.mode), nlink: Number(st.nlink), uid: Number(st.uid), gid: Number(st.gid),
    rdev: st.rdev, size: st.size, blksize: Number(st.blksize), blocks: st.blocks,
    atimeNs: st.atimeNs, mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs,
  };
}

const NS = 1_000_000_000n;

/** cp_new_stat: the 128 bytes the guest receives. */
export function encodeStat(k: KStat, out: Uint8Array = new Uint8Array(STAT_SIZE)): Uint8Array {
  const dv = new DataView(out.buffer, out.byteOffset, STAT_SIZE);
  out.fill(0, 0, STAT_SIZE);
  dv.setBigUint64(0, BigInt.asUintN(64, k.dev), true);
  dv.setBigUint64(8, BigInt.asUintN(64, k.ino), true);
  dv.setUint32(16, k.mode >>> 0, true);
  dv.setUint32(20, k.nlink >>> 0, true);
  dv.setUint32(24, k.uid >>> 0, true);
  dv.setUint32(28, k.gid >>> 0, true);
  dv.setBigUint64(32, BigInt.asUintN(64, k.rdev), true);
  dv.setBigInt64(48, k.size, true);
  dv.setInt32(56, k.blksize | 0, true);
  dv.setBigInt64(64, k.blocks, true);
  const times = [k.atimeNs, k.mtimeNs, k.ctimeNs];
  for (let i = 0; i < 3; i++) {
    const t = times[i];
    let sec = t / NS;
    let nsec = t % NS;
    if (nsec < 0n) {
      sec -= 1n;
      nsec += NS;
    }
    dv.setBigInt64(72 + 16 * i, sec, true);
    dv.setBigUint64(80 + 16 * i, nsec, true);
  }
  return out;
}

/** Linux's new_encode_dev (major:minor into a u32 dev_t). */
export function mkdev(major: number, minor: number): bigint {
  return BigInt(((minor & 0xff) | (major << 8) | ((minor & ~0xff) << 12)) >>> 0);
}

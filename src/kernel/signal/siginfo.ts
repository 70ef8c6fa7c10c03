// siginfo_t as riscv64 user space sees it (uapi/asm-generic/siginfo.h, 64-bit): 128 bytes,
// si_signo, si_errno, si_code, then a union at offset 16 whose member si_code selects:
//   kill/tkill (SI_USER, SI_TKILL):  si_pid i32 @16, si_uid u32 @20
//   sigqueue (SI_QUEUE):             si_pid @16, si_uid @20, si_value (union sigval, 8 bytes) @24
//   SIGCHLD (CLD_*):                 si_pid @16, si_uid @20, si_status i32 @24, si_utime @32, si_stime @40 (clock_t)
//   faults (SIGSEGV, SIGBUS...):     si_addr @16
// The kernel keeps each queued signal's siginfo as these bytes, so copy_siginfo_to_user is a copy.

export const SIGINFO_SIZE = 128;
export const SI_SIGNO = 0;
export const SI_ERRNO = 4;
export const SI_CODE = 8;
export const SI_PID = 16;
export const SI_UID = 20;
export const SI_VALUE = 24;
export const SI_STATUS = 24;
export const SI_UTIME = 32;
export const SI_STIME = 40;
export const SI_ADDR = 16;

export type KSiginfo = Uint8Array;

function blank(sig: number, code: number): { b: KSiginfo; v: DataView } {
  const b = new Uint8Array(SIGINFO_SIZE);
  const v = new DataView(b.buffer);
  v.setInt32(SI_SIGNO, sig, true);
  v.setInt32(SI_CODE, code, true);
  return { b, v };
}

/** kill/tgkill/tkill's info: the sender's tgid and uid (prepare_kill_siginfo). */
export function killInfo(sig: number, code: number, pid: number, uid: number): KSiginfo {
  const { b, v } = blank(sig, code);
  v.setInt32(SI_PID, pid, true);
  v.setUint32(SI_UID, uid, true);
  return b;
}

/** A fault's info (force_sig_fault): the faulting address. */
export function faultInfo(sig: number, code: number, addr: number): KSiginfo {
  const { b, v } = blank(sig, code);
  v.setBigUint64(SI_ADDR, BigInt(addr), true);
  return b;
}

/** do_notify_parent's SIGCHLD info: the child, how it ended, its times in clock ticks. */
export function chldInfo(sig: number, code: number, pid: number, uid: number, status: number, utime: number, stime: number): KSiginfo {
  const { b, v } = blank(sig, code);
  v.setInt32(SI_PID, pid, true);
  v.setUint32(SI_UID, uid, true);
  v.setInt32(SI_STATUS, status, true);
  v.setBigInt64(SI_UTIME, BigInt(Math.floor(utime)), true);
  v.setBigInt64(SI_STIME, BigInt(Math.floor(stime)), true);
  return b;
}

/** SI_KERNEL info (a signal the kernel sends for itself: SIGKILL of a group exit, a bad frame). */
export function kernelInfo(sig: number): KSiginfo {
  return blank(sig, 0x80).b;
}

export function siCode(info: KSiginfo): number {
  return new DataView(info.buffer, info.byteOffset, SIGINFO_SIZE).getInt32(SI_CODE, true);
}
export function siPid(info: KSiginfo): number {
  return new DataView(info.buffer, info.byteOffset, SIGINFO_SIZE).getInt32(SI_PID, true);
}
/** A copy with si_signo set (rt_sigqueueinfo: the user's bytes, with the signal the caller named). */
export function withSigno(info: Uint8Array, sig: number): KSiginfo {
  const b = new Uint8Array(SIGINFO_SIZE);
  b.set(info.subarray(0, SIGINFO_SIZE));
  new DataView(b.buffer).setInt32(SI_SIGNO, sig, true);
  return b;
}

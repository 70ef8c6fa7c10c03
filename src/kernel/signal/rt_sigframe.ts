// The signal frame of riscv64 Linux (arch/riscv/kernel/signal.c: setup_rt_frame,
// restore_sigcontext; uapi/asm/ucontext.h, sigcontext.h, ptrace.h). On the user stack:
//
//   struct rt_sigframe {              offset  size
//     siginfo_t info;                      0   128
//     struct ucontext uc {               128
//       unsigned long uc_flags;          +0     8   (0)
//       struct ucontext *uc_link;        +8     8   (NULL)
//       stack_t uc_stack;               +16    24   (ss_sp, ss_flags, ss_size: the altstack at delivery)
//       sigset_t uc_sigmask;            +40     8   (the mask to restore)
//       __u8 __unused[120];             +48   120
//       struct sigcontext uc_mcontext { +176        (16-aligned)
//         user_regs_struct sc_regs;      +0   256   (pc, ra, sp, gp, tp, t0.. : x1..x31 in order)
//         __riscv_fp_state sc_fpregs;  +256   528   (d: f0..f31 as u64, fcsr u32 at +256; q.reserved[3] at +516 zero)
//   }}}                                      1088 in all
//
// The handler starts with sp = frame (16-aligned), a0 = signo, a1 = &info, a2 = &uc, and
// ra = the rt_sigreturn trampoline (Linux: the vDSO's __vdso_rt_sigreturn; here the page of
// trampoline.ts); rt_sigreturn reads everything back from sp.

import { regU, setReg, type Cpu } from '../cpu.ts';
import type { FpContext } from '../sched/task_regs.ts';
import type { SigAction, TaskState } from '../syscalls/process_state.ts';
import type { UserAccess } from '../syscalls/task_context.ts';
import { SIGINFO_SIZE, type KSiginfo } from './siginfo.ts';
import { SA_ONSTACK, UNBLOCKABLE } from './uapi.ts';

export const UC_STACK = 16;
export const UC_SIGMASK = 40;
export const UC_MCONTEXT = 176;
export const SC_FPREGS = 256;
export const UCONTEXT_SIZE = UC_MCONTEXT + 256 + 528;
export const RT_SIGFRAME_SIZE = SIGINFO_SIZE + UCONTEXT_SIZE;

const SS_ONSTACK = 1;
const SS_DISABLE = 2;
const SS_AUTODISARM = 0x80000000 | 0;
const MINSIGSTKSZ = 2048;

type FpCpu = Cpu & Partial<FpContext>;

/** on_sig_stack: sp is on the thread's alternate stack (never while SS_AUTODISARM is set). */
export function onSigStack(ts: TaskState, sp: number): boolean {
  const a = ts.altStack;
  if ((a.flags & SS_AUTODISARM) !== 0) return false;
  const base = Number(a.sp);
  return sp > base && sp - base <= Number(a.size);
}

/** sas_ss_flags: SS_DISABLE without a stack, SS_ONSTACK on it, 0 beside it. */
export function sasSsFlags(ts: TaskState, sp: number): number {
  if (ts.altStack.size === 0n) return SS_DISABLE;
  return onSigStack(ts, sp) ? SS_ONSTACK : 0;
}

/**
 * setup_rt_frame: writes the frame for `sig` below sp (or at the top of the alternate stack
 * with SA_ONSTACK when not already on it) and points the registers at the handler. `oldset`
 * is the mask rt_sigreturn restores. Returns false when the frame cannot be written (the
 * caller forces SIGSEGV, as signal_setup_done does).
 */
export function setupRtFrame(cpu: FpCpu, user: UserAccess, ts: TaskState, sig: number, info: KSiginfo, ka: SigAction, oldset: bigint, trampoline: number): boolean {
  const sp = regU(cpu, 2);
  // get_sigframe: on the alternate stack and about to overflow it: an always-bad address.
  if (onSigStack(ts, sp) && !onSigStack(ts, sp - RT_SIGFRAME_SIZE)) return false;
  let top = sp;
  if ((ka.flags & SA_ONSTACK) !== 0n && sasSsFlags(ts, sp) === 0) top = Number(ts.altStack.sp + ts.altStack.size);
  const frame = Math.floor((top - RT_SIGFRAME_SIZE) / 16) * 16;
  if (frame < 0) return false;
  const b = new Uint8Array(RT_SIGFRAME_SIZE);
  const v = new DataView(b.buffer);
  b.set(info.subarray(0, SIGINFO_SIZE), 0);
  const uc = SIGINFO_SIZE;
  // __save_altstack (the flags as seen from the interrupted sp), then SS_AUTODISARM's reset.
  v.setBigUint64(uc + UC_STACK, ts.altStack.sp, true);
  v.setInt32(uc + UC_STACK + 8, sasSsFlags(ts, sp) | (ts.altStack.flags & SS_AUTODISARM), true);
  v.setBigUint64(uc + UC_STACK + 16, ts.altStack.size, true);
  v.setBigUint64(uc + UC_SIGMASK, oldset, true);
  const mc = uc + UC_MCONTEXT;
  v.setInt32(mc, cpu.pc | 0, true);
  v.setInt32(mc + 4, Math.floor(cpu.pc / 4294967296) | 0, true);
  for (let i = 1; i < 32; i++) {
    v.setInt32(mc + 8 * i, cpu.xl[i]!, true);
    v.setInt32(mc + 8 * i + 4, cpu.xh[i]!, true);
  }
  const fp = mc + SC_FPREGS;
  if (cpu.f) {
    const w = cpu.f.w;
    for (let i = 0; i < 64; i++) v.setInt32(fp + 4 * i, w[i]!, true);
    v.setUint32(fp + 256, (((cpu.frm ?? 0) << 5) | (cpu.fflags ?? 0)) >>> 0, true);
  }
  if (!user.copyToUser(frame, b)) return false;
  if ((ts.altStack.flags & SS_AUTODISARM) !== 0) ts.altStack = { sp: 0n, size: 0n, flags: SS_DISABLE };
  setReg(cpu, 1, trampoline);
  setReg(cpu, 2, frame);
  setReg(cpu, 10, sig);
  setReg(cpu, 11, frame);
  setReg(cpu, 12, frame + SIGINFO_SIZE);
  cpu.pc = Number(ka.handler);
  return true;
}

/**
 * rt_sigreturn's restore from the frame at sp: the blocked mask (SIGKILL and SIGSTOP never),
 * every register, pc, the FP registers and fcsr, and the alternate stack (as sigaltstack
 * would set it; a refusal is ignored, as restore_altstack does). False: the frame could not
 * be read (the caller forces SIGSEGV).
 */
export function restoreRtFrame(cpu: FpCpu, user: UserAccess, ts: TaskState): boolean {
  const frame = regU(cpu, 2);
  const b = user.copyFromUser(frame, RT_SIGFRAME_SIZE);
  if (!b) return false;
  const v = new DataView(b.buffer, b.byteOffset, b.length);
  const uc = SIGINFO_SIZE;
  ts.blocked = v.getBigUint64(uc + UC_SIGMASK, true) & ~UNBLOCKABLE;
  const mc = uc + UC_MCONTEXT;
  cpu.pc = (v.getUint32(mc + 4, true) * 4294967296) + v.getUint32(mc, true);
  for (let i = 1; i < 32; i++) {
    cpu.xl[i] = v.getInt32(mc + 8 * i, true);
    cpu.xh[i] = v.getInt32(mc + 8 * i + 4, true);
  }
  const fp = mc + SC_FPREGS;
  if (cpu.f) {
    const w = cpu.f.w;
    for (let i = 0; i < 64; i++) w[i] = v.getInt32(fp + 4 * i, true);
    const fcsr = v.getUint32(fp + 256, true);
    cpu.frm = (fcsr >>> 5) & 7;
    cpu.fflags = fcsr & 0x1f;
  }
  // restore_altstack: do_sigaltstack with the saved stack_t, from the restored sp.
  const ssSp = v.getBigUint64(uc + UC_STACK, true);
  const ssFlags = v.getInt32(uc + UC_STACK + 8, true);
  const ssSize = v.getBigUint64(uc + UC_STACK + 16, true);
  const mode = ssFlags & ~SS_AUTODISARM;
  if (!onSigStack(ts, regU(cpu, 2)) && (mode === 0 || mode === SS_ONSTACK || mode === SS_DISABLE)) {
    if (mode === SS_DISABLE) ts.altStack = { sp: 0n, size: 0n, flags: ssFlags };
    else if (ssSize >= BigInt(MINSIGSTKSZ)) ts.altStack = { sp: ssSp, size: ssSize, flags: ssFlags };
  }
  return true;
}

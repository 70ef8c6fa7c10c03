// The return path of a signal handler. Linux riscv points ra at __vdso_rt_sigreturn, two
// instructions in the vDSO (`li a7, 139; ecall`). smpemu maps no vDSO, so the first handler
// delivered in an address space maps one private anonymous page with those two instructions
// (written while the page is writable, then mprotect'ed to r-x); /proc/PID/maps shows it as
// an anonymous r-xp page where Linux shows [vdso]. fork keeps it (dup_mm copies the VMA),
// exec drops it. It goes just below 2 GiB, not near mmap_base as the vDSO would: the hart
// executes only below 2 GiB (cores/hart.ts keeps pc in an int32).

import { doMmap, doMunmap, MAP_ANONYMOUS, MAP_PRIVATE, PROT_EXEC, PROT_READ, PROT_WRITE } from '../mm/mmap.ts';
import { doMprotect } from '../mm/mprotect.ts';
import { locked, type MmContext } from '../syscalls/mm.ts';
import type { LinuxProcessState } from '../syscalls/process_state.ts';
import type { UserAccess } from '../syscalls/task_context.ts';
import { SYS_rt_sigreturn } from './uapi.ts';

/** Where the page goes when that is free: the last page below 2 GiB. */
export const TRAMPOLINE_HINT = 0x8000_0000 - 4096;
const ENOMEM = 12;
const EFAULT = 14;

/** addi a7, x0, 139 (li a7, __NR_rt_sigreturn); ecall. */
export const SIGRETURN_CODE = new Uint8Array(new Uint32Array([(SYS_rt_sigreturn << 20) | (17 << 7) | 0x13, 0x00000073]).buffer);

/** The trampoline's address in this process, mapped on first use; -errno when it cannot be. */
export function sigreturnTrampoline(ps: LinuxProcessState, mm: MmContext, user: UserAccess): number {
  if (ps.sigreturnTrampoline !== 0) return ps.sigreturnTrampoline;
  const at = locked(mm, () => doMmap(mm.t, mm.m, TRAMPOLINE_HINT, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, null, 0));
  if (at < 0) return at;
  if (at > TRAMPOLINE_HINT) {
    // The hint was taken (a heap reaching 2 GiB): nowhere the hart can run it.
    locked(mm, () => doMunmap(mm.t, mm.m, at, 4096));
    return -ENOMEM;
  }
  if (!user.copyToUser(at, SIGRETURN_CODE)) return -EFAULT;
  const r = locked(mm, () => doMprotect(mm.t, mm.m, at, 4096, PROT_READ | PROT_EXEC));
  if (r < 0) return r;
  ps.sigreturnTrampoline = at;
  return at;
}

// Resource limits (kernel/sys.c): prlimit64, getrlimit, setrlimit over the
// process's signal->rlim, with do_prlimit's checks in Linux's order. struct
// rlimit and struct rlimit64 are the same on riscv64: two u64, 16 bytes.
//
// Only the caller's own process can be named (pid 0, its pid, or one of its
// threads); other pids are ESRCH until processes can see each other.

import { EFAULT, EINVAL, EPERM, ESRCH, SYS_getrlimit, SYS_prlimit64, SYS_setrlimit } from './numbers.ts';
import { RLIM_NLIMITS, RLIMIT_NOFILE, type LinuxProcessState, type Rlimit } from './process_state.ts';
import { NOT_MINE, type SyscallGroup, type SyscallTask } from './task_context.ts';
import { argInt, argUInt, argULong, putStruct, readStruct, struct } from './uaccess.ts';

export const RLIMIT_SIZE = 16;
/** sysctl_nr_open: the largest RLIMIT_NOFILE (fs.nr_open's default, 1024 * 1024). */
export const NR_OPEN = 1048576n;

export interface ResourceOptions {
  /** Told the new soft RLIMIT_NOFILE (the fd table's limit). */
  onNofile?: (soft: number) => void;
}

export function resourceCalls(ps: LinuxProcessState, o: ResourceOptions = {}): SyscallGroup {
  const doPrlimit = (resource: number, next: Rlimit | null): Rlimit | number => {
    if (resource >= RLIM_NLIMITS) return -EINVAL;
    const cur = ps.rlimits[resource];
    const old = { ...cur };
    if (next) {
      if (next.cur > next.max) return -EINVAL;
      if (resource === RLIMIT_NOFILE && next.max > NR_OPEN) return -EPERM;
      // Raising the hard limit needs CAP_SYS_RESOURCE: the root user has it.
      if (next.max > cur.max && ps.cred.euid !== 0) return -EPERM;
      ps.rlimits[resource] = { ...next };
      if (resource === RLIMIT_NOFILE) o.onNofile?.(Number(next.cur));
    }
    return old;
  };

  return (t: SyscallTask, nr: number): number => {
    switch (nr) {
      case SYS_getrlimit: {
        const r = doPrlimit(argUInt(t.cpu, 0), null);
        if (typeof r === 'number') return r;
        return putStruct(t.user, argULong(t.cpu, 1), encodeRlimit(r));
      }
      case SYS_setrlimit: {
        const dv = readStruct(t.user, argULong(t.cpu, 1), RLIMIT_SIZE);
        if (!dv) return -EFAULT;
        const r = doPrlimit(argUInt(t.cpu, 0), decodeRlimit(dv));
        return typeof r === 'number' ? r : 0;
      }
      case SYS_prlimit64: return prlimit64(ps, t, doPrlimit);
      default: return NOT_MINE;
    }
  };
}

/** prlimit64(pid, resource, new, old): the new limit is read first (EFAULT), then the pid (ESRCH), then do_prlimit. */
function prlimit64(ps: LinuxProcessState, t: SyscallTask, doPrlimit: (r: number, n: Rlimit | null) => Rlimit | number): number {
  const newAddr = argULong(t.cpu, 2);
  const oldAddr = argULong(t.cpu, 3);
  let next: Rlimit | null = null;
  if (newAddr !== 0) {
    const dv = readStruct(t.user, newAddr, RLIMIT_SIZE);
    if (!dv) return -EFAULT;
    next = decodeRlimit(dv);
  }
  const pid = argInt(t.cpu, 0);
  if (pid !== 0 && pid !== t.pid && !ps.tasks.has(pid)) return -ESRCH;
  const r = doPrlimit(argUInt(t.cpu, 1), next);
  if (typeof r === 'number') return r;
  return oldAddr === 0 ? 0 : putStruct(t.user, oldAddr, encodeRlimit(r));
}

function decodeRlimit(dv: DataView): Rlimit {
  return { cur: dv.getBigUint64(0, true), max: dv.getBigUint64(8, true) };
}

export function encodeRlimit(r: Rlimit): Uint8Array {
  const { bytes, dv } = struct(RLIMIT_SIZE);
  dv.setBigUint64(0, r.cur, true);
  dv.setBigUint64(8, r.max, true);
  return bytes;
}

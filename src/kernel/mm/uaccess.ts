// copy_from_user / copy_to_user / strncpy_from_user for a process (Linux's uaccess): the
// kernel copies through the calling core's memory path (its TLB and caches, charged to it);
// a page fault on the way is handled as the hardware's would be (handle_mm_fault, so a
// mapped page that is not present yet is faulted in), and a fault the kernel cannot fix
// (no VMA, a protection the VMA forbids) makes the copy fail: the syscall returns -EFAULT.
// A bad pointer never throws on the host.

import type { Cpu } from '../cpu.ts';
import { CAUSE_FETCH_PAGE, CAUSE_LOAD_PAGE, CAUSE_STORE_PAGE, GuestFault } from '../fault.ts';
import type { UserAccess } from '../syscalls/task_context.ts';

/** Tries to make [the page of] addr accessible for a write or a read; false: EFAULT. */
export type UserFaultFn = (addr: number, write: boolean) => boolean;

/** The largest single copy (bigger requests fail with EFAULT rather than allocate on the host). */
export const MAX_USER_COPY = 1 << 26;
/** User addresses lie in [0, 2^38) (Sv39; Sv48's 2^47 is also below this bound). */
const USER_LIMIT = 2 ** 47;

export class ProcessUserAccess implements UserAccess {
  constructor(
    private readonly cpu: Cpu,
    private readonly fault: UserFaultFn,
  ) {}

  /** One page-bounded piece, retried after each fault the kernel fixes (at most twice). */
  private piece<T>(addr: number, write: boolean, f: () => T): T | null {
    for (let tries = 0; tries < 3; tries++) {
      try {
        return f();
      } catch (e) {
        if (!(e instanceof GuestFault)) throw e;
        if (e.cause !== CAUSE_LOAD_PAGE && e.cause !== CAUSE_STORE_PAGE && e.cause !== CAUSE_FETCH_PAGE) return null;
        if (!this.fault(e.tval, write)) return null;
      }
    }
    return null;
  }

  private static ok(addr: number, len: number): boolean {
    return Number.isSafeInteger(addr) && addr >= 0 && len >= 0 && len <= MAX_USER_COPY && addr + len <= USER_LIMIT;
  }

  copyFromUser(addr: number, len: number): Uint8Array | null {
    if (!ProcessUserAccess.ok(addr, len)) return null;
    const out = new Uint8Array(len);
    for (let i = 0; i < len; ) {
      const a = addr + i;
      const n = Math.min(len - i, 4096 - (a % 4096));
      const got = this.piece(a, false, () => this.cpu.readGuest(a, n));
      if (got === null) return null;
      out.set(got, i);
      i += n;
    }
    return out;
  }

  copyToUser(addr: number, data: Uint8Array): boolean {
    if (!ProcessUserAccess.ok(addr, data.length)) return false;
    for (let i = 0; i < data.length; ) {
      const a = addr + i;
      const n = Math.min(data.length - i, 4096 - (a % 4096));
      const chunk = data.subarray(i, i + n);
      if (this.piece(a, true, () => { this.cpu.writeGuest(a, chunk); return true; }) === null) return false;
      i += n;
    }
    return true;
  }

  strncpyFromUser(addr: number, max: number): Uint8Array | null | -1 {
    if (!ProcessUserAccess.ok(addr, 0)) return null;
    const parts: Uint8Array[] = [];
    let total = 0;
    while (total < max) {
      const a = addr + total;
      if (a >= USER_LIMIT) return null;
      const n = Math.min(max - total, 4096 - (a % 4096));
      const got = this.piece(a, false, () => this.cpu.readGuest(a, n));
      if (got === null) return null;
      const z = got.indexOf(0);
      if (z >= 0) {
        parts.push(got.subarray(0, z));
        total += z;
        const s = new Uint8Array(total);
        let o = 0;
        for (const p of parts) { s.set(p, o); o += p.length; }
        return s;
      }
      parts.push(got);
      total += n;
    }
    return -1;
  }
}

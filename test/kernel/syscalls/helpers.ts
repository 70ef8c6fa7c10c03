// A fake core (registers and a cycle counter) and a fake user address space over an
// ArrayBuffer with a hole, for testing syscall groups without a machine.

import type { Cpu } from '../../../src/kernel/cpu.ts';
import type { SyscallGroup, SyscallTask, UserAccess } from '../../../src/kernel/syscalls/task_context.ts';

export const PAGE = 4096;
/** User memory: [BASE, BASE + PAGES * PAGE), with page HOLE_PAGE unmapped (every access to it faults). */
export const BASE = 0x10000;
export const PAGES = 16;
export const HOLE_PAGE = 8;
export const HOLE = BASE + HOLE_PAGE * PAGE;

export class FakeCpu implements Cpu {
  pc = 0x1000;
  cycle = 0;
  instret = 0;
  readonly xl = new Int32Array(32);
  readonly xh = new Int32Array(32);
  constructor(readonly hartId = 0) {}
  readGuest(): Uint8Array {
    throw new Error('syscall groups must use UserAccess');
  }
  writeGuest(): void {
    throw new Error('syscall groups must use UserAccess');
  }
}

export class FakeUser implements UserAccess {
  readonly mem = new Uint8Array(PAGES * PAGE);
  /** Every call, to check that nothing touched memory it should not have. */
  readonly log: string[] = [];

  private ok(addr: number): boolean {
    const page = Math.floor((addr - BASE) / PAGE);
    return addr >= BASE && page < PAGES && page !== HOLE_PAGE;
  }

  copyFromUser(addr: number, len: number): Uint8Array | null {
    this.log.push(`from ${addr.toString(16)} ${len}`);
    for (let a = addr; a < addr + len; a = (Math.floor(a / PAGE) + 1) * PAGE) if (!this.ok(a)) return null;
    if (len > 0 && !this.ok(addr + len - 1)) return null;
    return this.mem.slice(addr - BASE, addr - BASE + len);
  }

  /** Like Linux, writes the bytes before the first bad page and then fails. */
  copyToUser(addr: number, data: Uint8Array): boolean {
    this.log.push(`to ${addr.toString(16)} ${data.length}`);
    for (let i = 0; i < data.length; i++) {
      if (!this.ok(addr + i)) return false;
      this.mem[addr + i - BASE] = data[i];
    }
    return true;
  }

  strncpyFromUser(addr: number, max: number): Uint8Array | null | -1 {
    for (let i = 0; i < max; i++) {
      if (!this.ok(addr + i)) return null;
      if (this.mem[addr + i - BASE] === 0) return this.mem.slice(addr - BASE, addr - BASE + i);
    }
    return -1;
  }

  put(addr: number, data: Uint8Array | string): void {
    const b = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    this.mem.set(b, addr - BASE);
  }

  /** A NUL-terminated string at addr. */
  putStr(addr: number, s: string): number {
    this.put(addr, `${s}\0`);
    return addr;
  }

  get(addr: number, len: number): Uint8Array {
    return this.mem.slice(addr - BASE, addr - BASE + len);
  }

  dv(addr: number, len: number): DataView {
    const b = this.get(addr, len);
    return new DataView(b.buffer);
  }

  str(addr: number, len: number): string {
    return Buffer.from(this.get(addr, len)).toString('latin1');
  }
}

export interface Harness {
  cpu: FakeCpu;
  user: FakeUser;
  t: SyscallTask;
  /** Calls group with nr and up to six arguments (numbers: safe integers, negative ones sign-extended; bigints: raw 64 bits). */
  call(nr: number, ...args: Array<number | bigint>): number;
}

export function harness(group: SyscallGroup, o: { pid?: number; tid?: number; ppid?: number; hart?: number } = {}): Harness {
  const cpu = new FakeCpu(o.hart ?? 0);
  const user = new FakeUser();
  const t: SyscallTask = { cpu, user, pid: o.pid ?? 100, tid: o.tid ?? o.pid ?? 100, ppid: o.ppid ?? 1 };
  return {
    cpu, user, t,
    call(nr, ...args) {
      for (let i = 0; i < 6; i++) setArg(cpu, i, args[i] ?? 0);
      cpu.xl[17] = nr;
      return group(t, nr);
    },
  };
}

export function setArg(cpu: FakeCpu, i: number, v: number | bigint): void {
  const b = BigInt.asUintN(64, BigInt(v));
  cpu.xl[10 + i] = Number(b & 0xffffffffn) | 0;
  cpu.xh[10 + i] = Number(b >> 32n) | 0;
}

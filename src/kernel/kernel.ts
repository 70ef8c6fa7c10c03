// The kernel as seen by one worker: the single trap entry for every core that
// worker hosts. For now (SPMD boot) it serves a handful of syscalls and turns
// any other exception into a machine stop with a report. State that all workers
// share (stop flag, live harts, program break) lives in the control block.

import {
  BRK,
  BRK_MAX,
  BRK_MIN,
  CORE_EXITED,
  CORE_EXIT_CODE,
  CORE_FAULTED,
  CORE_STATE,
  ControlBlock,
  LIVE_HARTS,
  STOP_ALL_EXITED,
  STOP_EXIT_GROUP,
  STOP_FAULT,
  coreWord,
  type QuantumClock,
} from '../../shared/control.ts';
import { regS, regU, setReg, TRAP_HART_EXIT, TRAP_RESUME, TRAP_STOP, type Cpu, type TrapHandler } from './cpu.ts';
import { CAUSE_ECALL_U, CAUSE_NAMES, GuestFault } from './fault.ts';
import {
  EBADF,
  EFAULT,
  EINVAL,
  ENOSYS,
  SYS_brk,
  SYS_clock_gettime,
  SYS_exit,
  SYS_exit_group,
  SYS_getpid,
  SYS_gettid,
  SYS_sched_yield,
  SYS_write,
} from './syscalls/numbers.ts';

/** Cycles charged for a syscall's entry and exit (trap, save/restore, sret). */
export const SYSCALL_COST = 100;
/** Largest single write() the kernel copies at once (Linux caps at MAX_RW_COUNT; we cap lower). */
const MAX_WRITE = 1 << 20;

export interface OutputChunk {
  core: number;
  fd: number;
  data: Uint8Array;
}

export interface FaultInfo {
  core: number;
  pc: number;
  cause: number;
  causeName: string;
  tval: number;
  /** The instruction word at pc, when it could be read. */
  encoding?: number;
  /** --boot linux: the signal that ended the process, and its one-line report. */
  signal?: number;
  report?: string;
}

export interface KernelOptions {
  control: ControlBlock;
  /** The hosting worker's quantum (a stop is dated by it). */
  clock: QuantumClock;
  clockHz: number;
  pid: number;
}

export class Kernel implements TrapHandler {
  /** Guest output not yet handed to the main thread, in order. */
  out: OutputChunk[] = [];
  readonly syscallCounts = new Map<number, number>();
  readonly enosysCounts = new Map<number, number>();
  readonly faults: FaultInfo[] = [];
  private readonly ctl: ControlBlock;
  private readonly clock: QuantumClock;
  private readonly nsPerCycle: number;
  private readonly pid: number;

  constructor(o: KernelOptions) {
    this.ctl = o.control;
    this.clock = o.clock;
    this.nsPerCycle = 1e9 / o.clockHz;
    this.pid = o.pid;
  }

  trap(cpu: Cpu, cause: number, tval: number): number {
    if (cause === CAUSE_ECALL_U) return this.syscall(cpu);
    return this.fatal(cpu, cause, tval);
  }

  /** A fault nobody handles ends the machine, like a SIGSEGV/SIGILL ends a process. */
  private fatal(cpu: Cpu, cause: number, tval: number): number {
    const info: FaultInfo = { core: cpu.hartId, pc: cpu.pc, cause, causeName: CAUSE_NAMES[cause] ?? `cause ${cause}`, tval };
    try {
      info.encoding = regWordAt(cpu, cpu.pc);
    } catch {
      // pc itself is unreadable (fetch fault): no encoding to show.
    }
    this.faults.push(info);
    Atomics.store(this.ctl.i32, coreWord(cpu.hartId, CORE_STATE), CORE_FAULTED);
    this.ctl.requestStop(STOP_FAULT, cpu.hartId, 128 + 11, this.clock.quantum);
    return TRAP_STOP;
  }

  private syscall(cpu: Cpu): number {
    const nr = regU(cpu, 17); // a7
    this.syscallCounts.set(nr, (this.syscallCounts.get(nr) ?? 0) + 1);
    cpu.cycle += SYSCALL_COST;
    let ret: number;
    switch (nr) {
      case SYS_write: ret = this.sysWrite(cpu); break;
      case SYS_exit: return this.sysExit(cpu, cpu.xl[10]);
      case SYS_exit_group: {
        this.markExited(cpu, cpu.xl[10]);
        this.ctl.requestStop(STOP_EXIT_GROUP, cpu.hartId, cpu.xl[10] & 0xff, this.clock.quantum);
        return TRAP_STOP;
      }
      case SYS_clock_gettime: ret = this.sysClockGettime(cpu); break;
      case SYS_getpid: ret = this.pid; break;
      case SYS_gettid: ret = this.pid + cpu.hartId; break;
      case SYS_sched_yield: ret = 0; break;
      case SYS_brk: ret = this.sysBrk(cpu); break;
      default:
        this.enosysCounts.set(nr, (this.enosysCounts.get(nr) ?? 0) + 1);
        ret = -ENOSYS;
    }
    setReg(cpu, 10, ret);
    cpu.pc += 4;
    return TRAP_RESUME;
  }

  /** write(fd, buf, count): fds 1 and 2 only; output stays in order per core. */
  private sysWrite(cpu: Cpu): number {
    const fd = regS(cpu, 10);
    const buf = regU(cpu, 11);
    let count = regU(cpu, 12);
    if (fd !== 1 && fd !== 2) return -EBADF;
    if (count > MAX_WRITE) count = MAX_WRITE;
    let data: Uint8Array;
    try {
      data = cpu.readGuest(buf, count);
    } catch (e) {
      if (e instanceof GuestFault) return -EFAULT;
      throw e;
    }
    this.out.push({ core: cpu.hartId, fd, data });
    return count;
  }

  private markExited(cpu: Cpu, code: number): void {
    Atomics.store(this.ctl.i32, coreWord(cpu.hartId, CORE_EXIT_CODE), code & 0xff);
    Atomics.store(this.ctl.i32, coreWord(cpu.hartId, CORE_STATE), CORE_EXITED);
  }

  /** exit(code) ends this hart. The last hart to exit ends the machine with hart 0's status. */
  private sysExit(cpu: Cpu, code: number): number {
    this.markExited(cpu, code);
    if (Atomics.sub(this.ctl.i32, LIVE_HARTS, 1) === 1) {
      const status = Atomics.load(this.ctl.i32, coreWord(0, CORE_EXIT_CODE));
      this.ctl.requestStop(STOP_ALL_EXITED, cpu.hartId, status, this.clock.quantum);
      return TRAP_STOP;
    }
    return TRAP_HART_EXIT;
  }

  /** clock_gettime(clk, tp): every clock counts simulated time since boot on this core. */
  private sysClockGettime(cpu: Cpu): number {
    const clk = regS(cpu, 10);
    if (clk < 0 || clk > 7) return -EINVAL;
    const ns = Math.floor(cpu.cycle * this.nsPerCycle);
    const sec = Math.floor(ns / 1e9);
    const nsec = ns - sec * 1e9;
    const ts = new Uint8Array(16);
    const dv = new DataView(ts.buffer);
    dv.setUint32(0, sec >>> 0, true);
    dv.setUint32(4, Math.floor(sec / 4294967296), true);
    dv.setUint32(8, nsec, true);
    try {
      cpu.writeGuest(regU(cpu, 11), ts);
    } catch (e) {
      if (e instanceof GuestFault) return -EFAULT;
      throw e;
    }
    return 0;
  }

  /** brk(addr): moves the shared program break within [BRK_MIN, BRK_MAX]; returns the break. */
  private sysBrk(cpu: Cpu): number {
    const want = regU(cpu, 10);
    const i32 = this.ctl.i32;
    for (;;) {
      const cur = Atomics.load(i32, BRK);
      if (want === 0 || want < Atomics.load(i32, BRK_MIN) || want > Atomics.load(i32, BRK_MAX)) return cur;
      if (Atomics.compareExchange(i32, BRK, cur, want) === cur) return want;
    }
  }

  /** Drains the output queue (the worker posts it to the main thread). */
  takeOutput(): OutputChunk[] {
    const o = this.out;
    this.out = [];
    return o;
  }
}

function regWordAt(cpu: Cpu, pc: number): number {
  const b = cpu.readGuest(pc, 2);
  const lo = b[0] | (b[1] << 8);
  if ((lo & 3) !== 3) return lo; // a 16-bit (compressed) instruction
  const c = cpu.readGuest(pc + 2, 2);
  return (lo | (c[0] << 16) | (c[1] << 24)) >>> 0;
}

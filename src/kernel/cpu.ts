// What the kernel sees of the core it runs on. The kernel never imports cores/:
// a hart implements this interface and passes itself to the trap handler.

export interface Cpu {
  readonly hartId: number;
  /** pc of the trapping instruction on entry to trap(); the handler sets where to resume. */
  pc: number;
  /** Simulated cycles of this core; the handler adds its own cost. */
  cycle: number;
  readonly instret: number;
  /** Registers as int32 pairs: xl[i] low word, xh[i] high word. Index 0 reads as zero. */
  readonly xl: Int32Array;
  readonly xh: Int32Array;
  /** Guest memory through this core's memory path. Throws GuestFault on a bad address. */
  readGuest(addr: number, len: number): Uint8Array;
  writeGuest(addr: number, data: Uint8Array): void;
}

/** trap() results. */
export const TRAP_RESUME = 0; // continue at cpu.pc
export const TRAP_HART_EXIT = 1; // this hart is done (SYS_exit)
export const TRAP_STOP = 2; // the machine is stopping (exit_group, fatal fault)
export const TRAP_IDLE = 3; // the task on this hart went to sleep and none replaced it: leave the run loop (the core idles)

export interface TrapHandler {
  /** The one entry for ecall, faults and (later) interrupts on this core. */
  trap(cpu: Cpu, cause: number, tval: number): number;
}

/** Register helpers for the kernel (not on the hot path). */
export function regU(cpu: Cpu, i: number): number {
  return (cpu.xh[i] >>> 0) * 4294967296 + (cpu.xl[i] >>> 0);
}
export function regS(cpu: Cpu, i: number): number {
  return cpu.xh[i] * 4294967296 + (cpu.xl[i] >>> 0);
}
/** Sets register i (never x0) to a safe integer v (negative values sign-extend). */
export function setReg(cpu: Cpu, i: number, v: number): void {
  if (i === 0) return;
  cpu.xl[i] = v | 0;
  cpu.xh[i] = Math.floor(v / 4294967296) | 0;
}

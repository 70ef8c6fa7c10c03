/**
 * Test harness: one in-process hart (cores/hart.ts) over a small flat RAM, driven by
 * assembled snippets. Registers go in and come out as BigInt; every trap the hart raises
 * is recorded. ecall stops the hart (TRAP_STOP), and so does every fault, so a snippet
 * runs until its first ecall or fault. A cycle limit keeps a broken interpreter from
 * hanging a test (hitting it throws).
 *
 * Memory map: RAM is [0, ramBytes) of the SharedArrayBuffer, addresses below `base`
 * (the guard page 0x0..0xfff) fault; code goes at CODE_BASE, data at DATA_BASE.
 */
import { assemble, parseRegister } from '../../src/asm/index.ts';
import { TRAP_STOP, type Cpu, type TrapHandler } from '../../src/kernel/cpu.ts';
import { CAUSE_ECALL_U } from '../../src/kernel/fault.ts';
import { DecodeCache } from '../../cores/decode_cache.ts';
import { Jit } from '../../cores/jit/jit.ts';
import { Hart, RUN_LIMIT } from '../../cores/hart.ts';
import { createCoreMemory } from '../../cores/core_memory.ts';
import type { FlatMemory } from '../../cores/mem_flat.ts';

export const RAM_BYTES = 1 << 20; // 1 MiB
export const RAM_BASE = 0x1000;
export const CODE_BASE = 0x10000;
export const DATA_BASE = 0x20000;
export const DEFAULT_CYCLE_LIMIT = 100_000;

/** A register index or an ABI / xN name. */
export type RegName = number | string;

export function regIndex(r: RegName): number {
  if (typeof r === 'number') {
    if (!Number.isInteger(r) || r < 0 || r > 31) throw new Error(`bad register index ${r}`);
    return r;
  }
  const i = parseRegister(r);
  if (i === undefined) throw new Error(`bad register name '${r}'`);
  return i;
}

/** Register i as a signed 64-bit BigInt. */
export function reg(h: Cpu, i: RegName): bigint {
  const k = regIndex(i);
  return (BigInt(h.xh[k]!) << 32n) | BigInt(h.xl[k]! >>> 0);
}

/** Register i as an unsigned 64-bit BigInt. */
export function regU(h: Cpu, i: RegName): bigint {
  return BigInt.asUintN(64, reg(h, i));
}

/** Sets register i to v (taken modulo 2^64, so signed or unsigned inputs both work). x0 is left alone. */
export function setReg(h: Cpu, i: RegName, v: bigint): void {
  const k = regIndex(i);
  if (k === 0) return;
  const x = BigInt.asUintN(64, v);
  h.xl[k] = Number(BigInt.asIntN(32, x));
  h.xh[k] = Number(BigInt.asIntN(32, x >> 32n));
}

/** One trap as the handler saw it. */
export interface TrapRecord {
  cause: number;
  tval: number;
  /** cpu.pc on entry: the pc of the trapping instruction. */
  pc: number;
  instret: number;
  cycle: number;
}

/** Records every trap; stops the hart on ecall and on any fault. */
export class RecordingTrapHandler implements TrapHandler {
  readonly traps: TrapRecord[] = [];
  trap(cpu: Cpu, cause: number, tval: number): number {
    this.traps.push({ cause, tval, pc: cpu.pc, instret: cpu.instret, cycle: cpu.cycle });
    return TRAP_STOP; // ecall: the snippet is done; fault: nothing to resume to
  }
  get last(): TrapRecord | undefined {
    return this.traps[this.traps.length - 1];
  }
}

export interface HarnessOptions {
  ramBytes?: number;
  base?: number;
  /** Extra cycles per memory access (FlatMemory latency). */
  latency?: number;
  timePerCycle?: number;
}

export interface RunOptions {
  /** Registers to set before running (everything else starts at 0 after reset). */
  regs?: Record<string, bigint> | Array<[RegName, bigint]>;
  /** Entry pc; default CODE_BASE. */
  pc?: number;
  cycleLimit?: number;
  /** Keep registers, counters and traps from the previous run instead of resetting. */
  keepState?: boolean;
}

export class TestHart {
  readonly ram: SharedArrayBuffer;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  readonly dc: DecodeCache;
  readonly mem: FlatMemory;
  readonly handler = new RecordingTrapHandler();
  readonly hart: Hart;
  readonly ramBytes: number;
  readonly base: number;

  constructor(o: HarnessOptions = {}) {
    this.ramBytes = o.ramBytes ?? RAM_BYTES;
    this.base = o.base ?? RAM_BASE;
    this.ram = new SharedArrayBuffer(this.ramBytes);
    this.u8 = new Uint8Array(this.ram);
    this.dv = new DataView(this.ram);
    const wired = createCoreMemory({ core: 0, ram: this.ram, ramBase: this.base, lrscHold: 0, flatLatency: o.latency ?? 0 });
    this.dc = wired.decode;
    this.mem = wired.mem as FlatMemory;
    // SMPEMU_TEST_ENGINE=jit runs every snippet with the translator, translating a block the
    // second time it is reached (the interpreter is the default and the reference).
    const jit = process.env.SMPEMU_TEST_ENGINE === 'jit' ? new Jit(this.dc, this.mem, 1) : undefined;
    this.hart = new Hart({ hartId: 0, mem: this.mem, decode: this.dc, trap: this.handler, timePerCycle: o.timePerCycle ?? 1, jit });
  }

  /**
   * Assembles `source` at `at`, writes it to RAM and drops the hart's decoded
   * instructions (host writes bypass the hart's store path). Returns the labels.
   */
  load(source: string, at = CODE_BASE): Map<string, number> {
    const { words, labels } = assemble(source, { base: at });
    this.loadWords(words, at);
    return labels;
  }

  loadWords(words: ArrayLike<number>, at = CODE_BASE): void {
    for (let i = 0; i < words.length; i++) this.dv.setUint32(at + 4 * i, words[i]! >>> 0, true);
    this.dc.flush();
  }

  /** Zeroes the registers and counters, clears the trap log, sets pc. */
  reset(pc = CODE_BASE): void {
    this.hart.xl.fill(0);
    this.hart.xh.fill(0);
    this.hart.pc = pc;
    this.hart.cycle = 0;
    this.hart.instret = 0;
    this.handler.traps.length = 0;
  }

  /**
   * Runs from the entry pc until the hart stops (first ecall or fault) and returns that
   * trap. Throws if the cycle limit is reached or the hart stopped without a trap.
   */
  run(o: RunOptions = {}): TrapRecord {
    if (!o.keepState) this.reset(o.pc ?? CODE_BASE);
    else if (o.pc !== undefined) this.hart.pc = o.pc;
    if (o.regs) {
      const entries: Array<[RegName, bigint]> = Array.isArray(o.regs) ? o.regs : Object.entries(o.regs);
      for (const [r, v] of entries) setReg(this.hart, r, v);
    }
    const before = this.handler.traps.length;
    const limit = o.cycleLimit ?? DEFAULT_CYCLE_LIMIT;
    const r = this.hart.run(this.hart.cycle + limit);
    if (r === RUN_LIMIT) throw new Error(`hart did not stop within ${limit} cycles (pc=0x${this.hart.pc.toString(16)})`);
    const t = this.handler.traps[this.handler.traps.length - 1];
    if (t === undefined || this.handler.traps.length === before) throw new Error('hart stopped without a trap');
    return t;
  }

  /** load + run in one go. */
  exec(source: string, o: RunOptions = {}): TrapRecord {
    this.load(source, o.pc ?? CODE_BASE);
    return this.run(o);
  }

  reg(i: RegName): bigint {
    return reg(this.hart, i);
  }
  regU(i: RegName): bigint {
    return regU(this.hart, i);
  }
  setReg(i: RegName, v: bigint): void {
    setReg(this.hart, i, v);
  }

  // ---- host-side RAM access (little-endian, bypasses the hart) ----

  write(addr: number, bytes: ArrayLike<number>): void {
    for (let i = 0; i < bytes.length; i++) this.u8[addr + i] = bytes[i]!;
  }
  read(addr: number, len: number): Uint8Array {
    return this.u8.slice(addr, addr + len);
  }
  write32(addr: number, v: bigint): void {
    this.dv.setUint32(addr, Number(BigInt.asUintN(32, v)), true);
  }
  write64(addr: number, v: bigint): void {
    this.dv.setBigUint64(addr, BigInt.asUintN(64, v), true);
  }
  read32(addr: number): bigint {
    return BigInt(this.dv.getUint32(addr, true));
  }
  read64(addr: number): bigint {
    return this.dv.getBigUint64(addr, true);
  }
}

/** True if the trap is the ecall that ends a snippet. */
export function isEcall(t: TrapRecord): boolean {
  return t.cause === CAUSE_ECALL_U;
}

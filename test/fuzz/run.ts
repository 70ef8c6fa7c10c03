// The three ways a fuzz program runs: qemu-riscv64 (the oracle, a subprocess), smpemu's interpreter
// in-process (cores/hart.ts over flat RAM, with write/exit handled here: no worker start-up, so
// thousands of programs a minute), and the whole machine (runMachine, --boot spmd --cores 1).

import { createCoreMemory } from '../../cores/core_memory.ts';
import { Hart, RUN_LIMIT } from '../../cores/hart.ts';
import { TRAP_RESUME, TRAP_STOP, type Cpu, type TrapHandler } from '../../src/kernel/cpu.ts';
import { CAUSE_ECALL_U, CAUSE_NAMES } from '../../src/kernel/fault.ts';
import { parseElf } from '../../src/loader/elf.ts';
import { makeConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { runQemu } from '../helpers/qemu.ts';

/** What a run printed and how it ended: `exit N`, `signal SIG...` or `fault <cause> at pc ...`. */
export interface RunOutput {
  stdout: Buffer;
  end: string;
}

export async function qemuRun(elf: Uint8Array): Promise<RunOutput> {
  const q = await runQemu(elf);
  if (q.stderr !== '' && q.signal === null) throw new Error(`qemu-riscv64: ${q.stderr.trim()}`);
  return { stdout: q.stdout, end: q.signal !== null ? `signal ${q.signal}` : `exit ${q.status}` };
}

/** The whole machine, one core, flat memory unless `memory` says caches. */
export async function machineRun(elf: Uint8Array, memory: 'flat' | 'caches' = 'flat'): Promise<RunOutput> {
  const parts: Buffer[] = [];
  const r = await runMachine(makeConfig({ cores: 1, memory }), elf, { stdout: (d) => parts.push(Buffer.from(d)) });
  return { stdout: Buffer.concat(parts), end: r.stopReason === 'fault' || r.error ? `fault ${r.error ?? ''}` : `exit ${r.exitCode}` };
}

const RAM_BYTES = 4 << 20;
const RAM_BASE = 0x1000;
const SYS_WRITE = 64, SYS_EXIT = 93, SYS_EXIT_GROUP = 94;

/** ecall: write(1, buf, len) and exit; any fault stops the hart and is recorded. */
class MiniKernel implements TrapHandler {
  readonly out: Buffer[] = [];
  end = '';
  trap(cpu: Cpu, cause: number, tval: number): number {
    if (cause !== CAUSE_ECALL_U) {
      this.end = `fault ${CAUSE_NAMES[cause] ?? cause} at pc 0x${(cpu.pc >>> 0).toString(16)} (tval 0x${(tval >>> 0).toString(16)})`;
      return TRAP_STOP;
    }
    const nr = cpu.xl[17]!;
    if (nr === SYS_WRITE) {
      const len = cpu.xl[12]! >>> 0;
      this.out.push(Buffer.from(cpu.readGuest(cpu.xl[11]! >>> 0, len)));
      cpu.xl[10] = len;
      cpu.xh[10] = 0;
    } else if (nr === SYS_EXIT || nr === SYS_EXIT_GROUP) {
      this.end = `exit ${cpu.xl[10]! & 0xff}`;
      return TRAP_STOP;
    } else {
      this.end = `syscall ${nr}`;
      return TRAP_STOP;
    }
    cpu.pc += 4;
    return TRAP_RESUME;
  }
}

/** smpemu's hart in this thread: the ELF's segments in a flat RAM, a0 = 0 at the entry (hart 0 of 1). */
export function inProcessRun(elf: Uint8Array, cycleLimit = 50_000_000): RunOutput {
  const img = parseElf(elf);
  const ram = new SharedArrayBuffer(RAM_BYTES);
  const u8 = new Uint8Array(ram);
  for (const s of img.segments) {
    if (s.vaddr + s.memsz > RAM_BYTES) throw new Error(`segment at 0x${s.vaddr.toString(16)} outside the fuzz RAM`);
    u8.set(elf.subarray(s.offset, s.offset + s.filesz), s.vaddr);
  }
  const { mem, decode } = createCoreMemory({ core: 0, ram, ramBase: RAM_BASE, flatLatency: 0, lrscHold: 0 });
  const k = new MiniKernel();
  const hart = new Hart({ hartId: 0, mem, decode, trap: k, timePerCycle: 1 });
  hart.pc = img.entry;
  hart.xl[11] = 1; // a1 = core count
  hart.xl[2] = RAM_BYTES - 16; // sp
  if (hart.run(cycleLimit) === RUN_LIMIT) k.end = `cycle limit at pc 0x${(hart.pc >>> 0).toString(16)}`;
  return { stdout: Buffer.concat(k.out), end: k.end };
}

// The kernel of `--boot linux`, as seen by the worker that hosts core 0: one process
// (pid 1, as the first user process of a Linux boot) exec'd from the program at start,
// running on core 0. It is the trap entry of every core this worker hosts: syscalls
// (memory ones here, then the syscall groups), page faults (mm/memory.ts), and the
// exceptions that end the process with a signal, reported in one line. Its shared state
// (page array, zones, VMAs, mm table) lives in SharedArrayBuffers; the process record and
// its syscall groups are objects of this worker.

import { CORE_EXITED, CORE_EXIT_CODE, CORE_STATE, ControlBlock, STOP_EXIT_GROUP, STOP_SIGNAL, coreWord, type QuantumClock } from '../../shared/control.ts';
import { parseElf, phdrVaddr, type ElfImage } from '../loader/elf.ts';
import { SymbolTable } from '../loader/symbols.ts';
import { regU, setReg, TRAP_RESUME, TRAP_STOP, type Cpu, type TrapHandler } from './cpu.ts';
import { riscvHwcap, seededRandomBytes } from './exec/binfmt_elf.ts';
import { loadElfBinary } from './exec/load_elf_binary.ts';
import {
  CAUSE_BREAKPOINT, CAUSE_ECALL_U, CAUSE_FETCH_PAGE, CAUSE_ILLEGAL_INSTRUCTION, CAUSE_LOAD_PAGE, CAUSE_MISALIGNED_FETCH,
  CAUSE_MISALIGNED_LOAD, CAUSE_MISALIGNED_STORE, CAUSE_NAMES, CAUSE_STORE_PAGE,
} from './fault.ts';
import type { FaultInfo, OutputChunk } from './kernel.ts';
import { applyMmChanges, exitMmap } from './mm/mm_changes.ts';
import { F_BRK, F_START_BRK, MmTable, TASK_SIZE_SV39 } from './mm/mm_struct.ts';
import { FAULT_FLAG_INSTRUCTION, FAULT_FLAG_WRITE, handleMmFault, VM_FAULT_OK, VM_FAULT_OOM, VM_FAULT_SIGBUS, type FaultCounts, type FilePages } from './mm/memory.ts';
import { PageAlloc, type MmBuffers } from './mm/page_alloc.ts';
import { PageTables } from './mm/pgtable.ts';
import { ShmemCache } from './mm/shmem.ts';
import type { CpuMmu } from './mm/tlbflush.ts';
import { AsidAllocator, allocAsidBuffer } from './mm/context.ts';
import { MmTlbFlush } from './mm/tlb_shootdown.ts';
import { ProcessUserAccess } from './mm/uaccess.ts';
import { readProcPath } from './proc/base.ts';
import { oneProcessView } from './proc_view.ts';
import { emulateMisaligned, EMU_FAULT, EMU_OK } from './traps_misaligned.ts';
import { vmEvent } from './mm/vmstat.ts';
import { VM_EXEC, VM_GROWSDOWN, VM_MAYSHARE, VM_READ, VM_WRITE, VmaPool } from './mm/vma.ts';
import { GuestRoot } from './fs/namei.ts';
import { PseudoFs, registerCpuFiles } from './fs/procfs.ts';
import { FileSyscalls } from './fs/syscalls.ts';
import { registerProcFiles } from './proc/base.ts';
import { QueuedConsole } from './syscalls/console.ts';
import { RandomPool } from './syscalls/random.ts';
import { LinuxProcessState, linuxSyscallGroups } from './syscalls/registry.ts';
import { mmSyscall, type MmContext } from './syscalls/mm.ts';
import { ENOSYS } from './syscalls/numbers.ts';
import { NOT_MINE, type SyscallGroup, type SyscallTask } from './syscalls/task_context.ts';

/** Cycles charged for a syscall's entry and exit, and for a page fault's (trap, save/restore, sret). */
export const SYSCALL_COST = 100;
export const FAULT_COST = 100;

const SYS_exit = 93;
const SYS_exit_group = 94;

export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGBUS = 7;
export const SIGKILL = 9;
export const SIGSEGV = 11;
const SIGNAMES: Record<number, string> = { 4: 'SIGILL', 5: 'SIGTRAP', 7: 'SIGBUS', 9: 'SIGKILL', 11: 'SIGSEGV' };

/** The shared buffers of the Linux kernel (the region map's `mm` and `linux` regions). */
export interface LinuxBuffers {
  vmaPool: SharedArrayBuffer;
  mmTable: SharedArrayBuffer;
}

/** What the first process is: the program and what it is given. */
export interface LinuxExec {
  program: Uint8Array;
  /** Path of the program in the guest tree (argv[0] default, AT_EXECFN). */
  execfn: string;
  argv: string[];
  envp: string[];
  /** Seed of AT_RANDOM and getrandom (fixed: runs are reproducible). */
  seed: number;
  /** /proc files to render when the process exits (the CLI's --proc PATH). */
  procAtExit?: string[];
  /** The host directory that is the guest's "/" (--root, or a fresh tree holding the program), and --root-rw. */
  root: string;
  rootRw?: boolean;
  /** Whether the host's stdin, stdout and stderr are terminals (TCGETS, fstat of fds 0-2). */
  tty?: [boolean, boolean, boolean];
}

/** CLOCK_REALTIME at boot: fixed (2026-01-01T00:00:00Z), so runs are reproducible. */
export const BOOT_EPOCH_NS = 1767225600n * 1_000_000_000n;

export interface LinuxKernelOptions {
  control: ControlBlock;
  clock: QuantumClock;
  clockHz: number;
  cores: number;
  mm: MmBuffers;
  buffers: LinuxBuffers;
  exec: LinuxExec;
  /** The MMU of each hosted core, by core id. */
  mmus: Map<number, CpuMmu>;
  /** Cache geometry for the auxv's ARCH_DLINFO entries. */
  caches?: { l1i: Geometry; l1d: Geometry; l2: Geometry; l3: Geometry };
}
interface Geometry { size: number; ways: number; lineSize: number }

/** The per-process numbers the stats report. */
export interface ProcessStats {
  pid: number;
  comm: string;
  minFlt: number;
  majFlt: number;
  /** vmstat events at the end: pgfault, pgmajfault, pgalloc (all zones), pgfree. */
  pgfault: number;
  pgmajfault: number;
  pgalloc: number;
  pgfree: number;
  /** Misaligned accesses across pages the kernel emulated. */
  misalignedEmulated: number;
  /** --proc PATH: the files as they read when the process exited. */
  proc?: { path: string; text: string }[];
}

export class LinuxKernel implements TrapHandler {
  out: OutputChunk[] = [];
  readonly syscallCounts = new Map<number, number>();
  readonly enosysCounts = new Map<number, number>();
  readonly faults: FaultInfo[] = [];
  readonly pid = 1;
  readonly comm: string;
  readonly counts: FaultCounts = { minFlt: 0, majFlt: 0 };
  /** Misaligned accesses across pages the kernel emulated. */
  misalignedEmulated = 0;
  /** The --proc files as they read when the process exited. */
  readonly procTexts: { path: string; text: string }[] = [];
  private readonly ctl: ControlBlock;
  private readonly clock: QuantumClock;
  private readonly alloc: PageAlloc;
  private readonly t: MmTable;
  private readonly image: ElfImage;
  private readonly symbols: SymbolTable;
  private readonly files: FilePages;
  private readonly groups: SyscallGroup[];
  private readonly console: QueuedConsole;
  private readonly users = new Map<number, ProcessUserAccess>();
  private mm: MmContext | undefined;
  private m = -1;
  /**
   * ASIDs and mm_cpumask (mm/context.ts), and the mm-wide TLB flushes (mm/tlb_shootdown.ts).
   * The buffer is this worker's while the process runs on core 0 alone; with processes on
   * cores of several workers it must come from the boot's regions, and the shootdowns to
   * other workers' cores need the IPI path (smpShootdown) wired into the cores' loops.
   */
  readonly asids: AsidAllocator;
  readonly tlbFlush: MmTlbFlush;
  /** The last fault (pc, address, cause) and how often in a row: a fault the kernel cannot fix must not loop. */
  private lastFault = '';
  private repeats = 0;

  constructor(private readonly o: LinuxKernelOptions) {
    this.ctl = o.control;
    this.clock = o.clock;
    this.alloc = new PageAlloc(o.mm);
    const pool = new VmaPool(o.buffers.vmaPool);
    this.t = new MmTable(o.buffers.mmTable, pool);
    this.asids = new AsidAllocator(allocAsidBuffer(o.cores, this.t.capacity));
    this.tlbFlush = new MmTlbFlush(this.asids, (c) => o.mmus.get(c));
    this.image = parseElf(o.exec.program);
    this.symbols = new SymbolTable(this.image.symbols);
    this.comm = (o.exec.execfn.split('/').pop() ?? 'prog').slice(0, 15);
    const program = o.exec.program;
    this.files = {
      readPage(id: number, pgoff: number, out: Uint8Array): boolean {
        if (id !== 1) return false;
        out.fill(0);
        const from = pgoff * 4096;
        if (from < program.length) out.set(program.subarray(from, Math.min(from + 4096, program.length)));
        return true;
      },
    };
    // The file tree, the console on fds 0-2, and the syscall groups (syscalls/registry.ts).
    const pseudo = new PseudoFs();
    pseudo.pids = () => (this.mm ? [this.pid] : []);
    pseudo.registerLink('/proc/[pid]/exe', () => o.exec.execfn);
    registerCpuFiles(pseudo, { ncpus: o.cores, isa: 'rv64imafdc', mmu: 'sv39' });
    registerProcFiles(pseudo, this.liveProcView());
    const root = new GuestRoot(o.exec.root, { writable: o.exec.rootRw ?? false, pseudo });
    this.console = new QueuedConsole({ push: (c) => this.out.push(c), tty: o.exec.tty });
    const fs = new FileSyscalls({ root, pid: this.pid });
    fs.installStdio(this.console);
    const state = new LinuxProcessState({ totalramPages: this.alloc.totalramPages() });
    this.groups = linuxSyscallGroups({
      fs, state, console: this.console, clockHz: o.clockHz, bootEpochNs: BOOT_EPOCH_NS, random: new RandomPool(o.exec.seed),
      sysinfo: () => ({ totalram: this.alloc.totalramPages() * 4096, freeram: this.freePages() * 4096, procs: 1 }),
      taskSize: TASK_SIZE_SV39,
    });
  }

  private freePages(): number {
    let s = 0;
    for (let z = 0; z < 3; z++) s += this.alloc.nrFreePages(z);
    return s;
  }

  /** /proc as the guest reads it: the live process, read through core 0's memory path. */
  private liveProcView() {
    const self = this;
    const view = {
      pids: () => (self.mm ? [self.pid] : []),
      task: (pid: number) => (self.mm && pid === self.pid ? self.procSnapshot().task(pid) : undefined),
      alloc: this.alloc,
      mmTable: this.t,
      get phys() {
        return self.mm!.pt.phys;
      },
      levels: 3,
      nrCpuIds: this.o.cores,
      fileInfo: (id: number) => (id === 1 ? { major: 0, minor: 1, ino: 2, path: self.o.exec.execfn } : undefined),
    };
    return view;
  }

  private procSnapshot() {
    const mm = this.mm!;
    return oneProcessView(this.alloc, this.t, mm.pt.phys, this.o.cores, {
      pid: this.pid, comm: this.comm, m: mm.m, pgd: mm.pgd, minFlt: this.counts.minFlt, majFlt: this.counts.majFlt, exe: this.o.exec.execfn,
    });
  }

  /** exec of the first process on `cpu` (core 0): maps the program, builds the stack, sets pc, sp and a0. */
  start(cpu: Cpu): void {
    const mmu = this.mmuOf(cpu);
    const pt = new PageTables({ alloc: this.alloc, phys: mmu.phys, cpu: cpu.hartId, levels: 3 });
    if (pt.zero_page_alloc() < 0) throw new Error('boot: no memory for the zero page');
    const m = this.t.mmAlloc({ taskSize: TASK_SIZE_SV39 });
    if (m < 0) throw new Error('boot: no free mm');
    const pgd = pt.pgd_alloc();
    if (pgd < 0) throw new Error('boot: no memory for the page tables');
    this.m = m;
    // The syscalls' flushes are mm-wide (flush_tlb_range/_mm: every core of mm_cpumask).
    const cpuId = cpu.hartId;
    const mmFlush: CpuMmu = Object.create(mmu, {
      flushTlbPage: { value: (va: number) => this.tlbFlush.flush_tlb_page(cpuId, m, va) },
      flushTlbAll: { value: () => this.tlbFlush.flush_tlb_mm(cpuId, m) },
    });
    this.mm = { t: this.t, m, pgd, pt, mmu: mmFlush, shmem: new ShmemCache(this.alloc, cpu.hartId) };
    this.asids.init_new_context(m);
    this.asids.switch_mm(cpu.hartId, m, mmu, pgd, 3);
    const e = this.o.exec;
    const caches = this.o.caches;
    const phdr = phdrVaddr(this.image) ?? 0;
    const loaded = loadElfBinary(this.t, m, this.image, { id: 1, readable: true, writable: false }, {
      argv: e.argv, envp: e.envp, execfn: e.execfn, phdr, phnum: this.image.phnum, uid: 0, gid: 0,
      hwcap: riscvHwcap('rv64imafdc'), random: seededRandomBytes(e.seed),
      caches: caches && { l1i: caches.l1i, l1d: caches.l1d, l2: caches.l2, l3: caches.l3 },
    }, this.userOf(cpu), (ch) => applyMmChanges(this.t, m, pgd, pt, mmu, ch));
    this.drainPhys(cpu);
    for (let i = 1; i < 32; i++) setReg(cpu, i, 0);
    cpu.pc = loaded.entry;
    setReg(cpu, 2, loaded.stack.sp);
    setReg(cpu, 10, 0); // glibc takes a0 as rtld_fini
  }

  private mmuOf(cpu: Cpu): CpuMmu {
    const mmu = this.o.mmus.get(cpu.hartId);
    if (!mmu) throw new Error(`BUG: core ${cpu.hartId} has no MMU`);
    return mmu;
  }

  private userOf(cpu: Cpu): ProcessUserAccess {
    let u = this.users.get(cpu.hartId);
    if (!u) {
      u = new ProcessUserAccess(cpu, (addr, write) => this.fixUserFault(cpu, addr, write ? FAULT_FLAG_WRITE : 0));
      this.users.set(cpu.hartId, u);
    }
    return u;
  }

  /** The kernel's page-table and page traffic so far on this core, charged to it. */
  private drainPhys(cpu: Cpu): void {
    const phys = this.mmuOf(cpu).phys;
    cpu.cycle += phys.cycles;
    phys.cycles = 0;
  }

  private fixUserFault(cpu: Cpu, addr: number, flags: number): boolean {
    if (!this.mm) return false;
    const r = handleMmFault(this.faultContext(cpu), addr, flags);
    return r.code === VM_FAULT_OK;
  }

  private faultContext(cpu: Cpu) {
    const mm = this.mm!;
    return { t: mm.t, m: mm.m, pgd: mm.pgd, pt: mm.pt, phys: mm.pt.phys as CpuMmu['phys'], mmu: this.mmuOf(cpu), cpu: cpu.hartId, files: this.files, counts: this.counts, shmem: mm.shmem, tlb: this.tlbFlush };
  }

  trap(cpu: Cpu, cause: number, tval: number): number {
    if (cause === CAUSE_ECALL_U) return this.syscall(cpu);
    if (cause === CAUSE_LOAD_PAGE || cause === CAUSE_STORE_PAGE || cause === CAUSE_FETCH_PAGE) return this.pageFault(cpu, cause, tval);
    switch (cause) {
      case CAUSE_ILLEGAL_INSTRUCTION: return this.kill(cpu, cause, tval, SIGILL, `illegal instruction 0x${(tval >>> 0).toString(16).padStart((tval & 3) === 3 ? 8 : 4, '0')}`);
      case CAUSE_BREAKPOINT: return this.kill(cpu, cause, tval, SIGTRAP, 'breakpoint (ebreak)');
      case CAUSE_MISALIGNED_FETCH: return this.kill(cpu, cause, tval, SIGBUS, `misaligned jump target 0x${tval.toString(16)}`);
      case CAUSE_MISALIGNED_LOAD:
      case CAUSE_MISALIGNED_STORE: return this.misaligned(cpu, cause, tval);
      default: return this.kill(cpu, cause, tval, SIGSEGV, `${CAUSE_NAMES[cause] ?? `cause ${cause}`} at 0x${tval.toString(16)}`);
    }
  }

  /** A misaligned access across two pages: emulated as Linux does for user mode (traps_misaligned.ts). */
  private misaligned(cpu: Cpu, cause: number, tval: number): number {
    cpu.cycle += FAULT_COST;
    const r = emulateMisaligned(cpu, this.userOf(cpu), tval);
    this.drainPhys(cpu);
    if (r === EMU_OK) {
      this.misalignedEmulated++;
      return TRAP_RESUME;
    }
    const kind = cause === CAUSE_MISALIGNED_STORE ? 'store to' : 'load from';
    if (r === EMU_FAULT) return this.kill(cpu, cause, tval, SIGSEGV, `misaligned ${kind} 0x${tval.toString(16)}: not all of it is mapped`);
    return this.kill(cpu, cause, tval, SIGBUS, `misaligned ${kind} 0x${tval.toString(16)} (an access the kernel does not emulate)`);
  }

  private pageFault(cpu: Cpu, cause: number, tval: number): number {
    cpu.cycle += FAULT_COST;
    const flags = cause === CAUSE_STORE_PAGE ? FAULT_FLAG_WRITE : cause === CAUSE_FETCH_PAGE ? FAULT_FLAG_INSTRUCTION : 0;
    const key = `${cpu.pc}:${tval}:${cause}`;
    this.repeats = key === this.lastFault ? this.repeats + 1 : 0;
    this.lastFault = key;
    const ctx = this.faultContext(cpu);
    let addr = tval;
    let r = handleMmFault(ctx, addr, flags);
    // An access across a page boundary faults naming its first byte: after a couple of
    // rounds with that page fine, the next page is the one to fault in.
    if (r.code === VM_FAULT_OK && this.repeats >= 1 && tval % 4096 > 4096 - 8) {
      addr = tval - (tval % 4096) + 4096;
      r = handleMmFault(ctx, addr, flags);
    }
    this.drainPhys(cpu);
    if (r.code === VM_FAULT_OK && this.repeats < 4) return TRAP_RESUME;
    const kind = cause === CAUSE_STORE_PAGE ? 'store to' : cause === CAUSE_FETCH_PAGE ? 'instruction fetch from' : 'load from';
    if (r.code === VM_FAULT_OK) return this.kill(cpu, cause, tval, SIGSEGV, `${kind} 0x${addr.toString(16)}: the fault repeats (kernel could not fix it)`);
    if (r.code === VM_FAULT_OOM) return this.kill(cpu, cause, tval, SIGKILL, `out of memory at ${kind} 0x${addr.toString(16)} (no free page: the OOM killer's choice)`);
    if (r.code === VM_FAULT_SIGBUS) return this.kill(cpu, cause, tval, SIGBUS, `${kind} 0x${addr.toString(16)}: beyond the end of the mapped file`);
    const where = r.vma >= 0 ? `in VMA ${this.describeVma(r.vma)}` : 'outside any mapping';
    return this.kill(cpu, cause, tval, SIGSEGV, `${kind} 0x${addr.toString(16)} ${where}`);
  }

  /** "0x10000-0x71000 r-xp /hello", as /proc/PID/maps names it. */
  private describeVma(v: number): string {
    const p = this.t.pool;
    const f = p.flags(v);
    const perms = `${f & VM_READ ? 'r' : '-'}${f & VM_WRITE ? 'w' : '-'}${f & VM_EXEC ? 'x' : '-'}${f & VM_MAYSHARE ? 's' : 'p'}`;
    let name = '';
    if (p.file(v) === 1) name = ` ${this.o.exec.execfn}`;
    else if (p.start(v) <= this.t.get(this.m, F_START_BRK) && p.end(v) >= this.t.get(this.m, F_BRK) && p.end(v) > this.t.get(this.m, F_START_BRK)) name = ' [heap]';
    else if ((f & VM_GROWSDOWN) !== 0) name = ' [stack]';
    return `0x${p.start(v).toString(16)}-0x${p.end(v).toString(16)} ${perms}${name}`;
  }

  /** The default action of a fatal signal: the process ends, the machine with it; one line says why. */
  private kill(cpu: Cpu, cause: number, tval: number, sig: number, what: string): number {
    const sym = this.symbols.format(cpu.pc);
    const at = `at pc 0x${cpu.pc.toString(16)}${sym.startsWith('0x') ? '' : ` (${sym})`}`;
    const report = `core ${cpu.hartId}: pid ${this.pid} (${this.comm}) ${SIGNAMES[sig]} ${at}: ${what}`;
    this.faults.push({ core: cpu.hartId, pc: cpu.pc, cause, causeName: CAUSE_NAMES[cause] ?? `cause ${cause}`, tval, report, signal: sig });
    this.exitCore(cpu, 128 + sig);
    this.ctl.requestStop(STOP_SIGNAL, cpu.hartId, 128 + sig, this.clock.quantum);
    return TRAP_STOP;
  }

  /** do_exit's mm part: the address space goes (pages, page tables, VMAs), charged to this core. */
  private exitMm(cpu: Cpu): void {
    const mm = this.mm;
    if (!mm) return;
    const paths = this.o.exec.procAtExit ?? [];
    if (paths.length > 0) {
      const view = this.procSnapshot();
      for (const path of paths) this.procTexts.push({ path, text: readProcPath(view, path) ?? `smpemu: --proc ${path}: no such file\n` });
    }
    this.mm = undefined;
    exitMmap(mm.t, mm.m, mm.pgd, mm.pt, mm.mmu, mm.shmem);
    this.drainPhys(cpu);
  }

  /** TLB shootdowns core `core` sent and received (mm/context.ts counts them). */
  shootdowns(core: number): { sent: number; received: number } {
    return this.asids.shootdowns(core);
  }

  private exitCore(cpu: Cpu, code: number): void {
    this.exitMm(cpu);
    Atomics.store(this.ctl.i32, coreWord(cpu.hartId, CORE_EXIT_CODE), code & 0xff);
    Atomics.store(this.ctl.i32, coreWord(cpu.hartId, CORE_STATE), CORE_EXITED);
  }

  private syscall(cpu: Cpu): number {
    const nr = regU(cpu, 17);
    this.syscallCounts.set(nr, (this.syscallCounts.get(nr) ?? 0) + 1);
    cpu.cycle += SYSCALL_COST;
    if (nr === SYS_exit || nr === SYS_exit_group) {
      // One thread: exit ends the thread group too.
      const code = cpu.xl[10] & 0xff;
      this.exitCore(cpu, code);
      this.ctl.requestStop(STOP_EXIT_GROUP, cpu.hartId, code, this.clock.quantum);
      return TRAP_STOP;
    }
    const task: SyscallTask = { cpu, user: this.userOf(cpu), pid: this.pid, tid: this.pid, ppid: 0 };
    this.console.core = cpu.hartId;
    let ret = this.mm ? mmSyscall(this.mm, task, nr) : NOT_MINE;
    for (let i = 0; ret === NOT_MINE && i < this.groups.length; i++) ret = this.groups[i](task, nr);
    if (ret === NOT_MINE) {
      this.enosysCounts.set(nr, (this.enosysCounts.get(nr) ?? 0) + 1);
      ret = -ENOSYS;
    }
    this.drainPhys(cpu);
    setReg(cpu, 10, ret);
    cpu.pc += 4;
    return TRAP_RESUME;
  }

  processStats(): ProcessStats {
    const vs = this.alloc.vmstat;
    const ev = (name: string) => vs.event(vmEvent(name));
    let pgalloc = 0;
    for (const z of ['pgalloc_dma32', 'pgalloc_normal', 'pgalloc_movable']) pgalloc += ev(z);
    return { pid: this.pid, comm: this.comm, ...this.counts, pgfault: ev('pgfault'), pgmajfault: ev('pgmajfault'), pgalloc, pgfree: ev('pgfree'), misalignedEmulated: this.misalignedEmulated,
      ...(this.procTexts.length > 0 ? { proc: this.procTexts } : {}) };
  }

  takeOutput(): OutputChunk[] {
    if (this.out.length === 0) return [];
    return this.out.splice(0, this.out.length);
  }
}

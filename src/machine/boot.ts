// SPMD boot: load the ELF into RAM, place one stack per hart at the top of RAM,
// and set up the control block (live harts, program break, barrier).

import { BARRIER_BASE, BRK, BRK_MAX, BRK_MIN, ControlBlock, LIVE_HARTS } from '../../shared/control.ts';
import { allocateRegions, type Regions } from '../../shared/regions.ts';
import { barrierInit } from '../../shared/sync/barrier.ts';
import { ElfError, highestLoadEnd, loadSegments, parseElf, type ElfImage } from '../loader/elf.ts';
import type { MachineConfig } from './config.ts';
import type { LinuxBuffers, LinuxExec } from '../kernel/linux.ts';
import { createMm } from '../kernel/mm/page_alloc.ts';
import { MmTable, TASK_SIZE_SV39, TASK_SIZE_SV48 } from '../kernel/mm/mm_struct.ts';
import { createElfTables, ExecError } from '../kernel/exec/binfmt_elf.ts';
import { ConfigError } from './config.ts';
import { VmaPool } from '../kernel/mm/vma.ts';
import { allocRemoteBuffer } from '../kernel/remote/mailbox.ts';
import { counterLength } from '../../shared/coherence/stats.ts';
import { allocLinuxIrq } from '../kernel/irq/entry.ts';

/** What --boot linux runs: the program's arguments and environment (argv[0] is execfn unless given). */
export interface LinuxProcessSpec {
  /** Path of the program in the guest tree. */
  execfn: string;
  /** argv[1..]. */
  args: string[];
  envp: string[];
  /** /proc files to read when the process exits (--proc PATH). */
  proc?: string[];
  /** --proc-at CYCLES: snapshots of the proc files when core 0's cycle counter first reaches each. */
  procAt?: number[];
  /** The host directory that is the guest's "/" (the caller makes a fresh one when none is given). */
  root: string;
  rootRw?: boolean;
  /** Whether the host's stdin, stdout, stderr are terminals. */
  tty?: [boolean, boolean, boolean];
  /** --affinity: the CPUs the first task may run on (default: all). */
  affinity?: number[];
  /** --top: a frame on stderr every this many ns of simulated time. */
  topIntervalNs?: number;
}

/**
 * VMAs per address space (vm.max_map_count is Linux's 65530) and address spaces in the mm
 * table: one per live process, so at most 128 processes with an address space (fork beyond
 * is ENOMEM, as when Linux cannot allocate an mm_struct). 128 * 256 KiB of index, touched lazily.
 */
const MM_SLOTS = 65536;
const MMS = 128;
/** VMA records in the shared pool, for every mm together. */
const VMA_POOL = 65536;

/**
 * --boot linux: parse the program (ElfError for a bad file), allocate the regions and the
 * kernel's (page array, zones, per-CPU lists, VMA pool, mm table). Nothing is loaded here:
 * the worker hosting core 0 exec's the program through its own memory path.
 */
export function bootLinux(config: MachineConfig, elf: Uint8Array, spec: LinuxProcessSpec): BootImage {
  const image = parseElf(elf);
  // What exec would refuse (E2BIG, a NUL in a string) is refused here, in one line, before any worker starts.
  try {
    createElfTables({ argv: [spec.execfn, ...spec.args], envp: spec.envp, execfn: spec.execfn, phdr: 0, phnum: 0, entry: 0, uid: 0, gid: 0, hwcap: 0, random: new Uint8Array(16) }, config.mmu === 'sv48' ? TASK_SIZE_SV48 : TASK_SIZE_SV39);
  } catch (e) {
    if (e instanceof ExecError) throw new ConfigError(`cannot exec ${spec.execfn}: ${e.message}`);
    throw e;
  }
  const regions = allocateRegions(config);
  regions.mm = createMm({ ramBytes: config.ramBytes, ramBase: config.ramBase, cpus: config.cores });
  const pool = VmaPool.create(VMA_POOL);
  const table = MmTable.create(pool, MMS, MM_SLOTS);
  const irq = allocLinuxIrq({ cpus: config.cores, hz: config.hz, ...(config.nic.ratePps > 0 ? { nic: config.nic } : {}), ...(spec.topIntervalNs ? { topIntervalNs: spec.topIntervalNs } : {}) });
  const buffers: LinuxBuffers = { vmaPool: pool.buffer, mmTable: table.buffer, irq };
  regions.linux = buffers;
  // More than one worker: the others' cores enter the kernel in core 0's worker by remote calls.
  if (config.threads > 1) regions.remote = allocRemoteBuffer(config.cores, config.threads, config.memory === 'caches' ? counterLength(config.cores) : 0);
  const control = new ControlBlock(regions.control);
  control.i32[LIVE_HARTS] = 1;
  barrierInit(control.i32, BARRIER_BASE, config.threads);
  const exec: LinuxExec = { program: elf, execfn: spec.execfn, argv: [spec.execfn, ...spec.args], envp: spec.envp, seed: 1, procAtExit: spec.proc, procAt: spec.procAt, mmu: config.mmu,
    root: spec.root, rootRw: spec.rootRw, tty: spec.tty, affinity: spec.affinity };
  return { image, regions, control, stackTops: new Array<number>(config.cores).fill(0), linux: { exec, buffers } };
}

export interface BootImage {
  image: ElfImage;
  /** --boot linux: the first process and the kernel's buffers (regions.mm holds the page allocator). */
  linux?: { exec: LinuxExec; buffers: LinuxBuffers };
  /** Every shared region of the machine (shared/regions.ts), as handed to the workers. */
  regions: Regions;
  /** The main thread's view of regions.control. */
  control: ControlBlock;
  stackTops: number[];
}

/** Parses and loads the program; throws ElfError for a bad file or one that does not fit. */
export function boot(config: MachineConfig, elf: Uint8Array): BootImage {
  const image = parseElf(elf);
  const stacksBottom = config.ramBytes - config.cores * config.stackBytes;
  const end = highestLoadEnd(image);
  if (end > stacksBottom) {
    throw new ElfError(
      `program image ends at 0x${end.toString(16)}, above the hart stacks at 0x${stacksBottom.toString(16)}: give the machine more RAM`,
    );
  }
  const regions = allocateRegions(config);
  loadSegments(image, new Uint8Array(regions.ram), config.ramBase, stacksBottom);
  const stackTops: number[] = [];
  for (let c = 0; c < config.cores; c++) stackTops.push(config.ramBytes - c * config.stackBytes);

  const control = new ControlBlock(regions.control);
  const i32 = control.i32;
  i32[LIVE_HARTS] = config.cores;
  i32[BRK] = end;
  i32[BRK_MIN] = end;
  i32[BRK_MAX] = stacksBottom;
  barrierInit(i32, BARRIER_BASE, config.threads);
  return { image, regions, control, stackTops };
}

/** Cores hosted by each worker: round-robin, so worker w has cores w, w+T, w+2T, ... */
export function assignCores(cores: number, threads: number): number[][] {
  const groups: number[][] = Array.from({ length: threads }, () => []);
  for (let c = 0; c < cores; c++) groups[c % threads].push(c);
  return groups;
}

// SPMD boot: load the ELF into RAM, place one stack per hart at the top of RAM,
// and set up the control block (live harts, program break, barrier).

import { BARRIER_BASE, BRK, BRK_MAX, BRK_MIN, ControlBlock, LIVE_HARTS } from '../../shared/control.ts';
import { allocateRegions, type Regions } from '../../shared/regions.ts';
import { barrierInit } from '../../shared/sync/barrier.ts';
import { ElfError, highestLoadEnd, loadSegments, parseElf, type ElfImage } from '../loader/elf.ts';
import type { MachineConfig } from './config.ts';

export interface BootImage {
  image: ElfImage;
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

// What bench/fuzz.ts needs of a differential fuzzer (F/D or C): programs, their ELF, how many random
// instructions they hold, where two outputs differ, and a listing for the report.

import type fc from 'fast-check';
import type { RunOutput } from './run.ts';

export interface Fuzzer<P extends Stepped> {
  name: string;
  /** Programs of `steps` random steps (min = max for the long run; shrinking goes below). */
  arb(steps: { min: number; max: number }): fc.Arbitrary<P>;
  elf(p: P): Uint8Array;
  instructions(p: P): number;
  /** undefined when equal, else what differs first. */
  difference(p: P, qemu: RunOutput, smpemu: RunOutput): string | undefined;
  listing(p: P): string;
  /** The same program with other steps (for shrinking a long run's program). */
  withSteps(p: P, steps: unknown[]): P;
}

/** Programs are a list of steps and fixed data; shrinking drops steps. */
export interface Stepped {
  steps: unknown[];
}

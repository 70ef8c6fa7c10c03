// Hart.run's warm-up, before a worker's first quantum. V8 optimizes run() a few hundred guest
// instructions into a program, with type feedback only for the cases executed so far; a case
// first executed after that ("insufficient type feedback") deoptimizes it, and the whole
// interpreter is compiled again: 8-11 times a run of compute_long (bench/deopts.ts). warmUp runs
// a built-in program (program.s) that executes the hot integer cases of run (not atomics, fences,
// CSRs or F/D: their feedback tripled the size of that first compile, program.s says) on a scratch
// hart wired like the machine's cores (the same memory class, so every call site in run sees the
// one class it will see), over its own small RAM and caches: nothing the machine counts is touched.

import { allocateCoherence, CoherenceViews } from '../../shared/coherence/layout.ts';
import { protocolFor } from '../../shared/coherence/mutations.ts';
import type { MachineConfig } from '../../shared/config.ts';
import type { TrapHandler } from '../../src/kernel/cpu.ts';
import { createCoreMemory } from '../core_memory.ts';
import { Hart } from '../hart.ts';
import { IdentityMap } from '../tlb.ts';

/** program.s at address 0 (position-independent): cores/warmup/assemble.ts writes it here. */
export const WARMUP_PROGRAM = new Int32Array([
  0xfff00293, 0x80000337, 0xfff3031b, 0x800003b7, 0x00247437, 0x8ad4041b, 0x00e41413, 0xc4d40413,
  0x00c41413, 0x5e740413, 0x00d41413, 0xef040413, 0xfaaab4b7, 0xaab4849b, 0x00c49493, 0xaab48493,
  0x00c49493, 0xaab48493, 0x00c49493, 0xaaa48493, 0x00300613, 0x02500693, 0x00100737, 0xfff7071b,
  0xffff07b7, 0x0017879b, 0x00028813, 0x00031893, 0xffb28e13, 0x00730e13, 0x7ff40e93, 0x00628f33,
  0x00940f33, 0x00d60f33, 0x40530fb3, 0x40848fb3, 0x40d60fb3, 0x80000937, 0x12345937, 0x00000997,
  0x7ffff997, 0x0052aa13, 0xffb42a13, 0x00362a13, 0x0052ba13, 0xfff63a13, 0x00463a13, 0xfff44a93,
  0x00564a93, 0x7f04ea93, 0xff066a93, 0xf0047a93, 0x00f6fa93, 0x00541b13, 0x02849b13, 0x00745b13,
  0x0214db13, 0x4034db13, 0x4324db13, 0x00c41bb3, 0x00d41bb3, 0x00041bb3, 0x00c4dbb3, 0x00d4dbb3,
  0x0004dbb3, 0x40c4dbb3, 0x40d4dbb3, 0x4004dbb3, 0x0062ac33, 0x0084ac33, 0x00d62c33, 0x00c6ac33,
  0x0062bc33, 0x00d63c33, 0x00c6bc33, 0x00944cb3, 0x00946cb3, 0x00947cb3, 0x00130d1b, 0xffb60d1b,
  0x01f29d1b, 0x0032dd1b, 0x4043dd1b, 0x00630dbb, 0x40c38dbb, 0x00d29dbb, 0x00d2ddbb, 0x40d3ddbb,
  0x02d60e33, 0x02e78e33, 0x02f28e33, 0x02940e33, 0x02c40e33, 0x02941eb3, 0x0284aeb3, 0x02943eb3,
  0x02d44f33, 0x02f4cf33, 0x0206cf33, 0x02d46f33, 0x02f4ef33, 0x02d45f33, 0x0284df33, 0x02d47f33,
  0x0206ff33, 0x02630fbb, 0x02f60fbb, 0x02d3cfbb, 0x0253cfbb, 0x02d2dfbb, 0x02d3efbb, 0x02d2ffbb,
  0x00000517, 0x15050513, 0x00853023, 0x00953423, 0x00652823, 0x00551a23, 0x00550b23, 0x00752c23,
  0x0c853423, 0x7f850f93, 0x7f8f8f93, 0x009fb823, 0x00053e03, 0x00853e03, 0x01052e03, 0x00852e03,
  0x00856e03, 0x01056e03, 0x01451e03, 0x01051e03, 0x01455e03, 0x01650e03, 0x01050e03, 0x01654e03,
  0x0c853e03, 0x010fbe03, 0x00528263, 0x00628263, 0x00940263, 0x00629263, 0x00529263, 0x00941263,
  0x0062c263, 0x00534263, 0x00d64263, 0x00c6c263, 0x00c64263, 0x0062d263, 0x00535263, 0x00d65263,
  0x00c6d263, 0x00c65263, 0x0062e263, 0x00536263, 0x00d66263, 0x00c6e263, 0x0062f263, 0x00537263,
  0x00d67263, 0x00c6f263, 0x082000ef, 0x0040006f, 0x0300006f, 0x00000013, 0x00000013, 0x00000013,
  0x00000013, 0x00000013, 0x00000013, 0x00000013, 0x00000013, 0x00000013, 0x00000013, 0x00000013,
  0x071d4715, 0x87ba3775, 0x680d97ba, 0x8385078e, 0x8bbd8785, 0x8fb98f99, 0x8ff98fd9, 0x9fb99f99,
  0x7918f91c, 0x5d18dd1c, 0xe309c309, 0x48094805, 0x4811480d, 0x48194815, 0x4821481d, 0x0f334825,
  0x859300d6, 0xf06f0015, 0x8067cfbf, 0x00010000,
]);

/** Guest instructions the warm-up runs: a few passes over the program (~230 instructions each). */
export const WARMUP_INSNS = 800;
/** The scratch RAM: the program at SCRATCH_BASE (page 0 unmapped, as in every machine), its data right after it. */
const SCRATCH_BASE = 0x1000;
const SCRATCH_BYTES = 64 * 1024;

const NO_TRAPS: TrapHandler = {
  trap(_cpu, cause, tval) {
    throw new Error(`BUG: the warm-up program trapped (cause ${cause}, tval 0x${tval.toString(16)})`);
  },
};

/**
 * Whether a worker of `config` warms up: the interpreter with flat memory. With caches the one
 * early compile inlines the memory path's helpers by the warm-up's even profile (the store chain
 * before the load lookup), and each guest instruction then costs 7-8% more host instructions
 * (bench/ab_count.ts), more than the deopts it saves on a long run; short caches runs lost too.
 * The translator spends its time in translated code, not in run; an injected protocol bug
 * (the checker's tests) would run on the scratch core too.
 */
export function warmsUp(config: MachineConfig): boolean {
  return config.engine !== 'jit' && config.memory === 'flat' && !config.mutation;
}

/** Runs the warm-up program for `insns` instructions on a scratch core wired as `config`'s are; returns the hart (for tests). */
export function warmUp(config: MachineConfig, insns = WARMUP_INSNS): Hart {
  const base = SCRATCH_BASE;
  const bytes = SCRATCH_BYTES;
  const ram = new SharedArrayBuffer(bytes);
  new Int32Array(ram, base, WARMUP_PROGRAM.length).set(WARMUP_PROGRAM);
  let caches;
  if (config.memory === 'caches') {
    const g = { ...config.caches, cores: 1 };
    const { table, flags } = protocolFor(config.mutation || undefined);
    caches = { views: new CoherenceViews(g, allocateCoherence(g)), table, mutations: flags };
  }
  // --boot linux cores translate through a TLB (FlatMemory, CacheMemory); spmd's are bare.
  const linux = config.boot === 'linux';
  const { mem, decode } = createCoreMemory({
    core: 0, ram, ramBase: base, lrscHold: config.lrscHoldCycles, flatLatency: config.flatLatency, caches,
    translation: linux ? new IdentityMap(base, bytes) : undefined, tlbGeometry: linux ? config.tlb : undefined,
    solo: config.threads === 1,
  });
  const hart = new Hart({ hartId: 0, mem, decode, trap: NO_TRAPS, timePerCycle: config.timebaseHz / config.clockHz });
  hart.pc = base;
  // Several calls, as quanta make them: run's entry and stretch end get their feedback too.
  while (hart.instret < insns) hart.run(hart.cycle + 500);
  return hart;
}

// Micro-benchmarks of four hot operations, with benchmark.js (statistically sound
// timing: it calibrates the iteration count and reports the relative margin of error).
// Prints one JSON object on stdout (progress on stderr):
//   interpreter.nsPerInstruction   one hart, flat memory, a loop of ALU ops and a branch:
//                                  the decode-cache dispatch and execute cost per instruction
//   blockDispatch.nsPerBlock     --engine jit on a loop of one block more than a region chains:
//                                a dispatch (table lookup, call, counts back) plus its 2 instructions
//   bus.nsPerTransaction           one BusRdX that takes a Modified line from another core
//                                  (HITM, snoop, data copy, L3 sharer update), 2 cores, in-process
//   c2c.nsPerRecord                one C2cRecorder.miss() on a line already recorded
// Each figure has its benchmark.js margin (rme, percent) and sample count.
//   npm run bench:micro

import Benchmark from 'benchmark'; // typed by bench/benchmark.d.ts
import { CoreGroup } from '../cores/core_group.ts';
import type { Hart } from '../cores/hart.ts';
import { C2cRecorder, SRC_HITM } from '../cores/c2c_recorder.ts';
import { L2Controller } from '../shared/coherence/l2_controller.ts';
import { allocateCoherence, CoherenceViews, DEFAULT_GEOMETRY } from '../shared/coherence/layout.ts';
import { protocolFor } from '../shared/coherence/mutations.ts';
import { counterLength } from '../shared/coherence/stats.ts';
import { assembleProgram } from '../src/asm/program.ts';
import { REGION_BLOCKS } from '../cores/jit/translate.ts';
import { boot } from '../src/machine/boot.ts';
import { makeConfig, type MachineConfig } from '../src/machine/config.ts';


// ---- interpreter: a hart running an endless ALU loop, CHUNK cycles per call ----
const CHUNK = 100_000;
const LOOP_INSNS = 8;
const loop = assembleProgram(`
_start:
  li t0, 0
  li t1, 3
loop:
  addi t0, t0, 1
  add t2, t0, t1
  xor t3, t2, t0
  slli t4, t3, 3
  sub t5, t4, t2
  or t6, t5, t1
  and a2, t6, t0
  j loop
`);
/** One core running `program` in this thread; run() advances it CHUNK cycles. */
function oneCore(config: MachineConfig, program: Uint8Array): { hart: Hart; run: () => void } {
  const img = boot(config, program);
  const group = new CoreGroup({ config, coreIds: [0], regions: img.regions, entry: img.image.entry, stackTops: img.stackTops, pid: 1 });
  let end = 0;
  return { hart: group.harts[0]!, run: () => { end += CHUNK; group.runQuantum(end); } };
}
const flatCfg = makeConfig({ cores: 1, threads: 1, memory: 'flat', flatLatency: 0 });
const { hart, run: interpreterChunk } = oneCore(flatCfg, loop);

// ---- block dispatch: a loop split into REGION_BLOCKS + 1 blocks by branches never taken, under
// --engine jit: one block more than a translated region may chain, so every block is its own
// region and each iteration takes DISPATCH_BLOCKS dispatches ----
const DISPATCH_BLOCKS = REGION_BLOCKS + 1;
const DISPATCH_INSNS = 2 * DISPATCH_BLOCKS; // an ALU op and a branch (the last one j) per block
const manyBlocks = assembleProgram(`
_start:
  li t0, 0
  li t1, 3
loop:
${Array.from({ length: DISPATCH_BLOCKS - 1 }, () => '  addi t0, t0, 1\n  beq x0, t1, never').join('\n')}
  add t2, t0, t1
  j loop
never:
  j never
`);
const { hart: jitHart, run: jitChunk } = oneCore(makeConfig({ ...flatCfg, engine: 'jit' }), manyBlocks);

// ---- bus: two cores take one line in turn, each a BusRdX hitting the other's M copy ----
const geometry = { ...DEFAULT_GEOMETRY, cores: 2 };
const views = new CoherenceViews(geometry, allocateCoherence(geometry));
const ramU8 = new Uint8Array(new SharedArrayBuffer(1 << 20));
const { table, flags } = protocolFor();
const buses = [0, 1].map((c) => new L2Controller(views, c, table, { u8: ramU8 }, new Float64Array(counterLength(2)), flags));
const LINE = 0x4000 >>> views.lineShift;
let turn = 0;
function busTransaction(): void {
  const b = buses[turn]!;
  b.release(b.writeLine(LINE).slot);
  turn ^= 1;
}
busTransaction(); // core 0 holds it in M: every timed call is a HITM

// ---- c2c: one exact record on a hot (line, pc) pair, alternating two pcs ----
const rec = new C2cRecorder(0, 64);
let pcFlip = 0;
function c2cRecord(): void {
  rec.miss(0x13408, 0x10000 + (pcFlip ^= 4), true, SRC_HITM, 70);
}

const results: Record<string, { hz: number; rme: number; samples: number }> = {};
new Benchmark.Suite()
  .add('interpreter', interpreterChunk, { minSamples: 20 })
  .add('jit', jitChunk, { minSamples: 20 })
  .add('bus', busTransaction)
  .add('c2c', c2cRecord)
  .on('cycle', (e) => {
    const t = e.target;
    results[t.name] = { hz: t.hz, rme: +t.stats.rme.toFixed(2), samples: t.stats.sample.length };
    process.stderr.write(`  ${String(e.target.name)}: ${t.hz.toFixed(1)} calls/s ±${t.stats.rme.toFixed(1)}%\n`);
  })
  .run({ async: false });

const r = (k: string) => results[k]!;
const jitStats = jitHart.jit!.stats();
if (jitStats.regions !== DISPATCH_BLOCKS) throw new Error(`bench/micro: the dispatch loop became ${jitStats.regions} regions, not ${DISPATCH_BLOCKS}: nsPerBlock would not measure a dispatch`);
// Each call runs CHUNK cycles; with flatLatency 0 an instruction costs one cycle.
const insnsPerCall = (CHUNK * hart.instret) / hart.cycle;
const out = {
  interpreter: {
    workload: `endless loop of ${LOOP_INSNS} instructions (7 ALU ops, j), flat memory, ${CHUNK} cycles a call`,
    nsPerInstruction: +(1e9 / (r('interpreter').hz * insnsPerCall)).toFixed(3),
    mips: +((r('interpreter').hz * insnsPerCall) / 1e6).toFixed(1),
    rme: r('interpreter').rme,
    samples: r('interpreter').samples,
  },
  blockDispatch: {
    workload: `--engine jit, a loop of ${DISPATCH_INSNS} instructions (ALU ops, branches never taken, j) in ${DISPATCH_BLOCKS} blocks, one more than a region chains: ${DISPATCH_BLOCKS} dispatches an iteration`,
    nsPerInstruction: +(1e9 / (r('jit').hz * ((CHUNK * jitHart.instret) / jitHart.cycle))).toFixed(3),
    nsPerBlock: +((DISPATCH_INSNS * 1e9) / (DISPATCH_BLOCKS * r('jit').hz * ((CHUNK * jitHart.instret) / jitHart.cycle))).toFixed(2),
    rme: r('jit').rme,
    samples: r('jit').samples,
  },
  bus: {
    workload: 'BusRdX on a line Modified in the other core (HITM), 2 cores, default geometry, in-process',
    nsPerTransaction: +(1e9 / r('bus').hz).toFixed(1),
    rme: r('bus').rme,
    samples: r('bus').samples,
  },
  c2c: {
    workload: 'C2cRecorder.miss on an existing (address, pc) record, two pcs alternating',
    nsPerRecord: +(1e9 / r('c2c').hz).toFixed(1),
    rme: r('c2c').rme,
    samples: r('c2c').samples,
  },
};
console.log(JSON.stringify(out, null, 2));

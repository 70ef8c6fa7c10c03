// Speed and fidelity benchmarks. Prints one JSON object on stdout (progress on stderr):
//   flat.singleCoreMips          guest MIPS of the compute kernel (compute_long: 120 M instructions
//                                a core: the interpreter's warm-up weighs little, the translator's
//                                much, see flat.scalingSteady) on one core, --memory flat
//   flat.twoCores.{oneThread,twoThreads}, flat.scaling
//                                2 independent cores on 1 and on 2 workers, and their ratio, on
//                                compute_xl (the same kernel, 1.2 G instructions a core): under the
//                                translator compute_long's 120 M last ~0.12 s, the size of each
//                                worker's own V8 compiles, which on a 2-CPU host compete with the
//                                workers, so the ratio measured warm-up more than scaling
//   flat.twoCores.steady, flat.scalingSteady
//                                the same runs' MIPS between 50% and 90% of their instructions,
//                                and that ratio: the speed once warmed up (bench/scaling_probe.ts)
//   flat.hostCeiling             the host's own two-thread scaling, taken right after the two-worker
//                                run in each repetition (bench/host_ceiling.ts): `machines`, compute_xl
//                                on a one-core machine alone and on two at once (two workers that
//                                share nothing: the most the pair can reach here), and `spin`, a
//                                plain JavaScript loop on one worker and on two. A 2-vCPU host gives
//                                1.2-2.0 by the minute. flat.scalingOfCeiling: the median over the
//                                repetitions of each one's pair scaling over its machines' scaling
//   flat.twoCores.cpuMs          the process's CPU over those runs: the workers, V8's background
//                                threads (TurboFan, GC) and the main thread; steadyCpuMs the
//                                same from 50% to 90% of the instructions (runs after the first),
//                                with the workers' guest MIPS per CPU-second there
//   caches.singleCoreMips        the compute kernel with the full hierarchy
//   caches.slowdownVsFlat        flat / caches MIPS, taken in the same run
//   coherence.transactionsPerHostSecond
//                                bus transactions (BusRd + BusRdX + BusUpgr) per host second on
//                                the packed counters, 4 cores, deterministic and --threads 2
//   coherence.long.transactionsPerHostSecond
//                                the same on counters_packed_xl (ten times the iterations): the bench's
//                                packed run lasts ~0.2 s, about a worker's V8 warm-up, and measures
//                                mostly that; this one measures the contended path once warm
//   fidelity.hitm                packed counters' HITM count, parallel (--threads 2) against
//                                deterministic, as a percentage difference
// Each figure is the median of --reps runs (default 3), all in one process and interleaved,
// so ratios compare like with like on a noisy machine. The engine is the default (the translator;
// `engine` in the output): SMPEMU_ENGINE=interp measures the interpreter.
//   npm run bench [-- --reps 5]

import { readFileSync } from 'node:fs';
import { makeConfig, type MachineConfig } from '../src/machine/config.ts';
import { runMachine, type RunResult } from '../src/machine/machine.ts';
import { probed, type CpuSplit } from './scaling_probe.ts';
import { calibrate, machinesCeiling, spinCeiling } from './host_ceiling.ts';

const repsArg = process.argv.indexOf('--reps');
const reps = repsArg > 0 ? Number(process.argv[repsArg + 1]) : 3;
const elf = (name: string) => readFileSync(new URL(`../workloads/bin/${name}.elf`, import.meta.url));
const compute = elf('compute_long');
const computeXl = elf('compute_xl');
const packed = elf('counters_packed');
const packedXl = elf('counters_packed_xl');

/** Steady MIPS and CPU split of the probed runs (the two-core flat ones), by case. */
const probes: Record<string, { steady: number[]; cpu: CpuSplit[]; steadyCpu: CpuSplit[]; steadyInsns: number[]; insns?: number }> = {};

async function run(program: Uint8Array, cfg: Partial<MachineConfig>, probe?: string): Promise<RunResult> {
  if (probe === undefined) return checked(await runMachine(makeConfig(cfg), program, { stdout: () => {} }));
  const p = (probes[probe] ??= { steady: [], cpu: [], steadyCpu: [], steadyInsns: [] });
  const r = checked(await probed(p.insns, (opts) => runMachine(makeConfig(cfg), program, { stdout: () => {}, ...opts })));
  p.insns = r.instructions;
  p.steady.push(r.probe.steadyMips);
  if (r.probe.cpuMs) p.cpu.push(r.probe.cpuMs);
  if (r.probe.steadyCpuMs) {
    p.steadyCpu.push(r.probe.steadyCpuMs);
    p.steadyInsns.push(r.probe.steadyInsns!);
  }
  return r;
}

function checked<R extends RunResult>(r: R): R {
  if (r.exitCode !== 0) throw new Error(`benchmark program exited ${r.exitCode}: ${r.error ?? ''}`);
  return r;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const transactions = (r: RunResult) => r.caches!.bus.BusRd + r.caches!.bus.BusRdX + r.caches!.bus.BusUpgr;

const cases: Record<string, { program: Uint8Array; cfg: Partial<MachineConfig>; metric: (r: RunResult) => number; probe?: true }> = {
  flatSingle: { program: compute, cfg: { cores: 1, memory: 'flat' }, metric: (r) => r.guestMips },
  flatTwoOneThread: { program: computeXl, cfg: { cores: 2, threads: 1, memory: 'flat' }, metric: (r) => r.guestMips, probe: true },
  flatTwoTwoThreads: { program: computeXl, cfg: { cores: 2, threads: 2, memory: 'flat' }, metric: (r) => r.guestMips, probe: true },
  cachesSingle: { program: compute, cfg: { cores: 1, memory: 'caches' }, metric: (r) => r.guestMips },
  packedDetTps: { program: packed, cfg: { cores: 4, threads: 1, memory: 'caches' }, metric: (r) => transactions(r) / r.hostSeconds },
  packedParTps: { program: packed, cfg: { cores: 4, threads: 2, memory: 'caches' }, metric: (r) => transactions(r) / r.hostSeconds },
  packedXlDetTps: { program: packedXl, cfg: { cores: 4, threads: 1, memory: 'caches' }, metric: (r) => transactions(r) / r.hostSeconds },
  packedXlParTps: { program: packedXl, cfg: { cores: 4, threads: 2, memory: 'caches' }, metric: (r) => transactions(r) / r.hostSeconds },
  packedDetHitm: { program: packed, cfg: { cores: 4, threads: 1, memory: 'caches' }, metric: (r) => r.totals!.hitm },
  packedParHitm: { program: packed, cfg: { cores: 4, threads: 2, memory: 'caches' }, metric: (r) => r.totals!.hitm },
};
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const loadStart = loadavg();
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
const spinIters = await calibrate(400);
samples.machinesCeiling = [];
samples.spinCeiling = [];
for (let i = 0; i < reps; i++) {
  for (const [name, c] of Object.entries(cases)) {
    const v = c.metric(await run(c.program, c.cfg, c.probe ? name : undefined));
    samples[name].push(+v.toFixed(2));
    process.stderr.write(`  ${name} run ${i + 1}/${reps}: ${v.toFixed(1)}\n`);
    if (name === 'flatTwoTwoThreads') {
      const mc = await machinesCeiling(computeXl);
      samples.machinesCeiling.push(mc.scaling);
      process.stderr.write(`  machinesCeiling run ${i + 1}/${reps}: ${mc.scaling} (${mc.aloneMips} MIPS alone, ${mc.twoMips} two at once)\n`);
      const sc = await spinCeiling(spinIters);
      samples.spinCeiling.push(sc.scaling);
      process.stderr.write(`  spinCeiling run ${i + 1}/${reps}: ${sc.scaling} (${sc.oneMs} ms on one worker, ${sc.twoMs} on two)\n`);
    }
  }
}
const m = (k: string) => median(samples[k]);
const steady = (k: string) => median(probes[k]?.steady ?? [NaN]);
/** Median of each class of CPU over the runs (absent off Linux). */
const split = (xs: CpuSplit[]) => xs.length === 0 ? undefined : { workers: median(xs.map((x) => x.workers)), background: median(xs.map((x) => x.background)), main: median(xs.map((x) => x.main)) };
const cpu = (k: string) => split(probes[k]?.cpu ?? []);
/** Once warm (50% to 90% of the instructions, runs after the first): the CPU split and guest MIPS per CPU-second of the workers. */
const steadyCpu = (k: string) => {
  const p = probes[k];
  if (p === undefined || p.steadyCpu.length === 0) return undefined;
  return { ...split(p.steadyCpu), workerCpuMips: median(p.steadyCpu.map((c, i) => +(p.steadyInsns[i]! / c.workers / 1e3).toFixed(1))) };
};
const out = {
  reps,
  engine: makeConfig({}).engine,
  loadavg: { start: loadStart, end: loadavg() },
  flat: {
    workload: 'workloads/bin/compute_long.elf',
    singleCoreMips: m('flatSingle'),
    twoCores: {
      workload: 'workloads/bin/compute_xl.elf',
      oneThread: m('flatTwoOneThread'),
      twoThreads: m('flatTwoTwoThreads'),
      steady: { oneThread: steady('flatTwoOneThread'), twoThreads: steady('flatTwoTwoThreads') },
      cpuMs: { oneThread: cpu('flatTwoOneThread'), twoThreads: cpu('flatTwoTwoThreads') },
      steadyCpuMs: { oneThread: steadyCpu('flatTwoOneThread'), twoThreads: steadyCpu('flatTwoTwoThreads') },
    },
    scaling: +(m('flatTwoTwoThreads') / m('flatTwoOneThread')).toFixed(3),
    scalingSteady: +(steady('flatTwoTwoThreads') / steady('flatTwoOneThread')).toFixed(3),
    hostCeiling: { machines: m('machinesCeiling'), spin: m('spinCeiling') },
    scalingOfCeiling: +median(samples.machinesCeiling.map((c, i) => samples.flatTwoTwoThreads[i] / samples.flatTwoOneThread[i] / c)).toFixed(3),
  },
  caches: {
    workload: 'workloads/bin/compute_long.elf',
    singleCoreMips: m('cachesSingle'),
    slowdownVsFlat: +(m('flatSingle') / m('cachesSingle')).toFixed(3),
  },
  coherence: {
    workload: 'workloads/bin/counters_packed.elf, 4 cores',
    transactionsPerHostSecond: { deterministic: Math.round(m('packedDetTps')), threads2: Math.round(m('packedParTps')) },
    long: {
      workload: 'workloads/bin/counters_packed_xl.elf, 4 cores',
      transactionsPerHostSecond: { deterministic: Math.round(m('packedXlDetTps')), threads2: Math.round(m('packedXlParTps')) },
    },
  },
  fidelity: {
    hitm: {
      deterministic: m('packedDetHitm'),
      threads2: m('packedParHitm'),
      percentDifference: +((100 * (m('packedParHitm') - m('packedDetHitm'))) / m('packedDetHitm')).toFixed(2),
    },
  },
  samples,
  steadySamples: Object.fromEntries(Object.entries(probes).map(([k, p]) => [k, p.steady])),
};
console.log(JSON.stringify(out, null, 2));

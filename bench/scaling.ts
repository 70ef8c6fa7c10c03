// Scaling across host threads: how much of a second host thread two independent cores get,
// and how many cores one thread can host. Medians of --reps runs (default 3), interleaved in
// one process, for --memory flat and caches:
//   single       compute_long, --cores 1 --threads 1: guest MIPS of one core on one thread
//   pair         compute_long, --cores 2 --threads 2, the adaptive quantum on (cores/quantum.ts)
//   pairFixed    the same with --fixed-quantum (a barrier every configured quantum)
//   twoMachines  two single-core machines run at the same moment (each its own worker, no
//                barrier or memory shared between them): the sum of their MIPS. This is what
//                the host gives two threads running this code, whatever the simulator does.
//   ratio        pair / single (the issue's figure; the target is >= 1.85)
//   hostCeiling  twoMachines / single
//   efficiency   pair / twoMachines: what the machine's own coupling costs; 1.0 means none
// Wall-clock MIPS need an idle host with 2 CPUs. Beside them, per run, figures that hold on a
// loaded host, from each worker's own thread CPU time (the result's `host`, Linux):
//   cpuMips      guest instructions per CPU-microsecond of the worker threads, per thread:
//                a pair that keeps the single core's cpuMips loses nothing to its coupling
//                except the time it waits at the barrier
//   barrierPct   wall time at the quantum barrier, % of the run (per worker, the larger)
//   quanta       barriers passed; maxQuantum: the longest quantum the adaptive rule reached
// --hosted adds 8 cores on 1 thread, 16 on 1 (the same machine as 16 on 2, one worker) and 16 cores
// on 2 threads (--max-insns per core, so the work per core is the single core's / 8, / 16 on one
// thread): perThread = cpuMips / single's cpuMips (target >= 0.8), and 16 on 2 again with --fixed-interleave
// (16on2Fixed: the adaptive interleave off, cores/interleave.ts). --hosted-only: only those five runs
// (and no pairs); --hosted-insns N: the instructions of the hosted runs per thread (default
// 120,000,000: compute_long's whole run, so the single core, the reference, runs the program to its
// end, as the issue measured it; each thread compiles the same code once, and a shorter run weighs
// that warm-up more: at 48 M a thread, 16on2's perThread read 0.66-0.71 where 120 M read 0.81-0.82).
// --quantum N sets the pairs' quantum (default: the machine's); --quanta A,B,... adds pairs per quantum.
// --engine interp|jit: the engine of every run (default: the machine's, SMPEMU_ENGINE's if set).
//   npx tsx bench/scaling.ts [--reps 3] [--memory flat|caches|both] [--quanta 20000,200000] [--hosted] [--engine jit]

import { readFileSync } from 'node:fs';
import { DEFAULT_CONFIG, makeConfig, type MachineConfig } from '../src/machine/config.ts';
import { runMachine, type RunResult } from '../src/machine/machine.ts';
import { helpFromHeader } from './help.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const reps = Number(arg('--reps') ?? 3);
const memories = (arg('--memory') ?? 'both') === 'both' ? (['flat', 'caches'] as const) : ([arg('--memory')] as ('flat' | 'caches')[]);
const quanta = (arg('--quanta') ?? arg('--quantum') ?? String(DEFAULT_CONFIG.quantum)).split(',').map(Number);
const hostedOnly = process.argv.includes('--hosted-only');
const hosted = hostedOnly || process.argv.includes('--hosted');
const engine = arg('--engine') as MachineConfig['engine'] | undefined;
helpFromHeader(import.meta.url);
const program = readFileSync(new URL('../workloads/bin/compute_long.elf', import.meta.url));
/** Instructions of the single core's run that the hosted runs spread over 8 cores each. */
const HOSTED_INSNS = Number(arg('--hosted-insns') ?? 120_000_000);

async function run(cfg: Partial<MachineConfig>): Promise<RunResult> {
  const r = await runMachine(makeConfig({ ...cfg, engine }), program, { stdout: () => {} });
  if (r.exitCode !== 0 && r.stopReason !== 'max-insns') throw new Error(`compute_long exited ${r.exitCode}: ${r.error ?? ''}`);
  return r;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Sample {
  mips: number;
  cpuMips?: number;
  barrierPct?: number;
  quanta?: number;
  maxQuantum?: number;
  /** The adaptive interleave (cores/interleave.ts), summed over the workers: slices, those longer than the interleave, the longest. */
  slices?: number;
  longSlices?: number;
  maxSlice?: number;
}

function sampleOf(rs: RunResult[]): Sample {
  const mips = rs.reduce((s, r) => s + r.guestMips, 0);
  const hosts = rs.flatMap((r) => r.host ?? []);
  if (hosts.length === 0 || hosts.some((h) => h.cpuMs === undefined)) return { mips };
  const insns = rs.reduce((s, r) => s + r.instructions, 0);
  const cpuMs = hosts.reduce((s, h) => s + h.cpuMs!, 0);
  const r0 = rs[0];
  return {
    mips,
    // Per thread: the workers' instructions over their CPU time.
    cpuMips: +(insns / cpuMs / 1e3).toFixed(1),
    barrierPct: +Math.max(...(r0.host ?? []).map((h) => (100 * h.barrierMs) / (r0.hostSeconds * 1000))).toFixed(1),
    quanta: r0.host![0].quanta,
    maxQuantum: r0.host![0].maxQuantum,
    ...(r0.host!.some((h) => h.slices) ? {
      slices: r0.host!.reduce((t, h) => t + (h.slices?.slices ?? 0), 0),
      longSlices: r0.host!.reduce((t, h) => t + (h.slices?.longSlices ?? 0), 0),
      maxSlice: Math.max(...r0.host!.map((h) => h.slices?.maxSlice ?? 0)),
    } : {}),
  };
}

type Case = { name: string; measure: () => Promise<Sample> };
const cases: Case[] = [];
function addPairs(memory: 'flat' | 'caches'): void {
  cases.push({ name: `${memory}.single`, measure: async () => sampleOf([await run({ cores: 1, threads: 1, memory })]) });
  for (const quantum of quanta) {
    cases.push({ name: `${memory}.pair.q${quantum}`, measure: async () => sampleOf([await run({ cores: 2, threads: 2, memory, quantum })]) });
    cases.push({ name: `${memory}.pairFixed.q${quantum}`, measure: async () => sampleOf([await run({ cores: 2, threads: 2, memory, quantum, adaptiveQuantum: false })]) });
  }
  cases.push({
    name: `${memory}.twoMachines`,
    measure: async () => sampleOf(await Promise.all([run({ cores: 1, threads: 1, memory }), run({ cores: 1, threads: 1, memory })])),
  });
}
for (const memory of memories) {
  if (!hostedOnly) addPairs(memory);
  if (hosted) {
    cases.push({ name: `${memory}.hosted.single`, measure: async () => sampleOf([await run({ cores: 1, threads: 1, memory, maxInsns: HOSTED_INSNS })]) });
    cases.push({ name: `${memory}.hosted.8on1`, measure: async () => sampleOf([await run({ cores: 8, threads: 1, memory, maxInsns: HOSTED_INSNS / 8 })]) });
    cases.push({ name: `${memory}.hosted.16on1`, measure: async () => sampleOf([await run({ cores: 16, threads: 1, memory, maxInsns: HOSTED_INSNS / 16 })]) });
    cases.push({ name: `${memory}.hosted.16on2`, measure: async () => sampleOf([await run({ cores: 16, threads: 2, memory, maxInsns: HOSTED_INSNS / 8 })]) });
    cases.push({ name: `${memory}.hosted.16on2Fixed`, measure: async () => sampleOf([await run({ cores: 16, threads: 2, memory, maxInsns: HOSTED_INSNS / 8, adaptiveInterleave: false })]) });
  }
}

const samples: Record<string, Sample[]> = Object.fromEntries(cases.map((c) => [c.name, []]));
for (let i = 0; i < reps; i++) {
  for (const c of cases) {
    const v = await c.measure();
    samples[c.name].push({ ...v, mips: +v.mips.toFixed(1) });
    process.stderr.write(`  ${c.name} ${i + 1}/${reps}: ${v.mips.toFixed(1)} MIPS${v.cpuMips !== undefined ? `, ${v.cpuMips} per CPU-µs per thread, barrier ${v.barrierPct}%, ${v.quanta} quanta up to ${v.maxQuantum}` : ''}${v.slices !== undefined ? `, ${v.slices} slices (${v.longSlices} long) up to ${v.maxSlice}` : ''}\n`);
  }
}

const m = (k: string, f: keyof Sample = 'mips') => median(samples[k].map((s) => s[f] ?? NaN));
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const hostedOut = (memory: string) => {
  const single = m(`${memory}.hosted.single`, 'cpuMips');
  const per = (k: string) => ({ cpuMips: m(`${memory}.hosted.${k}`, 'cpuMips'), perThread: +(m(`${memory}.hosted.${k}`, 'cpuMips') / single).toFixed(3) });
  return {
    singleCpuMips: single, '8on1': per('8on1'), '16on1': per('16on1'),
    '16on2': { ...per('16on2'), wallMips: m(`${memory}.hosted.16on2`), maxSlice: m(`${memory}.hosted.16on2`, 'maxSlice') },
    '16on2Fixed': { ...per('16on2Fixed'), wallMips: m(`${memory}.hosted.16on2Fixed`) },
  };
};
const out: Record<string, unknown> = { reps, engine: makeConfig({ engine }).engine, workload: 'workloads/bin/compute_long.elf', loadavg: loadavg() };
for (const memory of memories) {
  if (hostedOnly) {
    out[memory] = { hosted: hostedOut(memory) };
    continue;
  }
  const single = m(`${memory}.single`);
  const singleCpu = m(`${memory}.single`, 'cpuMips');
  const two = m(`${memory}.twoMachines`);
  const pair = (k: string) => ({
    mips: m(k),
    ratio: +(m(k) / single).toFixed(3),
    efficiency: +(m(k) / two).toFixed(3),
    cpuMips: m(k, 'cpuMips'),
    cpuMipsVsSingle: +(m(k, 'cpuMips') / singleCpu).toFixed(3),
    barrierPct: m(k, 'barrierPct'),
    quanta: m(k, 'quanta'),
    maxQuantum: m(k, 'maxQuantum'),
  });
  out[memory] = {
    singleMips: single,
    singleCpuMips: singleCpu,
    twoMachinesMips: two,
    hostCeiling: +(two / single).toFixed(3),
    pairs: Object.fromEntries(quanta.flatMap((q) => [[`adaptive quantum ${q}`, pair(`${memory}.pair.q${q}`)], [`fixed quantum ${q}`, pair(`${memory}.pairFixed.q${q}`)]])),
    ...(hosted ? { hosted: hostedOut(memory) } : {}),
  };
}
out.loadavgEnd = loadavg();
out.samples = samples;
process.stdout.write(JSON.stringify(out, null, 2) + '\n');

// The host's own ceilings for two threads, against which flat.scaling is read. A 2-vCPU cloud
// host does not always give two whole CPUs (SMT siblings, a neighbour's load): measured here,
// a C spin loop scaled 1.73-2.05 from one thread to two, by the hour.
//   spin      a plain JavaScript integer loop on one worker, then on two at once (a latency-bound
//             xorshift chain: what is left of two CPUs for code that leaves an SMT sibling room)
//   machines  the same program on a one-core machine alone, then on two one-core machines at
//             once: two workers that share nothing (no barrier, no shared words), each with
//             its own V8 warm-up, so the most that two cores on two workers can reach here
//   npx tsx bench/host_ceiling.ts [ELF]        (prints both; ELF: workloads/bin/compute_xl.elf)

import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { makeConfig } from '../src/machine/config.ts';
import { runMachine } from '../src/machine/machine.ts';

/** Each worker waits on word 0 for the start, runs `iters` steps of xorshift and posts its loop's ms. */
const SPIN = `
const { parentPort, workerData } = require('node:worker_threads');
const { go, iters } = workerData;
let x = 88172645;
const step = (n) => { for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; } return x; };
step(200000); // optimized before the start
parentPort.postMessage('ready');
Atomics.wait(go, 0, 0);
const t = performance.now();
step(iters);
parentPort.postMessage({ ms: performance.now() - t, x });
`;

/** The loop's ms on each of `n` workers started together. */
async function spin(n: number, iters: number): Promise<number[]> {
  const go = new Int32Array(new SharedArrayBuffer(4));
  const workers = Array.from({ length: n }, () => new Worker(SPIN, { eval: true, workerData: { go, iters } }));
  try {
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    })));
    const done = workers.map((w) => new Promise<number>((resolve, reject) => {
      w.once('message', (m: { ms: number }) => resolve(m.ms));
      w.once('error', reject);
    }));
    Atomics.store(go, 0, 1);
    Atomics.notify(go, 0);
    return await Promise.all(done);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Iterations of the loop that take about `ms` on one worker (measured once). */
export async function calibrate(ms: number): Promise<number> {
  const probe = 20_000_000;
  const [t] = await spin(1, probe);
  return Math.max(probe, Math.round((probe * ms) / t));
}

export interface SpinCeiling { oneMs: number; twoMs: number; scaling: number }

/** One worker, then two at once, on the same loop: scaling = 2 * one / (the slower of the two). */
export async function spinCeiling(iters: number): Promise<SpinCeiling> {
  const [one] = await spin(1, iters);
  const two = Math.max(...(await spin(2, iters)));
  return { oneMs: +one.toFixed(1), twoMs: +two.toFixed(1), scaling: +((2 * one) / two).toFixed(3) };
}

export interface MachinesCeiling { aloneMips: number; twoMips: number; scaling: number }

/**
 * `program` on a one-core flat machine alone, then on two at once: their instructions over the
 * longer one's host seconds (conservative: the one that ends first no longer competes).
 */
export async function machinesCeiling(program: Uint8Array): Promise<MachinesCeiling> {
  const one = () => runMachine(makeConfig({ cores: 1, threads: 1, memory: 'flat' }), program, { stdout: () => {} });
  const alone = await one();
  const two = await Promise.all([one(), one()]);
  for (const r of [alone, ...two]) if (r.exitCode !== 0) throw new Error(`ceiling program exited ${r.exitCode}: ${r.error ?? ''}`);
  const twoMips = (two[0].instructions + two[1].instructions) / Math.max(two[0].hostSeconds, two[1].hostSeconds) / 1e6;
  return { aloneMips: +alone.guestMips.toFixed(1), twoMips: +twoMips.toFixed(1), scaling: +(twoMips / alone.guestMips).toFixed(3) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const program = readFileSync(process.argv[2] ?? new URL('../workloads/bin/compute_xl.elf', import.meta.url));
  const iters = await calibrate(500);
  console.log(JSON.stringify({ spin: await spinCeiling(iters), machines: await machinesCeiling(program) }));
}

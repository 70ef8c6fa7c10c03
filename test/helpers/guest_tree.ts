// A guest file tree for --boot linux runs: a fresh host directory holding executables at
// their guest paths; the machine shapes the process-model tests run each case on; a run that
// keeps the guest's stdout and stderr.

import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeConfig, type MemoryModel } from '../../src/machine/config.ts';
import { runMachine, type RunOptions, type RunResult } from '../../src/machine/machine.ts';
import { sink } from './program.ts';

/** A new directory with each `files` entry (a guest path such as `bin/sh`) written executable. */
export function guestTree(prefix: string, files: Record<string, Uint8Array>): string {
  const root = mkdtempSync(join(tmpdir(), `smpemu-${prefix}-`));
  for (const [path, bytes] of Object.entries(files)) {
    const file = join(root, path);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    chmodSync(file, 0o755);
  }
  return root;
}

/** One worker and two, flat and caches: where tasks of a process meet across cores and workers. */
export const LINUX_SHAPES: { memory: MemoryModel; cores: number; threads: number }[] = [
  { memory: 'flat', cores: 1, threads: 1 },
  { memory: 'caches', cores: 2, threads: 1 },
  { memory: 'flat', cores: 2, threads: 2 },
  { memory: 'caches', cores: 4, threads: 2 },
];

/** `bin` under --boot linux on the machine `shape`, its output kept as text. */
export async function runLinux(bin: Uint8Array, shape: { memory: MemoryModel; cores: number; threads: number }, linux: RunOptions['linux']) {
  const out = sink();
  const err = sink();
  const r = await runMachine(makeConfig({ boot: 'linux', ...shape }), bin, { stdout: out.out, stderr: err.out, linux });
  return { r, out: out.text(), err: err.text() };
}

/** The scheduler's stats without its host-time measurements (switches' and schedule()'s wall time): what runs must repeat. */
export function simulatedSched(r: RunResult) {
  return { ...r.process!.sched!, hostSwitchNs: 0, hostSwitchMedianNs: 0, hostScheduleNs: 0 };
}

/** What a --boot linux run must repeat exactly: each core's instructions and cycles, the scheduler's counts (host time aside), page faults. */
export function simulated(r: RunResult) {
  return { cores: r.cores.map((c) => ({ i: c.instructions, c: c.cycles })), sched: simulatedSched(r), pgfault: r.process!.pgfault };
}

// The spawn phase alone: real worker threads running a stand-in worker module
// (workers/fake_worker.ts) that speaks the worker protocol without running cores.

import { describe, expect, it } from 'vitest';
import { BARRIER_BASE, EXIT_CODE, REASON, STOP_CORE, STOP_CRASH, STOP_NONE } from '../../shared/control.ts';
import { barrierIsAborted } from '../../shared/sync/barrier.ts';
import { boot } from '../../src/machine/boot.ts';
import { makeConfig } from '../../src/machine/config.ts';
import { spawnPool } from '../../src/machine/pool.ts';
import { asmElf, sink } from '../helpers/program.ts';

const FAKE = new URL('./workers/fake_worker.ts', import.meta.url);
const elf = asmElf('li a7, 93\nli a0, 0\necall\n');

describe('spawnPool', () => {
  it('passes guest output through, gathers reports, and a crashing worker stops the machine', async () => {
    const config = makeConfig({ cores: 4, threads: 2, memory: 'flat' });
    const booted = boot(config, elf);
    const out = sink();
    const err = sink();
    const pool = spawnPool(config, booted, { stdout: out.out, stderr: err.out }, FAKE);
    expect(pool.groups).toEqual([[0, 2], [1, 3]]);
    await pool.settled;
    await pool.terminate();
    expect(out.text()).toBe('to stdout\n');
    expect(err.text()).toBe('to stderr\n');
    expect(pool.outcome.starts).toEqual([1000]);
    expect(pool.outcome.reports.map((r) => [r.time, r.cores.map((c) => c.id)])).toEqual([[2000, [0, 2]]]);
    expect(pool.outcome.crash).toBe('worker 1 (cores 1,3) crashed: boom');
    const i32 = booted.control.i32;
    expect([Atomics.load(i32, REASON), Atomics.load(i32, STOP_CORE), Atomics.load(i32, EXIT_CODE)]).toEqual([STOP_CRASH, 1, 70]);
    expect(barrierIsAborted(i32, BARRIER_BASE), 'nobody waits at the barrier for the crashed worker').toBe(true);
  });

  it('a worker that exits without finishing is a crash; the others\' reports stand', async () => {
    const config = makeConfig({ cores: 3, threads: 3, memory: 'flat' });
    const booted = boot(config, elf);
    const pool = spawnPool(config, booted, { stdout: () => {}, stderr: () => {} }, FAKE);
    await pool.settled;
    await pool.terminate();
    expect(pool.outcome.reports.map((r) => r.cores[0]!.id).sort()).toEqual([0, 1]);
    expect(pool.outcome.crash).toBe('worker 2 (cores 2) crashed: exited with code 3 before finishing');
    expect(Atomics.load(booted.control.i32, STOP_CORE)).toBe(2);
  });

  it('crash(): the first message stands, the stop word is written once', () => {
    const config = makeConfig({ cores: 1, threads: 1, memory: 'flat' });
    const booted = boot(config, elf);
    expect(Atomics.load(booted.control.i32, REASON)).toBe(STOP_NONE);
    const pool = spawnPool(config, booted, { stdout: () => {}, stderr: () => {} }, FAKE);
    pool.crash('first', -1);
    pool.crash('second', 0);
    expect(pool.outcome.crash).toBe('first');
    expect(Atomics.load(booted.control.i32, STOP_CORE)).toBe(-1);
    return pool.settled.then(() => pool.terminate());
  });
});

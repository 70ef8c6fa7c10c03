// The run queues' locks (src/kernel/sched/rq_lock.ts) as machine runs of a glibc program
// (test/machine/linux/rq_pingpong.c, Debian's riscv64-linux-gnu-gcc -static -pthread): two
// threads pinned to cores 1 and 2 hand a turn back and forth with FUTEX_WAIT/FUTEX_WAKE, so
// every hand-off wakes a task on the other core and the waker takes that core's rq->__lock,
// whose line the other core last held Modified (it took the lock for its own schedule): a HITM.

import { beforeAll, describe, expect, it } from 'vitest';
import { R_HITM, R_LOADS, R_STORES } from '../../cores/c2c_recorder.ts';
import { makeConfig, type MachineConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { ticketState } from '../../src/kernel/sched/rq_lock.ts';
import { IDLE_SLACK } from '../../cores/core_group.ts';
import { crossCompilePthread, crossInstalled } from '../helpers/cross.ts';
import { sink } from '../helpers/program.ts';
import { qemuRequired } from '../helpers/qemu.ts';

const have = crossInstalled || qemuRequired;
const N = 300;
let bin: Uint8Array;

async function run(cpus: [number, number], given: Partial<MachineConfig> = {}) {
  const out = sink();
  const err = sink();
  const config = makeConfig({ boot: 'linux', memory: 'caches', cores: 4, threads: 1, clockHz: 100_000_000, ...given });
  const r = await runMachine(config, bin, { stdout: out.out, stderr: err.out, linux: { execfn: '/rq_pingpong', args: [String(cpus[0]), String(cpus[1]), String(N)] } });
  expect(r.error, err.text()).toBeUndefined();
  expect(out.text()).toBe(`${2 * N} hand-offs\n`);
  const rq = r.process!.sched!.rqLock!;
  // Per lock line: HITMs and accesses by core, from the c2c records (the kernel's accesses are recorded as the user's are).
  const byCore = (c: number) => {
    const hitm = new Map<number, number>();
    const acc = new Map<number, number>();
    for (const e of r.c2cEntries ?? []) {
      if (e.line + e.offset !== rq.pa[c]) continue;
      hitm.set(e.core, (hitm.get(e.core) ?? 0) + e.counts[R_HITM]!);
      acc.set(e.core, (acc.get(e.core) ?? 0) + e.counts[R_LOADS]! + e.counts[R_STORES]!);
    }
    return { hitm, acc };
  };
  return { r, config, rq, byCore };
}

/** Every queue's lock released as often as taken, none held, each word free (owner == next == acquires mod 2^16). */
function expectAllFree(rq: NonNullable<NonNullable<NonNullable<Awaited<ReturnType<typeof run>>['r']['process']>['sched']>['rqLock']>) {
  expect(rq.held).toEqual([]);
  expect(rq.releases).toEqual(rq.acquires);
  expect(rq.words!.map(ticketState)).toEqual(rq.acquires.map((n) => ({ owner: n & 0xffff, next: n & 0xffff, free: true })));
}

describe.skipIf(!have)('rq->__lock in simulated memory, through the caches (--boot linux)', () => {
  beforeAll(() => {
    bin = crossCompilePthread(new URL('./linux/rq_pingpong.c', import.meta.url));
  }, 120_000);

  it('4 cores, threads on cores 1 and 2: each waker takes the other core\'s queue lock, a HITM from both cores, its latency in the waker\'s cycles', async () => {
    const { r, config, rq, byCore } = await run([1, 2]);
    expectAllFree(rq);
    // Every hand-off is a cross-core wakeup: core 1 takes queue 2's lock and core 2 queue 1's, N times each.
    expect(rq.remoteAcquires[1]).toBeGreaterThanOrEqual(N);
    expect(rq.remoteAcquires[2]).toBeGreaterThanOrEqual(N);
    // Queue 3 never sees a task (its lock is taken by its own tick at most).
    expect(rq.remoteAcquires[3]).toBe(0);
    for (const c of [1, 2]) {
      const { hitm } = byCore(c);
      // The line moves both ways: the waker's acquire finds it Modified in the owner's cache, and
      // back (core 0 too: it placed the new threads there).
      expect([...hitm].filter(([, n]) => n > 0).map(([core]) => core)).toEqual(expect.arrayContaining([1, 2]));
      expect(hitm.get(c === 1 ? 2 : 1)!).toBeGreaterThanOrEqual(N - 2);
      expect(hitm.get(c)!).toBeGreaterThanOrEqual(N - 2);
    }
    // The c2c table names the lines: runqueues[N].__lock, contended by cores 1 and 2.
    const lines = (r.c2c as { lines: { symbol: string; hitm: number; cores: number[]; verdict: string }[] }).lines;
    for (const name of ['runqueues[1].__lock', 'runqueues[2].__lock']) {
      const l = lines.find((x) => x.symbol === name);
      expect(l, name).toBeDefined();
      expect(l!.hitm).toBeGreaterThanOrEqual(2 * N - 4);
      expect(l!.cores).toEqual([1, 2]);
      expect(l!.verdict).toBe('true sharing');
    }
    // The latency is the acting core's: at least a HITM's worth per HITM it took, inside its cycle count.
    for (const c of [1, 2]) {
      let hitms = 0;
      for (const q of [0, 1, 2, 3]) hitms += byCore(q).hitm.get(c) ?? 0;
      expect(rq.cycles[c]).toBeGreaterThanOrEqual(hitms * config.caches.hitmLatency);
      expect(rq.cycles[c]).toBeLessThan(r.cores[c]!.cycles);
    }
  }, 180_000);

  it('1 core: the locks are taken as often, but no other core holds a line: no HITM on any queue lock', async () => {
    const { r, rq, byCore } = await run([0, 0], { cores: 1 });
    expectAllFree(rq);
    expect(rq.acquires[0]).toBeGreaterThan(4 * N);
    expect(rq.remoteAcquires).toEqual([0]);
    expect([...byCore(0).hitm.values()].reduce((a, b) => a + b, 0)).toBe(0);
    expect((r.c2c as { lines: { symbol: string }[] }).lines.filter((l) => l.symbol.startsWith('runqueues'))).toEqual([]);
  }, 120_000);

  it('deterministic: the same run twice gives the same lock counts, cycles and end words', async () => {
    const a = await run([1, 2]);
    const b = await run([1, 2]);
    expect(b.rq).toEqual(a.rq);
    expect(b.r.cores.map((c) => c.cycles)).toEqual(a.r.cores.map((c) => c.cycles));
  }, 240_000);

  it("prodcons (8 threads, one mutex, two condition variables) on 4 cores: every queue's lock line contended, all released", async () => {
    const elf = crossCompilePthread(new URL('./linux/prodcons.c', import.meta.url));
    const config = makeConfig({ boot: 'linux', memory: 'caches', cores: 4, threads: 1, clockHz: 100_000_000 });
    const r = await runMachine(config, elf, { stdout: () => {}, stderr: () => {}, linux: { execfn: '/prodcons', args: [] } });
    expect(r.exitCode).toBe(0);
    const rq = r.process!.sched!.rqLock!;
    expectAllFree(rq);
    const lines = (r.c2c as { lines: { symbol: string; hitm: number; cores: number[] }[] }).lines;
    for (let c = 0; c < 4; c++) {
      expect(rq.remoteAcquires[c]).toBeGreaterThan(0);
      const l = lines.find((x) => x.symbol === `runqueues[${c}].__lock`);
      expect(l, `runqueues[${c}].__lock`).toBeDefined();
      expect(l!.hitm).toBeGreaterThan(0);
      expect(l!.cores.length).toBeGreaterThanOrEqual(2);
    }
  }, 180_000);

  it('parallel mode (--threads 2): the remote cores take the locks through their view of their own caches; every lock released', async () => {
    // Host timing decides how many hand-offs find the other thread already awake (no wakeup), so
    // only what every interleaving gives is asserted: core 0 places the first thread on core 1
    // (it takes queue 1's lock), core 1 (another worker's core, through the shadow view) then
    // takes its own queue's lock to run it and finds the line Modified in core 0's cache.
    const { rq, byCore } = await run([1, 2], { threads: 2 });
    expectAllFree(rq);
    expect(rq.remoteAcquires[1]).toBeGreaterThanOrEqual(1);
    expect(byCore(1).hitm.get(1) ?? 0).toBeGreaterThanOrEqual(1);
    console.log(`rq lock, --threads 2: remote acquires ${rq.remoteAcquires.join(' ')}; HITMs on queue 1's line by core ${[...byCore(1).hitm].map(([c, n]) => `${c}: ${n}`).join(', ')}`);
  }, 180_000);

  // The run loop (cores/core_group.ts idleJumpEnd): a core that goes idle right after waking a task
  // onto another idle core must not jump to the quantum's end, since that task is about to wake
  // one back onto it; it may run at most IDLE_SLACK ahead. With the task counted as idle, each
  // hand-off on 2 flat cores (threads on 0 and 1) took 10,019 cycles: the reply landed up to a
  // quantum late. Against 4 cores (threads on 1 and 2, where the visiting order hid the bug):
  // at most one slack per wake-up more.
  it('an idle core does not run ahead of a core whose woken task has not run yet: hand-offs within IDLE_SLACK of the 4-core figure', async () => {
    const perHandoff = async (cores: number, cpus: [number, number]) => {
      const { r } = await run(cpus, { memory: 'flat', cores });
      return r.cores[cpus[1]]!.cycles / (2 * N);
    };
    const two = await perHandoff(2, [0, 1]);
    const four = await perHandoff(4, [1, 2]);
    expect(two).toBeLessThanOrEqual(four + 2 * IDLE_SLACK);
  }, 180_000);
});

// Real worker threads on one shared futex hash: each worker is one task, sleeping with
// Atomics.wait on its own run word when futex_wait says so, woken by whichever worker's
// futex_wake (or requeue, or wake-op) took it off its chain. Counts must come out exact, and no
// worker may hang (runWorkers fails on a timeout). Correctness does not depend on how the host
// schedules the threads; how often they slept does, so that is printed, not asserted.
import { describe, expect, it } from 'vitest';
import { allocFutexBuffer } from '../../../src/kernel/futex/hash.ts';
import { runWorkers } from '../../helpers/spawn.ts';
import { FakeUser, PAGE, physMem, USER_BASE, type MmDesc } from './fake_user.ts';
import type { FutexJob, FutexResult, Role } from './workers/futex.worker.ts';

const WORKER = new URL('./workers/futex.worker.ts', import.meta.url);

// Two address spaces over physical page 0: mm 1 at USER_BASE, mm 2 at USER_BASE + 2 pages.
const MM_A: MmDesc = { mm: 1, pages: [0] };
const MM_B: MmDesc = { mm: 2, pages: [-1, -1, 0] };
const OFF = { m: 0, cv: 64, counter: 128, items: 192 };

interface Plan {
  roles: Role[];
  iters: number[];
  shared: boolean;
  signal?: FutexJob['signal'];
  interrupter?: boolean;
}

async function run(p: Plan): Promise<{ phys: SharedArrayBuffer; results: FutexResult[] }> {
  const n = p.roles.length + (p.interrupter ? 1 : 0);
  const phys = physMem(1);
  const futex = allocFutexBuffer({ nrTasks: n, nbuckets: 16 });
  const runWords = new SharedArrayBuffer(n * 128);
  new Int32Array(runWords).fill(1);
  const ctl = new SharedArrayBuffer(4 * 128);
  const jobs: FutexJob[] = [];
  for (let t = 0; t < n; t++) {
    const inB = p.shared && t % 2 === 1;
    const mm = inB ? MM_B : MM_A;
    const base = USER_BASE + (inB ? 2 * PAGE : 0);
    const role: Role = t < p.roles.length ? p.roles[t]! : 'interrupter';
    jobs.push({
      futex, phys, run: runWords, ctl, parties: n, mm, task: t, role, iters: p.iters[t] ?? 0, shared: p.shared,
      signal: p.signal ?? 'wake', m: base + OFF.m, cv: base + OFF.cv, counter: base + OFF.counter, items: base + OFF.items,
      victims: p.roles.length,
    });
  }
  const results = (await runWorkers(WORKER, jobs, 100_000)) as FutexResult[];
  const sum = (k: keyof FutexResult) => results.reduce((a, r) => a + r[k], 0);
  console.log(
    `futex workers (${p.roles.join(',')}${p.interrupter ? ',interrupter' : ''}; ${p.shared ? 'shared, two mms' : 'private'}, ${p.signal ?? 'wake'}): ` +
      `${sum('sleeps')} sleeps, ${sum('spurious')} spurious, ${sum('eagain')} EAGAIN, ${sum('eintr')} EINTR, ${sum('interrupts')} signals sent`,
  );
  // the hash is empty and unlocked afterwards
  const i32 = new Int32Array(futex);
  for (let b = 0; b < 16; b++) {
    expect(i32[(1 + b) * 32]).toBe(0);
    expect(i32[(1 + b) * 32 + 1]).toBe(-1);
  }
  return { phys, results };
}

const word = (phys: SharedArrayBuffer, off: number) => new FakeUser(phys, MM_A).load(USER_BASE + off);

describe('futex across worker threads', () => {
  it('a wake is never lost: the waker acts only once the waiter is queued', { timeout: 120_000 }, async () => {
    for (let k = 0; k < 3; k++) {
      const { results } = await run({ roles: ['queued-waiter', 'waker'], iters: [], shared: k === 1 });
      expect(results[0]!.spurious).toBe(0);
    }
  });

  it('a token round a ring of 3 tasks: every check-then-wait race resolves', { timeout: 120_000 }, async () => {
    const iters = 3000;
    const { phys } = await run({ roles: ['ring', 'ring', 'ring'], iters: [iters, iters, iters], shared: false });
    expect(word(phys, OFF.cv)).toBe(3 * iters);
    expect(word(phys, OFF.counter)).toBe(3 * iters);
  });

  it('4 tasks hammer a private futex mutex: the plain counter is exact', { timeout: 120_000 }, async () => {
    const iters = 3000;
    const { phys } = await run({ roles: ['mutex', 'mutex', 'mutex', 'mutex'], iters: [iters, iters, iters, iters], shared: false });
    expect(word(phys, OFF.counter)).toBe(4 * iters);
    expect(word(phys, OFF.m)).toBe(0);
  });

  it('a process-shared mutex in two address spaces, with signals interrupting waits', { timeout: 120_000 }, async () => {
    const iters = 2000;
    const { phys } = await run({ roles: ['mutex', 'mutex', 'mutex', 'mutex'], iters: [iters, iters, iters, iters], shared: true, interrupter: true });
    expect(word(phys, OFF.counter)).toBe(4 * iters);
    expect(word(phys, OFF.m)).toBe(0);
  });

  for (const signal of ['wake', 'requeue', 'wakeop'] as const) {
    it(`condition-variable producer/consumer (${signal})`, { timeout: 120_000 }, async () => {
      const iters = 1500;
      const { phys } = await run({
        roles: ['producer', 'consumer', 'producer', 'consumer'], iters: [iters, iters, iters, iters], shared: signal === 'requeue',
        signal, interrupter: signal === 'wake',
      });
      expect(word(phys, OFF.counter)).toBe(2 * iters);
      expect(word(phys, OFF.items)).toBe(0);
      expect(word(phys, OFF.m)).toBe(0);
    });
  }
});

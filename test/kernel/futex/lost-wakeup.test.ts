// The lost-wakeup race, as a property: simulated tasks run a futex mutex (Drepper's #3) or a
// condition-variable producer/consumer (signalled with FUTEX_WAKE, a CMP_REQUEUE broadcast, or
// glibc's old FUTEX_WAKE_OP signal) under every interleaving fast-check picks, with wake_up
// calls delivered late, and signals and timers taking waiters off at random. No task may sleep
// forever, no count may be wrong. Deliberately broken variants show the check can fail.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSim, type Bug, type SimCase } from './sim.ts';

const seed = Number(process.env.FUTEX_SEED ?? 20261201);

const simCase = fc.record({
  scenario: fc.constantFrom('mutex' as const, 'condvar' as const),
  signal: fc.constantFrom('wake' as const, 'requeue' as const, 'wakeop' as const),
  tasks: fc.integer({ min: 2, max: 5 }),
  iters: fc.integer({ min: 1, max: 3 }),
  private: fc.boolean(),
  choices: fc.array(fc.nat({ max: 1000 }), { maxLength: 400, size: 'max' }),
});

function fails(bug: Bug): fc.RunDetails<[SimCase]> {
  return fc.check(
    fc.property(simCase, (c) => runSim({ ...c, bug }).ok),
    { seed, numRuns: 400 },
  );
}

describe('no lost wakeups (fast-check, seeded)', () => {
  it('every interleaving finishes with exact counts', () => {
    console.log(`futex lost-wakeup property seed ${seed} (FUTEX_SEED=... to reproduce)`);
    let sleeps = 0;
    let spurious = 0;
    let interrupts = 0;
    fc.assert(
      fc.property(simCase, (c) => {
        const r = runSim(c);
        sleeps += r.sleeps;
        spurious += r.spurious;
        interrupts += r.interrupts;
        if (!r.ok) throw new Error(`${r.why} in ${JSON.stringify({ ...c, choices: c.choices.length })}`);
      }),
      { seed, numRuns: 600 },
    );
    console.log(`futex lost-wakeup property: ${sleeps} sleeps, ${spurious} spurious wakeups, ${interrupts} signals/timeouts`);
    // the runs really slept and were interrupted (spurious wakeups are rarer: reported only)
    expect(sleeps).toBeGreaterThan(100);
    expect(interrupts).toBeGreaterThan(10);
  });

  it('catches a futex_wait that does not compare the word', () => {
    const d = fails('wait-without-check');
    expect(d.failed).toBe(true);
    expect(runSim({ ...d.counterexample![0], bug: 'wait-without-check' }).why).toMatch(/lost wakeup/);
  });

  it('catches a sleep path that does not check futex_wait_pending', () => {
    const d = fails('sleep-without-check');
    expect(d.failed).toBe(true);
    expect(runSim({ ...d.counterexample![0], bug: 'sleep-without-check' }).why).toMatch(/lost wakeup/);
  });

  it('a hand-picked interleaving: the wake lands between the check and the wait', () => {
    // task 0 holds the mutex; task 1 finds it taken and marks it contended; task 0 unlocks and
    // wakes (nobody queued yet); task 1's futex_wait must then see the word changed (-EAGAIN).
    const base = { scenario: 'mutex' as const, signal: 'wake' as const, tasks: 2, iters: 1, private: true };
    // a choice of 2 runs runnable task 0, 18 runnable task 1 (sim.ts: kind ch % 16, target ch >> 4)
    const T0 = 2;
    const T1 = 18;
    const choices = [T0, T1, T1, T0, T0, T0, T1];
    expect(runSim({ ...base, choices }).ok).toBe(true);
    expect(runSim({ ...base, choices, bug: 'wait-without-check' }).why).toMatch(/lost wakeup/);
  });
});

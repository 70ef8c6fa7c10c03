// The shared-memory timer queue against a sorted-list model (fast-check; the seed is printed and
// FC_SEED=<n> replays it): earliest expiry first, equal expiries in insertion order, cancel by
// handle (stale handles of fired or cancelled timers cancel nothing), a full queue refuses.
// Then the hrtimer layer on top: callbacks fire in that order, soft timers go through
// HRTIMER_SOFTIRQ, re-arming works.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HRTIMER_SOFTIRQ } from '../../../src/kernel/softirq.ts';
import { HRTIMER_FUTEX, HRTIMER_NANOSLEEP } from '../../../src/kernel/time/hrtimer.ts';
import { allocTimerQueues, TimerQueues } from '../../../src/kernel/time/timerqueue.ts';
import { makeFixture } from '../irq/fixture.ts';

const seed = Number(process.env.FC_SEED ?? (Date.now() % 0x7fffffff));
console.log(`timerqueue property seed: ${seed} (FC_SEED=${seed} to replay)`);

type Op = { t: 'add'; expiry: number; kind: number; arg: number } | { t: 'del'; pick: number } | { t: 'pop'; now: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('add' as const), expiry: fc.integer({ min: 0, max: 40 }), kind: fc.integer({ min: 0, max: 9 }), arg: fc.integer({ min: -5, max: 1000 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('del' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('pop' as const), now: fc.integer({ min: -1, max: 45 }) }) },
);

interface Entry {
  expiry: number;
  seq: number;
  kind: number;
  arg: number;
  handle: number;
}

describe('timerqueue (min-heap in a SharedArrayBuffer)', () => {
  it('behaves as a sorted list keyed by (expiry, insertion)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(opArb, { maxLength: 200 }), (cap, ops) => {
        const tq = new TimerQueues(allocTimerQueues(2, cap), cap);
        const q = 1; // the second queue: the first must not be disturbed
        let live: Entry[] = [];
        const issued: number[] = [];
        let seq = 0;
        const out = new Float64Array(4);
        for (const op of ops) {
          tq.lock(q);
          if (op.t === 'add') {
            const h = tq.add_locked(q, op.expiry, op.kind, op.arg, 3 * op.arg + 1);
            if (live.length === cap) expect(h).toBe(-1);
            else {
              expect(h).toBeGreaterThanOrEqual(0);
              expect(h).toBeLessThan(2 ** 30);
              expect(issued).not.toContain(h); // a reused slot has a new generation
              issued.push(h);
              live.push({ expiry: op.expiry, seq: seq++, kind: op.kind, arg: op.arg, handle: h });
            }
          } else if (op.t === 'del') {
            const h = issued.length === 0 ? 12345 : issued[op.pick % issued.length]!;
            const inModel = live.some((e) => e.handle === h);
            expect(tq.del_locked(q, h)).toBe(inModel);
            live = live.filter((e) => e.handle !== h);
          } else {
            live.sort((a, b) => a.expiry - b.expiry || a.seq - b.seq);
            const first = live[0];
            const due = tq.pop_due_locked(q, op.now, out);
            if (first !== undefined && first.expiry <= op.now) {
              expect(due).toBe(true);
              expect([...out]).toEqual([first.expiry, first.kind, first.arg, 3 * first.arg + 1]);
              live.shift();
            } else expect(due).toBe(false);
          }
          expect(tq.nr_locked(q)).toBe(live.length);
          expect(tq.first_expiry_locked(q)).toBe(live.length === 0 ? Infinity : Math.min(...live.map((e) => e.expiry)));
          expect(tq.nr_locked(0)).toBe(0);
          tq.unlock(q);
        }
        // drain: everything comes out in order
        live.sort((a, b) => a.expiry - b.expiry || a.seq - b.seq);
        for (const e of live) {
          expect(tq.pop_due_locked(q, Infinity, out)).toBe(true);
          expect([...out]).toEqual([e.expiry, e.kind, e.arg, 3 * e.arg + 1]);
        }
        expect(tq.pop_due_locked(q, Infinity, out)).toBe(false);
      }),
      { seed, numRuns: 300 },
    );
  });

  it('rejects a capacity out of range', () => {
    expect(() => allocTimerQueues(1, 0)).toThrow(/capacity 0/);
  });
});

describe('hrtimer', () => {
  it('fires due hard timers in expiry order (ties by start order) at the interrupt, property', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 50 }), fc.integer({ min: 0, max: 25 }), (timers, now) => {
        const fx = makeFixture(2);
        const fired: number[] = [];
        fx.hrtimer.hrtimer_register(HRTIMER_NANOSLEEP, (_c, arg) => {
          fired.push(arg);
        });
        const handles = timers.map(([t], k) => fx.hrtimer.hrtimer_start(1, t * 1000, HRTIMER_NANOSLEEP, k));
        timers.forEach(([, cancel], k) => {
          if (cancel) expect(fx.hrtimer.hrtimer_cancel(1, handles[k]!)).toBe(true);
        });
        fx.hrtimer.hrtimer_interrupt(1, now * 1000);
        const want = timers
          .map(([t, cancel], k) => ({ t, cancel, k }))
          .filter((e) => !e.cancel && e.t <= now)
          .sort((a, b) => a.t - b.t || a.k - b.k)
          .map((e) => e.k);
        expect(fired).toEqual(want);
        // fired timers cannot be cancelled any more; the rest can
        timers.forEach(([t, cancel], k) => expect(fx.hrtimer.hrtimer_cancel(1, handles[k]!)).toBe(!cancel && t > now));
      }),
      { seed, numRuns: 200 },
    );
  });

  it('soft timers run from HRTIMER_SOFTIRQ at irq exit; a callback may re-arm (HRTIMER_RESTART)', () => {
    const fx = makeFixture(1);
    const log: string[] = [];
    fx.hrtimer.hrtimer_register(HRTIMER_FUTEX, (c, arg, expires, seq) => {
      log.push(`futex ${arg}/${seq} @${fx.clock[c]}`);
      return arg === 1 && expires < 3_000_000 ? expires + 1_000_000 : undefined;
    });
    fx.hrtimer.hrtimer_start(0, 1_000_000, HRTIMER_FUTEX, 1, true, 11);
    fx.hrtimer.hrtimer_start(0, 1_500_000, HRTIMER_FUTEX, 2, false, 22);
    expect(fx.tick.next_event(0)).toBe(1_000_000);
    fx.clock[0] = 1_600_000;
    fx.irqs.handle_irq(0, 5, false);
    expect(log).toEqual(['futex 2/22 @1600000', 'futex 1/11 @1600000']);
    expect(fx.softirq.kstat_softirqs_cpu(HRTIMER_SOFTIRQ, 0)).toBe(1);
    expect(fx.hrtimer.hrtimer_next_event(0)).toBe(2_000_000); // re-armed soft timer
    fx.clock[0] = 3_000_000;
    fx.irqs.handle_irq(0, 5, false);
    expect(log.length).toBe(4);
    expect(fx.hrtimer.hrtimer_next_event(0)).toBe(Infinity);
  });

  it('a full per-core queue and an unregistered kind are clear errors', () => {
    const fx = makeFixture(1);
    fx.hrtimer.hrtimer_register(HRTIMER_NANOSLEEP, () => {});
    for (let k = 0; k < 64; k++) fx.hrtimer.hrtimer_start(0, k, HRTIMER_NANOSLEEP, k);
    expect(() => fx.hrtimer.hrtimer_start(0, 1, HRTIMER_NANOSLEEP, 0)).toThrow(/cpu 0: all 64 hard timers in use/);
    expect(() => fx.hrtimer.hrtimer_start(0, 1, 99, 0)).toThrow(/kind 99 has no callback/);
  });
});

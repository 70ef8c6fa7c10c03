// The remote-trap mailboxes (src/kernel/remote/mailbox.ts) in one thread: a context survives
// the round trip bit for bit, the flush log replays the home's MMU calls in order, a full log
// collapses to "flush everything, then the last root", and the barrier halves the home waits with.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BARRIER_ABORTED, BARRIER_PENDING, barrierAbort, barrierArrive, barrierInit, barrierPassed } from '../../shared/sync/barrier.ts';
import {
  LOG_ENTRIES, Mailboxes, MB_FREE, MB_REPLY, MB_REQUEST, OP_FLUSH_ALL, OP_FLUSH_ASID, OP_FLUSH_ICACHE, OP_FLUSH_PAGE, OP_FLUSH_PAGE_ASID, OP_SET_ROOT,
  allocRemoteBuffer, K_TRAP, type FlushTarget,
} from '../../src/kernel/remote/mailbox.ts';

function recorder(): FlushTarget & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    setRoot: (p, l, a) => log.push(`root ${p} ${l} ${a}`),
    flushTlbPage: (va) => log.push(`page ${va}`),
    flushTlbAll: () => log.push('all'),
    flushTlbPageAsid: (va, a) => log.push(`page ${va} asid ${a}`),
    flushTlbAsid: (a) => log.push(`asid ${a}`),
    flushIcache: () => log.push('icache'),
  };
}

const ctx = () => ({ pc: 0, cycle: 0, instret: 0, xl: new Int32Array(33), xh: new Int32Array(33), f: { w: new Int32Array(64) }, frm: 0, fflags: 0 });

describe('remote mailboxes', () => {
  it('a call carries the whole user context both ways, bit for bit', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { minLength: 128, maxLength: 128 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.nat(), fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 31 }), (w, pc, cycle, frm, fflags) => {
      const mb = new Mailboxes(allocRemoteBuffer(4, 2, 0), 4, 2, 0);
      const a = ctx();
      for (let i = 0; i < 32; i++) { a.xl[i] = w[i]!; a.xh[i] = w[32 + i]!; }
      for (let i = 0; i < 64; i++) a.f.w[i] = w[64 + i]!;
      Object.assign(a, { pc, cycle, instret: cycle + 1, frm, fflags });
      mb.post(3, K_TRAP, 1, 7, a, 8, 0x1234, 0);
      expect(mb.state(3)).toBe(MB_REQUEST);
      const b = ctx();
      mb.getContext(3, b);
      expect([mb.kind(3), mb.cause(3), mb.tval(3), mb.quantum(3), mb.requester(3), mb.instret(3)]).toEqual([K_TRAP, 8, 0x1234, 7, 1, cycle + 1]);
      b.xl[10] = 42;
      b.pc = pc + 4;
      mb.reply(3, b, 0);
      expect(mb.state(3)).toBe(MB_REPLY);
      const c = ctx();
      mb.getContext(3, c);
      mb.release(3);
      expect(mb.state(3)).toBe(MB_FREE);
      expect(c.xl[0], 'x0 reads as zero').toBe(0);
      expect(Array.from(c.xl.subarray(1, 32))).toEqual(Array.from(b.xl.subarray(1, 32)));
      expect(Array.from(c.xh.subarray(1, 32))).toEqual(Array.from(a.xh.subarray(1, 32)));
      expect(Array.from(c.f.w)).toEqual(Array.from(a.f.w));
      expect([c.pc, c.cycle, c.frm, c.fflags]).toEqual([pc + 4, cycle, frm, fflags]);
    }));
  });

  it('the flush log replays in order and acks what it applied', () => {
    const mb = new Mailboxes(allocRemoteBuffer(2, 2, 0), 2, 2, 0);
    const t = recorder();
    mb.postFlush(1, OP_SET_ROOT, 0x80000000, 3, 5);
    mb.postFlush(1, OP_FLUSH_PAGE_ASID, 0x10000, 5, 0);
    mb.postFlush(1, OP_FLUSH_PAGE, 0x20000, 0, 0);
    const seq = mb.postFlush(1, OP_FLUSH_ASID, 6, 0, 0);
    mb.postFlush(1, OP_FLUSH_ICACHE, 0, 0, 0);
    expect(mb.flushedTo(1, seq)).toBe(false);
    expect(mb.drainFlushes(1, t)).toBe(5);
    expect(t.log).toEqual([`root ${0x80000000} 3 5`, `page ${0x10000} asid 5`, `page ${0x20000}`, 'asid 6', 'icache']);
    expect(mb.flushedTo(1, seq)).toBe(true);
    expect(mb.drainFlushes(1, t), 'nothing twice').toBe(0);
    expect(mb.drainFlushes(0, t), 'core 0 has its own log').toBe(0);
  });

  it('a full log: everything flushed, then the last root', () => {
    const mb = new Mailboxes(allocRemoteBuffer(1, 1, 0), 1, 1, 0);
    const t = recorder();
    for (let i = 0; i < LOG_ENTRIES; i++) mb.postFlush(0, OP_FLUSH_PAGE, i * 4096, 0, 0);
    const last = mb.postFlush(0, OP_SET_ROOT, 0x80042000, 4, 9);
    mb.postFlush(0, OP_FLUSH_ALL, 0, 0, 0);
    expect(mb.flushedTo(0, last)).toBe(false);
    mb.drainFlushes(0, t);
    expect(t.log).toEqual(['all', 'icache', `root ${0x80042000} 4 9`]);
    expect(mb.flushedTo(0, last)).toBe(true);
    // The ring goes on after the overflow.
    t.log.length = 0;
    mb.postFlush(0, OP_FLUSH_PAGE, 0x5000, 0, 0);
    mb.drainFlushes(0, t);
    expect(t.log).toEqual([`page ${0x5000}`]);
  });

  it('barrierArrive / barrierPassed: pending until the last party, who rings once; abort ends it', () => {
    const i32 = new Int32Array(new SharedArrayBuffer(64 * 4));
    barrierInit(i32, 0, 2);
    let rings = 0;
    const g = barrierArrive(i32, 0, () => rings++);
    expect(g).toBe(0);
    expect(barrierPassed(i32, 0, g)).toBe(BARRIER_PENDING);
    expect(rings).toBe(0);
    expect(barrierArrive(i32, 0, () => rings++)).toBe(0);
    expect(rings).toBe(1);
    expect(barrierPassed(i32, 0, g)).toBe(0);
    const g1 = barrierArrive(i32, 0);
    expect(g1).toBe(1);
    barrierAbort(i32, 0);
    expect(barrierPassed(i32, 0, g1)).toBe(BARRIER_ABORTED);
    expect(barrierArrive(i32, 0)).toBe(BARRIER_ABORTED);
  });
});

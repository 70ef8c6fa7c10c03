// The task table's saved contexts (sched/task_regs.ts): a context switch's save and restore
// carry every integer and FP register, fcsr and pc exactly, slot by slot; copy_thread's copy;
// slot allocation and release.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { D_PC, TASK_FREE, TASK_RUNNING, TaskRegs, W_STATE } from '../../../src/kernel/sched/task_regs.ts';

const SEED = 20261201;

function fakeHart() {
  return {
    hartId: 0, pc: 0, cycle: 0, instret: 0,
    xl: new Int32Array(33), xh: new Int32Array(33),
    f: { w: new Int32Array(64) }, frm: 0, fflags: 0,
    readGuest: () => new Uint8Array(0), writeGuest: () => {},
  };
}

const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const context = fc.record({
  xl: fc.array(i32, { minLength: 32, maxLength: 32 }),
  xh: fc.array(i32, { minLength: 32, maxLength: 32 }),
  f: fc.array(i32, { minLength: 64, maxLength: 64 }),
  frm: fc.integer({ min: 0, max: 7 }),
  fflags: fc.integer({ min: 0, max: 31 }),
  pc: fc.integer({ min: 0, max: 2 ** 38 - 2 }),
});

describe('task_regs', () => {
  it(`save then load restores every register, fcsr and pc; slots do not overlap (seed ${SEED})`, () => {
    console.log(`task_regs: fast-check seed ${SEED}`);
    fc.assert(
      fc.property(fc.array(context, { minLength: 2, maxLength: 6 }), (ctxs) => {
        const regs = TaskRegs.alloc(8);
        const h = fakeHart();
        ctxs.forEach((c, p) => {
          h.xl.set(c.xl);
          h.xh.set(c.xh);
          h.f.w.set(c.f);
          h.frm = c.frm;
          h.fflags = c.fflags;
          h.pc = c.pc;
          regs.save(h, p);
        });
        // Restore in reverse order onto a hart holding garbage.
        for (let p = ctxs.length - 1; p >= 0; p--) {
          const c = ctxs[p]!;
          h.xl.fill(-1);
          h.xh.fill(-1);
          h.f.w.fill(-1);
          regs.load(h, p);
          expect(h.xl[0]).toBe(0);
          expect(h.xh[0]).toBe(0);
          expect(Array.from(h.xl.subarray(1, 32))).toEqual(c.xl.slice(1));
          expect(Array.from(h.xh.subarray(1, 32))).toEqual(c.xh.slice(1));
          expect(Array.from(h.f.w)).toEqual(c.f);
          expect([h.frm, h.fflags, h.pc]).toEqual([c.frm, c.fflags, c.pc]);
        }
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('copy_thread copies the context; setReg writes a register of a saved slot (sign-extended)', () => {
    const regs = TaskRegs.alloc(4);
    const h = fakeHart();
    for (let i = 1; i < 32; i++) h.xl[i] = i * 3;
    h.pc = 0x10abc;
    regs.save(h, 1);
    regs.copy(1, 2);
    regs.setReg(2, 10, 0);
    regs.setReg(2, 2, -16);
    regs.setD(2, D_PC, 0x10ac0);
    const g = fakeHart();
    regs.load(g, 2);
    expect(g.xl[10]).toBe(0);
    expect([g.xl[2], g.xh[2]]).toEqual([-16, -1]);
    expect(g.xl[11]).toBe(33);
    expect(g.pc).toBe(0x10ac0);
    expect(regs.getRegU(1, 10)).toBe(30); // the parent's slot is untouched
  });

  it('slots: allocSlot takes free ones from a start index, a full table answers -1, free gives them back', () => {
    const regs = TaskRegs.alloc(3);
    expect([regs.allocSlot(1), regs.allocSlot(1), regs.allocSlot(1)]).toEqual([1, 2, 0]);
    expect(regs.allocSlot()).toBe(-1);
    expect(regs.get(2, W_STATE)).toBe(TASK_RUNNING);
    regs.free(2);
    expect(regs.get(2, W_STATE)).toBe(TASK_FREE);
    expect(regs.allocSlot(0)).toBe(2);
  });
});

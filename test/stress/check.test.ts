// The stress checker on hand-made logs: it must pass a history that follows the rules and
// bite on each kind of violation (a lost update, a CoRR violation, a value nobody wrote,
// a broken LR/SC pair, a lost store, a corrupted log), naming the first one precisely.

import { describe, expect, it } from 'vitest';
import { checkStress, formatViolation } from '../../src/stress/check.ts';
import { Kind, mix32, u64 } from '../../src/stress/ops.ts';
import { handPlan, lineWith, observed, type HandOp } from './helpers.ts';

/** The 64-bit token core c's op i stores (imm is its low half). */
const X = (c: number, i: number, imm: number) => u64(imm, mix32(c, i));

function check(slots: Parameters<typeof handPlan>[1], ops: HandOp[][], finalLine: Uint8Array, o: Parameters<typeof handPlan>[3] & { corruptLog?: number } = {}) {
  const h = handPlan(ops.length, slots, ops, o);
  return checkStress(h.plan, observed(h, ops, finalLine, o));
}

describe('stress checker: a history that follows the rules passes', () => {
  it('stores, LR/SC, swaps, loads and counter AMOs with consistent values', () => {
    const A = X(0, 0, 1);
    const C = X(1, 0, 3);
    const D = X(1, 1, 4);
    const ops: HandOp[][] = [
      [
        { kind: Kind.SDX, off: 0, imm: 1 },
        { kind: Kind.LD, off: 0, log: [C] },
        { kind: Kind.LD, off: 0, log: [D] },
        { kind: Kind.ADDW, off: 8, imm: 5, log: [7n] },
      ],
      [
        { kind: Kind.LRSCD, off: 0, imm: 3, log: [A, 0n] },
        { kind: Kind.SWAPD, off: 0, imm: 4, log: [C] },
        { kind: Kind.ADDW, off: 8, imm: 7, log: [0n] },
        { kind: Kind.LW, off: 8, log: [12n] },
      ],
    ];
    const r = check(['tokd', 'cntw'], ops, lineWith([0, D, 8], [8, 12n, 4]));
    expect(r.violations.map((v) => v.summary)).toEqual([]);
    expect(r.stats.scSucceeded).toBe(1);
    expect(r.stats.loadsChecked).toBe(7);
  });

  it('single-writer byte lanes: readers move forward through the owner\'s writes', () => {
    const ops: HandOp[][] = [
      [
        { kind: Kind.SB, off: 0, imm: 1 },
        { kind: Kind.SH, off: 2, imm: 0x0302 },
        { kind: Kind.LD, off: 0, log: [0x03020001n] },
      ],
      [
        { kind: Kind.LB, off: 0, log: [1n] },
        { kind: Kind.LW, off: 0, log: [0x03020001n] },
      ],
    ];
    const r = check(['owned'], ops, lineWith([0, 0x03020001n, 4]), { owners: [[0, 0, 0, 0, 0, 0, 0, 0]] });
    expect(r.violations.map((v) => v.summary)).toEqual([]);
  });
});

describe('stress checker: it bites', () => {
  it('a lost update on a counter: two amoadds read the same value', () => {
    const ops: HandOp[][] = [[{ kind: Kind.ADDW, off: 0, imm: 5, log: [0n] }], [{ kind: Kind.ADDW, off: 0, imm: 7, log: [0n] }]];
    const r = check(['cntw'], ops, lineWith([0, 7n, 4]));
    const [first, ...rest] = r.violations;
    expect(first.kind).toBe('atomicity');
    expect(first.summary).toMatch(/lost update: core 1 op 0 \(amoadd\.w\) and core 0 op 0 \(amoadd\.w\) both read 0x00000000/);
    expect(rest.some((v) => v.kind === 'final' && /ends at 0x00000007 but initial 0x00000000 \+ 2 increments totalling 12 = 0x0000000c \(updates lost\)/.test(v.summary))).toBe(true);
  });

  it('a CoRR violation: a core reads a newer value, then an older one', () => {
    const A = X(0, 0, 1);
    const B = X(0, 1, 2);
    const ops: HandOp[][] = [
      [{ kind: Kind.SDX, off: 0, imm: 1 }, { kind: Kind.SDX, off: 0, imm: 2 }],
      [{ kind: Kind.LD, off: 0, log: [B] }, { kind: Kind.LD, off: 0, log: [A] }],
    ];
    const r = check(['tokd'], ops, lineWith([0, B, 8]));
    expect(r.violations).toHaveLength(1);
    const v = r.violations[0];
    expect(v).toMatchObject({ kind: 'order', core: 1, op: 1, size: 8 });
    expect(v.summary).toContain(`read 0x${A.toString(16).padStart(16, '0')} (core 0 op 0 (sd))`);
    const text = formatViolation(v).join('\n');
    // The expected set: only B (what core 1 had already seen) may be read.
    expect(text).toMatch(/had already observed 0x[0-9a-f]+ \(core 0 op 1 \(sd\)\) at op 0; it may read only writes not before that one in coherence order: 1 candidates/);
    expect(text).toMatch(/cycle/);
    expect(text).toMatch(/CoRR/);
    expect(text).toMatch(/CoWW|CoRW/);
  });

  it('a value nobody wrote', () => {
    const ops: HandOp[][] = [[{ kind: Kind.SDX, off: 0, imm: 1 }], [{ kind: Kind.LD, off: 0, log: [0xdeadbeefn] }]];
    const r = check(['tokd'], ops, lineWith([0, X(0, 0, 1), 8]));
    expect(r.violations[0]).toMatchObject({ kind: 'value', core: 1, op: 0 });
    expect(r.violations[0].summary).toContain('read 0x00000000deadbeef at');
    expect(r.violations[0].summary).toContain('a value no store wrote there');
    expect(formatViolation(r.violations[0]).join('\n')).toMatch(/2 candidates \{0x0+ \(initial value\), 0x[0-9a-f]+ \(core 0 op 0 \(sd\)\)\}/);
  });

  it('a successful SC whose pair was not atomic (another write came between LR and SC)', () => {
    const B = X(1, 1, 5);
    const C = X(0, 0, 3);
    const ops: HandOp[][] = [
      [{ kind: Kind.LRSCD, off: 0, imm: 3, log: [0n, 0n] }],
      [
        { kind: Kind.LD, off: 0, log: [0n] },
        { kind: Kind.SDX, off: 0, imm: 5 },
        { kind: Kind.LD, off: 0, log: [C] },
      ],
    ];
    const r = check(['tokd'], ops, lineWith([0, C, 8]));
    expect(r.violations[0]).toMatchObject({ kind: 'order', core: 1, op: 2 });
    const text = formatViolation(r.violations[0]).join('\n');
    expect(text).toContain('one chain of atomic read-modify-writes');
    // C was chained right after the initial value, so core 1 (having written B after that) may read B only.
    expect(text).toContain(`it may read only writes not before that one in coherence order: 1 candidates {0x${B.toString(16).padStart(16, '0')}`);
  });

  it('two swaps read the same write (a lost update on a token slot)', () => {
    const ops: HandOp[][] = [[{ kind: Kind.SWAPD, off: 0, imm: 1, log: [0n] }], [{ kind: Kind.SWAPD, off: 0, imm: 2, log: [0n] }]];
    const r = check(['tokd'], ops, lineWith([0, X(1, 0, 2), 8]));
    expect(r.violations[0]).toMatchObject({ kind: 'atomicity', core: 1, op: 0 });
    expect(r.violations[0].summary).toMatch(/both read 0x0+ \(initial value\)/);
  });

  it('a max slot: two amomax raise from the same value', () => {
    const ops: HandOp[][] = [[{ kind: Kind.MAXD, off: 0, imm: 64, log: [0n] }], [{ kind: Kind.MAXD, off: 0, imm: 96, log: [0n] }]];
    const r = check(['maxd'], ops, lineWith([0, 96n, 8]));
    expect(r.violations[0]).toMatchObject({ kind: 'atomicity', core: 1, op: 0 });
  });

  it('byte lanes: a reader going backwards, and the owner\'s lost last store', () => {
    const ops: HandOp[][] = [
      [{ kind: Kind.SB, off: 0, imm: 1 }, { kind: Kind.SB, off: 0, imm: 2 }],
      [{ kind: Kind.LB, off: 0, log: [2n] }, { kind: Kind.LB, off: 0, log: [1n] }],
    ];
    const owners = [[0, 0, 0, 0, 0, 0, 0, 0]];
    const r = check(['owned'], ops, lineWith([0, 1n, 1]), { owners });
    expect(r.violations[0]).toMatchObject({ kind: 'order', core: 1, op: 1 });
    expect(r.violations[0].summary).toMatch(/coherence order went backwards \(CoRR\)/);
    const last = r.violations[r.violations.length - 1];
    expect(last.kind).toBe('final');
    expect(last.summary).toMatch(/ends as 0x01 but core 0's last write there \(op 1, write #2\) stored 0x02 .*a later write was lost/);
  });

  it('the owner reads back something other than its own last store (CoWR)', () => {
    const ops: HandOp[][] = [[{ kind: Kind.SB, off: 3, imm: 9 }, { kind: Kind.LW, off: 0, log: [0n] }], []];
    const r = check(['owned'], ops, lineWith([3, 9n, 1]), { owners: [[0, 0, 0, 0, 0, 0, 0, 0]] });
    expect(r.violations[0]).toMatchObject({ kind: 'order', core: 0, op: 1, addr: expect.any(Number) });
    expect(r.violations[0].summary).toMatch(/read its own byte .* as 0x00 .*is 0x09 .*CoWR/);
  });

  it('reports the earliest violation first', () => {
    const A = X(0, 0, 1);
    const ops: HandOp[][] = [
      [{ kind: Kind.SDX, off: 0, imm: 1 }, { kind: Kind.LD, off: 0, log: [A] }, { kind: Kind.LD, off: 8, log: [0x1234n] }],
      [{ kind: Kind.LD, off: 0, log: [A] }, { kind: Kind.LD, off: 8, log: [0x99n] }],
    ];
    const r = check(['tokd', 'tokd'], ops, lineWith([0, A, 8]));
    expect(r.violations.map((v) => [v.core, v.op])).toEqual([
      [1, 1],
      [0, 2],
    ]);
  });

  it('a log entry the memory system lost is named, and its op is not held against the others', () => {
    const ops: HandOp[][] = [[{ kind: Kind.SDX, off: 0, imm: 1 }], [{ kind: Kind.LD, off: 0, log: [X(0, 0, 1)] }]];
    const r = check(['tokd'], ops, lineWith([0, X(0, 0, 1), 8]), { corruptLog: 1 });
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0]).toMatchObject({ kind: 'log', core: 1, op: 0 });
    expect(r.violations[0].summary).toMatch(/core 1 op 0 \(ld\): its log entry at 0x[0-9a-f]+ reads back as 0x0+, 0x0+, not the value and its check word .*lost the core's own store/);
    expect(r.stats.opsChecked).toBe(1);
  });
});

// Hand-made stress plans and logs for the checker's unit tests: one packed line whose slots
// have the given classes, per-core op lists, and the values each op observed.

import { finishLayout, planLayout, type SlotClass, type StressPlan } from '../../src/stress/generate.ts';
import { Kind, KINDS, LOG_ENTRY_BYTES } from '../../src/stress/ops.ts';
import type { Observed } from '../../src/stress/check.ts';

export const LINE = 64;

export interface HandOp {
  kind: Kind;
  /** Byte offset in the line. */
  off: number;
  imm?: number;
  /** What the op logged: the value read, and for LR/SC the SC result (0 = success). */
  log?: bigint[];
}

export interface HandPlan {
  plan: StressPlan;
  /** Address of byte `off` of the line. */
  at: (off: number) => number;
}

export function handPlan(cores: number, slots: SlotClass[], ops: HandOp[][], o: { owners?: (number[] | undefined)[]; init?: Uint8Array[] } = {}): HandPlan {
  const full = [...slots, ...new Array<SlotClass>(LINE / 8 - slots.length).fill('tokd')];
  const specs = [{ kind: 'packed' as const, slots: full, owners: o.owners ?? full.map(() => undefined), init: o.init }];
  const skel = planLayout(cores, LINE, 4096, specs, ops.map((l) => l.length));
  const base = skel.lines[0].addr;
  for (let c = 0; c < cores; c++) {
    const n = ops[c].length;
    const co = { kind: new Uint8Array(n), addr: new Float64Array(n), imm: new Int32Array(n), loc: new Int32Array(n) };
    ops[c].forEach((op, i) => {
      const a = base + op.off;
      co.kind[i] = op.kind;
      co.addr[i] = a;
      co.imm[i] = op.imm ?? 0;
      co.loc[i] = skel.locations.find((l) => a >= l.addr && a < l.addr + l.size)!.id;
    });
    skel.ops.push(co);
  }
  finishLayout(skel);
  const plan: StressPlan = { ...skel, seed: 0, expectedInsns: ops.map(() => 0) };
  return { plan, at: (off) => base + off };
}

/** The observation of a finished run: every op's logged values, and the line's final bytes. */
export function observed(h: HandPlan, ops: HandOp[][], finalLine: Uint8Array, o: { complete?: boolean; corruptLog?: number } = {}): Observed {
  const logs = ops.map((list, c) => {
    const entries = list.flatMap((op) => {
      const want = KINDS[op.kind].logs;
      const got = op.log ?? [];
      if (got.length !== want) throw new Error(`core ${c}: ${KINDS[op.kind].name} logs ${want} value(s), got ${got.length}`);
      return got;
    });
    const b = new Uint8Array(LOG_ENTRY_BYTES * entries.length);
    const dv = new DataView(b.buffer);
    const base = BigInt(h.plan.layout.logAddr[c]);
    entries.forEach((v, i) => {
      const x = BigInt.asUintN(64, v);
      dv.setBigUint64(LOG_ENTRY_BYTES * i, x, true);
      dv.setBigUint64(LOG_ENTRY_BYTES * i + 8, x ^ (base + BigInt(LOG_ENTRY_BYTES * i)), true);
    });
    return b;
  });
  if (o.corruptLog !== undefined) logs[o.corruptLog].fill(0);
  return { progress: ops.map((l) => l.length), logs, lines: [finalLine], complete: o.complete ?? true };
}

/** A line image from (offset, value, size) writes, little-endian. */
export function lineWith(...parts: [off: number, value: bigint, size: number][]): Uint8Array {
  const b = new Uint8Array(LINE);
  for (const [off, v, size] of parts) for (let k = 0; k < size; k++) b[off + k] = Number((v >> BigInt(8 * k)) & 0xffn);
  return b;
}

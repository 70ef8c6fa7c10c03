// Protocol mutations: one injected bug each, to prove that the testers bite.
// Most are an edited row of the MESI table; two are flags the bus honours.

import type { BusMutations } from './l2_controller.ts';
import {
  A_BREAK_RESERVATION,
  A_HIT,
  A_ISSUE_BUSRD,
  BusUpgr,
  E,
  Evict,
  I,
  M,
  PrRd,
  PrWr,
  ProtocolTable,
  S,
  TRANSITIONS,
  type Transition,
} from './mesi.ts';

export interface Mutation {
  name: string;
  description: string;
  /** Replaces the rows for the pairs it names. */
  rows?: Transition[];
  flags?: BusMutations;
}

export const MUTATIONS: Mutation[] = [
  {
    name: 'skip-upgrade-invalidation',
    description: 'BusUpgr does not invalidate the other S copies (they stay S)',
    rows: [{ from: [S], on: [BusUpgr], to: S, actions: 0 }],
  },
  {
    name: 'drop-eviction-writeback',
    description: 'a Modified line is evicted without writing its data back',
    rows: [{ from: [M], on: [Evict], to: I, actions: A_BREAK_RESERVATION }],
  },
  {
    name: 'exclusive-despite-sharers',
    description: 'a read miss is granted E even while another core holds the line in S',
    rows: [{ from: [I], on: [PrRd], to: E, actions: A_ISSUE_BUSRD }],
  },
  {
    name: 'store-hit-in-s',
    description: 'a store to an S line writes without a bus transaction (S -> M silently)',
    rows: [{ from: [S], on: [PrWr], to: M, actions: A_HIT }],
  },
  {
    name: 'keep-reservation',
    description: 'an LR reservation survives an invalidation of its line',
    flags: { keepReservation: true },
  },
  {
    name: 'skip-sharer-update',
    description: 'a fill does not set the requester\'s bit in the L3 sharer mask',
    flags: { skipSharerUpdate: true },
  },
];

/** The protocol table and bus flags for a mutation name (undefined: the correct protocol). */
export function protocolFor(name?: string): { table: ProtocolTable; flags: BusMutations } {
  if (!name) return { table: new ProtocolTable(TRANSITIONS), flags: {} };
  const m = MUTATIONS.find((x) => x.name === name);
  if (!m) throw new Error(`unknown mutation '${name}' (known: ${MUTATIONS.map((x) => x.name).join(', ')})`);
  const replaced = new Set((m.rows ?? []).flatMap((r) => r.from.flatMap((f) => r.on.map((e) => `${f}:${e}`))));
  const rows: Transition[] = [];
  for (const r of TRANSITIONS) {
    for (const f of r.from) {
      for (const e of r.on) {
        if (!replaced.has(`${f}:${e}`)) rows.push({ from: [f], on: [e], to: r.to, actions: r.actions });
      }
    }
  }
  rows.push(...(m.rows ?? []));
  return { table: new ProtocolTable(rows), flags: m.flags ?? {} };
}


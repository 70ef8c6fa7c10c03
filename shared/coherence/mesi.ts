// The MESI protocol as a table of (state, event) -> (actions, next state), in the
// seeds' words (003, "MESI 协议") and gem5's. Local events come from this core
// (PrRd, PrWr, Evict); remote events are another core's bus transactions seen by
// snooping (BusRd, BusRdX, BusUpgr). The table is expanded at load into typed
// arrays that the bus code consults; a missing (state, event) pair panics.
// Fast paths in cores/mem_cache.ts (load hit in M/E/S, store hit in M/E) skip the
// table; test/coherence/mesi-table.test.ts walks every pair to prove they agree.

export const I = 0;
export const S = 1;
export const E = 2;
export const M = 3;
/** Set in a line's state word while its owner writes the data (claim); snoopers wait. */
export const BUSY = 4;
export const STATE_MASK = 3;
export const STATE_NAMES = ['I', 'S', 'E', 'M'];

export const PrRd = 0;
export const PrWr = 1;
export const Evict = 2;
export const BusRd = 3;
export const BusRdX = 4;
export const BusUpgr = 5;
export const EVENTS = 6;
export const EVENT_NAMES = ['PrRd', 'PrWr', 'Evict', 'BusRd', 'BusRdX', 'BusUpgr'];

/** Next state "E if no other core holds a copy, else S" (the seeds' I + PrRd cell). */
export const E_OR_S = 4;

// Actions, as bits.
export const A_HIT = 1 << 0; // served from this cache
export const A_ISSUE_BUSRD = 1 << 1; // GETS on the bus: data from the M/E holder or L3
export const A_ISSUE_BUSRDX = 1 << 2; // GETX on the bus: data, and every other copy invalidated
export const A_ISSUE_BUSUPGR = 1 << 3; // upgrade S -> M: every other copy invalidated, no data
export const A_WRITEBACK = 1 << 4; // dirty data goes down to L3
export const A_SUPPLY_DATA = 1 << 5; // this cache sends its copy to the requester (cache-to-cache)
export const A_BREAK_RESERVATION = 1 << 6; // an LR reservation on the line is lost

export const ACTION_NAMES: [number, string][] = [
  [A_HIT, 'hit'],
  [A_ISSUE_BUSRD, 'issueBusRd'],
  [A_ISSUE_BUSRDX, 'issueBusRdX'],
  [A_ISSUE_BUSUPGR, 'issueBusUpgr'],
  [A_WRITEBACK, 'writeBack'],
  [A_SUPPLY_DATA, 'supplyData'],
  [A_BREAK_RESERVATION, 'breakReservation'],
];

export interface Transition {
  from: number[];
  on: number[];
  to: number;
  actions: number;
}

/** The protocol. One row per cell of the seeds' table (issue #3 spells it out). */
export const TRANSITIONS: Transition[] = [
  // Local events.
  { from: [M], on: [PrRd], to: M, actions: A_HIT },
  { from: [M], on: [PrWr], to: M, actions: A_HIT },
  { from: [M], on: [Evict], to: I, actions: A_WRITEBACK | A_BREAK_RESERVATION },
  { from: [E], on: [PrRd], to: E, actions: A_HIT },
  { from: [E], on: [PrWr], to: M, actions: A_HIT }, // silently: no bus transaction
  { from: [E], on: [Evict], to: I, actions: A_BREAK_RESERVATION },
  { from: [S], on: [PrRd], to: S, actions: A_HIT },
  { from: [S], on: [PrWr], to: M, actions: A_ISSUE_BUSUPGR },
  { from: [S], on: [Evict], to: I, actions: A_BREAK_RESERVATION },
  { from: [I], on: [PrRd], to: E_OR_S, actions: A_ISSUE_BUSRD },
  { from: [I], on: [PrWr], to: M, actions: A_ISSUE_BUSRDX },
  // Remote events, applied by the requester to the other caches' copies.
  { from: [M], on: [BusRd], to: S, actions: A_SUPPLY_DATA | A_WRITEBACK },
  { from: [M], on: [BusRdX], to: I, actions: A_SUPPLY_DATA | A_BREAK_RESERVATION },
  { from: [E], on: [BusRd], to: S, actions: 0 },
  { from: [E], on: [BusRdX], to: I, actions: A_BREAK_RESERVATION },
  { from: [S], on: [BusRdX, BusUpgr], to: I, actions: A_BREAK_RESERVATION },
  { from: [S], on: [BusRd], to: S, actions: 0 },
  { from: [I], on: [BusRd, BusRdX, BusUpgr], to: I, actions: 0 },
];
// (M, BusUpgr) and (E, BusUpgr) cannot happen: an upgrade is issued only while every copy is S.
// (I, Evict) cannot happen: there is nothing to evict.

const NONE = 255;

/** The table expanded: next[state * EVENTS + event] and actions[...]; NONE marks a missing pair. */
export class ProtocolTable {
  readonly next = new Uint8Array(4 * EVENTS).fill(NONE);
  readonly actions = new Uint16Array(4 * EVENTS);

  constructor(rows: Transition[]) {
    for (const r of rows) {
      for (const f of r.from) {
        for (const e of r.on) {
          const i = f * EVENTS + e;
          if (this.next[i] !== NONE) throw new Error(`MESI table: (${STATE_NAMES[f]}, ${EVENT_NAMES[e]}) given twice`);
          this.next[i] = r.to;
          this.actions[i] = r.actions;
        }
      }
    }
  }

  has(state: number, event: number): boolean {
    return this.next[state * EVENTS + event] !== NONE;
  }
}

export class ProtocolPanic extends Error {
  override name = 'ProtocolPanic';
}

/** Formats a missing-pair panic: the simulation stops naming core, address, state and event. */
export function missingPair(core: number, line: number, lineBytes: number, state: number, event: number): ProtocolPanic {
  return new ProtocolPanic(
    `MESI: no transition for state ${STATE_NAMES[state]} on ${EVENT_NAMES[event]} (core ${core}, line 0x${(line * lineBytes).toString(16)})`,
  );
}

export function actionNames(bits: number): string[] {
  return ACTION_NAMES.filter(([b]) => (bits & b) !== 0).map(([, n]) => n);
}

/** The table as markdown, to hold against the seeds' table. */
export function tableMarkdown(t: ProtocolTable): string {
  const rows = [`| state | ${EVENT_NAMES.join(' | ')} |`, `|---|${EVENT_NAMES.map(() => '---|').join('')}`];
  for (const s of [M, E, S, I]) {
    const cells = EVENT_NAMES.map((_, e) => {
      if (!t.has(s, e)) return '—';
      const to = t.next[s * EVENTS + e];
      const acts = actionNames(t.actions[s * EVENTS + e]).join(', ');
      const next = to === E_OR_S ? 'E if no other copy, else S' : STATE_NAMES[to];
      return acts ? `${acts} → ${next}` : `→ ${next}`;
    });
    rows.push(`| ${STATE_NAMES[s]} | ${cells.join(' | ')} |`);
  }
  return rows.join('\n') + '\n';
}

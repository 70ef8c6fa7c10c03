// The random coherence stress program: from a seed, a layout of L test cache lines
// (some packed, some strided onto one cache set), a random op sequence per core, and
// an RV64 guest routine that interprets the op tables and logs what every load, AMO
// and LR/SC observed. Every store writes a value the checker can attribute:
//
//   tokd / tokw   8- or 4-byte slots: stores, swaps and SCs write unique tokens (the
//                 high half of a 64-bit operand is a bijective mix of (core, op index));
//                 amoadd/amoxor.d with such operands give unique values too.
//   cntd / cntw   counters: only amoadd with small positive increments (and loads), so
//                 values rise strictly along the coherence order.
//   maxd / minw   amomax(u).d with increasing operands / amomin.w with decreasing ones.
//   bytes         8-byte slots whose every byte has exactly one writing core (the owner):
//                 'owned' slots belong to one core, 'lane' slots give each core a run of
//                 bytes (false sharing at byte granularity). The owner stores 1, 2, 4 or 8
//                 bytes and runs or/and/xor AMOs on its bytes; everyone loads any size.
//
// The op table of core c is 8 bytes per op (see ops.ts). Each log entry is 16 bytes: the
// value and the value XOR the entry's own address, so an entry the memory system lost (a
// dirty log line dropped, say) is recognised as such. After every op the guest publishes
// how many ops it has done, so a run that stops early (invariant checker, watchdog) is
// still checked up to where it got.

import { assemble } from '../asm/assembler.ts';
import { buildElf, PF_R, PF_W, PF_X, type BuildSegment } from '../loader/elf_writer.ts';
import type { CacheGeometry } from '../../shared/coherence/layout.ts';
import { ConfigError, DEFAULT_CONFIG } from '../machine/config.ts';
import { Rng } from './prng.ts';
import { byteOf, Kind, KINDS, KIND_COUNT, LOG_ENTRY_BYTES, MIX_K, storedBytes, type U64 } from './ops.ts';

export type SlotClass = 'tokd' | 'tokw' | 'cntd' | 'cntw' | 'maxd' | 'minw' | 'owned' | 'lane';
export type LocClass = 'tokd' | 'tokw' | 'cntd' | 'cntw' | 'maxd' | 'minw' | 'bytes';
export const SLOT_CLASSES: SlotClass[] = ['tokd', 'tokw', 'cntd', 'cntw', 'maxd', 'minw', 'owned', 'lane'];

export interface StressLine {
  addr: number;
  kind: 'packed' | 'strided';
  slots: SlotClass[];
}

export interface Location {
  id: number;
  cls: LocClass;
  slot: SlotClass;
  addr: number;
  /** 8 or 4 bytes. */
  size: number;
  /** Index into plan.lines. */
  line: number;
  /** bytes: the core that writes each byte. */
  owners?: number[];
  /** Initial value (little-endian halves; for 4-byte locations hi = 0). */
  init: U64;
}

export interface CoreOps {
  kind: Uint8Array;
  addr: Float64Array;
  imm: Int32Array;
  /** Location id (-1 for DELAY). */
  loc: Int32Array;
}

export interface StressLayout {
  codeBase: number;
  dataBase: number;
  regionBase: number;
  descAddr: number;
  tableAddr: number[];
  logAddr: number[];
  logEntries: number[];
  progressAddr: number[];
  end: number;
  strideBytes: number;
}

export interface StressPlan {
  seed: number;
  cores: number;
  lineBytes: number;
  lines: StressLine[];
  locations: Location[];
  ops: CoreOps[];
  layout: StressLayout;
  /** Static estimate of the instructions each core retires (for progress and the livelock bound). */
  expectedInsns: number[];
}

export interface GenerateOptions {
  seed: number;
  cores: number;
  /** Total ops over all cores. */
  ops: number;
  /** Test cache lines (default 8). */
  lines?: number;
  /** Lines placed on one cache set (default: half of them). */
  strided?: number;
  geometry: Omit<CacheGeometry, 'cores'>;
}

export const CODE_BASE = 0x10000;
export const DATA_BASE = 0x100000;
const DESC_BYTES = 64;
const PROGRESS_BYTES = 128;
const OFFSET_BITS = 26;

const align = (n: number, a: number) => Math.ceil(n / a) * a;

/** Bytes between two addresses that map to the same set in every level. */
export function strideFor(g: Omit<CacheGeometry, 'cores'>): number {
  const sets = (l: { sizeBytes: number; ways: number }) => l.sizeBytes / (l.ways * g.lineBytes);
  return Math.max(sets(g.l1d), sets(g.l2), sets(g.l3)) * g.lineBytes;
}

// ---------------------------------------------------------------- layout

interface LineSpec {
  kind: 'packed' | 'strided';
  slots: SlotClass[];
  /** Per slot (bytes classes): owner of each byte. */
  owners?: (number[] | undefined)[];
  /** Per slot: 8 initial bytes. */
  init?: Uint8Array[];
}

/**
 * Builds the plan skeleton: addresses of the lines, their locations and the data layout.
 * `opsPerCore` fixes the table sizes; ops are filled in by the caller.
 */
export function planLayout(cores: number, lineBytes: number, strideBytes: number, specs: LineSpec[], opsPerCore: number[]): Omit<StressPlan, 'seed' | 'expectedInsns'> {
  if (cores > 32) throw new ConfigError('the stress tester supports at most 32 cores');
  const slotsPerLine = lineBytes / 8;
  const dataBase = DATA_BASE;
  const descAddr = dataBase;
  const packedBase = dataBase + align(cores * DESC_BYTES, 4096);
  const packed = specs.filter((s) => s.kind === 'packed');
  const strided = specs.filter((s) => s.kind === 'strided');
  const stridedBase = align(packedBase + packed.length * lineBytes, strideBytes);
  const lines: StressLine[] = [];
  let p = 0;
  let s = 0;
  for (const spec of specs) {
    const addr = spec.kind === 'packed' ? packedBase + p++ * lineBytes : stridedBase + s++ * strideBytes;
    if (spec.slots.length !== slotsPerLine) throw new Error(`a ${lineBytes}-byte line has ${slotsPerLine} slots (got ${spec.slots.length})`);
    lines.push({ addr, kind: spec.kind, slots: spec.slots });
  }
  const regionEnd = strided.length > 0 ? stridedBase + strided.length * strideBytes : packedBase + packed.length * lineBytes;
  if (regionEnd - dataBase >= 2 ** OFFSET_BITS) throw new ConfigError(`the test lines span ${regionEnd - dataBase} bytes; at most ${2 ** OFFSET_BITS} fit the op encoding`);

  const locations: Location[] = [];
  specs.forEach((spec, li) => {
    spec.slots.forEach((cls, si) => {
      const a = lines[li].addr + si * 8;
      const init = spec.init?.[si] ?? new Uint8Array(8);
      const w = (o: number) => (init[o] | (init[o + 1] << 8) | (init[o + 2] << 16) | (init[o + 3] << 24)) >>> 0;
      const add = (l: Omit<Location, 'id'>) => locations.push({ id: locations.length, ...l });
      if (cls === 'owned' || cls === 'lane') {
        const owners = spec.owners?.[si];
        if (!owners || owners.length !== 8) throw new Error(`slot ${si} of line ${li}: a ${cls} slot needs 8 byte owners`);
        add({ cls: 'bytes', slot: cls, addr: a, size: 8, line: li, owners, init: [w(0), w(4)] });
      } else if (cls === 'tokd' || cls === 'cntd' || cls === 'maxd') {
        add({ cls, slot: cls, addr: a, size: 8, line: li, init: [w(0), w(4)] });
      } else {
        add({ cls, slot: cls, addr: a, size: 4, line: li, init: [w(0), 0] });
        add({ cls, slot: cls, addr: a + 4, size: 4, line: li, init: [w(4), 0] });
      }
    });
  });

  const tablesBase = align(regionEnd, 4096);
  const tableAddr: number[] = [];
  let t = tablesBase;
  for (let c = 0; c < cores; c++) {
    tableAddr.push(t);
    t = align(t + 8 * opsPerCore[c], 64);
  }
  const progressBase = align(t, 4096);
  const progressAddr = Array.from({ length: cores }, (_, c) => progressBase + c * PROGRESS_BYTES);
  const logBase = align(progressBase + cores * PROGRESS_BYTES, 4096);
  return {
    cores,
    lineBytes,
    lines,
    locations,
    ops: [],
    layout: {
      codeBase: CODE_BASE,
      dataBase,
      regionBase: dataBase,
      descAddr,
      tableAddr,
      logAddr: Array.from({ length: cores }, () => logBase),
      logEntries: new Array<number>(cores).fill(0),
      progressAddr,
      end: logBase,
      strideBytes,
    },
  };
}

/** Places the logs once the ops are known (log sizes follow from the op kinds). */
export function finishLayout(plan: Omit<StressPlan, 'seed' | 'expectedInsns'>): void {
  const L = plan.layout;
  let a = L.logAddr[0];
  for (let c = 0; c < plan.cores; c++) {
    const k = plan.ops[c].kind;
    let n = 0;
    for (let i = 0; i < k.length; i++) n += KINDS[k[i]].logs;
    L.logAddr[c] = a;
    L.logEntries[c] = n;
    a = align(a + LOG_ENTRY_BYTES * n, 64);
  }
  L.end = align(a, 4096);
}

// ---------------------------------------------------------------- op generation

const CLASS_WEIGHTS: Record<'packed' | 'strided', Record<SlotClass, number>> = {
  packed: { owned: 30, lane: 25, tokd: 15, tokw: 6, cntd: 6, cntw: 6, maxd: 6, minw: 6 },
  strided: { owned: 10, lane: 10, tokd: 32, tokw: 10, cntd: 10, cntw: 10, maxd: 10, minw: 8 },
};

type Menu = [Kind, number][];
const MENUS: Partial<Record<LocClass, Menu>> = {
  tokd: [[Kind.LD, 30], [Kind.SDX, 18], [Kind.SWAPD, 10], [Kind.ADDD, 8], [Kind.XORD, 8], [Kind.LRSCD, 14], [Kind.LRSCADDD, 12]],
  tokw: [[Kind.LW, 35], [Kind.SWT, 25], [Kind.SWAPW, 20], [Kind.LRSCW, 20]],
  cntd: [[Kind.LD, 35], [Kind.ADDDI, 65]],
  cntw: [[Kind.LW, 35], [Kind.ADDW, 65]],
  maxd: [[Kind.LD, 30], [Kind.MAXD, 35], [Kind.MAXUD, 35]],
  minw: [[Kind.LW, 35], [Kind.MINW, 65]],
};

function pickMenu(rng: Rng, menu: Menu): Kind {
  return menu[rng.weighted(menu.map((m) => m[1]))][0];
}

const LOAD_OF_SIZE: Record<number, Kind> = { 1: Kind.LB, 2: Kind.LH, 4: Kind.LW, 8: Kind.LD };
const STORE_OF_SIZE: Record<number, Kind> = { 1: Kind.SB, 2: Kind.SH, 4: Kind.SW };

/** Random line specs: classes per slot (every class present when there is room), owners, initial values. */
function randomSpecs(rng: Rng, cores: number, nLines: number, nStrided: number, slotsPerLine: number): LineSpec[] {
  const specs: LineSpec[] = [];
  for (let l = 0; l < nLines; l++) {
    const kind = l < nLines - nStrided ? 'packed' : 'strided';
    const w = CLASS_WEIGHTS[kind];
    const slots = Array.from({ length: slotsPerLine }, () => SLOT_CLASSES[rng.weighted(SLOT_CLASSES.map((c) => w[c]))]);
    specs.push({ kind, slots });
  }
  // Every class somewhere (when there are enough slots), on distinct random slots.
  const all = specs.flatMap((s, l) => s.slots.map((_, i) => [l, i] as const));
  if (all.length >= SLOT_CLASSES.length) {
    const present = new Set(specs.flatMap((s) => s.slots));
    const order = rng.shuffle([...all]);
    let k = 0;
    for (const cls of SLOT_CLASSES) {
      if (present.has(cls)) continue;
      // Replace a slot whose class occurs more than once.
      for (; k < order.length; k++) {
        const [l, i] = order[k];
        const old = specs[l].slots[i];
        if (specs.flatMap((s) => s.slots).filter((x) => x === old).length > 1) {
          specs[l].slots[i] = cls;
          k++;
          break;
        }
      }
    }
  }
  for (const spec of specs) {
    spec.owners = spec.slots.map((cls) => {
      if (cls === 'owned') return new Array<number>(8).fill(rng.below(cores));
      if (cls !== 'lane') return undefined;
      const perm = rng.shuffle(Array.from({ length: cores }, (_, c) => c));
      // cores <= 8: contiguous runs of 8/cores bytes; more cores: 8 different cores, one byte each.
      return Array.from({ length: 8 }, (_, b) => (cores <= 8 ? perm[Math.floor((b * cores) / 8)] : perm[b]));
    });
    spec.init = spec.slots.map((cls) => {
      const b = new Uint8Array(8);
      const dv = new DataView(b.buffer);
      switch (cls) {
        case 'tokd': dv.setUint32(0, rng.u32(), true); dv.setUint32(4, rng.u32(), true); break;
        case 'tokw': dv.setUint32(0, rng.u32(), true); dv.setUint32(4, rng.u32(), true); break;
        case 'cntd': dv.setUint32(0, 0xfff00000 + rng.below(1 << 20), true); dv.setUint32(4, rng.below(16), true); break;
        case 'cntw': dv.setUint32(0, rng.below(1 << 20), true); dv.setUint32(4, rng.below(1 << 20), true); break;
        case 'maxd': dv.setUint32(0, rng.below(32), true); break;
        default: break; // minw, bytes: zero
      }
      return b;
    });
  }
  return specs;
}

/** Guest RAM the stress machine may have: the machine's maximum. */
export const STRESS_RAM_LIMIT = 2 ** 31;
/** Worst case per op: its 8-byte table entry and two 16-byte log entries (an LR/SC pair). */
const WORST_BYTES_PER_OP = 8 + 2 * LOG_ENTRY_BYTES;
/** What runStress adds above the image: the hart stacks and 1 MiB of heap. */
const stackAndHeap = (cores: number) => cores * DEFAULT_CONFIG.stackBytes + (1 << 20);

/**
 * Refuses, before a single op is generated, a test whose op tables and logs might not fit
 * in guest RAM (`tablesBase`: where the tables start, from planLayout). Worst case: every
 * op logs twice; the progress words and alignment add at most 256 bytes per core and 3 pages.
 */
function checkFits(tablesBase: number, ops: number, cores: number): void {
  const room = STRESS_RAM_LIMIT - stackAndHeap(cores) - tablesBase - cores * 256 - 3 * 4096;
  const max = Math.max(0, Math.floor(room / WORST_BYTES_PER_OP));
  if (ops > max) {
    throw new ConfigError(
      `--ops ${ops} is too many: the op tables and logs (up to ${WORST_BYTES_PER_OP} bytes an op) must fit in ${STRESS_RAM_LIMIT / 2 ** 30} GiB of guest RAM; at most ${max} ops with ${cores} core${cores === 1 ? '' : 's'} and these lines`,
    );
  }
}

/** Splits `total` ops over the cores (the first cores take the remainder). */
export function splitOps(total: number, cores: number): number[] {
  return Array.from({ length: cores }, (_, c) => Math.floor(total / cores) + (c < total % cores ? 1 : 0));
}

/** Generates the whole plan (layout, ops); `buildStressElf` turns it into a program. */
export function generateStress(o: GenerateOptions): StressPlan {
  const { cores, seed } = o;
  const lineBytes = o.geometry.lineBytes;
  if (lineBytes < 8) throw new ConfigError('the stress tester needs lines of at least 8 bytes');
  const nLines = o.lines ?? 8;
  if (!Number.isInteger(nLines) || nLines < 1) throw new ConfigError(`--lines must be a positive integer (got ${nLines})`);
  if (!Number.isSafeInteger(o.ops) || o.ops < 1) throw new ConfigError(`--ops must be a positive integer (got ${o.ops})`);
  // Operands and tokens encode (op index + 1) * 32 + core in 31 bits.
  if (Math.ceil(o.ops / cores) >= 2 ** 26 - 1) throw new ConfigError(`--ops allows at most ${2 ** 26 - 2} ops per core (got ${Math.ceil(o.ops / cores)})`);
  const nStrided = Math.min(nLines, o.strided ?? Math.floor(nLines / 2));
  const rng = new Rng(seed, 0);
  const specs = randomSpecs(rng, cores, nLines, nStrided, lineBytes / 8);
  const opsPerCore = splitOps(o.ops, cores);
  const plan = planLayout(cores, lineBytes, strideFor(o.geometry), specs, opsPerCore);
  checkFits(plan.layout.tableAddr[0], o.ops, cores);

  // Current bytes of every single-writer byte (the owner is the only writer, so the
  // generator knows them) and the next fresh value per byte (1..255, cycling).
  const cur = new Map<number, number>();
  const fresh = new Map<number, number>();
  for (const loc of plan.locations) {
    if (loc.cls !== 'bytes') continue;
    for (let b = 0; b < 8; b++) {
      cur.set(loc.addr + b, byteOf(loc.init[0], loc.init[1], b));
      fresh.set(loc.addr + b, 0);
    }
  }
  const nextFresh = (a: number) => {
    const v = (fresh.get(a)! % 255) + 1;
    fresh.set(a, v);
    return v;
  };
  const locs = plan.locations;
  // Token slots take LR/SC, swaps and stores from every core: weight them up, and one of
  // each kind ('hot') more, so that reservations meet competing writes often.
  const hot = new Set([locs.find((l) => l.cls === 'tokd')?.id, locs.find((l) => l.cls === 'tokw')?.id]);
  const weights = locs.map((l) => (hot.has(l.id) ? 6 : l.cls === 'tokd' || l.cls === 'tokw' ? 2 : 1));
  const cumulative: number[] = [];
  let totalWeight = 0;
  for (const w of weights) cumulative.push((totalWeight += w));
  const pickLoc = (r: Rng): Location => {
    const x = r.below(totalWeight);
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (cumulative[m] > x) hi = m;
      else lo = m + 1;
    }
    return locs[lo];
  };

  for (let c = 0; c < cores; c++) {
    const r = new Rng(seed, c + 1);
    const n = opsPerCore[c];
    const ops: CoreOps = { kind: new Uint8Array(n), addr: new Float64Array(n), imm: new Int32Array(n), loc: new Int32Array(n) };
    const ownedRuns = new Map<number, [number, number][]>(); // loc id -> aligned (offset, size) store units this core may write
    const unitsOf = (loc: Location): [number, number][] => {
      let u = ownedRuns.get(loc.id);
      if (!u) {
        u = [];
        for (const size of [1, 2, 4]) {
          for (let off = 0; off < 8; off += size) {
            let ok = true;
            for (let b = off; b < off + size; b++) if (loc.owners![b] !== c) ok = false;
            if (ok) u.push([off, size]);
          }
        }
        ownedRuns.set(loc.id, u);
      }
      return u;
    };
    for (let i = 0; i < n; i++) {
      if (r.chance(0.02)) {
        ops.kind[i] = Kind.DELAY;
        ops.imm[i] = r.below(64);
        ops.loc[i] = -1;
        ops.addr[i] = plan.layout.regionBase;
        continue;
      }
      const loc = pickLoc(r);
      let kind: Kind;
      let addr = loc.addr;
      let imm = 0;
      if (loc.cls !== 'bytes') {
        kind = pickMenu(r, MENUS[loc.cls]!);
        switch (kind) {
          case Kind.ADDDI: imm = r.range(1, 1000); break;
          case Kind.ADDW: imm = r.range(1, 15); break;
          case Kind.MAXD: case Kind.MAXUD:
            // Raising attempts use operands unique per (core, op) and growing with the op index.
            imm = r.chance(0.75) ? (i + 1) * 32 + c : 0;
            break;
          case Kind.MINW: imm = r.chance(0.75) ? -((i + 1) * 32 + c) : 0; break;
          default: imm = r.u32() | 0;
        }
      } else {
        const units = unitsOf(loc);
        const whole = units.some(([, s]) => s === 4) && loc.owners!.every((x) => x === c);
        const roll = units.length === 0 ? 0 : r.below(100);
        if (roll < 45) {
          const size = r.pick([1, 2, 4, 8]);
          addr = loc.addr + r.below(8 / size) * size;
          kind = LOAD_OF_SIZE[size];
        } else {
          const own = (a: number) => loc.owners![a - loc.addr] === c;
          if (roll < 80) {
            if (whole && r.chance(0.25)) {
              kind = Kind.SDX;
              imm = 0;
              for (let b = 0; b < 4; b++) imm |= nextFresh(loc.addr + b) << (8 * b);
            } else {
              const [off, size] = r.pick(units);
              kind = STORE_OF_SIZE[size];
              addr = loc.addr + off;
              for (let b = 0; b < size; b++) imm |= nextFresh(addr + b) << (8 * b);
            }
          } else {
            const op = r.below(3); // or, and, xor
            const wide = whole && r.chance(0.5);
            if (wide) {
              kind = [Kind.ORD, Kind.ANDD, Kind.XORD][op];
            } else {
              kind = [Kind.ORW, Kind.ANDW, Kind.XORW][op];
              const halves = [0, 4].filter((h) => [0, 1, 2, 3].some((b) => own(loc.addr + h + b)));
              addr = loc.addr + r.pick(halves);
            }
            // The low word's operand: only this core's bytes change.
            for (let b = 0; b < 4; b++) {
              const a = addr + b;
              let m: number;
              if (!own(a)) m = op === 1 ? 0xff : 0;
              else if (op === 0) m = r.u32() & r.u32() & 0xff;
              else if (op === 1) m = ~(r.u32() & r.u32()) & 0xff;
              else m = cur.get(a)! ^ nextFresh(a);
              imm |= m << (8 * b);
            }
          }
          // Track the bytes this write leaves (own bytes only; others pass through).
          const size = KINDS[kind].size;
          const before = Array.from({ length: size }, (_, b) => cur.get(addr + b)!);
          const after = storedBytes(kind, c, i, imm, before);
          for (let b = 0; b < size; b++) if (own(addr + b)) cur.set(addr + b, after[b]);
        }
      }
      ops.kind[i] = kind;
      ops.addr[i] = addr;
      ops.imm[i] = imm;
      ops.loc[i] = loc.id;
    }
    plan.ops.push(ops);
  }
  finishLayout(plan);
  const full: StressPlan = { ...plan, seed, expectedInsns: [] };
  full.expectedInsns = plan.ops.map((o) => expectedInstructions(o));
  return full;
}

// ---------------------------------------------------------------- the guest routine

const MIX32 = ['slli t4, s5, 5', 'add t4, t4, s4', 'mulw t4, t4, s8', 'srliw t5, t4, 16', 'xor t4, t4, t5'];
const MIX = [...MIX32, 'slli t4, t4, 32', 'slli t5, t1, 32', 'srli t5, t5, 32', 'or t4, t4, t5'];
const LOG = (r: string) => [`sd ${r}, 0(s2)`, `xor a5, ${r}, s2`, 'sd a5, 8(s2)', `addi s2, s2, ${16}`];
const delay = (name: string, mask: number) => [`andi t6, t1, ${mask}`, `${name}_w: beqz t6, ${name}_x`, 'addi t6, t6, -1', `j ${name}_w`, `${name}_x:`];

/** Handler body per kind (without the final `j next`). */
function handler(k: Kind): string[] {
  const n = `h${k}`;
  switch (k) {
    case Kind.LB: return ['lbu t5, 0(t3)', ...LOG('t5')];
    case Kind.LH: return ['lhu t5, 0(t3)', ...LOG('t5')];
    case Kind.LW: return ['lwu t5, 0(t3)', ...LOG('t5')];
    case Kind.LD: return ['ld t5, 0(t3)', ...LOG('t5')];
    case Kind.SB: return ['sb t1, 0(t3)'];
    case Kind.SH: return ['sh t1, 0(t3)'];
    case Kind.SW: return ['sw t1, 0(t3)'];
    case Kind.SDX: return [...MIX, 'sd t4, 0(t3)'];
    case Kind.SWT: return [...MIX32, 'sw t4, 0(t3)'];
    case Kind.SWAPD: return [...MIX, 'amoswap.d t5, t4, (t3)', ...LOG('t5')];
    case Kind.ADDD: return [...MIX, 'amoadd.d t5, t4, (t3)', ...LOG('t5')];
    case Kind.XORD: return [...MIX, 'amoxor.d t5, t4, (t3)', ...LOG('t5')];
    case Kind.ORD: return [...MIX, 'amoor.d t5, t4, (t3)', ...LOG('t5')];
    case Kind.ANDD: return [...MIX, 'amoand.d t5, t4, (t3)', ...LOG('t5')];
    case Kind.SWAPW: return [...MIX32, 'amoswap.w t5, t4, (t3)', ...LOG('t5')];
    case Kind.ORW: return ['amoor.w t5, t1, (t3)', ...LOG('t5')];
    case Kind.ANDW: return ['amoand.w t5, t1, (t3)', ...LOG('t5')];
    case Kind.XORW: return ['amoxor.w t5, t1, (t3)', ...LOG('t5')];
    case Kind.ADDW: return ['amoadd.w t5, t1, (t3)', ...LOG('t5')];
    case Kind.ADDDI: return ['amoadd.d t5, t1, (t3)', ...LOG('t5')];
    case Kind.MAXD: return ['amomax.d t5, t1, (t3)', ...LOG('t5')];
    case Kind.MAXUD: return ['amomaxu.d t5, t1, (t3)', ...LOG('t5')];
    case Kind.MINW: return ['amomin.w t5, t1, (t3)', ...LOG('t5')];
    case Kind.LRSCD: return [...MIX, 'lr.d a2, (t3)', ...delay(n, LRSC_DELAY_MASK), 'sc.d a3, t4, (t3)', ...LOG('a2'), ...LOG('a3')];
    case Kind.LRSCW: return [...MIX32, 'lr.w a2, (t3)', ...delay(n, LRSC_DELAY_MASK), 'sc.w a3, t4, (t3)', ...LOG('a2'), ...LOG('a3')];
    case Kind.LRSCADDD: return [...MIX, `${n}_r: lr.d a2, (t3)`, 'add a4, a2, t4', 'sc.d a3, a4, (t3)', `bnez a3, ${n}_r`, ...LOG('a2')];
    case Kind.DELAY: return delay(n, 255);
  }
  throw new Error(`no handler for kind ${k}`);
}

/** Up to 31 spins (~90 cycles) between LR and SC: long enough that other cores often get in between. */
const LRSC_DELAY_MASK = 31;
const LOOP_INSNS = 14; // dispatch (9) + jump table (1) + bookkeeping (4)
const isInsn = (line: string) => !/^\s*[A-Za-z_.$][\w.$]*:\s*$/.test(line);
const HANDLER_INSNS = Array.from({ length: KIND_COUNT }, (_, k) => handler(k as Kind).filter(isInsn).length + 1);

function expectedInstructions(o: CoreOps): number {
  let n = 0;
  for (let i = 0; i < o.kind.length; i++) {
    const k = o.kind[i];
    n += LOOP_INSNS + HANDLER_INSNS[k];
    if (k === Kind.DELAY) n += 3 * (o.imm[i] & 255);
    else if (k === Kind.LRSCD || k === Kind.LRSCW) n += 3 * (o.imm[i] & LRSC_DELAY_MASK);
  }
  return n;
}

export function guestSource(descAddr: number): string {
  const lines = [
    '# smpemu stress: interpret this core\'s op table, log every observed value',
    '_start:',
    `  li t0, ${descAddr}`,
    `  slli t1, a0, ${Math.log2(DESC_BYTES)}`,
    '  add t0, t0, t1',
    '  ld s0, 0(t0)',
    '  ld s1, 8(t0)',
    '  ld s2, 16(t0)',
    '  ld s7, 24(t0)',
    '  ld s3, 32(t0)',
    '  ld s8, 40(t0)',
    '  addi s4, a0, 32',
    '  li s5, 0',
    '  la s9, jumptab',
    'loop:',
    '  bgeu s0, s1, done',
    '  lwu t0, 0(s0)',
    '  lw t1, 4(s0)',
    '  andi t2, t0, 63',
    '  srli t3, t0, 6',
    '  add t3, t3, s3',
    '  slli t2, t2, 2',
    '  add t2, t2, s9',
    '  jr t2',
    'jumptab:',
    ...Array.from({ length: KIND_COUNT }, (_, k) => `  j h${k}`),
    'next:',
    '  addi s0, s0, 8',
    '  addi s5, s5, 1',
    '  sd s5, 0(s7)',
    '  j loop',
    'done:',
    '  li a0, 0',
    '  li a7, 93',
    '  ecall',
  ];
  for (let k = 0; k < KIND_COUNT; k++) {
    lines.push(`h${k}:`);
    for (const l of handler(k as Kind)) lines.push(isInsn(l) && !l.includes(':') ? `  ${l}` : l);
    lines.push('  j next');
  }
  return lines.join('\n') + '\n';
}

/** The plan as a static RV64 ELF (SPMD: every hart runs the interpreter on its own table). */
export function buildStressElf(plan: StressPlan): Uint8Array {
  const L = plan.layout;
  const { words, labels } = assemble(guestSource(L.descAddr), { base: L.codeBase });
  const code = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  if (L.codeBase + code.length > L.dataBase) throw new Error('stress guest code overlaps its data');

  // Segment 1: descriptors and the packed lines.
  const packed = plan.lines.filter((l) => l.kind === 'packed');
  const firstEnd = packed.length > 0 ? Math.max(...packed.map((l) => l.addr + plan.lineBytes)) : L.descAddr + plan.cores * DESC_BYTES;
  const seg1 = new Uint8Array(firstEnd - L.dataBase);
  const dv1 = new DataView(seg1.buffer);
  const u64 = (dv: DataView, off: number, v: number | bigint) => {
    const b = BigInt(v);
    dv.setUint32(off, Number(b & 0xffffffffn), true);
    dv.setUint32(off + 4, Number(b >> 32n), true);
  };
  for (let c = 0; c < plan.cores; c++) {
    const d = L.descAddr - L.dataBase + c * DESC_BYTES;
    u64(dv1, d, L.tableAddr[c]);
    u64(dv1, d + 8, L.tableAddr[c] + 8 * plan.ops[c].kind.length);
    u64(dv1, d + 16, L.logAddr[c]);
    u64(dv1, d + 24, L.progressAddr[c]);
    u64(dv1, d + 32, L.regionBase);
    u64(dv1, d + 40, MIX_K);
  }
  const initOf = (img: Uint8Array, imgBase: number, lineAddr: number) => {
    for (const loc of plan.locations) {
      if (loc.addr < lineAddr || loc.addr >= lineAddr + plan.lineBytes) continue;
      const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
      dv.setUint32(loc.addr - imgBase, loc.init[0], true);
      if (loc.size === 8) dv.setUint32(loc.addr - imgBase + 4, loc.init[1], true);
    }
  };
  for (const l of packed) initOf(seg1, L.dataBase, l.addr);
  const segments: BuildSegment[] = [
    { vaddr: L.codeBase, data: code, flags: PF_R | PF_X },
    { vaddr: L.dataBase, data: seg1, flags: PF_R | PF_W },
  ];
  // The strided lines: one segment each (their spacing can be large).
  for (const l of plan.lines.filter((x) => x.kind === 'strided')) {
    const img = new Uint8Array(plan.lineBytes);
    initOf(img, l.addr, l.addr);
    segments.push({ vaddr: l.addr, data: img, flags: PF_R | PF_W, align: 8 });
  }
  // The op tables, then (zero-filled) progress words and logs.
  const tablesBase = L.tableAddr[0];
  const tablesEnd = L.tableAddr[plan.cores - 1] + 8 * plan.ops[plan.cores - 1].kind.length;
  const tables = new Uint8Array(tablesEnd - tablesBase);
  const tv = new DataView(tables.buffer);
  for (let c = 0; c < plan.cores; c++) {
    const o = plan.ops[c];
    let p = L.tableAddr[c] - tablesBase;
    for (let i = 0; i < o.kind.length; i++, p += 8) {
      tv.setUint32(p, (o.kind[i] | ((o.addr[i] - L.regionBase) << 6)) >>> 0, true);
      tv.setInt32(p + 4, o.imm[i], true);
    }
  }
  segments.push({ vaddr: tablesBase, data: tables, memsz: L.end - tablesBase, flags: PF_R | PF_W });
  const symbols = [
    ...[...labels].map(([name, value]) => ({ name, value, size: 0, type: 'func' as const })),
    ...plan.lines.map((l, i) => ({ name: `stress_${l.kind}_line${i}`, value: l.addr, size: plan.lineBytes, type: 'object' as const })),
    ...L.tableAddr.map((a, c) => ({ name: `stress_ops_core${c}`, value: a, size: 8 * plan.ops[c].kind.length, type: 'object' as const })),
    ...L.logAddr.map((a, c) => ({ name: `stress_log_core${c}`, value: a, size: LOG_ENTRY_BYTES * L.logEntries[c], type: 'object' as const })),
    ...L.progressAddr.map((a, c) => ({ name: `stress_progress_core${c}`, value: a, size: 8, type: 'object' as const })),
  ];
  return buildElf({ entry: L.codeBase, segments, symbols }).bytes;
}

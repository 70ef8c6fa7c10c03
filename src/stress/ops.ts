// The operations of the stress tester's guest interpreter, shared by the generator
// (which emits them), the guest routine (one handler per kind) and the checker
// (which knows what each one read and wrote).
//
// An op is 8 bytes in the op table: word0 = kind | (address - regionBase) << 6,
// word1 = imm (a signed 32-bit operand). Operations that need a 64-bit operand use
// X = mix32(core, i) << 32 | (imm as unsigned 32 bits), where i is the op's index in
// its core's sequence: the high half is unique per (core, op), so every token store
// writes a value nobody else writes. 32-bit tokens are mix32(core, i) itself.

export enum Kind {
  LB = 0,
  LH = 1,
  LW = 2,
  LD = 3,
  SB = 4,
  SH = 5,
  SW = 6,
  /** sd X */
  SDX = 7,
  /** sw token32 */
  SWT = 8,
  SWAPD = 9,
  ADDD = 10,
  XORD = 11,
  ORD = 12,
  ANDD = 13,
  /** amoswap.w token32 */
  SWAPW = 14,
  ORW = 15,
  ANDW = 16,
  XORW = 17,
  /** amoadd.w imm (counters) */
  ADDW = 18,
  /** amoadd.d imm (counters) */
  ADDDI = 19,
  /** amomax.d imm */
  MAXD = 20,
  /** amomaxu.d imm */
  MAXUD = 21,
  /** amomin.w imm */
  MINW = 22,
  /** lr.d; (imm & 7) delay iterations; sc.d X */
  LRSCD = 23,
  /** lr.w; delay; sc.w token32 */
  LRSCW = 24,
  /** retry { lr.d v; sc.d v + X } until it succeeds */
  LRSCADDD = 25,
  /** spin (imm & 255) iterations */
  DELAY = 26,
}

export const KIND_COUNT = 27;

export interface KindInfo {
  name: string;
  /** Bytes accessed at the op's address (0 for DELAY). */
  size: number;
  /** Log entries (8 bytes each) the op appends. */
  logs: number;
  /** Reads memory (and logs what it read first). */
  reads: boolean;
  /** Writes memory (always, or on success for SC). */
  writes: boolean;
  /** Read-modify-write (AMO or the LR/SC pair). */
  rmw: boolean;
}

const info = (name: string, size: number, logs: number, reads: boolean, writes: boolean, rmw: boolean): KindInfo => ({ name, size, logs, reads, writes, rmw });

export const KINDS: KindInfo[] = [
  info('lbu', 1, 1, true, false, false),
  info('lhu', 2, 1, true, false, false),
  info('lwu', 4, 1, true, false, false),
  info('ld', 8, 1, true, false, false),
  info('sb', 1, 0, false, true, false),
  info('sh', 2, 0, false, true, false),
  info('sw', 4, 0, false, true, false),
  info('sd', 8, 0, false, true, false),
  info('sw', 4, 0, false, true, false),
  info('amoswap.d', 8, 1, true, true, true),
  info('amoadd.d', 8, 1, true, true, true),
  info('amoxor.d', 8, 1, true, true, true),
  info('amoor.d', 8, 1, true, true, true),
  info('amoand.d', 8, 1, true, true, true),
  info('amoswap.w', 4, 1, true, true, true),
  info('amoor.w', 4, 1, true, true, true),
  info('amoand.w', 4, 1, true, true, true),
  info('amoxor.w', 4, 1, true, true, true),
  info('amoadd.w', 4, 1, true, true, true),
  info('amoadd.d', 8, 1, true, true, true),
  info('amomax.d', 8, 1, true, true, true),
  info('amomaxu.d', 8, 1, true, true, true),
  info('amomin.w', 4, 1, true, true, true),
  info('lr.d/sc.d', 8, 2, true, true, true),
  info('lr.w/sc.w', 4, 2, true, true, true),
  info('lr.d/sc.d add loop', 8, 1, true, true, true),
  info('delay', 0, 0, false, false, false),
];

export const MIX_K = 0x9e3779b1;
/** A log entry: the value, then the value XOR the entry's address (a lost entry fails the match). */
export const LOG_ENTRY_BYTES = 16;

/** The 32-bit token of core `core`'s op `i` (bijective in (i + 1) * 32 + core, cores < 32). */
export function mix32(core: number, i: number): number {
  const x = ((i + 1) * 32 + core) >>> 0;
  let h = Math.imul(x, MIX_K) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h;
}

/** The 64-bit operand X of core `core`'s op `i` as [lo, hi] unsigned 32-bit halves. */
export function operandX(core: number, i: number, imm: number): [number, number] {
  return [imm >>> 0, mix32(core, i)];
}

/** A 64-bit value as two unsigned 32-bit halves. */
export type U64 = [lo: number, hi: number];

export function u64(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export function hex64(v: bigint | number): string {
  return `0x${v.toString(16)}`;
}

/** Byte k (0 = least significant) of a 64-bit value given as halves. */
export function byteOf(lo: number, hi: number, k: number): number {
  return (k < 4 ? lo >>> (8 * k) : hi >>> (8 * (k - 4))) & 0xff;
}

/** The AMO function for a byte-wise op (or / and / xor), or undefined. */
export function bytewiseOp(kind: Kind): ((a: number, b: number) => number) | undefined {
  switch (kind) {
    case Kind.ORD: case Kind.ORW: return (a, b) => a | b;
    case Kind.ANDD: case Kind.ANDW: return (a, b) => a & b;
    case Kind.XORD: case Kind.XORW: return (a, b) => a ^ b;
    default: return undefined;
  }
}

/**
 * The bytes an op stores (size bytes from its address, least significant first), for plain
 * stores and the byte-wise AMOs given the bytes it read (`cur`). Used for single-writer
 * byte lanes, where the writer's own program order fixes every value.
 */
export function storedBytes(kind: Kind, core: number, i: number, imm: number, cur: number[]): number[] {
  const size = KINDS[kind].size;
  const [xlo, xhi] = operandX(core, i, imm);
  let lo: number, hi: number;
  switch (kind) {
    case Kind.SB: case Kind.SH: case Kind.SW: case Kind.ORW: case Kind.ANDW: case Kind.XORW:
      lo = imm >>> 0; hi = 0; break;
    case Kind.SDX: case Kind.ORD: case Kind.ANDD: case Kind.XORD:
      lo = xlo; hi = xhi; break;
    default:
      throw new Error(`storedBytes: ${KINDS[kind].name} is not a byte-lane write`);
  }
  const f = bytewiseOp(kind);
  const out: number[] = [];
  for (let k = 0; k < size; k++) {
    const b = byteOf(lo, hi, k);
    out.push(f ? f(cur[k], b) : b);
  }
  return out;
}

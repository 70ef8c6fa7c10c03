// The final states sequential consistency allows for a litmus test: every
// interleaving of the threads' instructions, run by a small interpreter over the
// very machine words the emulator runs (decoded with the assembler's tables).
//
// Semantics (RV64IMA + Zalasr subset):
// - loads / stores of every width, Zalasr load-acquire / store-release (l{b,h,w,d}.aq,
//   s{b,h,w,d}.rl, .aqrl: under SC the plain access of their width, naturally
//   aligned), lr / sc / amo*.{w,d} (any .aq/.rl), every integer
//   ALU instruction of RV64IM, lui / auipc, branches, jal / jalr; fences are no-ops
//   (under SC every access is already ordered).
// - LR/SC. A store-conditional may SUCCEED only if its thread's reservation (set by
//   the latest lr of that thread, at exactly the sc's address) has not been broken
//   by a write of another thread (store, amo, successful sc) to the same location
//   (each location sits on its own cache line, the reservation granule of the
//   machine). It may always FAIL: the ISA allows spurious failures, and the machine
//   fails an sc whenever the reservation was lost, including to an eviction or to
//   another core's lr that took the line in M. So both outcomes of a valid sc are
//   explored and an sc with a broken or absent reservation fails. This makes the
//   allowed set a superset of everything a correct machine can produce (the
//   verdict is sound), while an sc that succeeds across another hart's write
//   (a lost update) stays forbidden.
// - Instructions that touch no memory are run eagerly: they are private to their
//   thread and commute with everything the others do (partial-order reduction).
// - States are deduplicated (thread pcs, registers, memory, reservations), so
//   loops that revisit a state (lr/sc retry loops, spin loops) terminate.
// A test whose threads use anything else (ecall, csr*, an access outside the
// test's locations, a misaligned atomic, an endless local loop) raises Unsupported:
// the runner reports it as skipped. A state space over the limit raises TooManyStates:
// the runner reports the test as not checked.

import { disassemble } from '../asm/disassembler.ts';
import { immB, immI, immJ, immS, immU, matchSpec } from '../asm/encode.ts';

export class Unsupported extends Error {
  override name = 'Unsupported';
}

/** The enumeration went past its limit of states: the test cannot be checked (never a pass). */
export class TooManyStates extends Error {
  override name = 'TooManyStates';
  constructor(readonly limit: number) {
    super(`more than ${limit} SC states to enumerate`);
  }
}

import { DEFAULT_SC_LIMIT } from './defaults.ts';
export { DEFAULT_SC_LIMIT };

export interface ScThread {
  /** Address of the first word (the same address as in the guest program). */
  base: number;
  words: ArrayLike<number>;
  /** x0..x31 at the start, unsigned 64-bit. */
  regs: bigint[];
}

export interface ScLocation {
  name: string;
  addr: number;
  /** The 8 bytes at addr, little-endian, at the start. */
  init: bigint;
}

export interface ScModel {
  threads: ScThread[];
  locations: ScLocation[];
}

export interface ScFinal {
  /** Per thread, x0..x31 (unsigned 64-bit). */
  regs: bigint[][];
  /** Per location, the 8 bytes at its address. */
  mem: bigint[];
}

export interface ScResult {
  finals: ScFinal[];
  /** Distinct states visited. */
  states: number;
  /** Per location, the threads that write it on some path (store, amo, successful sc), ascending. */
  writers: number[][];
}

/** Bytes of a location the model tracks (accesses must stay inside them). */
export const LOCATION_BYTES = 8;

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const sx32 = (v: bigint): bigint => u64(BigInt.asIntN(32, v));
const MIN64 = 1n << 63n;

interface State {
  pc: number[];
  regs: bigint[][];
  mem: bigint[];
  /** Reserved address per thread, or -1. */
  res: number[];
}

function clone(s: State): State {
  return { pc: s.pc.slice(), regs: s.regs.map((r) => r.slice()), mem: s.mem.slice(), res: s.res.slice() };
}

function key(s: State): string {
  let k = s.pc.join(',') + '|' + s.res.join(',') + '|' + s.mem.map((m) => m.toString(36)).join(',');
  for (const r of s.regs) {
    k += '|';
    for (let i = 1; i < 32; i++) k += (r[i] === 0n ? '' : r[i]!.toString(36)) + ',';
  }
  return k;
}

const OPC_LOAD = 0x03;
const OPC_STORE = 0x23;
const OPC_AMO = 0x2f;

const UNSUPPORTED_MNEMONICS = new Set(['ecall', 'ebreak', 'sret', 'mret', 'wfi', 'sfence.vma', 'csrrw', 'csrrs', 'csrrc', 'csrrwi', 'csrrsi', 'csrrci']);

/** Throws Unsupported if a thread's code holds an instruction the interpreter lacks. */
export function checkSupported(model: ScModel): void {
  model.threads.forEach((t, i) => {
    for (let k = 0; k < t.words.length; k++) {
      const w = t.words[k]! >>> 0;
      const s = matchSpec(w);
      if (!s) throw new Unsupported(`P${i}: illegal instruction word 0x${w.toString(16).padStart(8, '0')}`);
      if (UNSUPPORTED_MNEMONICS.has(s.mnemonic)) {
        throw new Unsupported(`P${i}: instruction '${disassemble(w)}' is not supported by the litmus runner`);
      }
    }
  });
}

export function enumerateSC(model: ScModel, opts: { maxStates?: number; maxLocalSteps?: number } = {}): ScResult {
  checkSupported(model);
  const maxStates = opts.maxStates ?? DEFAULT_SC_LIMIT;
  const m = new ScInterpreter(model, opts.maxLocalSteps ?? 100_000);
  const init = m.initialState();
  m.normalize(init);
  const seen = new Set<string>([key(init)]);
  const stack: State[] = [init];
  const finals = new Map<string, ScFinal>();
  while (stack.length > 0) {
    const s = stack.pop()!;
    let running = false;
    for (let t = 0; t < m.T; t++) {
      if (s.pc[t] === m.ends[t]) continue;
      running = true;
      for (const n of m.memStep(s, t)) {
        m.normalize(n);
        const k = key(n);
        if (seen.has(k)) continue;
        seen.add(k);
        if (seen.size > maxStates) throw new TooManyStates(maxStates);
        stack.push(n);
      }
    }
    if (!running) {
      const fk = s.regs.map((r) => r.join(',')).join('|') + '|' + s.mem.join(',');
      if (!finals.has(fk)) finals.set(fk, { regs: s.regs, mem: s.mem });
    }
  }
  return { finals: [...finals.values()], states: seen.size, writers: m.writerSets.map((w) => [...w].sort((a, b) => a - b)) };
}

/** The threads' instructions over a State: memory steps one at a time, the rest run eagerly. */
class ScInterpreter {
  readonly T: number;
  /** Per thread, the address just past its code (the thread has finished there). */
  readonly ends: number[];
  /** Per location, the threads that wrote it on some path. */
  readonly writerSets: Set<number>[];
  private readonly locs: ScLocation[];

  constructor(
    private readonly model: ScModel,
    private readonly maxLocal: number,
  ) {
    this.T = model.threads.length;
    this.ends = model.threads.map((t) => t.base + t.words.length * 4);
    this.locs = model.locations;
    this.writerSets = this.locs.map(() => new Set<number>());
  }

  initialState(): State {
    const model = this.model;
    return {
      pc: model.threads.map((t) => t.base),
      regs: model.threads.map((t) => {
        const r = t.regs.map(u64);
        r[0] = 0n;
        return r;
      }),
      mem: this.locs.map((l) => u64(l.init)),
      res: model.threads.map(() => -1),
    };
  }

  private locOf(t: number, a: bigint, size: number): { l: number; off: number } {
    const locs = this.locs;
    for (let l = 0; l < locs.length; l++) {
      const base = BigInt(locs[l]!.addr);
      if (a >= base && a + BigInt(size) <= base + BigInt(LOCATION_BYTES)) return { l, off: Number(a - base) };
    }
    throw new Unsupported(`P${t}: a ${size}-byte access at 0x${a.toString(16)} is outside the test's locations`);
  }

  private readMem(s: State, l: number, off: number, size: number): bigint {
    return (s.mem[l]! >> BigInt(off * 8)) & ((1n << BigInt(size * 8)) - 1n);
  }

  private writeMem(s: State, t: number, l: number, off: number, size: number, v: bigint): void {
    this.writerSets[l]!.add(t);
    const mask = ((1n << BigInt(size * 8)) - 1n) << BigInt(off * 8);
    s.mem[l] = (s.mem[l]! & ~mask) | ((v << BigInt(off * 8)) & mask);
    // A write by thread t breaks every other thread's reservation on that location (line).
    for (let u = 0; u < this.T; u++) {
      if (u !== t && s.res[u]! >= 0) {
        const r = BigInt(s.res[u]!);
        const base = BigInt(this.locs[l]!.addr);
        if (r >= base && r < base + BigInt(LOCATION_BYTES)) s.res[u] = -1;
      }
    }
  }

  private word(t: number, pc: number): number {
    const th = this.model.threads[t]!;
    const idx = (pc - th.base) / 4;
    if (!Number.isInteger(idx) || idx < 0 || idx >= th.words.length) {
      throw new Unsupported(`P${t}: control leaves the thread's code (pc 0x${pc.toString(16)})`);
    }
    return th.words[idx]! >>> 0;
  }

  /** Runs one non-memory instruction of thread t in place. */
  private local(s: State, t: number, w: number): void {
    const x = s.regs[t]!;
    const rd = (w >>> 7) & 31;
    const { v, next } = aluStep(t, w, s.pc[t]!, x[(w >>> 15) & 31]!, x[(w >>> 20) & 31]!);
    if (v !== undefined && rd !== 0) {
      s.regs[t] = x.slice();
      s.regs[t]![rd] = v;
    }
    s.pc[t] = next;
  }

  /** Runs each thread's leading non-memory instructions. */
  normalize(s: State): void {
    for (let t = 0; t < this.T; t++) {
      let n = 0;
      while (s.pc[t] !== this.ends[t]) {
        const w = this.word(t, s.pc[t]!);
        if (isMemOp(w)) break;
        this.local(s, t, w);
        if (++n > this.maxLocal) throw new Unsupported(`P${t}: a loop without memory accesses does not end`);
      }
    }
  }

  /** The successors of s when thread t runs its memory instruction. */
  memStep(s: State, t: number): State[] {
    const w = this.word(t, s.pc[t]!);
    const spec = matchSpec(w)!;
    const x = s.regs[t]!;
    const rs1v = x[(w >>> 15) & 31]!;
    const rs2v = x[(w >>> 20) & 31]!;
    const setRd = rdSetter(t, w);
    const opc = w & 0x7f;
    if (opc === OPC_LOAD) {
      const f3 = (w >>> 12) & 7;
      const size = [1, 2, 4, 8, 1, 2, 4][f3]!;
      const signed = f3 < 4;
      const a = u64(rs1v + BigInt(immI(w)));
      const { l, off } = this.locOf(t, a, size);
      const n = clone(s);
      const raw = this.readMem(n, l, off, size);
      setRd(n, signed ? BigInt.asIntN(size * 8, raw) : raw);
      return [done(n, t)];
    }
    if (opc === OPC_STORE) {
      const size = [1, 2, 4, 8][(w >>> 12) & 7]!;
      const a = u64(rs1v + BigInt(immS(w)));
      const { l, off } = this.locOf(t, a, size);
      const n = clone(s);
      this.writeMem(n, t, l, off, size, BigInt.asUintN(size * 8, rs2v));
      return [done(n, t)];
    }
    if (spec.syntax === 'lraq' || spec.syntax === 'strl') {
      const size = 1 << ((w >>> 12) & 3);
      const a = rs1v;
      if (a % BigInt(size) !== 0n) throw new Unsupported(`P${t}: misaligned ${spec.mnemonic} at 0x${a.toString(16)}`);
      const { l, off } = this.locOf(t, a, size);
      const n = clone(s);
      if (spec.syntax === 'lraq') setRd(n, BigInt.asIntN(size * 8, this.readMem(n, l, off, size)));
      else this.writeMem(n, t, l, off, size, BigInt.asUintN(size * 8, rs2v));
      return [done(n, t)];
    }
    return this.atomic(s, t, w, spec.mnemonic, rs1v, rs2v);
  }

  /** AMO, LR and SC; an SC has two successors (fail, and succeed while the reservation holds). */
  private atomic(s: State, t: number, w: number, mnemonic: string, rs1v: bigint, rs2v: bigint): State[] {
    const setRd = rdSetter(t, w);
    const size = ((w >>> 12) & 7) === 3 ? 8 : 4;
    const bits = BigInt(size * 8);
    const a = rs1v;
    if (a % BigInt(size) !== 0n) throw new Unsupported(`P${t}: misaligned atomic access at 0x${a.toString(16)}`);
    const { l, off } = this.locOf(t, a, size);
    const ext = (v: bigint) => (size === 4 ? sx32(v) : v);
    const m = mnemonic.replace(/\.(w|d)$/, '');
    if (m === 'lr') {
      const n = clone(s);
      setRd(n, ext(this.readMem(n, l, off, size)));
      n.res[t] = Number(a);
      return [done(n, t)];
    }
    if (m === 'sc') {
      const out: State[] = [];
      const fail = clone(s);
      fail.res[t] = -1;
      setRd(fail, 1n);
      out.push(done(fail, t));
      if (s.res[t] === Number(a)) {
        const ok = clone(s);
        ok.res[t] = -1;
        this.writeMem(ok, t, l, off, size, BigInt.asUintN(size * 8, rs2v));
        setRd(ok, 0n);
        out.push(done(ok, t));
      }
      return out;
    }
    const n = clone(s);
    const old = this.readMem(n, l, off, size);
    const oldS = BigInt.asIntN(size * 8, old);
    const srcU = BigInt.asUintN(size * 8, rs2v);
    const srcS = BigInt.asIntN(size * 8, rs2v);
    let nv: bigint;
  switch (m) {
    case 'amoswap': nv = srcU; break;
    case 'amoadd': nv = old + srcU; break;
    case 'amoxor': nv = old ^ srcU; break;
    case 'amoor': nv = old | srcU; break;
    case 'amoand': nv = old & srcU; break;
    case 'amomin': nv = oldS < srcS ? old : srcU; break;
    case 'amomax': nv = oldS > srcS ? old : srcU; break;
    case 'amominu': nv = old < srcU ? old : srcU; break;
    case 'amomaxu': nv = old > srcU ? old : srcU; break;
    default: throw new Unsupported(`P${t}: instruction '${disassemble(w)}' is not supported by the litmus runner`);
  }
    this.writeMem(n, t, l, off, size, BigInt.asUintN(Number(bits), nv));
    setRd(n, ext(old));
    return [done(n, t)];
  }
}

function isMemOp(w: number): boolean {
  const opc = w & 0x7f;
  return opc === OPC_LOAD || opc === OPC_STORE || opc === OPC_AMO;
}

/** Writes rd of thread t (x0 stays 0), as unsigned 64-bit. */
function rdSetter(t: number, w: number): (n: State, v: bigint) => void {
  const rd = (w >>> 7) & 31;
  return (n, v) => {
    if (rd !== 0) n.regs[t]![rd] = u64(v);
  };
}

/** The instruction of thread t is done: on to the next one. */
function done(n: State, t: number): State {
  n.pc[t] = n.pc[t]! + 4;
  return n;
}

/** A non-memory instruction at pc with source values a (rs1) and b (rs2): the value for rd (if any) and the next pc. */
function aluStep(t: number, w: number, pc: number, a: bigint, b: bigint): { v: bigint | undefined; next: number } {
  const spec = matchSpec(w)!;
  let next = pc + 4;
  let v: bigint | undefined;
  const shamt = BigInt((w >>> 20) & 63);
  const shamtW = BigInt((w >>> 20) & 31);
  const imm = BigInt(immI(w));
  const br = (cond: boolean) => {
    if (cond) next = pc + immB(w);
  };
  switch (spec.mnemonic) {
    case 'lui': v = sx32(BigInt(immU(w)) << 12n); break;
    case 'auipc': v = u64(BigInt(pc) + BigInt.asIntN(32, BigInt(immU(w)) << 12n)); break;
    case 'jal': v = BigInt(pc + 4); next = pc + immJ(w); break;
    case 'jalr': {
      const target = u64(a + imm) & ~1n;
      v = BigInt(pc + 4);
      if (target > BigInt(Number.MAX_SAFE_INTEGER)) throw new Unsupported(`P${t}: jalr to 0x${target.toString(16)} leaves the thread's code`);
      next = Number(target);
      break;
    }
    case 'beq': br(a === b); break;
    case 'bne': br(a !== b); break;
    case 'blt': br(s64(a) < s64(b)); break;
    case 'bge': br(s64(a) >= s64(b)); break;
    case 'bltu': br(a < b); break;
    case 'bgeu': br(a >= b); break;
    case 'addi': v = u64(a + imm); break;
    case 'slti': v = s64(a) < imm ? 1n : 0n; break;
    case 'sltiu': v = a < u64(imm) ? 1n : 0n; break;
    case 'xori': v = u64(a ^ u64(imm)); break;
    case 'ori': v = u64(a | u64(imm)); break;
    case 'andi': v = u64(a & u64(imm)); break;
    case 'slli': v = u64(a << shamt); break;
    case 'srli': v = a >> shamt; break;
    case 'srai': v = u64(s64(a) >> shamt); break;
    case 'add': v = u64(a + b); break;
    case 'sub': v = u64(a - b); break;
    case 'sll': v = u64(a << (b & 63n)); break;
    case 'slt': v = s64(a) < s64(b) ? 1n : 0n; break;
    case 'sltu': v = a < b ? 1n : 0n; break;
    case 'xor': v = a ^ b; break;
    case 'srl': v = a >> (b & 63n); break;
    case 'sra': v = u64(s64(a) >> (b & 63n)); break;
    case 'or': v = a | b; break;
    case 'and': v = a & b; break;
    case 'addiw': v = sx32(a + imm); break;
    case 'slliw': v = sx32(a << shamtW); break;
    case 'srliw': v = sx32(BigInt.asUintN(32, a) >> shamtW); break;
    case 'sraiw': v = sx32(BigInt.asIntN(32, a) >> shamtW); break;
    case 'addw': v = sx32(a + b); break;
    case 'subw': v = sx32(a - b); break;
    case 'sllw': v = sx32(a << (b & 31n)); break;
    case 'srlw': v = sx32(BigInt.asUintN(32, a) >> (b & 31n)); break;
    case 'sraw': v = sx32(BigInt.asIntN(32, a) >> (b & 31n)); break;
    case 'mul': v = u64(a * b); break;
    case 'mulh': v = u64((s64(a) * s64(b)) >> 64n); break;
    case 'mulhsu': v = u64((s64(a) * b) >> 64n); break;
    case 'mulhu': v = u64((a * b) >> 64n); break;
    case 'div': v = b === 0n ? u64(-1n) : s64(a) === -MIN64 && s64(b) === -1n ? a : u64(s64(a) / s64(b)); break;
    case 'divu': v = b === 0n ? u64(-1n) : a / b; break;
    case 'rem': v = b === 0n ? a : s64(a) === -MIN64 && s64(b) === -1n ? 0n : u64(s64(a) % s64(b)); break;
    case 'remu': v = b === 0n ? a : a % b; break;
    case 'mulw': v = sx32(a * b); break;
    case 'divw': {
      const x1 = BigInt.asIntN(32, a), y1 = BigInt.asIntN(32, b);
      v = y1 === 0n ? u64(-1n) : x1 === -(1n << 31n) && y1 === -1n ? sx32(x1) : sx32(x1 / y1);
      break;
    }
    case 'divuw': {
      const x1 = BigInt.asUintN(32, a), y1 = BigInt.asUintN(32, b);
      v = y1 === 0n ? u64(-1n) : sx32(x1 / y1);
      break;
    }
    case 'remw': {
      const x1 = BigInt.asIntN(32, a), y1 = BigInt.asIntN(32, b);
      v = y1 === 0n ? sx32(x1) : x1 === -(1n << 31n) && y1 === -1n ? 0n : sx32(x1 % y1);
      break;
    }
    case 'remuw': {
      const x1 = BigInt.asUintN(32, a), y1 = BigInt.asUintN(32, b);
      v = y1 === 0n ? sx32(x1) : sx32(x1 % y1);
      break;
    }
    case 'fence':
    case 'fence.tso':
    case 'fence.i':
      break;
    default:
      throw new Unsupported(`P${t}: instruction '${disassemble(w)}' is not supported by the litmus runner`);
  }
  return { v, next };
}

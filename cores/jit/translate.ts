// Basic block -> JavaScript (--engine jit). A block is the straight-line run of decode-cache
// entries from an entry pc up to and including a branch or jump, or up to the first
// instruction this translator does not handle (it then runs in the interpreter), or BLOCK_CAP
// instructions. Each op's code is the interpreter's case (cores/hart.ts) with the registers in
// locals, the immediates and pcs folded, and every memory access the same HartMemory call, so
// latencies, counters and faults are the interpreter's.
//
// Counts, exactly as Hart.run keeps them (n retired in the stretch, lim its stop point, pulled
// in by latency): the dispatcher enters a block of k instructions only when lim - n >= k, so
// every instruction runs while n < lim as long as no latency arrives; after an instruction
// that paid latency (a fetch-block access or a memory access) the block goes on only if the
// rest still fits (lim - n0 >= k), else it returns at the next pc and the interpreter decides.
// A store that dropped translated code (the epoch in st[3] moved) also returns at the next pc.
// A fault leaves n (the faulting instruction counted, as the interpreter's n++ does), lim and
// its pc in st for Hart.run's one catch, with the registers written back.
//
// Instruction fetch is the interpreter's check: the first instruction compares pc against the
// hart's fetch block; for the later ones whether pc leaves the fetch block is known here (after
// an instruction the fetch block is its own, or the next one for a 32-bit instruction at a
// block's last parcel), so only those call fetchBlock.

import { Op } from '../decode.ts';
import { div32, div64, divu64, mul64, mulh64, mulhsu64, mulhu64, res } from '../alu64.ts';
import { DECODE_MASK } from '../decode_cache.ts';
import type { HartMemory } from '../memory.ts';

/** What a block touches of its hart besides registers and memory. */
export interface BlockHart {
  fetchLo: number;
  farPc: number;
  fetchBlock(pc: number): number;
}

/**
 * A translated block: runs from its entry pc with st[0] = n and st[1] = lim, returns the next
 * pc with st[0], st[1] updated; on a throw st[0..2] = n, lim, pc of the faulting instruction
 * and st[4] = 1.
 */
export type BlockFn = (xl: Int32Array, xh: Int32Array, mem: HartMemory, st: Int32Array, h: BlockHart) => number;

/** Longest block, instructions. */
export const BLOCK_CAP = 48;
/** Longest block in bytes: how far before a dropped instruction a block covering it may start. */
export const BLOCK_MAX_BYTES = BLOCK_CAP * 4;

/** One instruction of a block, from its decode-cache entry. */
export interface BlockInsn {
  pc: number;
  op: Op;
  rd: number;
  rs1: number;
  rs2: number;
  len: number;
  imm: number;
}

/** Ops the translator handles: RV64IM without fences, system and CSR ops. */
export function translatable(op: Op): boolean {
  switch (op) {
    case Op.LI: case Op.MV: case Op.ADDI: case Op.ADD: case Op.SUB: case Op.LUI: case Op.AUIPC:
    case Op.JAL: case Op.JALR: case Op.BEQ: case Op.BNE: case Op.BLT: case Op.BGE: case Op.BLTU: case Op.BGEU:
    case Op.LB: case Op.LH: case Op.LW: case Op.LD: case Op.LBU: case Op.LHU: case Op.LWU:
    case Op.SB: case Op.SH: case Op.SW: case Op.SD:
    case Op.SLTI: case Op.SLTIU: case Op.XORI: case Op.ORI: case Op.ANDI: case Op.SLLI: case Op.SRLI: case Op.SRAI:
    case Op.SLL: case Op.SRL: case Op.SRA: case Op.SLT: case Op.SLTU: case Op.XOR: case Op.OR: case Op.AND:
    case Op.ADDIW: case Op.SLLIW: case Op.SRLIW: case Op.SRAIW: case Op.ADDW: case Op.SUBW: case Op.SLLW: case Op.SRLW: case Op.SRAW:
    case Op.MUL: case Op.MULH: case Op.MULHSU: case Op.MULHU: case Op.DIV: case Op.DIVU: case Op.REM: case Op.REMU:
    case Op.MULW: case Op.DIVW: case Op.DIVUW: case Op.REMW: case Op.REMUW:
      return true;
    default:
      return false;
  }
}

export function endsBlock(op: Op): boolean {
  return op === Op.JAL || op === Op.JALR || (op >= Op.BEQ && op <= Op.BGEU);
}

/**
 * The block starting at pc, read from the decode cache (never decoding: a decode fetches and
 * the interpreter's fetches are counted): empty when pc's entry is absent or not translatable.
 */
export function readBlock(ent: Int32Array, pc: number): BlockInsn[] {
  const out: BlockInsn[] = [];
  while (out.length < BLOCK_CAP) {
    const e = ((pc >>> 1) & DECODE_MASK) << 2;
    if (ent[e] !== pc) break;
    const pk = ent[e + 1];
    const op = (pk & 0xff) as Op;
    if (!translatable(op)) break;
    const len = pk >>> 24;
    out.push({ pc, op, rd: (pk >>> 8) & 63, rs1: (pk >>> 14) & 31, rs2: (pk >>> 19) & 31, len, imm: ent[e + 2] });
    if (endsBlock(op)) break;
    pc = (pc + len) | 0;
  }
  return out;
}

const TWO32 = 4294967296;

/** The JavaScript source of a block's function body (parameters xl, xh, mem, st, h). */
export function blockSource(b: BlockInsn[], fetchSpan: number): string {
  const k = b.length;
  const fEdge = fetchSpan - 2;
  const used = new Set<number>(), written = new Set<number>();
  // The first instruction that reads / writes each register: one written before it is read
  // need not be loaded (and is written back only once that instruction has run).
  const firstRead = new Map<number, number>(), firstWrite = new Map<number, number>();
  const L = (r: number) => (r === 0 ? '0' : `l${r}`);
  const H = (r: number) => (r === 0 ? '0' : `h${r}`);
  const body: string[] = [];
  let hasStore = false;
  // The fetch block after the previous instruction (static from the second instruction on).
  let fLo = 0;
  for (let i = 0; i < k; i++) {
    const { pc, op, rd, rs1, rs2, len, imm } = b[i];
    let event = false;
    for (const r of readsOf(op, rs1, rs2)) if (r !== 0) { used.add(r); if (!firstRead.has(r)) firstRead.set(r, i); }
    if (i === 0) {
      body.push(`if (((${pc} - h.fetchLo) >>> 0) >= ${fEdge}) { at = 0; lim -= h.fetchBlock(${pc}); }`);
      event = true;
    } else if (((pc - fLo) >>> 0) >= fEdge) {
      body.push(`at = ${i}; lim -= h.fetchBlock(${pc});`);
      event = true;
    }
    fLo = (pc & (fetchSpan - 1)) === fetchSpan - 2 && len === 4 ? (pc + 2) & -fetchSpan : pc & -fetchSpan;
    const sink = rd === 32;
    if (!sink && writesRd(op)) { used.add(rd); written.add(rd); if (!firstWrite.has(rd)) firstWrite.set(rd, i); }
    const set = (lo: string, hi: string) => (sink ? '' : `l${rd} = ${lo}; h${rd} = ${hi};`);
    const next = (pc + len) | 0;
    const a = `let a = (${L(rs1)} >>> 0) + ${imm}; if (${H(rs1)} !== 0) a += ${H(rs1)} * ${TWO32};`;
    let s: string;
    switch (op) {
      case Op.LI: case Op.LUI: s = set(`${imm}`, `${imm >> 31}`); break;
      case Op.MV: s = set(L(rs1), H(rs1)); break;
      case Op.ADDI: s = `{ const a = ${L(rs1)}, lo = (a + ${imm}) | 0; const hi = (${H(rs1)} + ${imm >> 31} + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0; ${set('lo', 'hi')} }`; break;
      case Op.ADD: s = `{ const a = ${L(rs1)}, lo = (a + ${L(rs2)}) | 0; const hi = (${H(rs1)} + ${H(rs2)} + ((lo >>> 0) < (a >>> 0) ? 1 : 0)) | 0; ${set('lo', 'hi')} }`; break;
      case Op.SUB: s = `{ const a = ${L(rs1)}, b = ${L(rs2)}; const hi = (${H(rs1)} - ${H(rs2)} - ((a >>> 0) < (b >>> 0) ? 1 : 0)) | 0; ${set('(a - b) | 0', 'hi')} }`; break;
      case Op.AUIPC: { const v = pc + imm; s = set(`${v | 0}`, v < 0 ? '-1' : '0'); break; }
      case Op.JAL: s = `npc = ${(pc + imm) | 0}; ${set(`${next}`, '0')}`; break;
      case Op.JALR:
        s = `{ let t = (${L(rs1)} >>> 0) + ${imm}; const th = ${H(rs1)}; if (th !== 0) t += th * ${TWO32}; t -= t & 1; ` +
          `if (t >= 0 && t < 0x80000000) npc = t | 0; else { h.farPc = t; npc = -4; } ${set(`${next}`, '0')} }`;
        break;
      case Op.BEQ: s = `npc = ${L(rs1)} === ${L(rs2)} && ${H(rs1)} === ${H(rs2)} ? ${(pc + imm) | 0} : ${next};`; break;
      case Op.BNE: s = `npc = ${L(rs1)} !== ${L(rs2)} || ${H(rs1)} !== ${H(rs2)} ? ${(pc + imm) | 0} : ${next};`; break;
      case Op.BLT: case Op.BGE: case Op.BLTU: case Op.BGEU: {
        const u = op === Op.BLTU || op === Op.BGEU ? ' >>> 0' : '';
        const [t, f] = op === Op.BLT || op === Op.BLTU ? [(pc + imm) | 0, next] : [next, (pc + imm) | 0];
        s = `{ const a = ${H(rs1)}${u}, b = ${H(rs2)}${u}; npc = a < b || (a === b && (${L(rs1)} >>> 0) < (${L(rs2)} >>> 0)) ? ${t} : ${f}; }`;
        break;
      }
      case Op.LB: case Op.LH: case Op.LW: case Op.LD: case Op.LBU: case Op.LHU: case Op.LWU: {
        const call = { [Op.LB]: 'load8', [Op.LH]: 'load16', [Op.LW]: 'load32', [Op.LD]: 'load64', [Op.LBU]: 'load8u', [Op.LHU]: 'load16u', [Op.LWU]: 'load32' }[op];
        const hi = op === Op.LD ? 'mem.hi' : op === Op.LBU || op === Op.LHU || op === Op.LWU ? '0' : 'v >> 31';
        s = `{ at = ${i}; mem.pc = ${pc}; ${a} const v = mem.${call}(a); ${sink ? '' : `h${rd} = ${hi}; l${rd} = v;`} lim -= mem.lastLatency; }`;
        event = true;
        break;
      }
      case Op.SB: case Op.SH: case Op.SW: case Op.SD: {
        const v = op === Op.SD ? `mem.store64(a, ${L(rs2)}, ${H(rs2)})` : `mem.${{ [Op.SB]: 'store8', [Op.SH]: 'store16', [Op.SW]: 'store32' }[op]}(a, ${L(rs2)})`;
        s = `{ at = ${i}; mem.pc = ${pc}; ${a} ${v}; lim -= mem.lastLatency; }`;
        if (i < k - 1) s += ` if (st[3] !== ep) { npc = ${next}; ni = ${i + 1}; break x; }`;
        event = true;
        hasStore = true;
        break;
      }
      case Op.SLTI: s = `{ const a = ${H(rs1)}, b = ${imm >> 31}; ${set(`a < b || (a === b && (${L(rs1)} >>> 0) < ${imm >>> 0}) ? 1 : 0`, '0')} }`; break;
      case Op.SLTIU: s = `{ const a = ${H(rs1)} >>> 0, b = ${(imm >> 31) >>> 0}; ${set(`a < b || (a === b && (${L(rs1)} >>> 0) < ${imm >>> 0}) ? 1 : 0`, '0')} }`; break;
      case Op.XORI: s = set(`${L(rs1)} ^ ${imm}`, `${H(rs1)} ^ ${imm >> 31}`); break;
      case Op.ORI: s = set(`${L(rs1)} | ${imm}`, `${H(rs1)} | ${imm >> 31}`); break;
      case Op.ANDI: s = set(`${L(rs1)} & ${imm}`, `${H(rs1)} & ${imm >> 31}`); break;
      case Op.SLLI: s = imm < 32
        ? `{ const lo = ${L(rs1)}, hi = ${H(rs1)}; ${set(`lo << ${imm}`, `(hi << ${imm}) | (lo >>> ${32 - imm})`)} }`
        : `{ const lo = ${L(rs1)}; ${set('0', `lo << ${imm - 32}`)} }`; break;
      case Op.SRLI: s = imm < 32
        ? `{ const lo = ${L(rs1)}, hi = ${H(rs1)}; ${set(`(lo >>> ${imm}) | (hi << ${32 - imm})`, `hi >>> ${imm}`)} }`
        : `{ const hi = ${H(rs1)}; ${set(`hi >>> ${imm - 32}`, '0')} }`; break;
      case Op.SRAI: s = imm < 32
        ? `{ const lo = ${L(rs1)}, hi = ${H(rs1)}; ${set(`(lo >>> ${imm}) | (hi << ${32 - imm})`, `hi >> ${imm}`)} }`
        : `{ const hi = ${H(rs1)}; ${set(`hi >> ${imm - 32}`, 'hi >> 31')} }`; break;
      case Op.SLL: case Op.SRL: case Op.SRA: {
        const [lo1, hi1, lo2, hi2] = op === Op.SLL
          ? ['lo << s', '(hi << s) | (lo >>> (32 - s))', '0', 'lo << (s - 32)']
          : op === Op.SRL
            ? ['(lo >>> s) | (hi << (32 - s))', 'hi >>> s', 'hi >>> (s - 32)', '0']
            : ['(lo >>> s) | (hi << (32 - s))', 'hi >> s', 'hi >> (s - 32)', 'hi >> 31'];
        s = `{ const s = ${L(rs2)} & 63, lo = ${L(rs1)}, hi = ${H(rs1)}; if (s === 0) { ${set('lo', 'hi')} } else if (s < 32) { const rl = ${lo1}, rh = ${hi1}; ${set('rl', 'rh')} } else { const rl = ${lo2}, rh = ${hi2}; ${set('rl', 'rh')} } }`;
        break;
      }
      case Op.SLT: s = `{ const a = ${H(rs1)}, b = ${H(rs2)}; ${set(`a < b || (a === b && (${L(rs1)} >>> 0) < (${L(rs2)} >>> 0)) ? 1 : 0`, '0')} }`; break;
      case Op.SLTU: s = `{ const a = ${H(rs1)} >>> 0, b = ${H(rs2)} >>> 0; ${set(`a < b || (a === b && (${L(rs1)} >>> 0) < (${L(rs2)} >>> 0)) ? 1 : 0`, '0')} }`; break;
      case Op.XOR: s = set(`${L(rs1)} ^ ${L(rs2)}`, `${H(rs1)} ^ ${H(rs2)}`); break;
      case Op.OR: s = set(`${L(rs1)} | ${L(rs2)}`, `${H(rs1)} | ${H(rs2)}`); break;
      case Op.AND: s = set(`${L(rs1)} & ${L(rs2)}`, `${H(rs1)} & ${H(rs2)}`); break;
      case Op.ADDIW: s = w(`(${L(rs1)} + ${imm}) | 0`); break;
      case Op.SLLIW: s = w(`${L(rs1)} << ${imm}`); break;
      case Op.SRLIW: s = w(`(${L(rs1)} >>> ${imm}) | 0`); break;
      case Op.SRAIW: s = w(`${L(rs1)} >> ${imm}`); break;
      case Op.ADDW: s = w(`(${L(rs1)} + ${L(rs2)}) | 0`); break;
      case Op.SUBW: s = w(`(${L(rs1)} - ${L(rs2)}) | 0`); break;
      case Op.SLLW: s = w(`${L(rs1)} << (${L(rs2)} & 31)`); break;
      case Op.SRLW: s = w(`(${L(rs1)} >>> (${L(rs2)} & 31)) | 0`); break;
      case Op.SRAW: s = w(`${L(rs1)} >> (${L(rs2)} & 31)`); break;
      case Op.MUL:
        s = `{ const al = ${L(rs1)}, ah = ${H(rs1)}, bl = ${L(rs2)}, bh = ${H(rs2)}; ` +
          `if (((ah === 0 && al >= 0) || (ah === -1 && al < 0)) && ((bh === 0 && bl >= 0) || (bh === -1 && bl < 0)) ` +
          `&& al < 0x100000 && al > -0x100000 && bl < 0x100000 && bl > -0x100000) { const v = al * bl; ${set('v | 0', `Math.floor(v / ${TWO32}) | 0`)} } ` +
          `else { mul64(al, ah, bl, bh); ${set('res[0]', 'res[1]')} } }`;
        break;
      case Op.MULH: case Op.MULHSU: case Op.MULHU: case Op.DIV: case Op.REM: case Op.DIVU: case Op.REMU: {
        const f = { [Op.MULH]: 'mulh64(', [Op.MULHSU]: 'mulhsu64(', [Op.MULHU]: 'mulhu64(', [Op.DIV]: 'div64(', [Op.REM]: 'div64(', [Op.DIVU]: 'divu64(', [Op.REMU]: 'divu64(' }[op];
        const tail = op === Op.DIV || op === Op.DIVU ? ', false' : op === Op.REM || op === Op.REMU ? ', true' : '';
        s = `${f}${L(rs1)}, ${H(rs1)}, ${L(rs2)}, ${H(rs2)}${tail}); ${set('res[0]', 'res[1]')}`;
        break;
      }
      case Op.MULW: s = w(`Math.imul(${L(rs1)}, ${L(rs2)})`); break;
      case Op.DIVW: s = w(`div32(${L(rs1)}, ${L(rs2)}, false, false)`); break;
      case Op.DIVUW: s = w(`div32(${L(rs1)}, ${L(rs2)}, true, false)`); break;
      case Op.REMW: s = w(`div32(${L(rs1)}, ${L(rs2)}, false, true)`); break;
      case Op.REMUW: s = w(`div32(${L(rs1)}, ${L(rs2)}, true, true)`); break;
      default:
        throw new Error(`BUG: op ${op} is not translatable`);
    }
    body.push(s);
    if (i === k - 1) body.push(endsBlock(op) ? `ni = ${k};` : `npc = ${next}; ni = ${k};`);
    else if (event) body.push(`if (lim - n < ${k}) { npc = ${next}; ni = ${i + 1}; break x; }`);

    function w(v: string): string {
      return sink ? `${v};` : `{ const v = ${v}; l${rd} = v; h${rd} = v >> 31; }`;
    }
  }
  const pcs = b.map((x) => x.pc).join(', ');
  // A block whose branch or jump can go back to its own start loops here, registers in locals,
  // for as long as the dispatcher would enter it again: the whole block fits in what is left
  // and no block was dropped (its own code may have been stored to).
  const last = b[k - 1];
  const selfLoop = endsBlock(last.op) && last.op !== Op.JALR && ((last.pc + last.imm) | 0) === b[0].pc;
  // Write-first registers (not in a loop, where every round after the first has written them).
  const late = (r: number) => !selfLoop && firstWrite.has(r) && !(firstRead.has(r) && firstRead.get(r)! <= firstWrite.get(r)!);
  const regs = [...used].sort((x, y) => x - y);
  const load = regs.map((r) => (late(r) ? `let l${r} = 0, h${r} = 0;` : `let l${r} = xl[${r}], h${r} = xh[${r}];`)).join(' ');
  const storeIf = (done: string) => [...written].sort((x, y) => x - y)
    .map((r) => (late(r) ? `if (${done} > ${firstWrite.get(r)}) { xl[${r}] = l${r}; xh[${r}] = h${r}; }` : `xl[${r}] = l${r}; xh[${r}] = h${r};`)).join(' ');
  const loopHead = selfLoop ? ['for (;;) {'] : [];
  const loopTail = selfLoop
    ? [`if (ni !== ${k} || npc !== ${b[0].pc} || lim - n < ${2 * k}${hasStore ? ' || st[3] !== ep' : ''}) break;`, `n += ${k};`, '}']
    : [];
  return [
    `let n = st[0], lim = st[1], at = 0, npc = 0, ni = 0;${hasStore ? ' const ep = st[3];' : ''}`,
    load,
    'try {',
    ...loopHead,
    'x: {',
    ...body,
    '}',
    ...loopTail,
    '} catch (e) {',
    `${storeIf('at')} st[0] = n + at + 1; st[1] = lim; st[2] = [${pcs}][at]; st[4] = 1; throw e;`,
    '}',
    `${storeIf('ni')} st[0] = n + ni; st[1] = lim; return npc;`,
  ].join('\n');
}

function readsOf(op: Op, rs1: number, rs2: number): number[] {
  switch (op) {
    case Op.LI: case Op.LUI: case Op.AUIPC: case Op.JAL: return [];
    case Op.MV: case Op.ADDI: case Op.JALR: case Op.SLTI: case Op.SLTIU: case Op.XORI: case Op.ORI: case Op.ANDI:
    case Op.SLLI: case Op.SRLI: case Op.SRAI: case Op.ADDIW: case Op.SLLIW: case Op.SRLIW: case Op.SRAIW:
    case Op.LB: case Op.LH: case Op.LW: case Op.LD: case Op.LBU: case Op.LHU: case Op.LWU:
      return [rs1];
    default: return [rs1, rs2];
  }
}

function writesRd(op: Op): boolean {
  return !(op >= Op.BEQ && op <= Op.BGEU) && !(op >= Op.SB && op <= Op.SD);
}

const helpers = { mul64, mulh64, mulhsu64, mulhu64, div64, divu64, div32, res };
const compiled = new Map<string, BlockFn>();
/** Compiled functions kept per thread (a block's source names everything it depends on). */
const COMPILED_CAP = 1 << 14;

/** The block's function: compiled once per worker thread for each distinct source. */
export function compileBlock(b: BlockInsn[], fetchSpan: number): BlockFn {
  const src = blockSource(b, fetchSpan);
  let fn = compiled.get(src);
  if (fn === undefined) {
    if (compiled.size >= COMPILED_CAP) compiled.clear();
    const names = Object.keys(helpers);
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const make = new Function(...names, `return function block_${(b[0].pc >>> 0).toString(16)}(xl, xh, mem, st, h) {\n${src}\n};`);
    fn = make(...names.map((k) => helpers[k as keyof typeof helpers])) as BlockFn;
    compiled.set(src, fn);
  }
  return fn;
}

/** Blocks compiled in this thread so far (distinct sources). */
export function compiledBlocks(): number {
  return compiled.size;
}

// Throughput of cores/fpu, in millions of ops per second, against a raw JS `a + b` in the same loop
// (the loop loads two operands into the register file, calls the op, reads the result back).
// Operands: 4096 random normal numbers (singles for the .s ops), so this is the common case.
// Each figure is the best of --reps rounds (default 25) of --n ops (default 1 M), timed in process
// CPU time (the host is shared: wall time mostly measures the other tenants).
//   npx tsx bench/fpu.ts [--n 4000000] [--reps 5]
import {
  FpRegs, faddD, faddS, fdivD, fdivS, fmaD, fmaS, fmulD, fmulS, fsqrtD, fsqrtS,
} from '../cores/fpu/index.ts';

const arg = (name: string, dflt: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const N = arg('--n', 1_000_000), reps = arg('--reps', 25);

let seed = 12345;
const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; };
const M = 4096, A = new Float64Array(M), B = new Float64Array(M), C = new Float64Array(M);
for (let i = 0; i < M; i++) { A[i] = (rnd() + 0.5) * 2 ** Math.floor(rnd() * 20 - 10); B[i] = (rnd() + 0.5) * 2 ** Math.floor(rnd() * 20 - 10); C[i] = (rnd() - 0.5) * 8; }
const A32 = Float32Array.from(A), B32 = Float32Array.from(B), C32 = Float32Array.from(C);

const f = new FpRegs();
let sink = 0;

// One loop per op with a direct call, as the interpreter's switch will make (a call through a
// variable would be megamorphic and never inlined).
type Op = (rm: number) => number; // runs N ops, returns accrued flags
const ops: [string, Op][] = [
  ['raw JS a+b (baseline)', () => {
    const d = f.d; let acc = 0;
    for (let i = 0; i < N; i++) { const j = i & (M - 1); d[1] = A[j]; d[2] = B[j]; d[5] = C[j]; d[3] = d[1] + d[2]; acc += d[3]; }
    sink += acc; return 0;
  }],
  ['fadd.d', (rm) => {
    const d = f.d; let fl = 0, acc = 0;
    for (let i = 0; i < N; i++) { const j = i & (M - 1); d[1] = A[j]; d[2] = B[j]; d[5] = C[j]; fl |= faddD(f, 3, 1, 2, rm); acc += d[3]; }
    sink += acc; return fl;
  }],
  ['fmul.d', (rm) => {
    const d = f.d; let fl = 0, acc = 0;
    for (let i = 0; i < N; i++) { const j = i & (M - 1); d[1] = A[j]; d[2] = B[j]; d[5] = C[j]; fl |= fmulD(f, 3, 1, 2, rm); acc += d[3]; }
    sink += acc; return fl;
  }],
  ['fmadd.d', (rm) => {
    const d = f.d; let fl = 0, acc = 0;
    for (let i = 0; i < N; i++) { const j = i & (M - 1); d[1] = A[j]; d[2] = B[j]; d[5] = C[j]; fl |= fmaD(f, 0, 3, 1, 2, 5, rm); acc += d[3]; }
    sink += acc; return fl;
  }],
  ['fdiv.d', (rm) => {
    const d = f.d; let fl = 0, acc = 0;
    for (let i = 0; i < N; i++) { const j = i & (M - 1); d[1] = A[j]; d[2] = B[j]; d[5] = C[j]; fl |= fdivD(f, 3, 1, 2, rm); acc += d[3]; }
    sink += acc; return fl;
  }],
  ['fsqrt.d', (rm) => {
    const d = f.d; let fl = 0, acc = 0;
    for (let i = 0; i < N; i++) { const j = i & (M - 1); d[1] = A[j]; d[2] = B[j]; d[5] = C[j]; fl |= fsqrtD(f, 3, 1, rm); acc += d[3]; }
    sink += acc; return fl;
  }],
  ['fadd.s', (rm) => {
    const s = f.s; let fl = 0, acc = 0;
    f.w[3] = f.w[5] = f.w[11] = -1; // box the operand registers (the D loops overwrite them)
    for (let i = 0; i < N; i++) { const j = i & (M - 1); s[2] = A32[j]; s[4] = B32[j]; s[10] = C32[j]; fl |= faddS(f, 3, 1, 2, rm); acc += s[6]; }
    sink += acc; return fl;
  }],
  ['fmul.s', (rm) => {
    const s = f.s; let fl = 0, acc = 0;
    f.w[3] = f.w[5] = f.w[11] = -1; // box the operand registers (the D loops overwrite them)
    for (let i = 0; i < N; i++) { const j = i & (M - 1); s[2] = A32[j]; s[4] = B32[j]; s[10] = C32[j]; fl |= fmulS(f, 3, 1, 2, rm); acc += s[6]; }
    sink += acc; return fl;
  }],
  ['fmadd.s', (rm) => {
    const s = f.s; let fl = 0, acc = 0;
    f.w[3] = f.w[5] = f.w[11] = -1; // box the operand registers (the D loops overwrite them)
    for (let i = 0; i < N; i++) { const j = i & (M - 1); s[2] = A32[j]; s[4] = B32[j]; s[10] = C32[j]; fl |= fmaS(f, 0, 3, 1, 2, 5, rm); acc += s[6]; }
    sink += acc; return fl;
  }],
  ['fdiv.s', (rm) => {
    const s = f.s; let fl = 0, acc = 0;
    f.w[3] = f.w[5] = f.w[11] = -1; // box the operand registers (the D loops overwrite them)
    for (let i = 0; i < N; i++) { const j = i & (M - 1); s[2] = A32[j]; s[4] = B32[j]; s[10] = C32[j]; fl |= fdivS(f, 3, 1, 2, rm); acc += s[6]; }
    sink += acc; return fl;
  }],
  ['fsqrt.s', (rm) => {
    const s = f.s; let fl = 0, acc = 0;
    f.w[3] = f.w[5] = f.w[11] = -1; // box the operand registers (the D loops overwrite them)
    for (let i = 0; i < N; i++) { const j = i & (M - 1); s[2] = A32[j]; s[4] = B32[j]; s[10] = C32[j]; fl |= fsqrtS(f, 3, 1, rm); acc += s[6]; }
    sink += acc; return fl;
  }],
];

// Reps are interleaved (every op once per round) and the best round counts, so each op gets
// samples from the quiet moments of a shared host alike.
const rows: Record<string, Record<string, number>> = {};
for (const [name] of ops) rows[name] = { RNE: 0, RDN: 0 };
for (let r = 0; r < reps; r++) {
  for (const [name, run] of ops) {
    for (const [mode, rm] of [['RNE', 0], ['RDN', 2]] as const) {
      // CPU time of this process, not wall time: a descheduled run says nothing about the code.
      const t = process.cpuUsage(); run(rm); const u = process.cpuUsage(t);
      rows[name][mode] = Math.max(rows[name][mode], Math.round((N / (u.user + u.system)) * 10) / 10); // Mops/s
    }
  }
}
const base = rows['raw JS a+b (baseline)'].RNE;
console.log('Mops/s (best of ' + reps + ' rounds × ' + N + ' ops)');
for (const [name, r] of Object.entries(rows)) console.log(`${name.padEnd(24)} RNE ${String(r.RNE).padStart(7)}  RDN ${String(r.RDN).padStart(7)}   (RNE ${(base / r.RNE).toFixed(1)}x slower than raw)`);
if (sink === 42) console.log('');

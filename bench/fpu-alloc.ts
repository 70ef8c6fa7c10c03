// Does any cores/fpu op allocate on its common path? Runs each op 9 M times on normal operands
// (after 6 M of warm-up) in a child node with --trace-gc and counts the scavenges: 0 means the op
// allocated nothing (a boxed double per op would be ~150 MB, dozens of scavenges).
//   npx tsx bench/fpu-alloc.ts            (parent: one child per op and mode)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  FpRegs, faddD, fmulD, fmaD, fdivD, fsqrtD, faddS, fmulS, fmaS, fdivS, fsqrtS, fcvtIntD, fcvtDInt, fcvtSD,
  fcmpD, fcmpS, fminmaxD, fminmaxS,
} from '../cores/fpu/index.ts';

const NAMES = ['fadd.d', 'fmul.d', 'fmadd.d', 'fdiv.d', 'fsqrt.d', 'fadd.s', 'fmul.s', 'fmadd.s', 'fdiv.s', 'fsqrt.s', 'fcvt (l.d, d.l, s.d)', 'compare, min/max'];

function child(k: number, rm: number): void {
  const f = new FpRegs();
  for (let i = 0; i < 32; i++) f.w[2 * i + 1] = -1;
  const M = 4096, A = new Float64Array(M), B = new Float64Array(M);
  let seed = 1;
  const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed / 4294967296; };
  for (let i = 0; i < M; i++) { A[i] = (rnd() + 0.5) * 2 ** Math.floor(rnd() * 20 - 10); B[i] = (rnd() + 0.5) * 2 ** Math.floor(rnd() * 20 - 10); }
  const A32 = Float32Array.from(A), B32 = Float32Array.from(B);
  const run = () => {
    const d = f.d, s = f.s; let fl = 0;
    for (let i = 0; i < 3e6; i++) {
      const j = i & (M - 1);
      d[1] = A[j]; d[2] = B[j]; d[5] = B[j];
      if (k >= 5 && k <= 9) { s[2] = A32[j]; s[4] = B32[j]; s[10] = B32[j]; f.w[3] = -1; f.w[5] = -1; f.w[11] = -1; }
      switch (k) {
        case 0: fl |= faddD(f, 3, 1, 2, rm); break;
        case 1: fl |= fmulD(f, 3, 1, 2, rm); break;
        case 2: fl |= fmaD(f, 0, 3, 1, 2, 5, rm); break;
        case 3: fl |= fdivD(f, 3, 1, 2, rm); break;
        case 4: fl |= fsqrtD(f, 3, 1, rm); break;
        case 5: fl |= faddS(f, 3, 1, 2, rm); break;
        case 6: fl |= fmulS(f, 3, 1, 2, rm); break;
        case 7: fl |= fmaS(f, 0, 3, 1, 2, 5, rm); break;
        case 8: fl |= fdivS(f, 3, 1, 2, rm); break;
        case 9: fl |= fsqrtS(f, 3, 1, rm); break;
        case 10: fl |= fcvtIntD(f, 2, 1, rm) | fcvtDInt(f, 3, i, i * 7, 2, rm) | fcvtSD(f, 4, 1, rm); break;
        default: fl |= fcmpD(f, 1, 1, 2) | fminmaxD(f, 3, 1, 2, true); s[2] = A32[j]; s[4] = B32[j]; f.w[3] = -1; f.w[5] = -1; fl |= fcmpS(f, 2, 1, 2) | fminmaxS(f, 3, 1, 2, false);
      }
    }
    return fl;
  };
  run(); run();
  console.log('MARK');
  run(); run(); run();
  console.log('END');
}

if (process.argv[2] === '--child') child(Number(process.argv[3]), Number(process.argv[4]));
else {
  const self = fileURLToPath(import.meta.url);
  console.log('scavenges during 9 M ops (0 = no allocation per op)');
  for (let k = 0; k < NAMES.length; k++) {
    const out: string[] = [];
    for (const [mode, rm] of [['RNE', 0], ['RDN', 2]] as const) {
      const p = spawnSync(process.execPath, ['--trace-gc', '--import', 'tsx', self, '--child', String(k), String(rm)], { encoding: 'utf8' });
      const lines = p.stdout.split('\n'), a = lines.indexOf('MARK'), b = lines.indexOf('END');
      out.push(`${mode} ${a < 0 || b < 0 ? 'failed' : lines.slice(a, b).filter((l) => l.includes('Scavenge')).length}`);
    }
    console.log(`${NAMES[k].padEnd(22)} ${out.join('  ')}`);
  }
}

// Runs one op of cores/fpu by mnemonic on 64-bit register images, in the same form as ref.ts and
// the qemu oracle: registers 1, 2, 3 hold a, b, c; the result is register 4 or the integer result.
import {
  FpRegs, faddD, faddS, fclassD, fclassS, fcmpD, fcmpS, fcvtDInt, fcvtDS, fcvtIntD, fcvtIntS, fcvtSD, fcvtSInt,
  fdivD, fdivS, fmaD, fmaS, fminmaxD, fminmaxS, fmulD, fmulS, fsgnjD, fsgnjS, fsqrtD, fsqrtS, fsubD, fsubS,
} from '../../cores/fpu/index.ts';
import type { Res } from './ref.ts';

const f = new FpRegs();
const set = (i: number, v: bigint) => { f.w[2 * i] = Number(v & 0xffffffffn) | 0; f.w[2 * i + 1] = Number((v >> 32n) & 0xffffffffn) | 0; };
const get = (i: number) => (BigInt(f.w[2 * i + 1] >>> 0) << 32n) | BigInt(f.w[2 * i] >>> 0);
const xres = () => (BigInt(f.x[1] >>> 0) << 32n) | BigInt(f.x[0] >>> 0);
const INT: Record<string, number> = { w: 0, wu: 1, l: 2, lu: 3 };
const FMA: Record<string, number> = { fmadd: 0, fmsub: 1, fnmsub: 2, fnmadd: 3 };
const CMP: Record<string, number> = { feq: 0, flt: 1, fle: 2 };
const SGNJ: Record<string, number> = { fsgnj: 0, fsgnjn: 1, fsgnjx: 2 };

export function lib(op: string, rm: number, a: bigint, b: bigint, c: bigint): Res {
  set(1, a); set(2, b); set(3, c); set(4, 0x5a5a5a5a5a5a5a5an);
  f.x[0] = 0x1234567; f.x[1] = 0x7654321;
  const parts = op.split('.'), t = parts[parts.length - 1], dbl = t === 'd';
  const name = parts[0];
  let flags: number;
  if (name in FMA) flags = dbl ? fmaD(f, FMA[name], 4, 1, 2, 3, rm) : fmaS(f, FMA[name], 4, 1, 2, 3, rm);
  else if (name in CMP) { flags = dbl ? fcmpD(f, CMP[name], 1, 2) : fcmpS(f, CMP[name], 1, 2); return { r: xres(), flags }; }
  else if (name in SGNJ) { if (dbl) fsgnjD(f, 4, 1, 2, SGNJ[name]); else fsgnjS(f, 4, 1, 2, SGNJ[name]); flags = 0; }
  else switch (name) {
    case 'fadd': flags = dbl ? faddD(f, 4, 1, 2, rm) : faddS(f, 4, 1, 2, rm); break;
    case 'fsub': flags = dbl ? fsubD(f, 4, 1, 2, rm) : fsubS(f, 4, 1, 2, rm); break;
    case 'fmul': flags = dbl ? fmulD(f, 4, 1, 2, rm) : fmulS(f, 4, 1, 2, rm); break;
    case 'fdiv': flags = dbl ? fdivD(f, 4, 1, 2, rm) : fdivS(f, 4, 1, 2, rm); break;
    case 'fsqrt': flags = dbl ? fsqrtD(f, 4, 1, rm) : fsqrtS(f, 4, 1, rm); break;
    case 'fmin': flags = dbl ? fminmaxD(f, 4, 1, 2, false) : fminmaxS(f, 4, 1, 2, false); break;
    case 'fmax': flags = dbl ? fminmaxD(f, 4, 1, 2, true) : fminmaxS(f, 4, 1, 2, true); break;
    case 'fclass': return { r: BigInt(dbl ? fclassD(f, 1) : fclassS(f, 1)), flags: 0 };
    case 'fcvt': {
      const [, dst, src] = parts;
      if (dst in INT) { flags = src === 'd' ? fcvtIntD(f, INT[dst], 1, rm) : fcvtIntS(f, INT[dst], 1, rm); return { r: xres(), flags }; }
      const lo = Number(a & 0xffffffffn) | 0, hi = Number((a >> 32n) & 0xffffffffn) | 0;
      if (src in INT) flags = dst === 'd' ? fcvtDInt(f, 4, lo, hi, INT[src], rm) : fcvtSInt(f, 4, lo, hi, INT[src], rm);
      else flags = dst === 's' ? fcvtSD(f, 4, 1, rm) : fcvtDS(f, 4, 1);
      break;
    }
    default: throw new Error(`lib: unknown op ${op}`);
  }
  return { r: get(4), flags };
}

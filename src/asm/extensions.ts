import { decodeWord, mnemonic, Op } from '../../cores/decode.ts';

/**
 * The extension (F, D) of an assembled instruction word beyond the base RV64IMA the litmus SC
 * model interprets, with its mnemonic; undefined for the others.
 */
export function fpExtensionOf(word: number): { extension: 'F' | 'D'; mnemonic: string } | undefined {
  const d = decodeWord(word);
  if (d.op >= Op.FLW && d.op < Op.FLD) return { extension: 'F', mnemonic: mnemonic(d) };
  if (d.op >= Op.FLD && d.op < Op.COUNT) return { extension: 'D', mnemonic: mnemonic(d) };
  return undefined;
}

// Mnemonics of standard RISC-V extensions this machine does not implement. A program
// that uses one is refused with the extension's name (the litmus runner skips such a
// test and says why), while a mnemonic in no extension at all is a typo: an error.

const FP_OPS = [
  'fadd', 'fsub', 'fmul', 'fdiv', 'fsqrt', 'fmin', 'fmax', 'fmadd', 'fmsub', 'fnmadd', 'fnmsub',
  'fsgnj', 'fsgnjn', 'fsgnjx', 'feq', 'flt', 'fle', 'fclass', 'fmv', 'fabs', 'fneg',
  'fcvt.w', 'fcvt.wu', 'fcvt.l', 'fcvt.lu',
];

const TABLE = new Map<string, string>();
const add = (ext: string, names: Iterable<string>): void => {
  for (const n of names) TABLE.set(n, ext);
};

for (const [ext, t] of [['Q', 'q'], ['Zfh', 'h']] as const) {
  add(ext, FP_OPS.map((op) => `${op}.${t}`));
  add(ext, ['w', 'wu', 'l', 'lu'].map((i) => `fcvt.${t}.${i}`));
}
add('Q', ['flq', 'fsq']);
add('Zfh', ['flh', 'fsh', 'fmv.x.h', 'fmv.h.x']);
const AMO_OPS = ['amoadd', 'amoswap', 'amoxor', 'amoor', 'amoand', 'amomin', 'amomax', 'amominu', 'amomaxu'];
const ORDERINGS = ['', '.aq', '.rl', '.aqrl'];
add('Zabha', AMO_OPS.flatMap((op) => ['b', 'h'].flatMap((w) => ORDERINGS.map((o) => `${op}.${w}${o}`))));
add('Zacas', ['b', 'h', 'w', 'd', 'q'].flatMap((w) => ORDERINGS.map((o) => `amocas.${w}${o}`)));
add('Zba', ['add.uw', 'sh1add', 'sh2add', 'sh3add', 'sh1add.uw', 'sh2add.uw', 'sh3add.uw', 'slli.uw', 'zext.w']);
add('Zbb', [
  'andn', 'orn', 'xnor', 'clz', 'clzw', 'ctz', 'ctzw', 'cpop', 'cpopw', 'max', 'maxu', 'min', 'minu',
  'sext.b', 'sext.h', 'zext.h', 'rol', 'rolw', 'ror', 'rori', 'roriw', 'rorw', 'orc.b', 'rev8',
]);
add('Zbs', ['bclr', 'bclri', 'bext', 'bexti', 'binv', 'binvi', 'bset', 'bseti']);
add('Zbc', ['clmul', 'clmulh', 'clmulr']);
add('Zicond', ['czero.eqz', 'czero.nez']);
add('Zicbom', ['cbo.clean', 'cbo.flush', 'cbo.inval']);
add('Zicboz', ['cbo.zero']);
add('Zicbop', ['prefetch.i', 'prefetch.r', 'prefetch.w']);
add('Zihintpause', ['pause']);
add('Zihintntl', ['ntl.p1', 'ntl.pall', 'ntl.s1', 'ntl.all']);
add('Zawrs', ['wrs.nto', 'wrs.sto']);
add('Zalasr', ['lq.aq', 'lq.aqrl', 'sq.rl', 'sq.aqrl']); // RV128 only
add('H', ['hfence.vvma', 'hfence.gvma', 'hlv.b', 'hlv.bu', 'hlv.h', 'hlv.hu', 'hlv.w', 'hlv.wu', 'hlv.d', 'hlvx.hu', 'hlvx.wu', 'hsv.b', 'hsv.h', 'hsv.w', 'hsv.d']);
add('V', ['vsetvli', 'vsetivli', 'vsetvl']);
// RV64C implements the rest (rvc_encode.ts); these encodings mean something else on RV64.
add('RV32C', ['c.jal', 'c.flw', 'c.fsw', 'c.flwsp', 'c.fswsp']);

/** Vector loads / stores and arithmetic (vle32.v, vadd.vv, vmv.x.s, ...). */
const VECTOR_RE = /^v(?:[ls](?:e|se|ux|ox|seg\d)(?:8|16|32|64)(?:ff)?\.v|[a-z]+(?:\.[a-z]+)?\.(?:vv|vx|vi|vf|wv|wx|wf|vvm|vxm|vim|vfm|mm|vs|vm|v|x|f|x\.s|s\.x|f\.s|s\.f))$/;

/** The extension a mnemonic belongs to when this machine does not implement it, else undefined. */
export function unimplementedExtension(mnemonic: string): string | undefined {
  const m = mnemonic.toLowerCase();
  const hit = TABLE.get(m);
  if (hit) return hit;
  if (VECTOR_RE.test(m)) return 'V';
  return undefined;
}

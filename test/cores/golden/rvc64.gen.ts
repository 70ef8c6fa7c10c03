// Builds test/cores/golden/rvc64.bin.gz, the oracle for cores/rvc.ts: for every 16-bit parcel
// (low bits != 11), what LLVM 14 says it is, as the 32-bit encoding of its twin.
//   1. llvm-mc --disassemble -triple=riscv64 -mattr=+c,+d,+f prints each parcel; its printer
//      uncompresses (RISCVInstPrinter: uncompressInst), so most lines are already the 32-bit twin
//      (e.g. 0x4505 -> "li a0, 1").
//   2. Lines LLVM can only print compressed are its HINT forms (c.nop N, c.li zero, c.lui zero,
//      c.mv zero, c.add zero, c.slli zero, c.slli64/c.srli64/c.srai64) and c.unimp. The HINTs are
//      rewritten by the spec's own expansion rule (ch. 16, "C.X expands into ..."), operands
//      unchanged; c.unimp has no twin.
//   3. llvm-mc -triple=riscv64 -mattr=+d,+f,-c -show-encoding assembles the 32-bit text.
//   4. Cross-check: the same text assembled with +c compresses back to the parcel (LLVM's
//      CompressPat tables). With LLVM 14.0.6: 46347 do, 428 do not: the 364 HINTs, the 30
//      `lui rd, 0` (reserved c.lui, see the test), 31 c.addi rd, 0 (LLVM picks c.mv rd, rd) and 3
//      c.addi16sp whose immediate also fits c.addi sp (LLVM picks c.addi). RVC_GOLDEN_VERBOSE=1
//      lists the non-HINT ones.
//   5. A second opinion on legality from GNU binutils: riscv64-linux-gnu-objdump -D -b binary
//      -m riscv:rv64 over all parcels; it prints `.2byte` for the ones it does not decode.
// File layout (gzip): Int32 LE[65536] encoding (0 when none), then Uint8[65536] provenance:
//   0 = not a parcel (low bits 11), 1 = LLVM: invalid encoding, 2 = LLVM printed the 32-bit twin,
//   3 = LLVM HINT form rewritten by the spec's rule, 4 = LLVM decodes it but gives no twin (c.unimp);
// then Uint8[65536] binutils: 0 = not a parcel, 1 = objdump: invalid, 2 = objdump decodes it.
// Run: npx tsx test/cores/golden/rvc64.gen.ts   (needs llvm-mc 14 and riscv64-linux-gnu-objdump on PATH)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const MC = process.env.LLVM_MC ?? 'llvm-mc';
const dir = mkdtempSync(join(tmpdir(), 'rvc-golden-'));
const run = (args: string[], input: string): { out: string; err: string } => {
  const f = join(dir, 'in.s');
  writeFileSync(f, input);
  const r = spawnSync(MC, [...args, f], { maxBuffer: 256 << 20, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { out: r.stdout, err: r.stderr };
};
const ver = spawnSync(MC, ['--version'], { encoding: 'utf8' }).stdout.match(/LLVM version (\S+)/)?.[1] ?? '?';

const enc = new Int32Array(65536);
const prov = new Uint8Array(65536);
const text = new Map<number, string>();

// 1. disassemble every parcel; -show-encoding ties each output line to its bytes
let input = '';
for (let h = 0; h < 65536; h++) {
  if ((h & 3) === 3) continue;
  prov[h] = 1;
  input += `0x${(h & 255).toString(16)} 0x${(h >>> 8).toString(16)}\n`;
}
const dis = run(['--disassemble', '-triple=riscv64', '-mattr=+c,+d,+f', '-show-encoding'], input);
for (const line of dis.out.split('\n')) {
  const m = line.match(/^\s+(.*?)\s+# encoding: \[0x([0-9a-f]{2}),0x([0-9a-f]{2})\]$/);
  if (!m) continue;
  const h = parseInt(m[2], 16) | (parseInt(m[3], 16) << 8);
  text.set(h, m[1].replace(/\s+/g, ' ').trim());
}

// 2. LLVM's compressed-only forms -> the spec's expansion (operands as LLVM printed them)
const hintRules: Array<[RegExp, (m: RegExpMatchArray) => string]> = [
  [/^c\.nop (-?\d+)$/, (m) => `addi zero, zero, ${m[1]}`], // c.addi x0, imm
  [/^c\.li zero, (-?\d+)$/, (m) => `addi zero, zero, ${m[1]}`], // addi rd, x0, imm
  [/^c\.lui zero, (-?\d+)$/, (m) => `lui zero, ${Number(m[1]) & 0xfffff}`], // LLVM prints nzimm signed here
  [/^c\.slli zero, (\d+)$/, (m) => `slli zero, zero, ${m[1]}`],
  [/^c\.mv zero, (\w+)$/, (m) => `mv zero, ${m[1]}`], // as LLVM prints c.mv rd != 0 (addi rd, rs2, 0)
  [/^c\.add zero, (\w+)$/, (m) => `add zero, zero, ${m[1]}`], // add rd, rd, rs2
  [/^c\.slli64 (\w+)$/, (m) => `slli ${m[1]}, ${m[1]}, 0`],
  [/^c\.srli64 (\w+)$/, (m) => `srli ${m[1]}, ${m[1]}, 0`],
  [/^c\.srai64 (\w+)$/, (m) => `srai ${m[1]}, ${m[1]}, 0`],
];
const order: number[] = [];
let asmIn = '';
for (const [h, t] of [...text].sort((a, b) => a[0] - b[0])) {
  let t32 = t;
  prov[h] = 2;
  if (t.startsWith('c.')) {
    const rule = hintRules.find(([re]) => re.test(t));
    if (!rule) { prov[h] = 4; continue; }
    t32 = rule[1](t.match(rule[0])!);
    prov[h] = 3;
  }
  order.push(h);
  asmIn += t32 + '\n';
}

// 3. assemble the twins without C
const asm = run(['-triple=riscv64', '-mattr=+d,+f,-c', '-show-encoding'], asmIn);
if (asm.err.trim() !== '') throw new Error(`llvm-mc could not assemble some twins:\n${asm.err.slice(0, 2000)}`);
const words = [...asm.out.matchAll(/# encoding: \[0x(..),0x(..),0x(..),0x(..)\]/g)]
  .map((m) => parseInt(m[1], 16) | (parseInt(m[2], 16) << 8) | (parseInt(m[3], 16) << 16) | (parseInt(m[4], 16) << 24));
if (words.length !== order.length) throw new Error(`assembled ${words.length} of ${order.length} lines`);
order.forEach((h, i) => { enc[h] = words[i]; });

// 4. round trip through LLVM's compressor
const back = run(['-triple=riscv64', '-mattr=+c,+d,+f', '-show-encoding'], asmIn);
const backEnc = [...back.out.matchAll(/# encoding: \[([^\]]*)\]/g)].map((m) => m[1]);
let same = 0, other = 0;
order.forEach((h, i) => {
  const bs = backEnc[i].split(',').map((b) => parseInt(b, 16));
  if (bs.length === 2 && (bs[0] | (bs[1] << 8)) === h) same++;
  else { other++; if (prov[h] === 2 && process.env.RVC_GOLDEN_VERBOSE) console.log(h.toString(16), text.get(h), backEnc[i]); }
});

// 5. binutils: every parcel in order as a raw binary (all 2 bytes long, so they stay in step)
const OBJDUMP = process.env.OBJDUMP ?? 'riscv64-linux-gnu-objdump';
const gnu = new Uint8Array(65536);
const rawParcels: number[] = [];
for (let h = 0; h < 65536; h++) if ((h & 3) !== 3) rawParcels.push(h);
const bin = join(dir, 'all.bin');
writeFileSync(bin, new Uint8Array(Uint16Array.from(rawParcels).buffer));
const od = spawnSync(OBJDUMP, ['-D', '-b', 'binary', '-m', 'riscv:rv64', '-M', 'no-aliases', bin], { maxBuffer: 256 << 20, encoding: 'utf8' });
if (od.error) throw od.error;
const gnuVer = spawnSync(OBJDUMP, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
for (const line of od.stdout.split('\n')) {
  const m = line.match(/^\s*([0-9a-f]+):\s+([0-9a-f]{4})\s+(\S+)/);
  if (!m) continue;
  const h = rawParcels[parseInt(m[1], 16) / 2];
  if (h !== parseInt(m[2], 16)) throw new Error(`objdump out of step at ${m[1]}`);
  gnu[h] = m[3] === '.2byte' ? 1 : 2;
}
if (rawParcels.some((h) => gnu[h] === 0)) throw new Error('objdump skipped parcels');

const out = fileURLToPath(new URL('./rvc64.bin.gz', import.meta.url));
writeFileSync(out, gzipSync(Buffer.concat([Buffer.from(enc.buffer), Buffer.from(prov), Buffer.from(gnu)]), { level: 9 }));
const count = (p: number) => prov.filter((x) => x === p).length;
console.log(`LLVM ${ver}: invalid ${count(1)}, twin ${count(2)}, HINT rewritten ${count(3)}, no twin ${count(4)}`);
console.log(`round trip through LLVM's compressor: ${same} back to the same parcel, ${other} not`);
console.log(`${gnuVer}: invalid ${gnu.filter((x) => x === 1).length}, decoded ${gnu.filter((x) => x === 2).length}`);
console.log(`wrote ${out}`);
rmSync(dir, { recursive: true });

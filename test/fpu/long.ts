// The long differential run of cores/fpu (and the reference model) against qemu-riscv64: like
// test/fpu/qemu.test.ts, in batches, for as many cases as asked; prints the count and every mismatch.
//   npx tsx test/fpu/long.ts [--cases 10000000] [--seed N]
import { ALL_OPS, ref } from './ref.ts';
import { lib } from './lib.ts';
import { operands, rng } from './gen.ts';
import { hasQemu, qemuRun, type Case } from './qemu.ts';

const arg = (name: string, dflt: number) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : dflt; };
const total = arg('--cases', 1_000_000), seed = arg('--seed', Math.floor(Math.random() * 0x7fffffff));
if (!hasQemu) { console.error('smpemu: qemu-riscv64 is not installed'); process.exit(2); }
const h = (v: bigint) => '0x' + v.toString(16);
const r = rng(seed);
let done = 0, bad = 0;
console.log(`seed ${seed}`);
while (done < total) {
  const cases: Case[] = [];
  for (let i = 0; i < 50_000 && done + cases.length < total; i++) {
    const op = ALL_OPS[r.int(ALL_OPS.length)], [a, b, c] = operands(op, r);
    cases.push({ op, rm: r.int(5), a, b, c });
  }
  const q = qemuRun(cases);
  for (let i = 0; i < cases.length; i++) {
    const k = cases[i], Q = q[i], L = lib(k.op, k.rm, k.a, k.b, k.c), R = ref(k.op, k.rm, k.a, k.b, k.c);
    if (L.r !== Q.r || L.flags !== Q.flags || R.r !== Q.r || R.flags !== Q.flags) {
      bad++;
      console.log(`mismatch: ${k.op} rm=${k.rm} ${h(k.a)} ${h(k.b)} ${h(k.c)}: qemu ${h(Q.r)}/${Q.flags} lib ${h(L.r)}/${L.flags} ref ${h(R.r)}/${R.flags}`);
    }
  }
  done += cases.length;
  process.stderr.write(`\r${done} cases, ${bad} mismatches`);
}
console.log(`\n${done} cases against qemu-riscv64, ${bad} mismatches (seed ${seed})`);
process.exit(bad === 0 ? 0 : 1);

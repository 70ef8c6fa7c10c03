// The false-sharing gains of the glibc pthreads programs (workloads/linux: fs_packed/fs_padded,
// Phoenix-style lr_packed/lr_padded) on 4 simulated cores, one worker thread (deterministic:
// the simulated cycles are exact and repeatable), with what --report c2c blames. Prints one
// JSON object on stdout: per program the simulated cycles (the busiest core's), HITMs in
// total and on the blamed symbol, the verdict of its hottest line, host seconds (noisy), and
// per pair the packed/padded cycle ratio.
//   npx tsx bench/c2c_linux.ts [--cores N]

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseElf } from '../src/loader/elf.ts';
import { SymbolTable } from '../src/loader/symbols.ts';
import { makeConfig } from '../src/machine/config.ts';
import { runMachine } from '../src/machine/machine.ts';
import { analyzeC2c } from '../src/report/c2c.ts';

const coresArg = process.argv.indexOf('--cores');
const cores = coresArg > 0 ? Number(process.argv[coresArg + 1]) : 4;
const dir = fileURLToPath(new URL('../workloads/linux/', import.meta.url));

const programs = [
  { name: 'fs_packed', args: [] as string[], symbol: 'counters' },
  { name: 'fs_padded', args: [], symbol: 'counters' },
  { name: 'lr_packed', args: ['points.bin'], symbol: 'tid_args' },
  { name: 'lr_padded', args: ['points.bin'], symbol: 'tid_args' },
];

const out: Record<string, unknown> = { cores, threads: 1 };
const cycles: Record<string, number> = {};
for (const p of programs) {
  const elf = readFileSync(`${dir}bin/${p.name}`);
  const t0 = performance.now();
  const r = await runMachine(makeConfig({ boot: 'linux', memory: 'caches', cores, threads: 1 }), elf, {
    stdout: () => {},
    stderr: () => {},
    linux: { execfn: `/${p.name}`, args: p.args, root: `${dir}data` },
  });
  const host = (performance.now() - t0) / 1000;
  if (r.exitCode !== 0) throw new Error(`${p.name} exited ${r.exitCode}: ${r.error ?? ''}`);
  const lines = analyzeC2c(r.c2cEntries ?? [], new SymbolTable(parseElf(elf).symbols), r.config.caches.lineBytes, { physical: true });
  const blamed = lines.filter((l) => l.symbol === p.symbol || l.symbol.startsWith(p.symbol + '+'));
  cycles[p.name] = Math.max(...r.cores.map((c) => c.cycles));
  out[p.name] = {
    cycles: cycles[p.name],
    instructions: r.instructions,
    hitm: r.totals!.hitm,
    [`hitmOn_${p.symbol}`]: blamed.reduce((s, l) => s + l.hitm, 0),
    hottest: lines[0] ? `${lines[0].vaddr !== undefined ? '0x' + lines[0].vaddr.toString(16) : '?'} ${lines[0].symbol || '?'}: ${lines[0].verdict}, HITM ${lines[0].hitm}` : 'none',
    hostSeconds: +host.toFixed(2),
  };
  process.stderr.write(`  ${p.name}: ${cycles[p.name]} cycles, ${host.toFixed(1)} host s\n`);
}
out.gain = {
  fs: +(cycles.fs_packed! / cycles.fs_padded!).toFixed(3),
  lr: +(cycles.lr_packed! / cycles.lr_padded!).toFixed(3),
};
console.log(JSON.stringify(out, null, 2));

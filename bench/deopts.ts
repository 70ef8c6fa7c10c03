// What V8 does to Hart.run, and to the translator's regions, on one single-core run of
// compute_long, without timing: with --no-concurrent-recompilation every TurboFan compile
// happens on the worker at a point fixed by the program, so the count of compiles of `run`
// and the deopts that caused them repeat run after run, whatever the host load. Each deopt of run costs a recompile of the whole
// interpreter (~50-100 ms on a quiet host) and, with concurrent compiles, that long again
// in slower code, which a 1-second bench figure feels.
//   npx tsx bench/deopts.ts TREE [TREE ...] [--memory flat|caches]

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const mi = args.indexOf('--memory');
const memory = mi >= 0 ? args[mi + 1] : 'flat';

if (args[0] === '--child') {
  const tree = args[1];
  const { makeConfig } = await import(pathToFileURL(join(tree, 'src/machine/config.ts')).href);
  const { runMachine } = await import(pathToFileURL(join(tree, 'src/machine/machine.ts')).href);
  const r = await runMachine(makeConfig({ cores: 1, memory }), readFileSync(join(tree, 'workloads/bin/compute_long.elf')), { stdout: () => {} });
  process.stdout.write(`\nRESULT ${JSON.stringify({ exitCode: r.exitCode, instructions: r.instructions })}\n`);
} else {
  const trees = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--memory').map((p) => resolve(p));
  if (trees.length === 0) {
    process.stderr.write('usage: npx tsx bench/deopts.ts TREE [TREE ...] [--memory flat|caches]\n');
    process.exit(2);
  }
  const flags = ['--no-concurrent-recompilation', '--trace-opt', '--trace-deopt'];
  for (const tree of trees) {
    const p = spawnSync(process.execPath, [...flags, ...process.execArgv, fileURLToPath(import.meta.url), '--child', tree, '--memory', memory], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const out = p.stdout + p.stderr;
    const result = /RESULT (.*)/.exec(out);
    if (p.status !== 0 || !result) throw new Error(`${tree}: exit ${p.status}\n${p.stderr.slice(-2000)}`);
    const lines = out.split('\n');
    const compiles = lines.filter((l) => /completed compiling .*<JSFunction run /.test(l)).length;
    const deopts = lines
      .filter((l) => /bailout .*deoptimizing .*<JSFunction run /.test(l))
      .map((l) => `${/reason: ([^)]*)\)/.exec(l)?.[1]} (bytecode offset ${/bytecode offset (\d+)/.exec(l)?.[1]})`);
    console.log(`${tree} (${memory}, ${JSON.parse(result[1]).instructions} instructions): ${compiles} TurboFan compiles of run, ${deopts.length} deopts`);
    for (const d of deopts) console.log(`  deopt: ${d}`);
    // The translator's regions (--engine jit): compiles (on stack: OSR) and deopts by reason.
    const rc = lines.filter((l) => /completed compiling .*<JSFunction region_/.test(l));
    const rd = lines.filter((l) => /bailout .*deoptimizing .*<JSFunction region_/.test(l)).map((l) => /reason: ([^)]*)\)/.exec(l)?.[1] ?? '?');
    const why = new Map<string, number>();
    for (const r of rd) why.set(r, (why.get(r) ?? 0) + 1);
    console.log(`  regions: ${rc.length} TurboFan compiles (${rc.filter((l) => / OSR /.test(l)).length} on stack), ${rd.length} deopts` +
      [...why].map(([r, k]) => `; ${k} × ${r}`).join(''));
  }
}

// bench/ab_count.ts's child: runs TREE's CoreGroup in one worker for N guest instructions a
// core (--max-insns), quantum by quantum, and nothing else (no runMachine, no watchdog, no
// timing), so that valgrind's count of host instructions covers the same work in any tree.
//   node --import tsx bench/ab_count_worker.ts TREE flat|caches|packed N

import { buildSync } from 'esbuild';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

const [tree, kind, n] = process.argv.slice(2);
const p = (f: string) => JSON.stringify(join(tree, f));
const packed = kind === 'packed';
// A tree whose workers warm Hart.run up before their first quantum (cores/warmup) does it here too, when its workers would (warmsUp).
const warm = existsSync(join(tree, 'cores/warmup/warmup.ts'));
// packed: the bench's coherence case (4 cores on one worker); else compute_long on one core.
// The interpreter (Hart.run) in every tree: the translator became the default engine later.
const cfg = packed ? `{ cores: 4, threads: 1, memory: 'caches', maxInsns: ${n}, engine: 'interp' }` : `{ cores: 1, threads: 1, memory: '${kind}', maxInsns: ${n}, engine: 'interp' }`;
const src = `
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { makeConfig } from ${p('src/machine/config.ts')};
import { boot } from ${p('src/machine/boot.ts')};
import { CoreGroup } from ${p('cores/core_group.ts')};
${warm ? `import * as warmup from ${p('cores/warmup/warmup.ts')};` : ''}
const config = makeConfig(${cfg});
const b: any = boot(config, readFileSync(${p(packed ? 'workloads/bin/counters_packed.elf' : 'workloads/bin/compute_long.elf')}));
const ids = Array.from({ length: config.cores }, (_, i) => i);
// The CoreGroup's init as each era of the tree takes it (the region map came with #8).
const init: any = b.regions
  ? { config, coreIds: ids, regions: b.regions, entry: b.image.entry, stackTops: b.stackTops, pid: 1 }
  : { config, coreIds: ids, ram: b.ram, control: b.control.sab, entry: b.image.entry, stackTops: b.stackTops, pid: 1, coherence: b.coherence };
${warm ? `if (!(warmup as any).warmsUp || (warmup as any).warmsUp(config)) warmup.warmUp(config);` : ''}
const g: any = new CoreGroup(init);
let end = 0;
for (let q = 1; !g.ctl.stopping && g.anyLive; q++) {
  end += config.quantum;
  if (g.clock) g.clock.quantum = q; else g.ctl.quantum = q;
  g.runQuantum(end);
  g.takeOutput();
}
parentPort!.postMessage(g.harts.map((h: any) => h.instret));
`;
const r = buildSync({ stdin: { contents: src, loader: 'ts', resolveDir: tree, sourcefile: 'ab-count-worker.ts' }, bundle: true, platform: 'node', format: 'cjs', target: 'node20', write: false, logLevel: 'silent' });
const w = new Worker(r.outputFiles[0].text, { eval: true });
w.once('message', (m: number[]) => {
  console.log(`instret ${m.reduce((s, x) => s + x, 0)}`);
  void w.terminate();
});
w.once('error', (e) => {
  console.error(e);
  process.exit(1);
});

// Where a hosted worker's thread CPU goes under the translator: one CoreGroup on this thread
// running compute_long on C cores (C = 1: the lone core), --max-insns spread over them as
// bench/scaling.ts's hosted runs do, and the thread CPU spent inside Jit.translate (profile,
// region source, compile lookup, warm calls; wrapped here, the tree is not changed). Per run:
// translateMs of cpuMs, the translations, the characters of region source the cores emitted,
// and the distinct functions V8 compiled (shared by source in a thread). --threads 2 with
// several cores: the parallel-mode memory path and the adaptive interleave, as in a worker of
// 16 cores on 2 threads; --threads 1: solo caches (no Atomics) at --interleave. Each run is a
// fresh process (nothing compiled before it).
//   npx tsx bench/hosted_translate.ts [--cores 1,8] [--threads 2] [--memory caches] [--interleave N] [--insns 48000000] [--rounds 3]

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { makeConfig } from '../src/machine/config.ts';
import { boot } from '../src/machine/boot.ts';
import { CoreGroup } from '../cores/core_group.ts';
import { Jit } from '../cores/jit/jit.ts';
import { compiledStats } from '../cores/jit/translate.ts';

const argv = process.argv.slice(2);
const opt = (name: string, d: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1]! : d;
};
const coreCounts = opt('--cores', '1,8').split(',').map(Number);
const threads = Number(opt('--threads', '2'));
const memory = opt('--memory', 'caches') as 'caches' | 'flat';
const interleave = argv.includes('--interleave') ? Number(opt('--interleave', '50')) : undefined;
const insns = Number(opt('--insns', '48000000'));
const rounds = Number(opt('--rounds', '3'));
const program = readFileSync(new URL('../workloads/bin/compute_long.elf', import.meta.url));

const cpuMs = () => Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
const proto = Jit.prototype as unknown as { translate: (...a: unknown[]) => boolean };
const translate = proto.translate;
let inTranslate = 0;
proto.translate = function (this: unknown, ...a: unknown[]) {
  const t = cpuMs();
  try {
    return translate.apply(this, a);
  } finally {
    inTranslate += cpuMs() - t;
  }
};

const one = argv.includes('--one') ? Number(opt('--one', '1')) : 0;
if (one === 0) {
  for (let r = 0; r < rounds; r++) {
    for (const cores of coreCounts) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...argv, '--one', String(cores)], { encoding: 'utf8' });
      process.stdout.write(out.replace('{', `{"round":${r + 1},`));
    }
  }
  process.stdout.write(`loadavg ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}\n`);
} else {
  const cores = one;
  const config = makeConfig({ cores, threads: Math.min(threads, cores), memory, engine: 'jit', interleave, maxInsns: Math.round(insns / cores) });
  const b = boot(config, program);
  const g = new CoreGroup({ config, coreIds: Array.from({ length: cores }, (_, i) => i), regions: b.regions, entry: b.image.entry, stackTops: b.stackTops, pid: 1 });
  inTranslate = 0;
  const t0 = cpuMs();
  let end = 0;
  for (let q = 1; !g.ctl.stopping && g.anyLive; q++) {
    end += config.quantum;
    g.clock.quantum = q;
    g.runQuantum(end);
    g.takeOutput();
  }
  const ms = cpuMs() - t0;
  const st = g.harts.map((h) => h.jit!.stats());
  process.stdout.write(JSON.stringify({
    cores, threads: config.threads, memory, cpuMs: +ms.toFixed(1), translateMs: +inTranslate.toFixed(1), otherMs: +(ms - inTranslate).toFixed(1),
    translations: st.reduce((s, x) => s + x.translated, 0), adopted: st.reduce((s, x) => s + x.adopted, 0), warmed: st.reduce((s, x) => s + x.warmed, 0), sourceChars: st.reduce((s, x) => s + x.sourceChars, 0),
    functions: compiledStats().functions, maxSlice: g.sliceStats.maxSlice,
  }) + '\n');
}

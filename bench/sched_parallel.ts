// Parallel mode (--threads > 1) on compute-bound glibc pthreads programs under --boot linux:
// host wall and CPU time of one program on 4 cores with 1 worker thread and with 2, alternating
// (1, 2, 1, 2, ...) so that the host's load falls on both alike.
//   spin   bench/programs/sched_spin.c: 4 threads of register arithmetic (no shared data, no
//          syscalls between pthread_create and pthread_join)
//   padded workloads/linux fs_padded: 4 threads counting in their own 64-byte line
//   mutex  (--case mutex) test/machine/linux/threads2.c: 16 threads on one pthread mutex (kernel-heavy)
// One JSON line per run, then one per case and memory with the medians:
//   wallS        the run's wall time (r.hostSeconds: first worker's start to last one's end)
//   cpuS         the workers' CPU time (/proc/thread-self/schedstat), summed
//   runnableS    time the workers were runnable but waited for a host CPU, summed (the load)
//   barrierS     wall time the workers spent at the quantum barrier, summed
//   quanta       quanta run (barriers met) by the first worker
//   speedup      wallS of 1 worker over wallS of 2 (above 1: parallel mode pays)
//   cpuRatio     cpuS of 2 workers over cpuS of 1 (the price of the second thread)
//   load         os.loadavg()[0] at the run's start
//   npx tsx bench/sched_parallel.ts [--reps N] [--iters N] [--memory flat|caches|both] [--case spin|padded|both|mutex]
import { loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { makeConfig, type MemoryModel } from '../src/machine/config.ts';
import { runMachine } from '../src/machine/machine.ts';
import { crossCompilePthread } from '../test/helpers/cross.ts';
import { helpFromHeader } from './help.ts';

helpFromHeader(import.meta.url);

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
const reps = Number(arg('reps', '3'));
const iters = Number(arg('iters', '100000000'));
const memories: MemoryModel[] = arg('memory', 'both') === 'both' ? ['flat', 'caches'] : [arg('memory', 'flat') as MemoryModel];
const which = arg('case', 'both');
const quantum = Number(arg('quantum', '0'));

const spin = crossCompilePthread(new URL('./programs/sched_spin.c', import.meta.url));
const padded = new Uint8Array(readFileSync(new URL('../workloads/linux/bin/fs_padded', import.meta.url)));
// The same guest work per case: spin splits `iters` over 4 threads; fs_padded counts iters/4 in each.
const cases = [
  ...(which === 'both' || which === 'spin' ? [{ name: 'spin', elf: spin, args: ['4', String(iters)] }] : []),
  ...(which === 'both' || which === 'padded' ? [{ name: 'padded', elf: padded, args: [String(Math.round(iters / 4 / 4))] }] : []),
  // Kernel-heavy, for contrast (only when asked): 16 threads on one pthread mutex, futex waits and wakes across cores.
  ...(which === 'mutex' ? [{ name: 'mutex', elf: crossCompilePthread(new URL('../test/machine/linux/threads2.c', import.meta.url)), args: ['mutex'] }] : []),
];

interface Run { wallS: number; cpuS: number; runnableS: number; barrierS: number; quanta: number; instructions: number }

async function once(c: (typeof cases)[number], memory: MemoryModel, threads: number): Promise<Run> {
  const load = loadavg()[0];
  const config = makeConfig({ boot: 'linux', memory, cores: 4, threads, ...(quantum ? { quantum } : {}) });
  const r = await runMachine(config, c.elf, { stdout: () => {}, stderr: () => {}, linux: { execfn: `/${c.name}`, args: c.args } });
  if (r.exitCode !== 0) throw new Error(`${c.name} exited ${r.exitCode}: ${r.error ?? ''}`);
  const host = r.host ?? [];
  const run = {
    wallS: r.hostSeconds,
    cpuS: host.reduce((s, h) => s + (h.cpuMs ?? NaN), 0) / 1000,
    runnableS: host.reduce((s, h) => s + (h.runnableMs ?? NaN), 0) / 1000,
    barrierS: host.reduce((s, h) => s + h.barrierMs, 0) / 1000,
    quanta: host[0]?.quanta ?? 0,
    instructions: r.instructions,
  };
  console.log(JSON.stringify({
    case: c.name, memory, threads, load: +load.toFixed(2), wallS: +run.wallS.toFixed(3), cpuS: +run.cpuS.toFixed(3), runnableS: +run.runnableS.toFixed(3),
    barrierS: +run.barrierS.toFixed(3), quanta: host.map((h) => h.quanta), workerCpuS: host.map((h) => +((h.cpuMs ?? NaN) / 1000).toFixed(3)), maxQuantum: Math.max(...host.map((h) => h.maxQuantum)), instructions: r.instructions, mips: +r.guestMips.toFixed(1),
    perCore: r.cores.map((k) => k.instructions), switches: r.process?.sched?.switches,
  }));
  return run;
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

for (const c of cases) {
  for (const memory of memories) {
    await once(c, memory, 1); // warm the compile caches of both configurations
    await once(c, memory, 2);
    const one: Run[] = [];
    const two: Run[] = [];
    for (let i = 0; i < reps; i++) {
      one.push(await once(c, memory, 1));
      two.push(await once(c, memory, 2));
    }
    const m = (rs: Run[], k: keyof Run) => median(rs.map((r) => r[k]));
    console.log(JSON.stringify({
      case: c.name, memory, summary: true, reps,
      wallS1: +m(one, 'wallS').toFixed(3), wallS2: +m(two, 'wallS').toFixed(3),
      cpuS1: +m(one, 'cpuS').toFixed(3), cpuS2: +m(two, 'cpuS').toFixed(3),
      barrierS2: +m(two, 'barrierS').toFixed(3), quanta2: m(two, 'quanta'),
      speedup: +(m(one, 'wallS') / m(two, 'wallS')).toFixed(3),
      cpuRatio: +(m(two, 'cpuS') / m(one, 'cpuS')).toFixed(3),
      load: +loadavg()[0].toFixed(2),
    }));
  }
}

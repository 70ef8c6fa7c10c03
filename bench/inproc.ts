// In-process single-core run (no workers) for profiling the interpreter:
//   tsx bench/inproc.ts [FILE] [flat|caches] [interp|jit]
import { readFileSync } from 'node:fs';
import { CoreGroup } from '../cores/core_group.ts';
import { boot } from '../src/machine/boot.ts';
import { makeConfig, type MemoryModel } from '../src/machine/config.ts';

const file = process.argv[2] ?? 'workloads/bin/compute.elf';
const memory = (process.argv[3] ?? 'flat') as MemoryModel;
const config = makeConfig({ cores: 1, threads: 1, memory, engine: (process.argv[4] ?? 'interp') as 'interp' | 'jit' });
const b = boot(config, readFileSync(file));
const g = new CoreGroup({ config, coreIds: [0], regions: b.regions, entry: b.image.entry, stackTops: b.stackTops, pid: 1 });
const t0 = performance.now();
const u0 = process.cpuUsage();
let end = 0;
while (!g.ctl.stopping) { end += config.quantum; g.runQuantum(end); g.takeOutput(); }
const dt = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(u0);
const cpuSec = (cpu.user + cpu.system) / 1e6;
const r = g.results()[0];
console.log(JSON.stringify({ memory, instructions: r.instructions, seconds: +dt.toFixed(3), mips: +(r.instructions / dt / 1e6).toFixed(1), cpuMips: +(r.instructions / cpuSec / 1e6).toFixed(1) }));

// In-process single-core run (no workers) for profiling the interpreter: tsx bench/inproc.ts FILE [cycles]
import { readFileSync } from 'node:fs';
import { CoreGroup } from '../cores/core_group.ts';
import { boot } from '../src/machine/boot.ts';
import { makeConfig } from '../src/machine/config.ts';

const file = process.argv[2] ?? 'workloads/bin/compute.elf';
const config = makeConfig({ cores: 1, threads: 1 });
const b = boot(config, readFileSync(file));
const g = new CoreGroup({ config, coreIds: [0], ram: b.ram, control: b.control.sab, entry: b.image.entry, stackTops: b.stackTops, pid: 1 });
const t0 = performance.now();
let end = 0;
while (!g.ctl.stopping) { end += config.quantum; g.runQuantum(end); g.takeOutput(); }
const dt = (performance.now() - t0) / 1000;
const r = g.results()[0];
console.log(JSON.stringify({ instructions: r.instructions, seconds: dt, mips: r.instructions / dt / 1e6 }));

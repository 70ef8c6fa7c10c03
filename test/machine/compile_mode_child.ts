// Child of compile_mode.test.ts, run under --trace-opt: a machine of `memory` whose workers take
// every host CPU, then (after the run) a worker of its own with a hot function named hot.
import { Worker } from 'node:worker_threads';
import { hostCpus, makeConfig } from '../../src/machine/config.ts';
import { runMachine } from '../../src/machine/machine.ts';
import { asmElf } from '../helpers/program.ts';

const memory = process.argv[2] as 'flat' | 'caches';
const n = hostCpus();
// Each core counts down a register: hot enough that V8 optimizes the interpreter and the translation.
const program = asmElf(`
  li t0, 3000000
loop:
  addi t0, t0, -1
  bnez t0, loop
  li a0, 0
  li a7, 93
  ecall
`);
// The translator's regions (region_PC) are the compiles the test looks for: the engine is chosen here, whatever SMPEMU_ENGINE says.
const r = await runMachine(makeConfig({ cores: n, threads: n, memory, engine: 'jit' }), program, { stdout: () => {} });
if (r.error) throw new Error(r.error);
await new Promise<void>((resolve, reject) => {
  const w = new Worker(
    `function hot(n) { let s = 0; for (let i = 0; i < n; i++) s += (i * i) % 7; return s }
     let t = 0; for (let k = 0; k < 200000; k++) t += hot(50);
     require('node:worker_threads').parentPort.postMessage(t)`,
    { eval: true },
  );
  w.once('message', () => resolve());
  w.once('error', reject);
});

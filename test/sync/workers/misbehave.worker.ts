// Worker for the runWorkers helper tests: behaves (or misbehaves) as workerData says.
import { parentPort, workerData } from 'node:worker_threads';

const mode = workerData as 'ok' | 'throw' | 'exit3' | 'silent' | 'hang';

if (mode === 'ok') parentPort!.postMessage({ ok: true });
else if (mode === 'throw') throw new Error('deliberate failure in worker');
else if (mode === 'exit3') process.exit(3);
else if (mode === 'hang') Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
// 'silent': return without posting anything

// A stand-in for cores/worker.ts that speaks its message protocol without running cores,
// for the spawn phase's tests. What it does is chosen by the machine's thread count:
//   threads 2: worker 0 starts, writes to fd 1 and 2 and finishes; worker 1 crashes.
//   threads 3: workers 0 and 1 finish; worker 2 exits (code 3) without a word.
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerInit, WorkerMessage } from '../../../cores/worker.ts';

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (m: WorkerMessage) => port.postMessage(m);
const done = (time: number): WorkerMessage => ({
  t: 'done',
  time,
  cores: init.coreIds.map((id) => ({ id, instructions: 10 * (id + 1), cycles: 20 * (id + 1), pc: 0, scSucceeded: 0, scFailed: 0, kernelReads: 0, kernelWrites: 0 })),
  syscalls: [[64, 1]],
  enosys: [],
  faults: [],
  c2c: [],
  invariantChecks: 0,
  violations: [],
});

if (init.workerIndex === 0 || (init.config.threads === 3 && init.workerIndex === 1)) {
  post({ t: 'start', time: 1000 + init.workerIndex });
  if (init.workerIndex === 0) {
    post({ t: 'out', chunks: [{ core: 0, fd: 1, data: new TextEncoder().encode('to stdout\n') }, { core: 0, fd: 2, data: new TextEncoder().encode('to stderr\n') }] });
  }
  post(done(2000 + init.workerIndex));
} else if (init.config.threads === 2) {
  post({ t: 'crash', message: 'boom', stack: '', cores: init.coreIds });
} else {
  process.exit(3);
}

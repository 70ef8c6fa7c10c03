// The planted death of dying_remote.ts (which runs cores/worker.ts after this module), for the
// remote-trap failure tests (linux_remote.test.ts).
// SMPEMU_TEST_DIE picks who dies and when (a worker's own environment is its parent's):
//   caller:N  worker 1 exits (code 9) right after posting its Nth remote call and ringing the
//             home: the home serves a call nobody will read, and must not wait for it
//   home:N    worker 0 exits (code 9) when it starts serving its Nth remote call: the caller
//             waits for a reply that never comes, and must give up
import { workerData } from 'node:worker_threads';
import { Mailboxes } from '../../../src/kernel/remote/mailbox.ts';
import { KernelServer } from '../../../src/kernel/remote/server.ts';
import type { WorkerInit } from '../../../cores/worker.ts';

const [who, nth] = (process.env.SMPEMU_TEST_DIE ?? '').split(':');
const n = Number(nth);
const me = (workerData as WorkerInit | undefined)?.workerIndex;
let count = 0;
if (who === 'caller' && me === 1) {
  const ring = Mailboxes.prototype.ring;
  Mailboxes.prototype.ring = function (this: Mailboxes, w: number): void {
    ring.call(this, w);
    // A ring of the home from a remote call (its state is REQUEST) counts.
    if (w === 0 && [...Array(this.cores).keys()].some((c) => this.state(c) === 1) && ++count === n) process.exit(9);
  };
}
if (who === 'home' && me === 0) {
  const proto = KernelServer.prototype as unknown as { serve(c: number): void };
  const serve = proto.serve;
  proto.serve = function (this: KernelServer, c: number): void {
    if (++count === n) process.exit(9);
    serve.call(this, c);
  };
}

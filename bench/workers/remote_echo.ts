// bench/remote.ts's stand-in home: serves core 1's remote calls by returning the context with
// pc past the ecall, nothing else, so the caller measures the mailbox round trip alone.
import { workerData } from 'node:worker_threads';
import { Mailboxes, MB_REQUEST } from '../../src/kernel/remote/mailbox.ts';

const { buffer, calls } = workerData as { buffer: SharedArrayBuffer; calls: number };
const mb = new Mailboxes(buffer, 2, 2, 0);
const ctx = { pc: 0, cycle: 0, xl: new Int32Array(33), xh: new Int32Array(33) };
for (let served = 0; served < calls; ) {
  const seen = mb.doorbell(0);
  if (mb.state(1) === MB_REQUEST) {
    mb.getContext(1, ctx);
    ctx.pc += 4;
    ctx.cycle += 100;
    mb.reply(1, ctx, 0);
    mb.ring(1);
    served++;
    continue;
  }
  mb.park(0, seen, 1000);
}

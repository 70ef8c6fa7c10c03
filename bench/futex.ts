// The futex code's host cost per call, one thread, over a plain word memory (no cache model, no
// charges): a FUTEX_WAKE that finds nobody, a FUTEX_WAIT that sees the word changed (-EAGAIN),
// and a wait that queues (FUTEX_SLEEP) then a wake that takes it off plus futex_wait_result,
// with W waiters of other futexes sharing the bucket to show the chain walk.
//   npx tsx bench/futex.ts [N] [W]
// Prints one JSON line: ns per call of each.
import { FUTEX_PRIVATE_FLAG, FUTEX_SLEEP, FUTEX_WAIT, FUTEX_WAKE, UACCESS_FAULT, type FutexUser } from '../src/kernel/futex/futex.ts';
import { allocFutexBuffer, FutexHash } from '../src/kernel/futex/hash.ts';
import { sys_futex, type FutexCaller } from '../src/kernel/futex/syscalls.ts';
import { futex_wait_result } from '../src/kernel/futex/waitwake.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const W = Number(process.argv[3] ?? 0);
const mem = new Int32Array(1 << 16);
const user: FutexUser = {
  mm: 1,
  taskSize: 2 ** 38,
  getU32: (a) => (a < mem.length * 4 ? mem[a >> 2]! >>> 0 : UACCESS_FAULT),
  putU32: (a, v) => ((mem[a >> 2] = v), true),
  atomicOp: () => UACCESS_FAULT,
  sharedKey: (a) => a,
};
let woken = 0;
const f = new FutexHash(allocFutexBuffer({ nrTasks: W + 2, nbuckets: W > 0 ? 1 : 1024 }), { wake_up: () => void woken++ });
const mk = (task: number): FutexCaller => ({ task, prio: 100, user, uaccess: null as never, clockNow: () => 0 });
const c0 = mk(0);
const c1 = mk(1);
const P = FUTEX_PRIVATE_FLAG;
for (let w = 0; w < W; w++) if (sys_futex(f, mk(2 + w), 4096 + w * 4, FUTEX_WAIT | P, 0, 0, 0, 0) !== FUTEX_SLEEP) throw new Error('setup');

function time(fn: () => void): number {
  for (let i = 0; i < N / 10; i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  return Number(process.hrtime.bigint() - t0) / N;
}
const wakeEmpty = time(() => void sys_futex(f, c1, 0, FUTEX_WAKE | P, 1, 0, 0, 0));
mem[0] = 1;
const eagain = time(() => void sys_futex(f, c0, 0, FUTEX_WAIT | P, 0, 0, 0, 0));
mem[0] = 0;
const pair = time(() => {
  if (sys_futex(f, c0, 0, FUTEX_WAIT | P, 0, 0, 0, 0) !== FUTEX_SLEEP) throw new Error('no sleep');
  if (sys_futex(f, c1, 0, FUTEX_WAKE | P, 1, 0, 0, 0) !== 1) throw new Error('no wake');
  if (futex_wait_result(f, 0) !== 0) throw new Error('result');
});
console.log(JSON.stringify({ n: N, otherWaitersInBucket: W, wakeEmptyNs: +wakeEmpty.toFixed(1), waitEagainNs: +eagain.toFixed(1), waitWakePairNs: +pair.toFixed(1), woken }));

// Preloaded into every thread by bench/ab.ts (NODE_OPTIONS=--require): in a core worker,
// records the thread's own CPU time between its 'start' and 'done' messages, the window
// guestMips is measured over, from /proc/thread-self/schedstat (ns on the CPU, ns waiting
// on the run queue). Appends one JSON line to $SMPEMU_AB_PROBE per worker. Touches nothing
// else: the tree under test is not edited, so the same probe measures any commit.
const wt = require('node:worker_threads');
const fs = require('node:fs');

const out = process.env.SMPEMU_AB_PROBE;
if (!wt.isMainThread && wt.parentPort && out) {
  const port = wt.parentPort;
  const post = port.postMessage.bind(port);
  const schedstat = () => fs.readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
  let start;
  port.postMessage = (m, transfer) => {
    if (m && m.t === 'start') start = schedstat();
    else if (m && m.t === 'done' && start) {
      const end = schedstat();
      fs.appendFileSync(out, JSON.stringify({ cpuNs: end[0] - start[0], waitNs: end[1] - start[1] }) + '\n');
    }
    return post(m, transfer);
  };
}

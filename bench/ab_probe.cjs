// Preloaded into every thread by bench/ab.ts (NODE_OPTIONS=--require): in a core worker,
// records the thread's own CPU time between its 'start' and 'done' messages, the window
// guestMips is measured over, from /proc/thread-self/schedstat (ns on the CPU, ns waiting
// on the run queue), and the same for every other thread of the process (V8's background
// compile threads, the main thread, libuv's pool) over the same window: bgCpuNs, bgWaitNs and
// per thread `others` ([tid, cpuNs, waitNs], threads that ran). Appends one JSON line to
// $SMPEMU_AB_PROBE per worker. Touches nothing else: the tree under test is not edited, so the
// same probe measures any commit.
const wt = require('node:worker_threads');
const fs = require('node:fs');

const out = process.env.SMPEMU_AB_PROBE;
if (!wt.isMainThread && wt.parentPort && out) {
  const port = wt.parentPort;
  const post = port.postMessage.bind(port);
  const read = (path) => {
    try {
      return fs.readFileSync(path, 'utf8').split(' ').map(Number);
    } catch {
      return undefined; // the thread ended
    }
  };
  const schedstat = () => read('/proc/thread-self/schedstat');
  const self = () => Number(fs.realpathSync('/proc/thread-self').split('/').pop());
  /** tid -> [ns on a CPU, ns runnable but waiting] of every thread of the process. */
  const all = () => {
    const m = new Map();
    for (const tid of fs.readdirSync('/proc/self/task')) {
      const s = read(`/proc/self/task/${tid}/schedstat`);
      if (s) m.set(Number(tid), s);
    }
    return m;
  };
  let start;
  let startAll;
  port.postMessage = (m, transfer) => {
    if (m && m.t === 'start') {
      startAll = all();
      start = schedstat();
    } else if (m && m.t === 'done' && start) {
      const end = schedstat();
      const endAll = all();
      const me = self();
      const others = [];
      let bgCpuNs = 0;
      let bgWaitNs = 0;
      for (const [tid, e] of endAll) {
        if (tid === me) continue;
        const s = startAll.get(tid) ?? [0, 0];
        const cpu = e[0] - s[0];
        const wait = e[1] - s[1];
        if (cpu === 0 && wait === 0) continue;
        others.push([tid === process.pid ? 'main' : tid, cpu, wait]);
        bgCpuNs += cpu;
        bgWaitNs += wait;
      }
      fs.appendFileSync(out, JSON.stringify({ cpuNs: end[0] - start[0], waitNs: end[1] - start[1], bgCpuNs, bgWaitNs, others }) + '\n');
    }
    return post(m, transfer);
  };
}

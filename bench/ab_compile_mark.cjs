// Preloaded into every thread by bench/ab_compile.ts (NODE_OPTIONS=--require): in a core worker,
// prints a line @@START / @@DONE on stdout, next to V8's --trace-opt / --trace-deopt lines, when
// the worker posts its 'start' and 'done' messages: the window the run's figures are measured
// over. Touches nothing else, so the same marker measures any commit.
const wt = require('node:worker_threads');
const fs = require('node:fs');

if (!wt.isMainThread && wt.parentPort) {
  const port = wt.parentPort;
  const post = port.postMessage.bind(port);
  port.postMessage = (m, transfer) => {
    if (m && (m.t === 'start' || m.t === 'done')) fs.writeSync(1, `\n@@${m.t.toUpperCase()} ${wt.threadId}\n`);
    return post(m, transfer);
  };
}

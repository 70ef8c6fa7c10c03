// Preloaded into every thread by bench/ab_callgrind.ts (NODE_OPTIONS=--require): in a core
// worker, calls os.uptime() (libuv's uv_uptime, which nothing else calls) when the worker posts
// its 'start' and 'done' messages, so that valgrind's --dump-before=uv_uptime splits the
// worker's host instructions at the measured window. Touches nothing else, so the same marker
// measures any commit.
const wt = require('node:worker_threads');
const os = require('node:os');

if (!wt.isMainThread && wt.parentPort) {
  const port = wt.parentPort;
  const post = port.postMessage.bind(port);
  port.postMessage = (m, transfer) => {
    if (m && (m.t === 'start' || m.t === 'done')) os.uptime();
    return post(m, transfer);
  };
}

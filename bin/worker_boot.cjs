// Entry of every core worker started from the bundle cache: runs the core bundle with V8's
// code cache (bin/code_cache.cjs), so a worker compiles almost none of it. The bundle's path
// is the worker's argument (src/machine/spawn.ts, bin/prespawn.mjs), or, for a worker the
// launcher started before it had looked the bundle up, the first message `{ t: 'bundle',
// file }`. The bundle reads its workerData as it would as the entry itself.
'use strict';
const { parentPort } = require('node:worker_threads');
const { runCommonJs } = require('./code_cache.cjs');

if (process.argv.length > 2) runCommonJs(process.argv[process.argv.length - 1]);
else parentPort.once('message', (m) => runCommonJs(m.file));

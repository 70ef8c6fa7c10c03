// Running a CommonJS bundle with V8's code cache. Node 20 compiles every script from source
// at each start (its compile cache came in 22.1); a bundle loaded through vm.Script with the
// cachedData a previous run left skips parsing and compiling what that run compiled, the
// lazily compiled functions included: tens of milliseconds of CPU. The CLI's bundle runs so
// in the main thread (bin/smpemu.mjs), the core workers' bundle in each worker
// (bin/worker_boot.cjs).
//
// The cache lives beside the bundle, named for node's version and architecture (V8 also
// checks its flags and the source's hash, and rejects a cache that does not fit: the
// script then compiles as usual and a new cache is written). Written once, when missing
// or rejected, when the thread exits, so it holds everything the run compiled (a core worker,
// which the pool terminates, writes it when its run ends: flushCodeCache); written under a
// temporary name (unique per process and thread) and renamed, so a reader sees a whole file
// or none.
//
// CommonJS, so a worker loads it without starting the ES module loader; code_cache.mjs
// re-exports it for the launcher.

'use strict';
const { isAscii } = require('node:buffer');
const { readFileSync, renameSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname } = require('node:path');
const { Script } = require('node:vm');
const { threadId } = require('node:worker_threads');

/** The code cache file of a bundle, for this node. */
function codeCacheFile(file) {
  return `${file}.${process.version}-${process.arch}.v8cache`;
}

/** Code caches this thread still has to write. */
const pending = [];

/** Writes the code caches this thread's bundles still lack (once; also done at exit). */
function flushCodeCache() {
  for (const write of pending.splice(0)) write();
}
globalThis[Symbol.for('smpemu.flushCodeCache')] = flushCodeCache;

/**
 * A bundle's text. Bundles are ASCII (esbuild escapes the rest; comments are dropped): read
 * as Latin-1, a plain copy into a one-byte string, where UTF-8 decoding touches twice the
 * memory (page faults are much of a worker's start).
 */
function readSource(file) {
  const bytes = readFileSync(file);
  return typeof isAscii === 'function' && isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.toString('utf8');
}

/** Compiles and runs the CommonJS bundle at `file` as node's loader would (module wrapper, require from its place). */
function runCommonJs(file) {
  const source = readSource(file);
  const cacheFile = codeCacheFile(file);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // first run of this bundle on this node
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
  const script = new Script(wrapper, { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    pending.push(() => {
      try {
        const tmp = `${cacheFile}.${process.pid}-${threadId}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, cacheFile);
      } catch {
        // best effort: the next run compiles from source again
      }
    });
    if (pending.length === 1) process.once('exit', flushCodeCache);
  }
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  module.loaded = true;
  return module.exports;
}

exports.codeCacheFile = codeCacheFile;
exports.runCommonJs = runCommonJs;
exports.flushCodeCache = flushCodeCache;

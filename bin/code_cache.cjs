// Running a CommonJS bundle with V8's code cache. Node 20 compiles every script from source
// at each start (its compile cache came in 22.1); a bundle loaded through vm.Script with the
// cachedData a previous run left skips parsing and compiling what that run compiled, the
// lazily compiled functions included: tens of milliseconds of CPU. The CLI's bundle runs so
// in the main thread (bin/smpemu.mjs), the core workers' bundle in each worker
// (bin/worker_boot.cjs).
//
// The cache lives beside the bundle, named for node's version and architecture (V8 also
// checks its flags and the source's hash, and rejects a cache that does not fit: the
// script then compiles as usual and a new cache is written). Written when the thread exits,
// so it holds everything the run compiled (a core worker, which the pool terminates, writes
// it when its run ends: flushCodeCache); written under a temporary name (unique per process
// and thread) and renamed, so a reader sees a whole file or none.
//
// Written when missing or rejected, and again by the first run of each kind (a profile: the
// CLI's command, a worker's memory, engine and boot; the kinds written so far are listed in
// the file `<cache>.profiles` beside it). A cache holds only what its writer compiled: left
// by `smpemu --help` or a flat-memory run, it would lack every function a caches run needs,
// and each caches run would compile them again. A run's new cache holds what it read from the
// old one (deserialized functions are compiled ones) and what it compiled itself, so the
// cache grows to cover each kind of run once, then stays.
//
// The bundle's require is this module's own: bundles require only built-in modules and
// absolute paths (bin/bundle_cache.mjs), and node:module's createRequire costs a worker
// millions of instructions; and the bundle's parts (`smpemu-part:NAME`, bin/bundle_cache.mjs),
// which run here too, from the file beside the bundle, once per thread.
//
// CommonJS, so a worker loads it without starting the ES module loader; code_cache.mjs
// re-exports it for the launcher.

'use strict';
const { isAscii } = require('node:buffer');
const { appendFileSync, closeSync, fstatSync, openSync, readFileSync, readSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { dirname } = require('node:path');
const { Script } = require('node:vm');
const { threadId } = require('node:worker_threads');

/** What a bundle requires for its part NAME: `${PART_PREFIX}NAME`. */
const PART_PREFIX = 'smpemu-part:';
/** globalThis[Symbol.for(SHARED_MODULES)]: the modules a bundle shares with its parts, by path. */
const SHARED_MODULES = 'smpemu.sharedModules';

/** The file of the part `name` of the bundle `file` (bin/bundle_cache.mjs: PART), beside it. */
function partFile(file, name) {
  return `${file.slice(0, file.lastIndexOf('.'))}.${name}${file.slice(file.lastIndexOf('.'))}`;
}

/** Parts loaded in this thread: file -> exports. */
const partExports = new Map();

/** The exports of the part `name` of the bundle `file`, run on first use (after the bundle: it takes the bundle's modules). */
function loadPart(file, name) {
  const part = partFile(file, name);
  if (!partExports.has(part)) partExports.set(part, runCommonJs(part));
  return partExports.get(part);
}

/** The require a bundle at `file` runs with: node's for built-in modules and paths, loadPart for its parts. */
function bundleRequire(file) {
  return (id) => (id.startsWith(PART_PREFIX) ? loadPart(file, id.slice(PART_PREFIX.length)) : require(id));
}

/** The code cache file of a bundle, for this node. */
function codeCacheFile(file) {
  return `${file}.${process.version}-${process.arch}.v8cache`;
}

/** This thread's bundles: what flushCodeCache may write for each. */
const loaded = [];
let exitHooked = false;

/** The kinds of run that have written the cache `cacheFile` (one a line), or none. */
function profilesOf(cacheFile) {
  try {
    return readFileSync(`${cacheFile}.profiles`, 'latin1').split('\n');
  } catch {
    return [];
  }
}

/** A file's size, 0 if it is missing. */
function sizeOf(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * Writes the cache of `e` (best effort: the next run compiles from source again). Several
 * threads (the workers of a run, other runs) may write one cache: one that holds more than this
 * thread's (which covers what this thread read and compiled) stays, unless V8 rejected the one
 * this thread read. Else the last writer would win, and a worker that ran little of a bundle (a
 * worker other than the Linux kernel's home, for the kernel's part) could leave a cache that
 * lacks most of what the next runs compile.
 */
function writeCache(e, profile) {
  try {
    const data = e.script.createCachedData();
    const list = `${e.cacheFile}.profiles`;
    if (!e.rejected && sizeOf(e.cacheFile) > data.length) {
      // The larger cache stays, and counts for this kind: else every run of it would serialize again.
      if (profile) appendFileSync(list, `${profile}\n`, { mode: 0o600 });
      return;
    }
    const tmp = `${e.cacheFile}.${process.pid}-${threadId}.tmp`;
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, e.cacheFile);
    // A cache written anew (missing or rejected before) holds only this run's kind.
    if (e.stale) writeFileSync(list, profile ? `${profile}\n` : '', { mode: 0o600 });
    else appendFileSync(list, `${profile}\n`, { mode: 0o600 });
  } catch {
    // best effort
  }
}

/**
 * Writes the code caches of this thread's bundles that are missing or were rejected, or
 * whose profile list lacks `profile` (the kind of this run; undefined: none). Once per
 * thread; also done at exit.
 */
function flushCodeCache(profile) {
  for (const e of loaded.splice(0)) {
    const p = profile ?? e.profile;
    if (e.stale) writeCache(e, p);
    else if (p && !profilesOf(e.cacheFile).includes(p)) writeCache(e, p);
  }
}
// The first copy of this module in the thread keeps them: the one that ran the bundles (a
// bundle that holds a copy of its own, the CLI's through bin/bundle_cache.mjs, has none loaded).
globalThis[Symbol.for('smpemu.flushCodeCache')] ??= flushCodeCache;

/**
 * The run took a path its profile (read off the command line) does not tell: `smpemu run` that
 * ended on the main thread compiled the cores' code there (src/machine/main_thread.ts). The
 * exit's flush writes it as its own kind, ` +${path}` added, so that the next such run finds it.
 */
function notePath(path) {
  for (const e of loaded) if (e.profile && !e.profile.endsWith(` +${path}`)) e.profile += ` +${path}`;
}
globalThis[Symbol.for('smpemu.codeCachePath')] ??= notePath;

/** Node's CommonJS module wrapper, around the bundle's text. */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAP_TAIL = '\n})';

/**
 * A bundle's text inside the module wrapper, as one flat string. Read straight into a buffer
 * that holds the wrapper too: concatenated after the read, the text would be a rope that V8
 * copies flat before it compiles or looks the script up (a second copy of the bundle on the
 * heap, which set off a scavenge in every worker). Bundles are ASCII (esbuild escapes the
 * rest; comments are dropped): read as Latin-1, a plain copy into a one-byte string, where
 * UTF-8 decoding touches twice the memory (page faults are much of a worker's start).
 */
function readWrapped(file) {
  const fd = openSync(file, 'r');
  let bytes;
  try {
    const size = fstatSync(fd).size;
    bytes = Buffer.allocUnsafe(WRAP_HEAD.length + size + WRAP_TAIL.length);
    bytes.write(WRAP_HEAD, 0, 'latin1');
    let at = WRAP_HEAD.length;
    for (let n; at < WRAP_HEAD.length + size && (n = readSync(fd, bytes, at, WRAP_HEAD.length + size - at, null)) > 0; ) at += n;
    bytes.write(WRAP_TAIL, at, 'latin1');
    bytes = bytes.subarray(0, at + WRAP_TAIL.length);
  } finally {
    closeSync(fd);
  }
  return typeof isAscii === 'function' && isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.toString('utf8');
}

/**
 * Compiles and runs the CommonJS bundle at `file` as node's loader would (module wrapper,
 * require of built-in modules and absolute paths). `profile` names the kind of run for the
 * exit's flushCodeCache (a worker passes its own to flushCodeCache instead).
 */
function runCommonJs(file, profile) {
  const wrapper = readWrapped(file);
  const cacheFile = codeCacheFile(file);
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // first run of this bundle on this node
  }
  const script = new Script(wrapper, { filename: file, cachedData });
  const rejected = script.cachedDataRejected === true;
  loaded.push({ script, cacheFile, profile, stale: cachedData === undefined || rejected, rejected });
  if (!exitHooked) {
    exitHooked = true;
    process.once('exit', () => flushCodeCache());
  }
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext()(module.exports, bundleRequire(file), module, file, dirname(file));
  module.loaded = true;
  return module.exports;
}

exports.PART_PREFIX = PART_PREFIX;
exports.SHARED_MODULES = SHARED_MODULES;
exports.partFile = partFile;
exports.loadPart = loadPart;
exports.codeCacheFile = codeCacheFile;
exports.runCommonJs = runCommonJs;
exports.flushCodeCache = flushCodeCache;

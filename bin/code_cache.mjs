// Running a CommonJS bundle with V8's code cache. Node 20 compiles every script from source
// at each start (its compile cache came in 22.1); a bundle of the CLI loaded through
// vm.Script with the cachedData a previous run left skips parsing and compiling what that
// run compiled, the lazily compiled functions included: tens of milliseconds of CPU.
//
// The cache lives beside the bundle, named for node's version and architecture (V8 also
// checks its flags and the source's hash, and rejects a cache that does not fit: the
// script then compiles as usual and a new cache is written). Written once, when missing
// or rejected, at process exit, so it holds everything the run compiled; written under a
// temporary name and renamed, so a reader sees a whole file or none.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** The code cache file of a bundle, for this node. */
export function codeCacheFile(file) {
  return `${file}.${process.version}-${process.arch}.v8cache`;
}

/** Compiles and runs the CommonJS bundle at `file` as node's loader would (module wrapper, require from its place). */
export function runCommonJs(file) {
  const source = readFileSync(file, 'utf8');
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
    process.once('exit', () => {
      try {
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, cacheFile);
      } catch {
        // best effort: the next run compiles from source again
      }
    });
  }
  const module = { exports: {}, filename: file, id: file, loaded: false };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  module.loaded = true;
  return module.exports;
}

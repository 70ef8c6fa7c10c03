// The launcher's door to bin/code_cache.cjs (running a CommonJS bundle with V8's code cache).
export { codeCacheFile, flushCodeCache, partFile, runCommonJs } from './code_cache.cjs';

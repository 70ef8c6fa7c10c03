// SMPEMU_CACHE: whether the bundle cache (bin/bundle_cache.mjs) is on. Its own module, with no
// imports, so the launcher can decide to start workers before it loads the cache's code.

/** False when SMPEMU_CACHE=0 (or off/false/no). */
export function cacheEnabled(env = process.env) {
  const v = (env.SMPEMU_CACHE ?? '').toLowerCase();
  return !(v === '0' || v === 'off' || v === 'false' || v === 'no');
}

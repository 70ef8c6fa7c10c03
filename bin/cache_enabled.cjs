// Whether the bundle cache is on: its own file, so that the launcher can ask before it loads the
// cache's lookup (bin/bundle_lookup.cjs, which re-exports this) and its modules.

'use strict';

/** False when SMPEMU_CACHE=0 (or off/false/no). */
function cacheEnabled(env = process.env) {
  const v = (env.SMPEMU_CACHE ?? '').toLowerCase();
  return !(v === '0' || v === 'off' || v === 'false' || v === 'no');
}

module.exports = { cacheEnabled };

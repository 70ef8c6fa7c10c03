// Types of bin/cache_env.mjs (plain JavaScript, like the launcher).
export function cacheEnabled(env?: NodeJS.ProcessEnv): boolean;

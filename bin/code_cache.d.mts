// Types of bin/code_cache.mjs (plain JavaScript, like the launcher).

export function codeCacheFile(file: string): string;
export function runCommonJs(file: string, profile?: string): unknown;
export function partFile(file: string, name: string): string;
export function flushCodeCache(profile?: string): void;

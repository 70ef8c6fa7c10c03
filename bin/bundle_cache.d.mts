// Types of bin/bundle_cache.mjs (plain JavaScript: the launcher needs it before tsx).

export type BundleFormat = 'esm' | 'cjs';
export const FORMAT_VERSION: number;
export const PROJECT_ROOT: string;
export const RACY_MS: number;
export function cacheEnabled(env?: NodeJS.ProcessEnv): boolean;
export function cacheDir(env?: NodeJS.ProcessEnv): string | undefined;
export function slotOf(entry: string, format: BundleFormat): string;
export function contentKey(slot: string, records: { path: string; hash: string }[]): string;
export function inputsKey(slot: string, files: string[]): string;
export function lookupBundle(entry: string, format: BundleFormat, dir: string, tags?: Map<string, string>): string | undefined;
export function bundleFile(entry: string, format?: BundleFormat, env?: NodeJS.ProcessEnv): Promise<{ file: string; built: boolean } | undefined>;
export function bundleSync(entry: string, format?: BundleFormat, env?: NodeJS.ProcessEnv): { file: string; built: boolean } | { code: string; built: boolean };

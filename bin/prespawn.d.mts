// Types of bin/prespawn.mjs (plain JavaScript, like the launcher).
import type { Worker } from 'node:worker_threads';

export const PRESPAWNED: 'smpemu-prespawned';
export const WORKER_BOOT: string;
export function bundleWorker(file: string, options: import('node:worker_threads').WorkerOptions): Worker;
export function prespawn(file: string, count: number): void;
export function prespawnBoot(count: number): void;
export function loadPrespawned(file: string): void;
export function preloadLinux(): void;
export function takePrespawned(file: string): Worker | undefined;
export function dropPrespawned(): void;
export function prespawnedCount(): number;
export function guessThreads(argv: string[], hostCpus: number): number;
export function noteBundle(entry: string, file: string): void;
export function notedBundle(entry: string): string | undefined;

// The TypeScript side's door to bin/prespawn.cjs (workers started ahead of a run).
export { PRESPAWNED, WORKER_BOOT, bundleWorker, dropPrespawned, guessThreads, loadPrespawned, noteBundle, notedBundle, preloadLinux, prespawn, prespawnBoot, prespawnedCount, takePrespawned } from './prespawn.cjs';

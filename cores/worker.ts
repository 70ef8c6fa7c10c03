// Worker entry: runs one worker of the machine (cores/worker_loop.ts) in this thread, told
// its init by workerData or, started ahead of the run (bin/prespawn.mjs), by its first message.

import { parentPort, workerData } from 'node:worker_threads';
import type { LinuxParts } from './linux_parts.ts';
import { PRESPAWNED } from '../bin/prespawn.mjs';
import { startupMark } from '../bin/startup_trace.mjs';
import { runWorker, type WorkerInit, type WorkerMessage } from './worker_loop.ts';

export type { WorkerHostStats, WorkerInit, WorkerMessage } from './worker_loop.ts';

function main(init: WorkerInit, linuxParts: LinuxParts | undefined): void {
  runWorker(init, linuxParts, parentPort!, { warm: true, flushCodeCache: true });
}

let linuxParts: Promise<LinuxParts> | undefined;
/**
 * The Linux kernel (cores/linux_parts.ts, most of the code), imported only for --boot linux: a
 * bare-metal run's workers never load it. In the bundle it is a bundle of its own, a part
 * (bin/bundle_cache.mjs).
 */
function loadLinux(): Promise<LinuxParts> {
  return (linuxParts ??= import('./linux_parts.ts'));
}

/** Runs the worker for `init`, once it has the Linux kernel if the run boots Linux. */
function begin(init: WorkerInit): void {
  if (!init.linux) return main(init, undefined);
  loadLinux().then(
    (parts) => main(init, parts),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      parentPort!.postMessage({ t: 'crash', message: `loading the Linux kernel: ${err.message}`, stack: err.stack ?? '', cores: init.coreIds } satisfies WorkerMessage);
    },
  );
}

startupMark('worker bundle evaluated');
// A worker the launcher started ahead of the run (bin/prespawn.mjs) waits for its init; told
// first that the run boots Linux, it loads the kernel meanwhile (a failure is reported by begin).
if (workerData === PRESPAWNED) {
  const port = parentPort!;
  const onMessage = (m: { t: 'linux' } | { t: 'init'; init: WorkerInit }): void => {
    if (m.t === 'linux') {
      loadLinux().catch(() => undefined);
      return;
    }
    port.off('message', onMessage);
    begin(m.init);
  };
  port.on('message', onMessage);
} else begin(workerData as WorkerInit);

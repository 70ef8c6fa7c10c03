// The --boot linux side of a core group: the Linux kernel and the remote-trap mailboxes
// (src/kernel/). Imported only by a worker whose run boots Linux (cores/worker.ts), so that a
// bare-metal run's workers never load, compile or evaluate them (most of the core bundle).

export { LinuxKernel } from '../src/kernel/linux.ts';
export { Mailboxes } from '../src/kernel/remote/mailbox.ts';
export { KernelServer, RemoteMmu } from '../src/kernel/remote/server.ts';
export { RemoteKernel } from '../src/kernel/remote/client.ts';
export { remoteBarrierWait } from '../src/kernel/remote/barrier_wait.ts';

/** What CoreGroup takes for --boot linux: this module. */
export type LinuxParts = typeof import('./linux_parts.ts');

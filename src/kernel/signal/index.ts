// Signal delivery for `--boot linux` (the kernel's hooks): trapEntry on every trap,
// exitToUserMode on every return to user mode, signalSyscall for the calls that need the
// task table, forceSigFault for a fault with a handler, doNotifyParent at a process's exit.

export { trapEntry } from './entry.ts';
export { exitToUserMode } from './deliver.ts';
export { signalSyscall, SIG_RESUMED } from './syscalls.ts';
export { fatalSignalPending, forceSigFault, nanosleepInterrupted, nanosleepRestart, sendSigpipe, signalPending } from './send.ts';
export { doNotifyParent } from './notify_parent.ts';
export type { SignalHost, SigTask } from './host.ts';
export * from './uapi.ts';

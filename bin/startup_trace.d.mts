// Types of bin/startup_trace.mjs (plain JavaScript, like the launcher).
export function startupMark(phase: string): void;

// The TypeScript side's door to bin/startup_trace.cjs (the start-up trace).
export { startupMark } from './startup_trace.cjs';

// The stress runner, loaded when a stress command runs: in the CLI's bundle a part of its own
// (bin/bundle_cache.mjs), so that its generator and assembler cost no other command's start.

export { formatOutcome, outcomeJson, runStress } from '../stress/run.ts';

/** cli-progress, loaded only for a progress bar (it loads node:readline). */
export const loadCliProgress = () => import('cli-progress');

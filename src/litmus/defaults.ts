// The litmus runner's defaults, apart from the runner: the CLI names them in its options
// before a litmus command runs, without loading the assembler and the SC enumerator.

export const DEFAULT_RUNS = 1000;
/**
 * Quantum for litmus runs: short, so that the workers stay close in simulated time
 * (a barrier wait in the guest then costs little host time) and cores race often.
 */
export const LITMUS_QUANTUM = 1000;

/**
 * States enumerated before a test counts as too large to check. Every distinct state
 * is kept, so time and memory grow with it: an 8-thread store-buffering ring has 38k
 * states (seconds); a 10-thread ring 524k states, 0.8 GB and minutes on a busy host.
 */
export const DEFAULT_SC_LIMIT = 100_000;

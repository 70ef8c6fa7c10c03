/*
 * compute_long: the compute kernel at four times the work (about 120 million guest
 * instructions per hart), so that speed benchmarks measure the interpreter in its
 * steady state rather than the JIT warming up.
 */
#define SCALE 4
#include "compute.c"

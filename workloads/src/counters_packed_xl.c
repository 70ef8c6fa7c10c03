/*
 * counters_packed_xl: the packed counters at ten times the iterations (200,000 a hart, about
 * 1 million guest instructions each). The bench's counters_packed run lasts ~0.2 s, about the
 * size of a worker's V8 warm-up; the contended path's steady speed is measured on this.
 */
#define ITERS 200000
#include "counters_packed.c"

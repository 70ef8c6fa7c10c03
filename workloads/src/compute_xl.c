/*
 * compute_xl: the compute kernel at forty times the work (about 1.2 billion guest
 * instructions per hart). Under the translator compute_long's 120 million take about
 * 0.12 s, the size of a worker's warm-up; scaling across host threads is measured on this.
 */
#define SCALE 40
#include "compute.c"

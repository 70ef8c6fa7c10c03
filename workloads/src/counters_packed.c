/*
 * counters_packed: false-sharing demo, "bad" layout.
 * 8 64-bit counters packed into ONE 64-byte cache line. Hart i (i < 8)
 * increments packed_counters[i] ITERS times with a plain load + store
 * (volatile, no atomics). Every hart writes its own counter, so the result is
 * exact, but all harts hammer the same line. Compare with counters_padded.
 */
#include "rt.h"

#ifndef ITERS
#define ITERS 20000
#endif
#define NCOUNTERS 8

volatile uint64_t packed_counters[NCOUNTERS] __attribute__((aligned(64)));
static rt_barrier_t barrier;

int main(int hartid, int nharts)
{
    if (hartid < NCOUNTERS) {
        volatile uint64_t *c = &packed_counters[hartid];
        for (long i = 0; i < ITERS; i++)
            *c = *c + 1;
    }
    rt_barrier(&barrier, nharts);
    if (hartid == 0) {
        int active = nharts < NCOUNTERS ? nharts : NCOUNTERS;
        uint64_t total = 0;
        for (int i = 0; i < NCOUNTERS; i++) {
            uint64_t v = packed_counters[i];
            total += v;
            if (i < active)
                rt_printf("counter[%d] = %lu\n", i, v);
        }
        uint64_t expected = (uint64_t)active * ITERS;
        rt_printf("total = %lu expected %lu %s\n", total, expected,
                  total == expected ? "OK" : "MISMATCH");
        return total == expected ? 0 : 1;
    }
    return 0;
}

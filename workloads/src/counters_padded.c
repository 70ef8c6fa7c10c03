/*
 * counters_padded: false-sharing demo, "good" layout.
 * Same as counters_packed, but each of the 8 64-bit counters sits in its own
 * 64-byte cache line, so harts do not share lines.
 */
#include "rt.h"

#ifndef ITERS
#define ITERS 20000
#endif
#define NCOUNTERS 8

struct padded_counter {
    volatile uint64_t value;
    uint8_t pad[56];
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct padded_counter) == 64, "one line per counter");

struct padded_counter padded_counters[NCOUNTERS] __attribute__((aligned(64)));
static rt_barrier_t barrier;

int main(int hartid, int nharts)
{
    if (hartid < NCOUNTERS) {
        volatile uint64_t *c = &padded_counters[hartid].value;
        for (long i = 0; i < ITERS; i++)
            *c = *c + 1;
    }
    rt_barrier(&barrier, nharts);
    if (hartid == 0) {
        int active = nharts < NCOUNTERS ? nharts : NCOUNTERS;
        uint64_t total = 0;
        for (int i = 0; i < NCOUNTERS; i++) {
            uint64_t v = padded_counters[i].value;
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

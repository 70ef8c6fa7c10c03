/*
 * atomic_counter: every hart performs N increments on shared counters with
 *   1. amoadd.d            on amo_counter   (64-bit)
 *   2. lr.w/sc.w retry loop on lrsc_counter_w (32-bit)
 *   3. lr.d/sc.d retry loop on lrsc_counter_d (64-bit)
 * then all harts meet at a barrier and hart 0 checks each total == nharts*N.
 */
#include "rt.h"

#ifndef N
#define N 10000
#endif

/* each counter in its own cache line */
volatile int64_t amo_counter __attribute__((aligned(64)));
volatile int32_t lrsc_counter_w __attribute__((aligned(64)));
volatile int64_t lrsc_counter_d __attribute__((aligned(64)));
static rt_barrier_t barrier;

int main(int hartid, int nharts)
{
    for (long i = 0; i < N; i++)
        rt_amoadd_d(&amo_counter, 1);
    for (long i = 0; i < N; i++)
        rt_lrsc_add_w(&lrsc_counter_w, 1);
    for (long i = 0; i < N; i++)
        rt_lrsc_add_d(&lrsc_counter_d, 1);

    rt_barrier(&barrier, nharts);

    if (hartid == 0) {
        int64_t expected = (int64_t)nharts * N;
        int64_t a = amo_counter, w = lrsc_counter_w, d = lrsc_counter_d;
        int ok = 1;
        rt_printf("amo total = %ld expected %ld %s\n", a, expected,
                  a == expected ? "OK" : "MISMATCH");
        ok &= a == expected;
        rt_printf("lr/sc.w total = %ld expected %ld %s\n", w, expected,
                  w == expected ? "OK" : "MISMATCH");
        ok &= w == expected;
        rt_printf("lr/sc.d total = %ld expected %ld %s\n", d, expected,
                  d == expected ? "OK" : "MISMATCH");
        ok &= d == expected;
        return ok ? 0 : 1;
    }
    return 0;
}

/* spin: an infinite loop that prints nothing (tests the instruction limit). */
#include "rt.h"

int main(int hartid, int nharts)
{
    (void)hartid;
    (void)nharts;
    uint64_t x = 0;
    for (;;)
        __asm__ volatile("addi %0, %0, 1" : "+r"(x)); /* never optimised away */
    return 0;
}

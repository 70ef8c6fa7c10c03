/* hello: every hart prints exactly one line. */
#include "rt.h"

int main(int hartid, int nharts)
{
    rt_printf("hello from hart %d of %d\n", hartid, nharts);
    return 0;
}

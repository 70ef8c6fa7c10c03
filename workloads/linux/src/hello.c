// hello: glibc stdio formatting of integers, strings and doubles (printf's own code paths,
// including the double conversions), then puts; exit 0.
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

int main(void) {
    printf("hello, world\n");
    printf("int %d %d %i %u\n", 0, -42, 2147483647, 4294967295u);
    printf("long %ld %lld\n", (long)-9223372036854775807L - 1, 1234567890123456789LL);
    printf("u64 %" PRIu64 " hex %" PRIx64 " %#" PRIX64 "\n", UINT64_MAX, (uint64_t)0xdeadbeefcafef00dULL,
           (uint64_t)0x1234abcdULL);
    printf("width [%8d] [%-8d] [%08x] [%+d]\n", 123, 123, 0xbeef, 7);
    printf("str [%s] [%10s] [%-10s] [%.3s] char %c\n", "riscv", "right", "left", "truncate", 'Z');
    double third = 1.0 / 3.0;
    printf("f %f %.10f %e %g\n", third, third, third, third);
    printf("big %f %e %g\n", 1e300, 1e300, 1e300);
    printf("small %e %g %.17g\n", 5e-324, 1e-10, 0.1);
    printf("negzero %f %e %g\n", -0.0, -0.0, -0.0);
    printf("misc %g %g %.3f %a\n", 100000.0, 1000000.0, 2.0005, 1.5);
    puts("puts line");
    return 0;
}

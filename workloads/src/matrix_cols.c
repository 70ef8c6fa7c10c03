/*
 * matrix_cols: traversal-order demo, column-major (j outer, i inner):
 * consecutive loads are 2048 bytes (one row) apart, each in a different line.
 * matrix is a 512x512 int array (1 MiB) in .bss, 64-byte aligned, never
 * written by the program (the loader zeroes it). Hart 0 reads every element
 * once with one 4-byte volatile load (lw) and sums into a checksum that is
 * always 0; other harts return at once. Apart from the traversal, the
 * program touches only a few stack / global lines (the final rt_printf).
 * Compare matrix_rows and matrix_cols (same code, loops swapped).
 */
#include "rt.h"

#define N 512

volatile int matrix[N][N] __attribute__((aligned(64)));

int main(int hartid, int nharts)
{
    (void)nharts;
    if (hartid != 0)
        return 0;
    long sum = 0;
#pragma clang loop unroll(disable)
    for (int j = 0; j < N; j++) {
#pragma clang loop unroll(disable)
        for (int i = 0; i < N; i++)
            sum += matrix[i][j]; /* exactly one lw per element */
    }
    rt_printf("cols sum=%ld\n", sum);
    return 0;
}

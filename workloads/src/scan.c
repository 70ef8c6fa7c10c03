/*
 * scan: one sequential read pass over a zero-filled buffer, for hand-checkable
 * cache miss counts.
 * scan_buf is SCAN_BYTES (default 128 KiB = 4x a 32 KiB L1d; -DSCAN_BYTES=)
 * of .bss, 64-byte aligned, never written by the program (the loader zeroes
 * it). Hart 0 reads it once, front to back, with one 8-byte volatile load per
 * 8 bytes (SCAN_BYTES / 64 distinct lines touched), summing into a checksum
 * that is always 0. Other harts return at once. Apart from the scan, the
 * program touches only a few stack / global lines (the final rt_printf).
 */
#include "rt.h"

#ifndef SCAN_BYTES
#define SCAN_BYTES (128 * 1024)
#endif
#if SCAN_BYTES % 64 != 0 || SCAN_BYTES <= 0
#error "SCAN_BYTES must be a positive multiple of 64"
#endif
#define SCAN_WORDS (SCAN_BYTES / 8)

volatile uint64_t scan_buf[SCAN_WORDS] __attribute__((aligned(64)));

int main(int hartid, int nharts)
{
    (void)nharts;
    if (hartid != 0)
        return 0;
    long sum = 0;
#pragma clang loop unroll(disable)
    for (long i = 0; i < SCAN_WORDS; i++)
        sum += (long)scan_buf[i]; /* exactly one ld per 8 bytes */
    rt_printf("scan bytes=%d lines=%d sum=%ld\n", SCAN_BYTES, SCAN_BYTES / 64,
              sum);
    return 0;
}

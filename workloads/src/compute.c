/*
 * compute: CPU-bound integer kernel for speed measurement.
 *
 * Every hart runs the same deterministic work on its OWN private data (no
 * sharing; each hart's block is 64-byte aligned and 8 KiB): per round
 *   - xorshift64 fill of two 16x16 uint32 matrices and a 64-bit matrix multiply
 *   - a byte sieve of Eratosthenes over 4096 entries
 *   - an FNV-1a hash over the sieve bytes mixed with the xorshift state
 *   - decimal digit sums and gcds (div/rem), and bounded Collatz walks
 *     (data-dependent branches)
 * and prints one line "hart N checksum XXXXXXXXXXXXXXXX".
 *
 * All harts use the same seed, so every hart prints the same checksum, which
 * also equals the single-hart (qemu-riscv64) result. Build with
 * -DPER_HART_SEED to give each hart a different seed instead.
 *
 * -DSCALE=n multiplies the work (default 1: about 30 million guest
 * instructions per hart).
 */
#include "rt.h"

#ifndef SCALE
#define SCALE 1
#endif
#ifndef ROUNDS_PER_SCALE
#define ROUNDS_PER_SCALE 180
#endif
#define ROUNDS ((long)(SCALE) * ROUNDS_PER_SCALE)

#define MAX_HARTS 64
#define SIEVE_N 4096
#define MDIM 16

struct hart_data {
    uint8_t sieve[SIEVE_N];
    uint32_t a[MDIM][MDIM];
    uint32_t b[MDIM][MDIM];
    uint64_t c[MDIM][MDIM];
} __attribute__((aligned(64)));

struct hart_data compute_data[MAX_HARTS];

static inline uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t matrix_round(struct hart_data *d, uint64_t *state)
{
    for (int i = 0; i < MDIM; i++)
        for (int j = 0; j < MDIM; j++) {
            uint64_t r = xorshift64(state);
            d->a[i][j] = (uint32_t)r;
            d->b[i][j] = (uint32_t)(r >> 32);
        }
    for (int i = 0; i < MDIM; i++)
        for (int j = 0; j < MDIM; j++) {
            uint64_t sum = 0;
            for (int k = 0; k < MDIM; k++)
                sum += (uint64_t)d->a[i][k] * d->b[k][j];
            d->c[i][j] = sum;
        }
    uint64_t h = 0;
    for (int i = 0; i < MDIM; i++)
        for (int j = 0; j < MDIM; j++)
            h = rotl(h, 5) ^ d->c[i][j];
    return h;
}

static uint64_t sieve_round(struct hart_data *d)
{
    uint8_t *s = d->sieve;
    for (int i = 0; i < SIEVE_N; i++)
        s[i] = 1;
    s[0] = s[1] = 0;
    for (int p = 2; p * p < SIEVE_N; p++)
        if (s[p])
            for (int m = p * p; m < SIEVE_N; m += p)
                s[m] = 0;
    uint64_t count = 0, sum = 0;
    for (int i = 0; i < SIEVE_N; i++)
        if (s[i]) {
            count++;
            sum += (uint64_t)i;
        }
    return (count << 32) ^ sum;
}

static uint64_t fnv_round(const struct hart_data *d, uint64_t salt)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (int i = 0; i < SIEVE_N; i++) {
        h ^= (uint8_t)(d->sieve[i] ^ (salt >> (i & 31)));
        h *= 0x100000001b3ull;
    }
    return h;
}

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static uint64_t divrem_round(uint64_t *state)
{
    uint64_t acc = 0;
    for (int k = 0; k < 32; k++) {
        uint64_t v = xorshift64(state);
        uint64_t digits = 0;
        for (uint64_t t = v; t; t /= 10)
            digits += t % 10;
        int64_t sv = (int64_t)v >> (k & 15);
        acc += digits * 31 + (uint64_t)(sv / 7) + (uint64_t)(sv % 13);
        acc ^= gcd(v >> 20, (v & 0xfffffff) | 1);
    }
    return acc;
}

static uint64_t collatz_round(uint64_t *state)
{
    uint64_t steps = 0;
    for (int k = 0; k < 8; k++) {
        uint64_t n = (xorshift64(state) & 0xffff) | 1;
        for (int i = 0; i < 200 && n != 1; i++, steps++)
            n = (n & 1) ? 3 * n + 1 : n >> 1;
    }
    return steps;
}

int main(int hartid, int nharts)
{
    (void)nharts;
    if (hartid >= MAX_HARTS) {
        rt_printf("hart %d checksum skipped (MAX_HARTS %d)\n", hartid, MAX_HARTS);
        return 1;
    }
    struct hart_data *d = &compute_data[hartid];
    uint64_t state = 0x9e3779b97f4a7c15ull;
#ifdef PER_HART_SEED
    state ^= (uint64_t)hartid * 0x2545f4914f6cdd1dull;
#endif
    uint64_t check = 0;
    for (long r = 0; r < ROUNDS; r++) {
        check = rotl(check, 7) ^ matrix_round(d, &state);
        check += sieve_round(d);
        check ^= fnv_round(d, state);
        check = rotl(check, 11) + divrem_round(&state);
        check ^= collatz_round(&state) * 0x9e3779b97f4a7c15ull;
    }
    rt_printf("hart %d checksum %016lx\n", hartid, check);
    return 0;
}

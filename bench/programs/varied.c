/*
 * varied: a varied integer program for bench/jit.ts (built there, rv64ima like workloads/src,
 * with workloads/runtime): per round, over private data of every width,
 *   - a byte/halfword/word/doubleword table walk with signed and unsigned loads and stores
 *   - every RV64I ALU op (add/sub/shifts/compare/logic, the W forms) on xorshift data
 *   - M-extension arithmetic: mul/mulh/mulhu/mulhsu, div/divu/rem/remu and their W forms
 *   - data-dependent branches (a small state machine, an insertion sort, a binary search)
 *   - calls through a function-pointer table (jalr)
 * and prints one checksum line, which qemu-riscv64 must print too.
 */
#include "rt.h"

#ifndef ROUNDS
#define ROUNDS 3000
#endif
#define N 256

static int8_t b8[N];
static uint16_t h16[N];
static int32_t w32[N];
static uint64_t d64[N];
static int64_t sorted[64];

static inline uint64_t xs(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static uint64_t mulh_u(uint64_t a, uint64_t b) { return (uint64_t)(((unsigned __int128)a * b) >> 64); }
static int64_t mulh_s(int64_t a, int64_t b) { return (int64_t)(((__int128)a * b) >> 64); }
static int64_t mulh_su(int64_t a, uint64_t b) { return (int64_t)(((__int128)a * (__int128)b) >> 64); }

static uint64_t op_add(uint64_t a, uint64_t b) { return a + b; }
static uint64_t op_xor(uint64_t a, uint64_t b) { return a ^ (b >> 3); }
static uint64_t op_mix(uint64_t a, uint64_t b) { return (a << 7) | (b >> 57); }
static uint64_t op_sub(uint64_t a, uint64_t b) { return a - (b & 0xffff); }
static uint64_t (*const ops[4])(uint64_t, uint64_t) = { op_add, op_xor, op_mix, op_sub };

static uint64_t memory_round(uint64_t *s)
{
    uint64_t acc = 0;
    for (int i = 0; i < N; i++) {
        uint64_t r = xs(s);
        b8[i] = (int8_t)r;
        h16[i] = (uint16_t)(r >> 8);
        w32[i] = (int32_t)(r >> 24);
        d64[i] = r;
    }
    for (int i = 0; i < N; i++) {
        int j = (i * 37 + 11) & (N - 1);
        acc += (uint64_t)(int64_t)b8[j] + (uint8_t)b8[i];
        acc ^= (uint64_t)(int64_t)(int16_t)h16[j] + h16[i];
        acc += (uint64_t)(int64_t)w32[j] ^ (uint32_t)w32[i];
        acc = (acc << 1) ^ d64[j];
        b8[j] ^= (int8_t)acc;
        h16[i] += (uint16_t)acc;
        w32[j] -= (int32_t)acc;
    }
    return acc;
}

static uint64_t alu_round(uint64_t *s)
{
    uint64_t acc = 0;
    for (int i = 0; i < 64; i++) {
        uint64_t a = xs(s), b = xs(s);
        int64_t sa = (int64_t)a;
        int sh = (int)(b & 63);
        acc += (a << sh) ^ (a >> sh) ^ (uint64_t)(sa >> sh);
        acc += (uint64_t)((int64_t)a < (int64_t)b) + (a < b) + (sa < 1000) + (a < 1000u);
        acc ^= (a & b) | (~a & (b | 0x5555));
        int32_t wa = (int32_t)a, wb = (int32_t)b;
        acc += (uint64_t)(int64_t)(wa + wb) ^ (uint64_t)(int64_t)(wa - wb);
        acc += (uint64_t)(int64_t)(wa << (sh & 31)) + (uint64_t)(int64_t)(int32_t)((uint32_t)wa >> (sh & 31)) + (uint64_t)(int64_t)(wa >> (sh & 31));
        acc = ops[b & 3](acc, a);
    }
    return acc;
}

static uint64_t m_round(uint64_t *s)
{
    uint64_t acc = 0;
    for (int i = 0; i < 48; i++) {
        uint64_t a = xs(s), b = xs(s) | 1;
        int64_t sa = (int64_t)a, sb = (int64_t)b;
        acc += a * b + mulh_u(a, b) + (uint64_t)mulh_s(sa, sb) + (uint64_t)mulh_su(sa, b);
        acc ^= a / (b >> (i & 31)) + a % (b >> 7 | 1);
        acc += (uint64_t)(sa / (sb >> 40 | 1)) + (uint64_t)(sa % (sb >> 33 | 1));
        int32_t wa = (int32_t)a, wb = (int32_t)(b >> 32) | 1;
        acc += (uint64_t)(int64_t)(wa * wb) + (uint64_t)(int64_t)(wa / wb) + (uint64_t)(int64_t)(wa % wb);
        acc += (uint64_t)((uint32_t)a / (uint32_t)wb) + (uint64_t)((uint32_t)a % (uint32_t)wb);
    }
    return acc;
}

static uint64_t branch_round(uint64_t *s)
{
    uint64_t acc = 0;
    int state = 0;
    for (int i = 0; i < 128; i++) {
        uint64_t r = xs(s);
        switch (state) {
        case 0: state = (r & 1) ? 1 : 2; acc += r; break;
        case 1: state = (r & 6) == 6 ? 3 : 0; acc ^= r >> 3; break;
        case 2: state = r > 0x8000000000000000ull ? 1 : 3; acc -= r; break;
        default: state = 0; acc = (acc << 3) | (acc >> 61); break;
        }
    }
    for (int i = 0; i < 64; i++) sorted[i] = (int64_t)(xs(s) >> 20) - (1ll << 42);
    for (int i = 1; i < 64; i++) {
        int64_t v = sorted[i];
        int j = i - 1;
        while (j >= 0 && sorted[j] > v) { sorted[j + 1] = sorted[j]; j--; }
        sorted[j + 1] = v;
    }
    for (int k = 0; k < 32; k++) {
        int64_t key = (int64_t)(xs(s) >> 20) - (1ll << 42);
        int lo = 0, hi = 63;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (sorted[mid] < key) lo = mid + 1; else hi = mid;
        }
        acc += (uint64_t)lo;
    }
    return acc;
}

int main(int hartid, int nharts)
{
    (void)nharts;
    if (hartid != 0) return 0;
    uint64_t s = 0x9e3779b97f4a7c15ull, check = 0;
    for (long r = 0; r < ROUNDS; r++) {
        check = (check << 5 | check >> 59) ^ memory_round(&s);
        check += alu_round(&s);
        check ^= m_round(&s);
        check += branch_round(&s);
    }
    rt_printf("varied checksum %016lx\n", check);
    return 0;
}

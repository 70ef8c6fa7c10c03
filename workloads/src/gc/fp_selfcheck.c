/*
 * fp_selfcheck: F and D edge cases (rv64gc build only), one output line per case, hex.
 *
 * Every instruction under test is issued from inline asm on bit patterns moved in with
 * fmv.w.x / fmv.d.x, so the compiler cannot fold or reorder it; fflags are cleared just before
 * and read just after each one. Nothing printed depends on addresses or time, so the output must
 * be byte-identical under qemu-riscv64 and a correct emulator (expected/fp_selfcheck.1hart.txt).
 * Only hart 0 runs the checks.
 *
 * Line formats (flags: V = NV invalid, Z = DZ divide by zero, O = OF overflow, U = UF underflow,
 * X = NX inexact; '.' = clear):
 *   OP      RM  A [B [C]] -> RESULT VZOUX
 * Single-precision results are read with fmv.x.d, so the NaN-boxing (upper 32 bits all ones)
 * shows; single inputs are NaN-boxed by fmv.w.x unless the section says "unboxed".
 */
#include "rt.h"

typedef uint64_t u64;
typedef uint32_t u32;

static int ncases;

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

static void section(const char *name) { rt_printf("# %s\n", name); }

static const char *fl(u64 f)
{
    static char s[6];
    s[0] = (f & 0x10) ? 'V' : '.';
    s[1] = (f & 0x08) ? 'Z' : '.';
    s[2] = (f & 0x04) ? 'O' : '.';
    s[3] = (f & 0x02) ? 'U' : '.';
    s[4] = (f & 0x01) ? 'X' : '.';
    s[5] = 0;
    return s;
}

static void show1(const char *op, const char *rm, u64 a, u64 r, u64 f)
{
    rt_printf("%-9s %-3s %016lx -> %016lx %s\n", op, rm, a, r, fl(f));
    ncases++;
}
static void show2(const char *op, const char *rm, u64 a, u64 b, u64 r, u64 f)
{
    rt_printf("%-9s %-3s %016lx %016lx -> %016lx %s\n", op, rm, a, b, r, fl(f));
    ncases++;
}
static void show3(const char *op, const char *rm, u64 a, u64 b, u64 c, u64 r, u64 f)
{
    rt_printf("%-9s %-3s %016lx %016lx %016lx -> %016lx %s\n", op, rm, a, b, c, r, fl(f));
    ncases++;
}

/* ---- instruction wrappers: MV is "fmv.d.x" or "fmv.w.x" (how inputs enter) ---- */
#define FP1(MV, op, rm, a)                                                    \
    do {                                                                      \
        u64 r_, f_;                                                           \
        __asm__ volatile(MV " ft0, %2\n\tfsflags zero\n\t" op " ft2, ft0" rm  \
                         "\n\tfrflags %1\n\tfmv.x.d %0, ft2"                  \
                         : "=&r"(r_), "=&r"(f_)                               \
                         : "r"((u64)(a))                                      \
                         : "ft0", "ft2");                                     \
        show1(op, (rm)[0] ? &(rm)[2] : "-", (a), r_, f_);                      \
    } while (0)
#define FP2(MV, op, rm, a, b)                                                 \
    do {                                                                      \
        u64 r_, f_;                                                           \
        __asm__ volatile(MV " ft0, %2\n\t" MV " ft1, %3\n\tfsflags zero\n\t" op \
                         " ft2, ft0, ft1" rm "\n\tfrflags %1\n\tfmv.x.d %0, ft2" \
                         : "=&r"(r_), "=&r"(f_)                               \
                         : "r"((u64)(a)), "r"((u64)(b))                       \
                         : "ft0", "ft1", "ft2");                              \
        show2(op, (rm)[0] ? &(rm)[2] : "-", (a), (b), r_, f_);                \
    } while (0)
#define FP3(MV, op, rm, a, b, c)                                              \
    do {                                                                      \
        u64 r_, f_;                                                           \
        __asm__ volatile(MV " ft0, %2\n\t" MV " ft1, %3\n\t" MV " ft3, %4\n\t" \
                         "fsflags zero\n\t" op " ft2, ft0, ft1, ft3" rm       \
                         "\n\tfrflags %1\n\tfmv.x.d %0, ft2"                  \
                         : "=&r"(r_), "=&r"(f_)                               \
                         : "r"((u64)(a)), "r"((u64)(b)), "r"((u64)(c))        \
                         : "ft0", "ft1", "ft2", "ft3");                       \
        show3(op, &(rm)[2], (a), (b), (c), r_, f_);                           \
    } while (0)
/* FP compare / class / fmv.x / fcvt to integer: integer result */
#define FPX1(MV, op, rm, a)                                                   \
    do {                                                                      \
        u64 r_, f_;                                                           \
        __asm__ volatile(MV " ft0, %2\n\tfsflags zero\n\t" op " %0, ft0" rm   \
                         "\n\tfrflags %1"                                     \
                         : "=&r"(r_), "=&r"(f_)                               \
                         : "r"((u64)(a))                                      \
                         : "ft0");                                            \
        show1(op, (rm)[0] ? &(rm)[2] : "-", (a), r_, f_);                     \
    } while (0)
#define FPX2(MV, op, a, b)                                                    \
    do {                                                                      \
        u64 r_, f_;                                                           \
        __asm__ volatile(MV " ft0, %2\n\t" MV " ft1, %3\n\tfsflags zero\n\t" op \
                         " %0, ft0, ft1\n\tfrflags %1"                        \
                         : "=&r"(r_), "=&r"(f_)                               \
                         : "r"((u64)(a)), "r"((u64)(b))                       \
                         : "ft0", "ft1");                                     \
        show2(op, "-", (a), (b), r_, f_);                                     \
    } while (0)
/* fcvt from integer: integer source, FP result */
#define FPI(op, rm, x)                                                        \
    do {                                                                      \
        u64 r_, f_;                                                           \
        __asm__ volatile("fsflags zero\n\t" op " ft2, %2" rm                  \
                         "\n\tfrflags %1\n\tfmv.x.d %0, ft2"                  \
                         : "=&r"(r_), "=&r"(f_)                               \
                         : "r"((u64)(x))                                      \
                         : "ft2");                                            \
        show1(op, (rm)[0] ? &(rm)[2] : "-", (x), r_, f_);                     \
    } while (0)

/* rounding-mode suffixes: ", rne" etc.; "" = no rounding-mode operand */
#define NORM ""
#define RNE ", rne"
#define RTZ ", rtz"
#define RDN ", rdn"
#define RUP ", rup"
#define RMM ", rmm"
#define DYN ", dyn"
#define ALL_RM(M, ...)                                                        \
    do {                                                                      \
        M(__VA_ARGS__, RNE);                                                  \
        M(__VA_ARGS__, RTZ);                                                  \
        M(__VA_ARGS__, RDN);                                                  \
        M(__VA_ARGS__, RUP);                                                  \
        M(__VA_ARGS__, RMM);                                                  \
    } while (0)
/* argument orders adapted for ALL_RM (rounding mode last) */
#define D1_(op, a, rm) FP1("fmv.d.x", op, rm, a)
#define S1_(op, a, rm) FP1("fmv.w.x", op, rm, a)
#define D2_(op, a, b, rm) FP2("fmv.d.x", op, rm, a, b)
#define S2_(op, a, b, rm) FP2("fmv.w.x", op, rm, a, b)
#define D3_(op, a, b, c, rm) FP3("fmv.d.x", op, rm, a, b, c)
#define S3_(op, a, b, c, rm) FP3("fmv.w.x", op, rm, a, b, c)
#define DX1_(op, a, rm) FPX1("fmv.d.x", op, rm, a)
#define SX1_(op, a, rm) FPX1("fmv.w.x", op, rm, a)
#define I_(op, x, rm) FPI(op, rm, x)

/* ---- operand sets ---- */
#define D_PZ 0x0000000000000000ull
#define D_NZ 0x8000000000000000ull
#define D_ONE 0x3ff0000000000000ull
#define D_NONE 0xbff0000000000000ull
#define D_TWO 0x4000000000000000ull
#define D_THREE 0x4008000000000000ull
#define D_MINSUB 0x0000000000000001ull
#define D_MAXSUB 0x000fffffffffffffull
#define D_MINNORM 0x0010000000000000ull
#define D_MAX 0x7fefffffffffffffull
#define D_NMAX 0xffefffffffffffffull
#define D_INF 0x7ff0000000000000ull
#define D_NINF 0xfff0000000000000ull
#define D_QNAN 0x7ff8000000000000ull
#define D_QNANP 0x7ff8000000000123ull
#define D_NQNANP 0xfff8000000000456ull
#define D_SNAN 0x7ff0000000000001ull
#define D_SNANP 0x7ff4000000000abcull
#define D_P1 0x3fb999999999999aull /* 0.1 */
#define D_P2 0x3fc999999999999aull /* 0.2 */
#define D_P3 0x3fd3333333333333ull /* 0.3 */
#define D_1ULP 0x3ff0000000000001ull /* 1 + 2^-52 */

#define S_PZ 0x00000000u
#define S_NZ 0x80000000u
#define S_ONE 0x3f800000u
#define S_NONE 0xbf800000u
#define S_TWO 0x40000000u
#define S_THREE 0x40400000u
#define S_MINSUB 0x00000001u
#define S_MAXSUB 0x007fffffu
#define S_MINNORM 0x00800000u
#define S_MAX 0x7f7fffffu
#define S_NMAX 0xff7fffffu
#define S_INF 0x7f800000u
#define S_NINF 0xff800000u
#define S_QNAN 0x7fc00000u
#define S_QNANP 0x7fc00123u
#define S_NQNANP 0xffc00456u
#define S_SNAN 0x7f800001u
#define S_SNANP 0x7fa00abcu
#define S_P1 0x3dcccccdu
#define S_P2 0x3e4ccccdu
#define S_P3 0x3e99999au
#define S_1ULP 0x3f800001u

static const u64 d_special[] = {
    D_PZ, D_NZ, D_ONE, D_NONE, D_MINSUB, D_MAXSUB, D_MINNORM, D_MAX, D_NMAX,
    D_INF, D_NINF, D_QNAN, D_QNANP, D_NQNANP, D_SNAN, D_SNANP, D_P1, D_THREE,
};
static const u64 s_special[] = {
    S_PZ, S_NZ, S_ONE, S_NONE, S_MINSUB, S_MAXSUB, S_MINNORM, S_MAX, S_NMAX,
    S_INF, S_NINF, S_QNAN, S_QNANP, S_NQNANP, S_SNAN, S_SNANP, S_P1, S_THREE,
};

struct pair {
    u64 a, b;
};

/* binary arithmetic pairs (double / single): zeros, infinities, NaNs, edges, inexact */
static const struct pair d_arith[] = {
    {D_ONE, D_ONE},      {D_P1, D_P2},        {D_PZ, D_NZ},        {D_NZ, D_NZ},
    {D_ONE, D_NONE},     {D_INF, D_NINF},     {D_INF, D_INF},      {D_INF, D_PZ},
    {D_PZ, D_PZ},        {D_ONE, D_PZ},       {D_NONE, D_NZ},      {D_ONE, D_THREE},
    {D_MAX, D_MAX},      {D_MAX, D_TWO},      {D_MINSUB, D_MINSUB}, {D_MINNORM, D_MAXSUB},
    {D_MINSUB, 0x3fe0000000000000ull},        {D_QNANP, D_ONE},    {D_ONE, D_NQNANP},
    {D_SNANP, D_ONE},    {D_QNAN, D_SNAN},    {D_MAXSUB, D_1ULP},  {D_ONE, 0x3ca0000000000000ull},
    {D_MAX, 0x7c90000000000000ull},           {D_NMAX, D_MAX},
};
static const struct pair s_arith[] = {
    {S_ONE, S_ONE},      {S_P1, S_P2},        {S_PZ, S_NZ},        {S_NZ, S_NZ},
    {S_ONE, S_NONE},     {S_INF, S_NINF},     {S_INF, S_INF},      {S_INF, S_PZ},
    {S_PZ, S_PZ},        {S_ONE, S_PZ},       {S_NONE, S_NZ},      {S_ONE, S_THREE},
    {S_MAX, S_MAX},      {S_MAX, S_TWO},      {S_MINSUB, S_MINSUB}, {S_MINNORM, S_MAXSUB},
    {S_MINSUB, 0x3f000000u},                  {S_QNANP, S_ONE},    {S_ONE, S_NQNANP},
    {S_SNANP, S_ONE},    {S_QNAN, S_SNAN},    {S_MAXSUB, S_1ULP},  {S_ONE, 0x33800000u},
    {S_MAX, 0x73000000u},                     {S_NMAX, S_MAX},
};

static void test_arith(void)
{
    static const char *const dops[] = {"fadd.d", "fsub.d", "fmul.d", "fdiv.d"};
    section("fadd/fsub/fmul/fdiv.d, rne");
    for (unsigned i = 0; i < NELEM(d_arith); i++) {
        D2_("fadd.d", d_arith[i].a, d_arith[i].b, RNE);
        D2_("fsub.d", d_arith[i].a, d_arith[i].b, RNE);
        D2_("fmul.d", d_arith[i].a, d_arith[i].b, RNE);
        D2_("fdiv.d", d_arith[i].a, d_arith[i].b, RNE);
    }
    (void)dops;
    section("fadd/fsub/fmul/fdiv.s, rne");
    for (unsigned i = 0; i < NELEM(s_arith); i++) {
        S2_("fadd.s", s_arith[i].a, s_arith[i].b, RNE);
        S2_("fsub.s", s_arith[i].a, s_arith[i].b, RNE);
        S2_("fmul.s", s_arith[i].a, s_arith[i].b, RNE);
        S2_("fdiv.s", s_arith[i].a, s_arith[i].b, RNE);
    }
}

/* inexact, overflowing and underflowing cases in every static rounding mode */
static void test_rounding(void)
{
    section("rounding modes (static): double");
    ALL_RM(D2_, "fadd.d", D_P1, D_P2);
    ALL_RM(D2_, "fadd.d", D_NONE ^ D_NZ ^ D_NZ, 0xbca0000000000000ull); /* -1 - 2^-53: tie */
    ALL_RM(D2_, "fadd.d", D_ONE, 0x3ca8000000000000ull);               /* 1 + 1.5*2^-53 */
    ALL_RM(D2_, "fadd.d", D_ONE, 0x3ca0000000000000ull);               /* 1 + 2^-53: tie, even */
    ALL_RM(D2_, "fadd.d", D_1ULP, 0x3ca0000000000000ull);              /* tie, odd */
    ALL_RM(D2_, "fsub.d", 0xbff0000000000001ull, 0x3ca0000000000000ull);
    ALL_RM(D2_, "fdiv.d", D_ONE, D_THREE);
    ALL_RM(D2_, "fdiv.d", D_NONE, D_THREE);
    ALL_RM(D2_, "fmul.d", D_MAX, D_1ULP);   /* overflow edge */
    ALL_RM(D2_, "fmul.d", D_NMAX, D_1ULP);
    ALL_RM(D2_, "fadd.d", D_MAX, 0x7c90000000000000ull); /* max + half ulp: tie */
    ALL_RM(D2_, "fmul.d", D_MAXSUB, D_1ULP); /* tininess after rounding: -> min normal */
    ALL_RM(D2_, "fmul.d", D_MINSUB, 0x3fe0000000000000ull); /* min subnormal / 2 */
    ALL_RM(D2_, "fmul.d", D_MINSUB, 0xbfe8000000000000ull); /* -0.75 * min subnormal */
    ALL_RM(D2_, "fmul.d", D_MINNORM, 0x3fe0000000000000ull); /* exact subnormal: no UF */
    ALL_RM(D2_, "fdiv.d", D_NONE, D_PZ);                    /* -1 / +0 = -inf, DZ */
    ALL_RM(D2_, "fsub.d", D_ONE, D_ONE);                    /* exact zero: -0 only in rdn */
    ALL_RM(D2_, "fsub.d", D_NONE, D_NONE);
    section("rounding modes (static): single");
    ALL_RM(S2_, "fadd.s", S_P1, S_P2);
    ALL_RM(S2_, "fadd.s", S_ONE, 0x33000000u); /* 1 + 2^-25: under half an ulp */
    ALL_RM(S2_, "fadd.s", S_ONE, 0x33800000u); /* 1 + 2^-24: tie, even */
    ALL_RM(S2_, "fadd.s", S_1ULP, 0x33800000u); /* tie, odd */
    ALL_RM(S2_, "fadd.s", S_NONE, 0xb3800000u);
    ALL_RM(S2_, "fdiv.s", S_ONE, S_THREE);
    ALL_RM(S2_, "fdiv.s", S_NONE, S_THREE);
    ALL_RM(S2_, "fmul.s", S_MAX, S_1ULP);
    ALL_RM(S2_, "fmul.s", S_NMAX, S_1ULP);
    ALL_RM(S2_, "fadd.s", S_MAX, 0x73000000u);
    ALL_RM(S2_, "fmul.s", S_MAXSUB, S_1ULP);
    ALL_RM(S2_, "fmul.s", S_MINSUB, 0x3f000000u);
    ALL_RM(S2_, "fmul.s", S_MINSUB, 0xbf400000u);
    ALL_RM(S2_, "fmul.s", S_MINNORM, 0x3f000000u);
    ALL_RM(S2_, "fdiv.s", S_ONE, S_NZ);
    ALL_RM(S2_, "fsub.s", S_ONE, S_ONE);
}

static void set_frm(u64 rm) { __asm__ volatile("fsrm %0" ::"r"(rm)); }

/* the same operations with rm = dyn, the mode coming from frm */
static void test_dynamic(void)
{
    static const char *const names[] = {"rne", "rtz", "rdn", "rup", "rmm"};
    section("rounding modes (dynamic, frm)");
    for (u64 m = 0; m < 5; m++) {
        set_frm(m);
        rt_printf("frm = %s\n", names[m]);
        D2_("fadd.d", D_P1, D_P2, DYN);
        D2_("fdiv.d", D_NONE, D_THREE, DYN);
        D2_("fmul.d", D_MAX, D_1ULP, DYN);
        D2_("fmul.d", D_MINSUB, 0xbfe8000000000000ull, DYN);
        D2_("fsub.d", D_ONE, D_ONE, DYN);
        S2_("fadd.s", S_P1, S_P2, DYN);
        S2_("fdiv.s", S_NONE, S_THREE, DYN);
        D3_("fmadd.d", D_1ULP, 0x3feffffffffffffeull, D_NONE, DYN);
        DX1_("fcvt.w.d", 0xc004000000000000ull, DYN); /* -2.5 */
        DX1_("fcvt.l.d", 0x4004000000000000ull, DYN); /* 2.5 */
        I_("fcvt.s.l", 0x7fffffffffffffffull, DYN);
        D1_("fcvt.s.d", D_P1, DYN);
        D1_("fsqrt.d", D_TWO, DYN);
    }
    set_frm(0);
}

static void test_fma(void)
{
    static const u64 d3[][3] = {
        {D_1ULP, 0x3feffffffffffffeull, D_NONE}, /* (1+e)(1-e) - 1 = -e^2: only fused keeps it */
        {D_INF, D_PZ, D_QNANP},                  /* inf * 0 + qNaN: NV */
        {D_INF, D_PZ, D_ONE},
        {D_PZ, D_INF, D_QNAN},
        {D_ONE, D_NZ, D_PZ},                     /* 1 * -0 + +0 */
        {D_ONE, D_NZ, D_NZ},
        {D_MAX, D_TWO, D_NMAX},                  /* product overflows, the sum does not */
        {D_INF, D_ONE, D_NINF},                  /* inf - inf: NV */
        {D_MINNORM, 0x3ca0000000000000ull, D_MINSUB},
        {D_P1, 0x4024000000000000ull, D_NONE},   /* 0.1 * 10 - 1 */
        {D_SNAN, D_ONE, D_ONE},
        {D_ONE, D_ONE, D_SNANP},
        {D_THREE, D_P3, D_P1},
    };
    static const u64 s3[][3] = {
        {S_1ULP, 0x3f7ffffeu, S_NONE}, {S_INF, S_PZ, S_QNANP}, {S_INF, S_PZ, S_ONE},
        {S_PZ, S_INF, S_QNAN},         {S_ONE, S_NZ, S_PZ},    {S_ONE, S_NZ, S_NZ},
        {S_MAX, S_TWO, S_NMAX},        {S_INF, S_ONE, S_NINF}, {S_MINNORM, 0x33800000u, S_MINSUB},
        {S_P1, 0x41200000u, S_NONE},   {S_SNAN, S_ONE, S_ONE}, {S_ONE, S_ONE, S_SNANP},
        {S_THREE, S_P3, S_P1},
    };
    section("fmadd/fmsub/fnmsub/fnmadd.d (fused: one rounding)");
    for (unsigned i = 0; i < NELEM(d3); i++) {
        D3_("fmadd.d", d3[i][0], d3[i][1], d3[i][2], RNE);
        D3_("fmsub.d", d3[i][0], d3[i][1], d3[i][2], RNE);
        D3_("fnmsub.d", d3[i][0], d3[i][1], d3[i][2], RNE);
        D3_("fnmadd.d", d3[i][0], d3[i][1], d3[i][2], RNE);
    }
    ALL_RM(D3_, "fmadd.d", D_1ULP, 0x3feffffffffffffeull, D_NONE);
    ALL_RM(D3_, "fmadd.d", D_ONE, D_NZ, D_PZ);
    ALL_RM(D3_, "fnmadd.d", D_P1, 0x4024000000000000ull, D_NONE);
    ALL_RM(D3_, "fmadd.d", D_MINNORM, 0xbca0000000000000ull, D_MINSUB);
    section("fmadd/fmsub/fnmsub/fnmadd.s (fused: one rounding)");
    for (unsigned i = 0; i < NELEM(s3); i++) {
        S3_("fmadd.s", s3[i][0], s3[i][1], s3[i][2], RNE);
        S3_("fmsub.s", s3[i][0], s3[i][1], s3[i][2], RNE);
        S3_("fnmsub.s", s3[i][0], s3[i][1], s3[i][2], RNE);
        S3_("fnmadd.s", s3[i][0], s3[i][1], s3[i][2], RNE);
    }
    ALL_RM(S3_, "fmadd.s", S_1ULP, 0x3f7ffffeu, S_NONE);
    ALL_RM(S3_, "fmsub.s", S_P1, 0x41200000u, S_ONE);
}

static void test_sqrt(void)
{
    static const u64 d[] = {D_PZ, D_NZ, D_ONE, D_TWO, 0x4010000000000000ull, D_NONE, D_MINSUB,
                            D_MAXSUB, D_MAX, D_INF, D_NINF, D_QNANP, D_SNANP, D_P1};
    static const u64 s[] = {S_PZ, S_NZ, S_ONE, S_TWO, 0x40800000u, S_NONE, S_MINSUB,
                            S_MAXSUB, S_MAX, S_INF, S_NINF, S_QNANP, S_SNANP, S_P1};
    section("fsqrt.d / fsqrt.s");
    for (unsigned i = 0; i < NELEM(d); i++)
        D1_("fsqrt.d", d[i], RNE);
    for (unsigned i = 0; i < NELEM(s); i++)
        S1_("fsqrt.s", s[i], RNE);
    ALL_RM(D1_, "fsqrt.d", D_TWO);
    ALL_RM(S1_, "fsqrt.s", S_TWO);
    ALL_RM(D1_, "fsqrt.d", D_THREE);
}

/* sign injection, min/max, compares: no rounding mode */
static const struct pair d_cmp[] = {
    {D_PZ, D_NZ}, {D_NZ, D_PZ}, {D_ONE, D_ONE}, {D_ONE, D_TWO}, {D_TWO, D_ONE},
    {D_NINF, D_ONE}, {D_INF, D_MAX}, {D_ONE, D_QNANP}, {D_QNANP, D_ONE}, {D_QNAN, D_QNANP},
    {D_SNAN, D_ONE}, {D_ONE, D_SNANP}, {D_SNAN, D_SNANP}, {D_NQNANP, D_SNAN}, {D_MINSUB, D_NZ},
};
static const struct pair s_cmp[] = {
    {S_PZ, S_NZ}, {S_NZ, S_PZ}, {S_ONE, S_ONE}, {S_ONE, S_TWO}, {S_TWO, S_ONE},
    {S_NINF, S_ONE}, {S_INF, S_MAX}, {S_ONE, S_QNANP}, {S_QNANP, S_ONE}, {S_QNAN, S_QNANP},
    {S_SNAN, S_ONE}, {S_ONE, S_SNANP}, {S_SNAN, S_SNANP}, {S_NQNANP, S_SNAN}, {S_MINSUB, S_NZ},
};

static void test_nonarith(void)
{
    section("fsgnj/fsgnjn/fsgnjx, fmin/fmax (minimumNumber/maximumNumber), feq/flt/fle: double");
    for (unsigned i = 0; i < NELEM(d_cmp); i++) {
        u64 a = d_cmp[i].a, b = d_cmp[i].b;
        D2_("fsgnj.d", a, b, NORM);
        D2_("fsgnjn.d", a, b, NORM);
        D2_("fsgnjx.d", a, b, NORM);
        D2_("fmin.d", a, b, NORM);
        D2_("fmax.d", a, b, NORM);
        FPX2("fmv.d.x", "feq.d", a, b);
        FPX2("fmv.d.x", "flt.d", a, b);
        FPX2("fmv.d.x", "fle.d", a, b);
    }
    section("fsgnj/fsgnjn/fsgnjx, fmin/fmax, feq/flt/fle: single");
    for (unsigned i = 0; i < NELEM(s_cmp); i++) {
        u64 a = s_cmp[i].a, b = s_cmp[i].b;
        S2_("fsgnj.s", a, b, NORM);
        S2_("fsgnjn.s", a, b, NORM);
        S2_("fsgnjx.s", a, b, NORM);
        S2_("fmin.s", a, b, NORM);
        S2_("fmax.s", a, b, NORM);
        FPX2("fmv.w.x", "feq.s", a, b);
        FPX2("fmv.w.x", "flt.s", a, b);
        FPX2("fmv.w.x", "fle.s", a, b);
    }
    section("fclass.d / fclass.s, fmv.x.d / fmv.x.w");
    for (unsigned i = 0; i < NELEM(d_special); i++) {
        DX1_("fclass.d", d_special[i], NORM);
        DX1_("fmv.x.d", d_special[i], NORM);
    }
    for (unsigned i = 0; i < NELEM(s_special); i++) {
        SX1_("fclass.s", s_special[i], NORM);
        SX1_("fmv.x.w", s_special[i] | 0x80000000u, NORM); /* sign-extends bit 31 */
    }
}

/* NaN-boxing: a single held in a register whose upper 32 bits are not all ones reads as the
 * canonical NaN (inputs moved in with fmv.d.x, i.e. unboxed) */
static void test_boxing(void)
{
    static const u64 unboxed[] = {0x000000003f800000ull, 0xfffffffe3f800000ull, 0x7fffffff3f800000ull,
                                  0xffffffff3f800000ull /* boxed: 1.0 */};
    section("NaN-boxing of singles (inputs via fmv.d.x)");
    for (unsigned i = 0; i < NELEM(unboxed); i++) {
        u64 a = unboxed[i];
        D2_("fadd.s", a, 0xffffffff3f800000ull, RNE);
        D2_("fsgnj.s", a, 0xffffffff3f800000ull, NORM);
        D2_("fsgnjn.s", a, 0xffffffff3f800000ull, NORM);
        D2_("fmin.s", a, 0xffffffff40000000ull, NORM);
        D2_("fmax.s", a, 0xffffffff40000000ull, NORM);
        FPX2("fmv.d.x", "feq.s", a, a);
        DX1_("fclass.s", a, NORM);
        DX1_("fmv.x.w", a, NORM);
        D1_("fcvt.d.s", a, NORM);
        DX1_("fcvt.w.s", a, RTZ);
    }
}

static const u64 d_toint[] = {
    D_PZ, D_NZ, 0x3fe0000000000000ull, 0xbfe0000000000000ull, 0x3ff8000000000000ull,
    0xbff8000000000000ull, 0x4004000000000000ull, 0xc004000000000000ull, 0x3fefff2e48e8a71eull,
    0x41dfffffffe00000ull /* 2^31-0.5 */, 0x41e0000000000000ull /* 2^31 */,
    0xc1e0000000000000ull /* -2^31 */, 0xc1e0000000100000ull /* -2^31-0.5 */,
    0xc1e0000000200000ull /* -2^31-1 */, 0x41efffffffe00000ull /* 2^32-1 */,
    0x41effffffff00000ull /* 2^32-0.5 */, 0x41f0000000000000ull /* 2^32 */,
    0x43dfffffffffffffull /* largest < 2^63 */, 0x43e0000000000000ull /* 2^63 */,
    0xc3e0000000000000ull /* -2^63 */, 0xc3e0000000000001ull, 0x43efffffffffffffull,
    0x43f0000000000000ull /* 2^64 */, D_MAX, D_NMAX, D_INF, D_NINF, D_QNANP, D_NQNANP, D_SNAN,
    D_MINSUB, 0x8000000000000001ull,
};
static const u64 s_toint[] = {
    S_PZ, S_NZ, 0x3f000000u, 0xbf000000u, 0x3fc00000u, 0xbfc00000u, 0x40200000u, 0xc0200000u,
    0x4effffffu /* largest < 2^31 */, 0x4f000000u /* 2^31 */, 0xcf000000u /* -2^31 */,
    0xcf000001u, 0x4f7fffffu /* largest < 2^32 */, 0x4f800000u /* 2^32 */,
    0x5effffffu, 0x5f000000u /* 2^63 */, 0xdf000000u /* -2^63 */, 0xdf000001u,
    0x5f7fffffu, 0x5f800000u /* 2^64 */, S_MAX, S_INF, S_NINF, S_QNANP, S_NQNANP, S_SNAN, S_MINSUB,
    0x80000001u,
};

static void test_cvt_to_int(void)
{
    section("fcvt.{w,wu,l,lu}.d (saturation, NV, NX), rtz and rne");
    for (unsigned i = 0; i < NELEM(d_toint); i++) {
        DX1_("fcvt.w.d", d_toint[i], RTZ);
        DX1_("fcvt.wu.d", d_toint[i], RTZ);
        DX1_("fcvt.l.d", d_toint[i], RTZ);
        DX1_("fcvt.lu.d", d_toint[i], RTZ);
        DX1_("fcvt.w.d", d_toint[i], RNE);
        DX1_("fcvt.lu.d", d_toint[i], RNE);
    }
    section("fcvt.{w,wu,l,lu}.s, rtz and rne");
    for (unsigned i = 0; i < NELEM(s_toint); i++) {
        SX1_("fcvt.w.s", s_toint[i], RTZ);
        SX1_("fcvt.wu.s", s_toint[i], RTZ);
        SX1_("fcvt.l.s", s_toint[i], RTZ);
        SX1_("fcvt.lu.s", s_toint[i], RTZ);
        SX1_("fcvt.w.s", s_toint[i], RNE);
        SX1_("fcvt.lu.s", s_toint[i], RNE);
    }
    section("fcvt to integer: every rounding mode on +-0.5, +-1.5, +-2.5, 2^31-0.5, -2^63-ish");
    static const u64 d_rm[] = {0x3fe0000000000000ull, 0xbfe0000000000000ull, 0x3ff8000000000000ull,
                               0xbff8000000000000ull, 0x4004000000000000ull, 0xc004000000000000ull,
                               0x41dfffffffe00000ull, 0xc1e0000000100000ull, 0x41effffffff00000ull};
    for (unsigned i = 0; i < NELEM(d_rm); i++) {
        ALL_RM(DX1_, "fcvt.w.d", d_rm[i]);
        ALL_RM(DX1_, "fcvt.wu.d", d_rm[i]);
        ALL_RM(DX1_, "fcvt.l.d", d_rm[i]);
    }
    static const u64 s_rm[] = {0x3f000000u, 0xbf000000u, 0x3fc00000u, 0xbfc00000u, 0x40200000u,
                               0xc0200000u, 0x4effffffu, 0xcf000001u, 0x3f7fffffu};
    for (unsigned i = 0; i < NELEM(s_rm); i++) {
        ALL_RM(SX1_, "fcvt.w.s", s_rm[i]);
        ALL_RM(SX1_, "fcvt.wu.s", s_rm[i]);
        ALL_RM(SX1_, "fcvt.l.s", s_rm[i]);
        ALL_RM(SX1_, "fcvt.lu.s", s_rm[i]);
    }
    ALL_RM(DX1_, "fcvt.lu.d", 0x43efffffffffffffull);
}

static void test_cvt_from_int(void)
{
    static const u64 ints[] = {
        0, 1, 0xffffffffffffffffull, 0x7fffffffull, 0x80000000ull, 0xffffffffull,
        0x0000000001000001ull /* 2^24+1 */, 0x0020000000000001ull /* 2^53+1 */,
        0x7fffffffffffffffull, 0x8000000000000000ull, 0x123456789abcdef1ull,
        0xdeadbeef00000003ull /* .w forms see only the low 32 bits */, 0xfffffffffffffffdull,
    };
    section("fcvt.{s,d}.{w,wu,l,lu}, rne");
    for (unsigned i = 0; i < NELEM(ints); i++) {
        I_("fcvt.d.w", ints[i], NORM);
        I_("fcvt.d.wu", ints[i], NORM);
        I_("fcvt.d.l", ints[i], RNE);
        I_("fcvt.d.lu", ints[i], RNE);
        I_("fcvt.s.w", ints[i], RNE);
        I_("fcvt.s.wu", ints[i], RNE);
        I_("fcvt.s.l", ints[i], RNE);
        I_("fcvt.s.lu", ints[i], RNE);
    }
    section("fcvt from integer in every rounding mode");
    ALL_RM(I_, "fcvt.s.w", 0x0000000001000001ull);
    ALL_RM(I_, "fcvt.s.w", 0xfffffffffeffffffull /* -(2^24+1) */);
    ALL_RM(I_, "fcvt.d.l", 0x0020000000000001ull);
    ALL_RM(I_, "fcvt.d.l", 0xffdfffffffffffffull);
    ALL_RM(I_, "fcvt.d.lu", 0xffffffffffffffffull);
    ALL_RM(I_, "fcvt.s.lu", 0xffffffffffffffffull);
    ALL_RM(I_, "fcvt.s.l", 0x7fffffffffffffffull);
}

static void test_cvt_fmt(void)
{
    static const u64 d[] = {
        D_PZ, D_NZ, D_ONE, D_P1, D_MAX, D_NMAX, D_INF, D_NINF, D_QNANP, D_NQNANP, D_SNANP, D_MINSUB,
        0x3810000000000000ull /* 2^-126: min normal single */, 0x380fffffffffffffull,
        0x36a0000000000000ull /* 2^-149: min subnormal single */, 0x3690000000000000ull /* 2^-150 */,
        0x3698000000000000ull, 0x47efffffe0000000ull /* max single */,
        0x47effffff0000000ull /* max single + half ulp */, 0x47f0000000000000ull /* 2^128 */,
    };
    static const u64 s[] = {S_PZ, S_NZ, S_ONE, S_P1, S_MAX, S_INF, S_NINF, S_QNANP, S_NQNANP,
                            S_SNANP, S_MINSUB, S_MAXSUB, S_MINNORM};
    section("fcvt.s.d (rne) and fcvt.d.s");
    for (unsigned i = 0; i < NELEM(d); i++)
        D1_("fcvt.s.d", d[i], RNE);
    for (unsigned i = 0; i < NELEM(s); i++)
        S1_("fcvt.d.s", s[i], NORM);
    section("fcvt.s.d in every rounding mode");
    ALL_RM(D1_, "fcvt.s.d", D_P1);
    ALL_RM(D1_, "fcvt.s.d", 0xbfb999999999999aull);
    ALL_RM(D1_, "fcvt.s.d", 0x47effffff0000000ull);
    ALL_RM(D1_, "fcvt.s.d", 0x3690000000000000ull);
    ALL_RM(D1_, "fcvt.s.d", 0x380fffffffffffffull);
    ALL_RM(D1_, "fcvt.s.d", D_MAX);
}

/* loads and stores move bits unchanged: no canonicalisation, no flags */
static void test_loadstore(void)
{
    static volatile u64 mem[4];
    u64 r, f;
    section("fld/fsd/flw/fsw move bits (sNaN kept, flw NaN-boxes, fsw stores the low 32 bits)");
    static const u64 v[] = {D_SNANP, D_NQNANP, D_MINSUB, 0x7f800001deadbeefull};
    for (unsigned i = 0; i < NELEM(v); i++) {
        mem[0] = v[i];
        mem[1] = 0x5555555555555555ull;
        __asm__ volatile("fsflags zero\n\tfld ft0, 0(%2)\n\tfsd ft0, 8(%2)\n\tfrflags %1\n\t"
                         "fmv.x.d %0, ft0"
                         : "=&r"(r), "=&r"(f) : "r"(mem) : "ft0", "memory");
        show1("fld/fsd", "-", v[i], mem[1], f);
        mem[1] = 0x5555555555555555ull;
        __asm__ volatile("fsflags zero\n\tflw ft0, 0(%2)\n\tfsw ft0, 8(%2)\n\tfrflags %1\n\t"
                         "fmv.x.d %0, ft0"
                         : "=&r"(r), "=&r"(f) : "r"(mem) : "ft0", "memory");
        show1("flw reg", "-", v[i], r, f);
        show1("fsw mem", "-", v[i], mem[1], f);
        /* fsw of an unboxed register: the low 32 bits, as they are */
        mem[1] = 0x5555555555555555ull;
        __asm__ volatile("fmv.d.x ft0, %1\n\tfsw ft0, 8(%0)" : : "r"(mem), "r"(v[i]) : "ft0", "memory");
        show1("fsw unbox", "-", v[i], mem[1], 0);
    }
}

static u64 rd_fcsr(void) { u64 v; __asm__ volatile("frcsr %0" : "=r"(v)); return v; }

static void test_csr(void)
{
    u64 a, b, c;
    section("fcsr, frm, fflags (Zicsr pseudo-instructions)");
    __asm__ volatile("fscsr %0, %1" : "=r"(a) : "r"(0xffull));
    rt_printf("fscsr 0xff: old fcsr %02lx, now %02lx\n", a, rd_fcsr());
    __asm__ volatile("frrm %0\n\tfrflags %1" : "=r"(a), "=r"(b));
    rt_printf("frrm %lx frflags %02lx\n", a, b);
    __asm__ volatile("fsrm %0, %1" : "=r"(a) : "r"(0x2ull));
    rt_printf("fsrm 2: old frm %lx, fcsr %02lx\n", a, rd_fcsr());
    __asm__ volatile("fsflags %0, %1" : "=r"(a) : "r"(0x1full ^ 0x5));
    rt_printf("fsflags 0x1a: old fflags %02lx, fcsr %02lx\n", a, rd_fcsr());
    __asm__ volatile("fsrmi %0, 7" : "=r"(a));
    rt_printf("fsrmi 7: old frm %lx, fcsr %02lx\n", a, rd_fcsr());
    __asm__ volatile("fsflagsi %0, 0x1f" : "=r"(a));
    rt_printf("fsflagsi 0x1f: old fflags %02lx, fcsr %02lx\n", a, rd_fcsr());
    __asm__ volatile("fscsr %0, %1" : "=r"(a) : "r"(0xffffffffffffffffull));
    rt_printf("fscsr ~0: old %02lx, now %02lx\n", a, rd_fcsr());
    __asm__ volatile("csrrs %0, fflags, %1" : "=r"(a) : "r"(0x100ull));
    __asm__ volatile("csrrc %0, frm, %1" : "=r"(b) : "r"(0x5ull));
    __asm__ volatile("csrr %0, fcsr" : "=r"(c));
    rt_printf("csrrs fflags 0x100: %02lx; csrrc frm 5: %lx; fcsr %02lx\n", a, b, c);
    /* flags accumulate until cleared */
    __asm__ volatile("fscsr zero");
    D2_("fdiv.d", D_ONE, D_PZ, RNE);
    {
        u64 f0;
        __asm__ volatile("fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tfsflags zero\n\t"
                         "fdiv.d ft2, ft0, ft1\n\tfadd.d ft2, ft0, ft1\n\tfsqrt.d ft2, ft1\n\tfrflags %0"
                         : "=r"(f0) : "r"(D_ONE), "r"(D_NONE) : "ft0", "ft1", "ft2");
        rt_printf("flags accumulate (1/-1 exact, 1+-1, sqrt(-1)): %s\n", fl(f0));
        ncases++;
    }
    __asm__ volatile("fscsr zero");
}

/* what C code compiled for rv64gc sees */
static void test_c_level(void)
{
    volatile double a = 0.1, b = 0.2, c = 0.3;
    volatile float fa = 0.1f, fb = 0.2f, fc = 0.3f;
    double s = a + b;
    float fs = fa + fb;
    u64 bits, fbits = 0;
    section("C: 0.1 + 0.2 != 0.3");
    memcpy(&bits, &s, 8);
    memcpy(&fbits, &fs, 4);
    rt_printf("double 0.1 + 0.2 = %016lx, == 0.3: %d\n", bits, s == c);
    rt_printf("float  0.1f + 0.2f = %08lx, == 0.3f: %d\n", fbits, fs == fc);
    volatile double big = 1e308, tiny = 1e-308;
    double p = big * 10.0, q = tiny / 1e10;
    memcpy(&bits, &p, 8);
    rt_printf("1e308 * 10 = %016lx\n", bits);
    memcpy(&bits, &q, 8);
    rt_printf("1e-308 / 1e10 = %016lx\n", bits);
    volatile double m = -7.75;
    rt_printf("(long)-7.75 = %ld, (unsigned)(double)3e9 = %u, (int)(float)-0.5 = %d\n", (long)m,
              (unsigned)(volatile double){3e9}, (int)(volatile float){-0.5f});
    ncases += 5;
}

static void show_v(const char *what, u64 r) { rt_printf("%-30s -> %016lx\n", what, r); ncases++; }

int main(int hartid, int nharts)
{
    (void)nharts;
    if (hartid != 0)
        return 0;
    rt_printf("fp_selfcheck: RV64 F and D edge cases\n");
    show_v("initial fcsr", rd_fcsr());
    test_arith();
    test_rounding();
    test_dynamic();
    test_fma();
    test_sqrt();
    test_nonarith();
    test_boxing();
    test_cvt_to_int();
    test_cvt_from_int();
    test_cvt_fmt();
    test_loadstore();
    test_csr();
    test_c_level();
    rt_printf("fp_selfcheck: %d cases done\n", ncases);
    return 0;
}

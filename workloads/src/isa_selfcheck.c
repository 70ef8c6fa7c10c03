/*
 * isa_selfcheck: RV64IMA edge cases, one output line per case, hex results.
 *
 * Every instruction under test is issued from inline asm so the compiler
 * cannot fold it. Nothing printed depends on addresses, time or cycle counts,
 * so the output must be byte-identical under qemu-riscv64 and under a correct
 * emulator (the reference output is workloads/expected/isa_selfcheck.txt).
 *
 * Only hart 0 runs the checks; other harts return 0 at once.
 *
 * Line formats:
 *   OP      A B -> RESULT              register-register ops
 *   OP IMM  A -> RESULT                register-immediate ops
 *   AMO     mem=M src=S -> rd=R mem=M' (for .w the whole 64-bit cell is shown;
 *                                       its upper half is a sentinel)
 */
#include "rt.h"

typedef uint64_t u64;

static int ncases;

/* ------------------------------------------------------------------ */
/* helpers                                                             */
/* ------------------------------------------------------------------ */

#define RR(op, a, b)                                                          \
    ({                                                                        \
        u64 r_;                                                               \
        __asm__ volatile(op " %0, %1, %2"                                    \
                         : "=r"(r_)                                           \
                         : "r"((u64)(a)), "r"((u64)(b)));                     \
        r_;                                                                   \
    })

#define RI(op, a, imm)                                                        \
    ({                                                                        \
        u64 r_;                                                               \
        __asm__ volatile(op " %0, %1, " #imm : "=r"(r_) : "r"((u64)(a)));    \
        r_;                                                                   \
    })

static void show_rr(const char *op, u64 a, u64 b, u64 r)
{
    rt_printf("%-7s %016lx %016lx -> %016lx\n", op, a, b, r);
    ncases++;
}

static void show_ri(const char *op, const char *imm, u64 a, u64 r)
{
    rt_printf("%-7s %-6s %016lx -> %016lx\n", op, imm, a, r);
    ncases++;
}

static void show_v(const char *what, u64 r)
{
    rt_printf("%-30s -> %016lx\n", what, r);
    ncases++;
}

static void section(const char *name) { rt_printf("# %s\n", name); }

struct pair {
    u64 a, b;
};
#define NELEM(x) (sizeof(x) / sizeof((x)[0]))

#define T_RR(op, a, b) show_rr(op, (a), (b), RR(op, (a), (b)))
#define T_RI(op, a, imm) show_ri(op, #imm, (a), RI(op, (a), imm))
#define LOOP_RR(op, arr)                                                      \
    for (unsigned i_ = 0; i_ < NELEM(arr); i_++)                              \
    T_RR(op, arr[i_].a, arr[i_].b)

#define MIN64 0x8000000000000000ull
#define MAX64 0x7fffffffffffffffull
#define ALL1 0xffffffffffffffffull

/* ------------------------------------------------------------------ */
/* integer ALU                                                         */
/* ------------------------------------------------------------------ */

static const struct pair arith_pairs[] = {
    {MAX64, 1},
    {ALL1, 1},
    {0, 1},
    {MIN64, 1},
    {MIN64, MIN64},
    {0x000000007fffffffull, 1},
    {0x123456789abcdef0ull, 0x0fedcba987654321ull},
};

static const struct pair logic_pairs[] = {
    {0xff00ff00ff00ff00ull, 0x0ff00ff00ff00ff0ull},
    {ALL1, 0x8000000000000001ull},
};

static void test_arith(void)
{
    section("add/sub (64-bit and W forms)");
    LOOP_RR("add", arith_pairs);
    LOOP_RR("sub", arith_pairs);
    LOOP_RR("addw", arith_pairs);
    LOOP_RR("subw", arith_pairs);

    section("logic");
    LOOP_RR("and", logic_pairs);
    LOOP_RR("or", logic_pairs);
    LOOP_RR("xor", logic_pairs);
    T_RI("andi", 0x123456789abcdef0ull, -2048);
    T_RI("andi", 0x123456789abcdef0ull, 0x7ff);
    T_RI("ori", 0x1200000000000000ull, -2048);
    T_RI("xori", 0x123456789abcdef0ull, -1);
    T_RI("xori", 0x123456789abcdef0ull, 0x555);

    section("add immediate");
    T_RI("addi", MAX64, 1);
    T_RI("addi", 0, -2048);
    T_RI("addi", 0, 2047);
    T_RI("addi", ALL1, 1);
    T_RI("addi", MIN64, -1);
    T_RI("addiw", 0x000000007fffffffull, 1);
    T_RI("addiw", 0xffffffff00000000ull, -1);
    T_RI("addiw", 0x00000000ffffffffull, 0);
    T_RI("addiw", 0x123456789abcdef0ull, 0x7ff);
    T_RI("addiw", 0x0000000080000000ull, -2048);

    section("x0 is hardwired to zero");
    {
        u64 r1, r2, r3;
        static volatile u64 word = 0x1122334455667788ull;
        __asm__ volatile("addi x0, x0, 5\n\tadd %0, x0, x0" : "=r"(r1));
        __asm__ volatile("lui x0, 0x12345\n\tmv %0, x0" : "=r"(r2));
        __asm__ volatile("ld x0, 0(%1)\n\taddi %0, x0, 3" : "=r"(r3) : "r"(&word) : "memory");
        show_v("addi x0,x0,5; add r,x0,x0", r1);
        show_v("lui x0; mv r,x0", r2);
        show_v("ld x0; addi r,x0,3", r3);
    }
}

static const u64 shift_vals[] = {0x8000000000000001ull, 0xfedcba9876543210ull};
static const u64 shift_amts[] = {0, 1, 31, 32, 63, 69, ALL1};
static const u64 shiftw_vals[] = {0x0000000080000001ull, 0xfedcba9876543210ull};
static const u64 shiftw_amts[] = {0, 1, 31, 32, 33};

static void test_shifts(void)
{
    section("register shifts (amount uses low 6 bits, W forms low 5 bits)");
    for (unsigned v = 0; v < NELEM(shift_vals); v++)
        for (unsigned s = 0; s < NELEM(shift_amts); s++) {
            T_RR("sll", shift_vals[v], shift_amts[s]);
            T_RR("srl", shift_vals[v], shift_amts[s]);
            T_RR("sra", shift_vals[v], shift_amts[s]);
        }
    for (unsigned v = 0; v < NELEM(shiftw_vals); v++)
        for (unsigned s = 0; s < NELEM(shiftw_amts); s++) {
            T_RR("sllw", shiftw_vals[v], shiftw_amts[s]);
            T_RR("srlw", shiftw_vals[v], shiftw_amts[s]);
            T_RR("sraw", shiftw_vals[v], shiftw_amts[s]);
        }

    section("immediate shifts");
    T_RI("slli", 0x8000000000000001ull, 0);
    T_RI("slli", 0x8000000000000001ull, 1);
    T_RI("slli", 0x8000000000000001ull, 31);
    T_RI("slli", 0x8000000000000001ull, 32);
    T_RI("slli", 0x8000000000000001ull, 63);
    T_RI("srli", 0x8000000000000001ull, 0);
    T_RI("srli", 0x8000000000000001ull, 1);
    T_RI("srli", 0x8000000000000001ull, 31);
    T_RI("srli", 0x8000000000000001ull, 32);
    T_RI("srli", 0x8000000000000001ull, 63);
    T_RI("srai", 0x8000000000000001ull, 0);
    T_RI("srai", 0x8000000000000001ull, 1);
    T_RI("srai", 0x8000000000000001ull, 31);
    T_RI("srai", 0x8000000000000001ull, 32);
    T_RI("srai", 0x8000000000000001ull, 63);
    T_RI("slliw", 0xfedcba9880000001ull, 0);
    T_RI("slliw", 0xfedcba9880000001ull, 1);
    T_RI("slliw", 0xfedcba9840000001ull, 1);
    T_RI("slliw", 0xfedcba9880000001ull, 31);
    T_RI("srliw", 0xfedcba9880000001ull, 0);
    T_RI("srliw", 0xfedcba9880000001ull, 1);
    T_RI("srliw", 0xfedcba9880000001ull, 31);
    T_RI("sraiw", 0xfedcba9880000001ull, 0);
    T_RI("sraiw", 0xfedcba9880000001ull, 1);
    T_RI("sraiw", 0xfedcba9880000001ull, 31);
    T_RI("sraiw", 0x0123456770000000ull, 4);
}

static const struct pair cmp_pairs[] = {
    {ALL1, 1}, {1, ALL1}, {MIN64, MAX64}, {MAX64, MIN64},
    {5, 5},    {0, ALL1}, {MIN64, 0},
};

static void test_compare(void)
{
    section("set-less-than");
    LOOP_RR("slt", cmp_pairs);
    LOOP_RR("sltu", cmp_pairs);
    T_RI("slti", ALL1, 0);
    T_RI("slti", 0xfffffffffffffffeull, -1);
    T_RI("slti", MIN64, -2048);
    T_RI("slti", 2047, 2047);
    T_RI("sltiu", 5, -1);
    T_RI("sltiu", ALL1, -1);
    T_RI("sltiu", 0, 1);
    T_RI("sltiu", 1, 1);
    T_RI("sltiu", 0xfffffffffffff7ffull, -2048);
    T_RI("sltiu", 0xfffffffffffff800ull, -2048);
}

/* ------------------------------------------------------------------ */
/* lui / auipc                                                         */
/* ------------------------------------------------------------------ */

#define T_LUI(imm)                                                            \
    do {                                                                      \
        u64 r_;                                                               \
        __asm__ volatile("lui %0, " #imm : "=r"(r_));                        \
        show_v("lui " #imm, r_);                                              \
    } while (0)

/* auipc result minus the address of the auipc itself (taken with lla) */
#define T_AUIPC(imm)                                                          \
    do {                                                                      \
        u64 r_, t_;                                                           \
        __asm__ volatile("1: auipc %0, " #imm "\n\t"                         \
                         "lla %1, 1b\n\t"                                     \
                         "sub %0, %0, %1"                                     \
                         : "=&r"(r_), "=&r"(t_));                             \
        show_v("auipc " #imm " - pc", r_);                                    \
    } while (0)

static void test_upper(void)
{
    section("lui / auipc (pc-relative)");
    T_LUI(0);
    T_LUI(1);
    T_LUI(0x12345);
    T_LUI(0x7ffff);
    T_LUI(0x80000);
    T_LUI(0xfffff);
    T_AUIPC(0);
    T_AUIPC(1);
    T_AUIPC(0x7ffff);
    T_AUIPC(0x80000);
    T_AUIPC(0xfffff);
}

/* ------------------------------------------------------------------ */
/* M extension                                                         */
/* ------------------------------------------------------------------ */

static const struct pair mul_pairs[] = {
    {MIN64, ALL1},
    {MIN64, MIN64},
    {ALL1, ALL1},
    {ALL1, 2},
    {MAX64, MAX64},
    {0x123456789abcdef0ull, 0xfedcba9876543210ull},
    {0xfffffffffffffffdull, 7},
    {0x0000000080000000ull, 0x0000000080000000ull},
    {0x000000007fffffffull, 0xffffffff7fffffffull},
    {MIN64, 1},
};

static const struct pair div_pairs[] = {
    {7, 2},
    {0xfffffffffffffff9ull, 2},           /* -7 / 2 */
    {7, 0xfffffffffffffffeull},           /* 7 / -2 */
    {0xfffffffffffffff9ull, 0xfffffffffffffffeull},
    {5, 0},                               /* divide by zero */
    {0xfffffffffffffffbull, 0},           /* -5 / 0 */
    {0, 0},
    {MIN64, ALL1},                        /* INT64_MIN / -1 overflow */
    {0xffffffff80000000ull, ALL1},        /* INT32_MIN / -1 (W overflow) */
    {0x0000000100000007ull, 0xffffffff00000002ull}, /* upper bits ignored by W */
    {0x0000000080000000ull, 0x00000000ffffffffull},
    {MAX64, 0x0000000000000010ull},
};

static void test_muldiv(void)
{
    section("multiply");
    LOOP_RR("mul", mul_pairs);
    LOOP_RR("mulh", mul_pairs);
    LOOP_RR("mulhsu", mul_pairs);
    LOOP_RR("mulhu", mul_pairs);
    LOOP_RR("mulw", mul_pairs);

    section("divide / remainder");
    LOOP_RR("div", div_pairs);
    LOOP_RR("divu", div_pairs);
    LOOP_RR("rem", div_pairs);
    LOOP_RR("remu", div_pairs);
    LOOP_RR("divw", div_pairs);
    LOOP_RR("divuw", div_pairs);
    LOOP_RR("remw", div_pairs);
    LOOP_RR("remuw", div_pairs);
}

/* ------------------------------------------------------------------ */
/* loads and stores                                                    */
/* ------------------------------------------------------------------ */

static volatile uint8_t ldata[16] __attribute__((aligned(16))) = {
    0x80, 0x7f, 0xff, 0x01, 0x00, 0x80, 0xfe, 0xff,
    0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88,
};

#define LOAD(op, base, off)                                                   \
    ({                                                                        \
        u64 r_;                                                               \
        __asm__ volatile(op " %0, " #off "(%1)"                              \
                         : "=r"(r_)                                           \
                         : "r"(base)                                          \
                         : "memory");                                         \
        r_;                                                                   \
    })
#define T_LOAD(op, base, off) show_v(op " @" #off, LOAD(op, base, off))

#define STORE(op, base, off, val)                                             \
    __asm__ volatile(op " %1, " #off "(%0)"                                  \
                     :                                                        \
                     : "r"(base), "r"((u64)(val))                             \
                     : "memory")

static void test_loads(void)
{
    volatile uint8_t *p = ldata;
    section("aligned loads, sign/zero extension");
    T_LOAD("lb", p, 0);
    T_LOAD("lb", p, 1);
    T_LOAD("lb", p, 2);
    T_LOAD("lbu", p, 0);
    T_LOAD("lbu", p, 2);
    T_LOAD("lh", p, 0);
    T_LOAD("lh", p, 6);
    T_LOAD("lhu", p, 6);
    T_LOAD("lh", p, 4);
    T_LOAD("lw", p, 0);
    T_LOAD("lw", p, 4);
    T_LOAD("lwu", p, 4);
    T_LOAD("lw", p, 12);
    T_LOAD("lwu", p, 12);
    T_LOAD("ld", p, 0);
    T_LOAD("ld", p, 8);
    /* negative displacement */
    volatile uint8_t *q = p + 8;
    T_LOAD("lb", q, -8);
    T_LOAD("ld", q, -8);
    T_LOAD("lhu", q, -2);
}

static volatile uint8_t mbuf[32] __attribute__((aligned(16)));
/* two pages; misaligned accesses that straddle the page boundary */
static volatile uint8_t pagebuf[8192] __attribute__((aligned(4096)));

static void fill_pattern(volatile uint8_t *b, unsigned n, uint8_t first)
{
    for (unsigned i = 0; i < n; i++)
        b[i] = (uint8_t)(first + i);
}

static void show_words(const char *what, volatile uint8_t *b, unsigned nwords)
{
    volatile u64 *w = (volatile u64 *)b;
    char line[160];
    int n = rt_snprintf(line, sizeof line, "%-30s ->", what);
    for (unsigned i = 0; i < nwords; i++)
        n += rt_snprintf(line + n, sizeof line - (unsigned)n, " %016lx", w[i]);
    rt_printf("%s\n", line);
    ncases++;
}

static void test_misaligned(void)
{
    volatile uint8_t *p = mbuf;
    section("misaligned loads");
    fill_pattern(mbuf, 32, 0x80); /* 80 81 82 ... 9f */
    T_LOAD("ld", p, 1);
    T_LOAD("ld", p, 7);
    T_LOAD("ld", p, 12);
    T_LOAD("lw", p, 1);
    T_LOAD("lw", p, 3);
    T_LOAD("lwu", p, 3);
    T_LOAD("lw", p, 6);
    T_LOAD("lwu", p, 14);
    T_LOAD("lh", p, 1);
    T_LOAD("lhu", p, 1);
    T_LOAD("lh", p, 7);
    T_LOAD("lhu", p, 15);

    section("misaligned stores");
    for (unsigned i = 0; i < 32; i += 8)
        *(volatile u64 *)(mbuf + i) = 0;
    STORE("sd", p, 1, 0x1122334455667788ull);
    show_words("sd @1", mbuf, 2);
    STORE("sw", p, 14, 0xffffffffaabbccddull);
    show_words("sw @14", mbuf, 3);
    STORE("sh", p, 7, 0xffffffffffffeeffull);
    show_words("sh @7", mbuf, 2);
    STORE("sd", p, 19, 0x0123456789abcdefull);
    show_words("sd @19", mbuf, 4);
    STORE("sw", p, 3, 0x00000000deadbeefull);
    show_words("sw @3", mbuf, 2);
    T_LOAD("ld", p, 19);
    T_LOAD("lw", p, 3);

    section("misaligned across a page boundary");
    volatile uint8_t *pb = pagebuf + 4096;
    fill_pattern(pagebuf + 4096 - 16, 32, 0x40);
    T_LOAD("ld", pb, -3);
    T_LOAD("lw", pb, -1);
    T_LOAD("lh", pb, -1);
    T_LOAD("lwu", pb, -2);
    STORE("sd", pb, -5, 0xa1a2a3a4a5a6a7a8ull);
    show_words("sd @page-5", pagebuf + 4096 - 8, 2);
    STORE("sw", pb, -2, 0xb1b2b3b4ull);
    show_words("sw @page-2", pagebuf + 4096 - 8, 2);
    STORE("sh", pb, -1, 0xc1c2ull);
    show_words("sh @page-1", pagebuf + 4096 - 8, 2);
}

static void test_store_widths(void)
{
    volatile uint8_t *p = mbuf;
    section("store widths (only the addressed bytes change)");
    for (unsigned i = 0; i < 16; i += 8)
        *(volatile u64 *)(mbuf + i) = 0x5555555555555555ull;
    STORE("sb", p, 0, 0x123456789abcdef0ull);
    show_words("sb @0", mbuf, 1);
    STORE("sb", p, 7, 0xffull);
    show_words("sb @7", mbuf, 1);
    STORE("sh", p, 2, 0x123456789abcdef0ull);
    show_words("sh @2", mbuf, 1);
    STORE("sw", p, 12, 0x123456789abcdef0ull);
    show_words("sw @12", mbuf, 2);
    STORE("sd", p, 8, 0x0fedcba987654321ull);
    show_words("sd @8", mbuf, 2);
}

/* ------------------------------------------------------------------ */
/* A extension                                                         */
/* ------------------------------------------------------------------ */

static volatile u64 amo_cell __attribute__((aligned(64)));
#define SENTINEL 0xa5a5a5a500000000ull

#define AMO(op, addr, src)                                                    \
    ({                                                                        \
        u64 r_;                                                               \
        __asm__ volatile(op " %0, %2, (%1)"                                  \
                         : "=r"(r_)                                           \
                         : "r"(addr), "r"((u64)(src))                         \
                         : "memory");                                         \
        r_;                                                                   \
    })

static void show_amo(const char *op, u64 mem, u64 src, u64 rd, u64 after)
{
    rt_printf("%-12s mem=%016lx src=%016lx -> rd=%016lx mem=%016lx\n", op, mem,
              src, rd, after);
    ncases++;
}

#define T_AMO_W(op, mem32, src)                                               \
    do {                                                                      \
        u64 m_ = SENTINEL | (u64)(uint32_t)(mem32);                           \
        amo_cell = m_;                                                        \
        u64 r_ = AMO(op, &amo_cell, src);                                     \
        show_amo(op, m_, (src), r_, amo_cell);                                \
    } while (0)

#define T_AMO_D(op, mem, src)                                                 \
    do {                                                                      \
        amo_cell = (mem);                                                     \
        u64 r_ = AMO(op, &amo_cell, src);                                     \
        show_amo(op, (mem), (src), r_, amo_cell);                             \
    } while (0)

#define T_AMO_W_BOTH(op)                                                      \
    do {                                                                      \
        T_AMO_W(op, 0x80000001u, 0xdeadbeef7fffffffull);                      \
        T_AMO_W(op, 0x00000005u, 0xfffffffffffffffdull);                      \
    } while (0)

#define T_AMO_D_BOTH(op)                                                      \
    do {                                                                      \
        T_AMO_D(op, 0x8000000000000001ull, 0x7fffffffffffffffull);            \
        T_AMO_D(op, 0x0000000000000005ull, 0xfffffffffffffffdull);            \
    } while (0)

static void test_amo(void)
{
    section("AMO .w (rd sign-extended; upper half of the cell untouched)");
    T_AMO_W_BOTH("amoswap.w");
    T_AMO_W_BOTH("amoadd.w");
    T_AMO_W_BOTH("amoxor.w");
    T_AMO_W_BOTH("amoand.w");
    T_AMO_W_BOTH("amoor.w");
    T_AMO_W_BOTH("amomin.w");
    T_AMO_W_BOTH("amomax.w");
    T_AMO_W_BOTH("amominu.w");
    T_AMO_W_BOTH("amomaxu.w");

    section("AMO .d");
    T_AMO_D_BOTH("amoswap.d");
    T_AMO_D_BOTH("amoadd.d");
    T_AMO_D_BOTH("amoxor.d");
    T_AMO_D_BOTH("amoand.d");
    T_AMO_D_BOTH("amoor.d");
    T_AMO_D_BOTH("amomin.d");
    T_AMO_D_BOTH("amomax.d");
    T_AMO_D_BOTH("amominu.d");
    T_AMO_D_BOTH("amomaxu.d");

    section("AMO ordering bits, upper word, rd = x0");
    T_AMO_W("amoadd.w.aq", 0x7fffffffu, 1);
    T_AMO_D("amoadd.d.rl", ALL1, 1);
    T_AMO_D("amoswap.d.aqrl", 0x0123456789abcdefull, 0xfedcba9876543210ull);
    T_AMO_D("amomaxu.w.aqrl", 0x0000000100000002ull, 0xffffffff00000001ull);
    {
        /* .w on the upper half of the cell (address + 4) */
        amo_cell = 0x7ffffffe00000001ull;
        u64 r = AMO("amoadd.w", (volatile uint8_t *)&amo_cell + 4, 3);
        show_amo("amoadd.w@+4", 0x7ffffffe00000001ull, 3, r, amo_cell);
        amo_cell = 40;
        __asm__ volatile("amoadd.d x0, %1, (%0)" : : "r"(&amo_cell), "r"((u64)2) : "memory");
        show_amo("amoadd.d x0", 40, 2, 0, amo_cell);
    }
}

/* two reservation targets in different pages */
static volatile u64 lr_a __attribute__((aligned(4096)));
static volatile u64 lr_b __attribute__((aligned(4096)));

static void show_lrsc(const char *what, u64 loaded, u64 rc, u64 mem)
{
    rt_printf("%-34s -> lr=%016lx sc=%lu mem=%016lx\n", what, loaded, rc, mem);
    ncases++;
}

static void test_lrsc(void)
{
    u64 v, rc;
    section("LR/SC (sc result: 0 = success, nonzero = failure)");

    lr_a = 0xffffffff80000000ull;
    __asm__ volatile("lr.w %0, (%2)\n\tsc.w %1, %3, (%2)"
                     : "=&r"(v), "=&r"(rc)
                     : "r"(&lr_a), "r"((u64)0x1234567811111111ull)
                     : "memory");
    show_lrsc("lr.w; sc.w same address", v, rc, lr_a);

    __asm__ volatile("sc.w %0, %1, (%2)"
                     : "=&r"(rc)
                     : "r"((u64)0x22222222), "r"(&lr_a)
                     : "memory");
    show_lrsc("sc.w again (no reservation)", 0, rc, lr_a);

    lr_a = 0x8000000000000000ull;
    __asm__ volatile("lr.d %0, (%2)\n\tsc.d %1, %3, (%2)"
                     : "=&r"(v), "=&r"(rc)
                     : "r"(&lr_a), "r"((u64)0x3333333333333333ull)
                     : "memory");
    show_lrsc("lr.d; sc.d same address", v, rc, lr_a);

    __asm__ volatile("sc.d %0, %1, (%2)"
                     : "=&r"(rc)
                     : "r"((u64)0x4444444444444444ull), "r"(&lr_a)
                     : "memory");
    show_lrsc("sc.d again (no reservation)", 0, rc, lr_a);

    lr_a = 0x00000000000000aaull;
    lr_b = 0x00000000000000bbull;
    __asm__ volatile("lr.d %0, (%2)\n\tsc.d %1, %4, (%3)"
                     : "=&r"(v), "=&r"(rc)
                     : "r"(&lr_a), "r"(&lr_b), "r"((u64)0x5555)
                     : "memory");
    show_lrsc("lr.d A; sc.d B (other page)", v, rc, lr_b);
    __asm__ volatile("sc.d %0, %1, (%2)"
                     : "=&r"(rc)
                     : "r"((u64)0x6666), "r"(&lr_a)
                     : "memory");
    show_lrsc("then sc.d A (reservation gone)", 0, rc, lr_a);

    __asm__ volatile("lr.d %0, (%2)\n\tlr.d %0, (%3)\n\tsc.d %1, %4, (%2)"
                     : "=&r"(v), "=&r"(rc)
                     : "r"(&lr_a), "r"(&lr_b), "r"((u64)0x7777)
                     : "memory");
    show_lrsc("lr.d A; lr.d B; sc.d A", v, rc, lr_a);

    __asm__ volatile("lr.d %0, (%2)\n\tlr.d %0, (%3)\n\tsc.d %1, %4, (%3)"
                     : "=&r"(v), "=&r"(rc)
                     : "r"(&lr_a), "r"(&lr_b), "r"((u64)0x8888)
                     : "memory");
    show_lrsc("lr.d A; lr.d B; sc.d B", v, rc, lr_b);

    lr_a = 0x000000007fffffffull;
    __asm__ volatile("lr.w.aq %0, (%2)\n\tsc.w.rl %1, %3, (%2)"
                     : "=&r"(v), "=&r"(rc)
                     : "r"(&lr_a), "r"((u64)0x99999999ull)
                     : "memory");
    show_lrsc("lr.w.aq; sc.w.rl", v, rc, lr_a);

    __asm__ volatile("lr.d.aqrl %0, (%2)\n\taddi %0, %0, 1\n\tsc.d.aqrl %1, %0, (%2)"
                     : "=&r"(v), "=&r"(rc)
                     : "r"(&lr_a)
                     : "memory");
    show_lrsc("lr.d.aqrl; addi; sc.d.aqrl", v, rc, lr_a);
}

/* ------------------------------------------------------------------ */
/* control transfer                                                    */
/* ------------------------------------------------------------------ */

static const struct pair br_pairs[] = {
    {0, 0},         {1, ALL1},  {ALL1, 1},  {MIN64, MAX64},
    {MAX64, MIN64}, {MIN64, 0}, {0, MIN64}, {ALL1, ALL1},
};

#define BRANCH(op, a, b)                                                      \
    ({                                                                        \
        u64 t_;                                                               \
        __asm__ volatile("li %0, 1\n\t" op " %1, %2, 1f\n\tli %0, 0\n1:"      \
                         : "=&r"(t_)                                          \
                         : "r"((u64)(a)), "r"((u64)(b)));                     \
        t_;                                                                   \
    })

static void show_br(const char *op, u64 a, u64 b, u64 taken)
{
    rt_printf("%-7s %016lx %016lx -> %s\n", op, a, b, taken ? "taken" : "not taken");
    ncases++;
}

#define T_BRANCH(op)                                                          \
    for (unsigned i_ = 0; i_ < NELEM(br_pairs); i_++)                         \
    show_br(op, br_pairs[i_].a, br_pairs[i_].b,                               \
            BRANCH(op, br_pairs[i_].a, br_pairs[i_].b))

__attribute__((noinline)) static u64 callee(u64 x) { return x * 3 + 1; }

static void test_branches(void)
{
    section("conditional branches");
    T_BRANCH("beq");
    T_BRANCH("bne");
    T_BRANCH("blt");
    T_BRANCH("bge");
    T_BRANCH("bltu");
    T_BRANCH("bgeu");
    {
        /* backward taken branch: count down 5 -> 0 */
        u64 n = 5, iters;
        __asm__ volatile("li %1, 0\n"
                         "1: addi %1, %1, 1\n\t"
                         "addi %0, %0, -1\n\t"
                         "bnez %0, 1b"
                         : "+r"(n), "=&r"(iters));
        show_v("backward bnez loop iterations", iters);
    }

    section("jal / jalr (link values relative to labels)");
    u64 link, t, flag;
    __asm__ volatile("li %2, 0\n"
                     "1: jal %0, 2f\n\t"
                     "li %2, 1\n"
                     "2: lla %1, 1b\n\t"
                     "sub %0, %0, %1"
                     : "=&r"(link), "=&r"(t), "=&r"(flag));
    show_v("jal fwd: link - jal", link);
    show_v("jal fwd: skipped insn ran", flag);

    __asm__ volatile("j 3f\n"
                     "2: j 4f\n"
                     "3: jal %0, 2b\n"
                     "4: lla %1, 3b\n\t"
                     "sub %0, %0, %1"
                     : "=&r"(link), "=&r"(t));
    show_v("jal back: link - jal", link);

    /* link - start counts bytes: norvc keeps the addi 4 bytes in the rv64gc build too */
    __asm__ volatile(".option push\n.option norvc\n"
                     "li %2, 0\n"
                     "1: lla %1, 2f\n\t"
                     "addi %1, %1, -16\n\t"
                     "jalr %0, 16(%1)\n\t"
                     "li %2, 1\n"
                     "2: lla %1, 1b\n\t"
                     "sub %0, %0, %1\n"
                     ".option pop"
                     : "=&r"(link), "=&r"(t), "=&r"(flag));
    show_v("jalr +16: link - start", link);
    show_v("jalr +16: skipped insn ran", flag);

    __asm__ volatile("li %2, 0\n"
                     "1: lla %1, (2f)+2044\n\t"
                     "jalr %0, -2044(%1)\n\t"
                     "li %2, 1\n"
                     "2: lla %1, 1b\n\t"
                     "sub %0, %0, %1"
                     : "=&r"(link), "=&r"(t), "=&r"(flag));
    show_v("jalr -2044: link - start", link);
    show_v("jalr -2044: skipped insn ran", flag);

    /* target with bit 0 set: jalr clears it */
    __asm__ volatile(".option push\n.option norvc\n"
                     "li %2, 0\n"
                     "1: lla %1, 2f\n\t"
                     "addi %1, %1, 1\n\t"
                     "jalr %0, 0(%1)\n\t"
                     "li %2, 1\n"
                     "2: lla %1, 1b\n\t"
                     "sub %0, %0, %1\n"
                     ".option pop"
                     : "=&r"(link), "=&r"(t), "=&r"(flag));
    show_v("jalr odd target: link - start", link);
    show_v("jalr odd target: skipped ran", flag);

    /* rd == rs1: the target uses the old rs1 */
    __asm__ volatile("li %2, 0\n"
                     "1: lla %0, 2f\n\t"
                     "jalr %0, 0(%0)\n\t"
                     "li %2, 1\n"
                     "2: lla %1, 1b\n\t"
                     "sub %0, %0, %1"
                     : "=&r"(link), "=&r"(t), "=&r"(flag));
    show_v("jalr rd==rs1: link - start", link);
    show_v("jalr rd==rs1: skipped ran", flag);

    /* jalr x0 (plain indirect jump) */
    __asm__ volatile("li %1, 0\n\t"
                     "lla %0, 2f\n\t"
                     "jr %0\n\t"
                     "li %1, 1\n"
                     "2:"
                     : "=&r"(t), "=&r"(flag));
    show_v("jr: skipped insn ran", flag);

    /* indirect call through a function pointer */
    u64 (*volatile fp)(u64) = callee;
    show_v("call via pointer: callee(41)", fp(41));
}

static void test_fence(void)
{
    section("fences (must simply execute)");
    __asm__ volatile("fence" ::: "memory");
    __asm__ volatile("fence rw, rw" ::: "memory");
    __asm__ volatile("fence r, r" ::: "memory");
    __asm__ volatile("fence w, w" ::: "memory");
    __asm__ volatile("fence iorw, iorw" ::: "memory");
    __asm__ volatile("fence.tso" ::: "memory");
    __asm__ volatile(".word 0x0100000f /* pause = fence w,0 */" ::: "memory");
    __asm__ volatile("fence.i" ::: "memory");
    show_v("fence variants, fence.i", 1);
}

int main(int hartid, int nharts)
{
    (void)nharts;
    if (hartid != 0)
        return 0;
    rt_printf("isa_selfcheck: RV64IMA edge cases\n");
    test_arith();
    test_shifts();
    test_compare();
    test_upper();
    test_muldiv();
    test_loads();
    test_store_widths();
    test_misaligned();
    test_amo();
    test_lrsc();
    test_branches();
    test_fence();
    rt_printf("isa_selfcheck: %d cases done\n", ncases);
    return 0;
}

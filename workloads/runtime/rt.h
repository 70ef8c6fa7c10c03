/*
 * smpemu workloads: tiny freestanding runtime for RV64IMA (lp64).
 *
 * Programs define   int main(int hartid, int nharts);
 * _start (start.S) calls it on every hart and passes the return value to
 * the exit syscall (93), which ends just that hart.
 */
#ifndef SMPEMU_RT_H
#define SMPEMU_RT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Linux riscv64 syscall numbers (asm-generic) ---- */
#define RT_SYS_write          64
#define RT_SYS_exit           93
#define RT_SYS_exit_group     94
#define RT_SYS_clock_gettime 113
#define RT_SYS_sched_yield   124
#define RT_SYS_getpid        172
#define RT_SYS_gettid        178
#define RT_SYS_brk           214

#define RT_CLOCK_REALTIME  0
#define RT_CLOCK_MONOTONIC 1

struct rt_timespec {
    long tv_sec;
    long tv_nsec;
};

/* ---- raw syscalls: ecall with a7 = number, a0..a5 = args ---- */
static inline long rt_syscall6(long n, long a0, long a1, long a2, long a3,
                               long a4, long a5)
{
    register long r_a0 __asm__("a0") = a0;
    register long r_a1 __asm__("a1") = a1;
    register long r_a2 __asm__("a2") = a2;
    register long r_a3 __asm__("a3") = a3;
    register long r_a4 __asm__("a4") = a4;
    register long r_a5 __asm__("a5") = a5;
    register long r_a7 __asm__("a7") = n;
    __asm__ volatile("ecall"
                     : "+r"(r_a0)
                     : "r"(r_a1), "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a5),
                       "r"(r_a7)
                     : "memory");
    return r_a0;
}
#define rt_syscall0(n)          rt_syscall6((n), 0, 0, 0, 0, 0, 0)
#define rt_syscall1(n, a)       rt_syscall6((n), (long)(a), 0, 0, 0, 0, 0)
#define rt_syscall2(n, a, b)    rt_syscall6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define rt_syscall3(n, a, b, c) rt_syscall6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

long rt_write(int fd, const void *buf, size_t len);
__attribute__((noreturn)) void rt_exit(int code);       /* this hart only */
__attribute__((noreturn)) void rt_exit_group(int code); /* whole program */
long rt_getpid(void);
long rt_gettid(void);
long rt_sched_yield(void);
long rt_clock_gettime(int clk, struct rt_timespec *ts);
long rt_brk(void *addr);

/* ---- formatted output ----
 * Supports %d %i %u %x %X %s %c %p %% with optional '-' / '0' flags, a
 * width, and the 'l' / 'll' / 'z' length modifiers (%ld %lu %lx %016lx ...).
 * rt_printf formats the whole text into a buffer and emits it with ONE write
 * syscall, so lines printed by different harts never interleave mid-line.
 * Output longer than RT_PRINTF_MAX - 1 bytes is truncated.
 */
#define RT_PRINTF_MAX 512
int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int rt_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int rt_puts(const char *s); /* s plus '\n', one write */

/* ---- libc-style memory/string helpers (clang may emit calls to these) ---- */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* ---- atomics (A extension, inline asm). All return the OLD value. ---- */
static inline int32_t rt_amoadd_w(volatile int32_t *p, int32_t v)
{
    int32_t old;
    __asm__ volatile("amoadd.w.aqrl %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(v) : "memory");
    return old;
}
static inline int64_t rt_amoadd_d(volatile int64_t *p, int64_t v)
{
    int64_t old;
    __asm__ volatile("amoadd.d.aqrl %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(v) : "memory");
    return old;
}
static inline int32_t rt_amoswap_w(volatile int32_t *p, int32_t v)
{
    int32_t old;
    __asm__ volatile("amoswap.w.aqrl %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(v) : "memory");
    return old;
}
static inline int64_t rt_amoswap_d(volatile int64_t *p, int64_t v)
{
    int64_t old;
    __asm__ volatile("amoswap.d.aqrl %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(v) : "memory");
    return old;
}
/* fetch-and-add built from an LR/SC retry loop */
static inline int32_t rt_lrsc_add_w(volatile int32_t *p, int32_t v)
{
    int32_t old, tmp;
    __asm__ volatile("1: lr.w.aqrl %0, (%2)\n"
                     "   addw      %1, %0, %3\n"
                     "   sc.w.aqrl %1, %1, (%2)\n"
                     "   bnez      %1, 1b\n"
                     : "=&r"(old), "=&r"(tmp)
                     : "r"(p), "r"(v)
                     : "memory");
    return old;
}
static inline int64_t rt_lrsc_add_d(volatile int64_t *p, int64_t v)
{
    int64_t old, tmp;
    __asm__ volatile("1: lr.d.aqrl %0, (%2)\n"
                     "   add       %1, %0, %3\n"
                     "   sc.d.aqrl %1, %1, (%2)\n"
                     "   bnez      %1, 1b\n"
                     : "=&r"(old), "=&r"(tmp)
                     : "r"(p), "r"(v)
                     : "memory");
    return old;
}
static inline void rt_fence(void) { __asm__ volatile("fence rw, rw" ::: "memory"); }

/* ---- sense-reversing barrier across harts (AMO based) ----
 * Zero-initialise (e.g. a global: static rt_barrier_t b;). Every one of the
 * nharts harts must call rt_barrier(&b, nharts); it returns once all have.
 * Reusable any number of times. nharts <= 1 returns immediately.
 */
typedef struct {
    volatile int32_t count; /* harts arrived in the current episode */
    volatile int32_t sense; /* flips each time the barrier opens */
} rt_barrier_t;
void rt_barrier(rt_barrier_t *b, int nharts);

/* ---- counters (Zicntr pseudo-instructions) ---- */
static inline uint64_t rt_rdcycle(void)
{
    uint64_t v;
    __asm__ volatile("rdcycle %0" : "=r"(v));
    return v;
}
static inline uint64_t rt_rdinstret(void)
{
    uint64_t v;
    __asm__ volatile("rdinstret %0" : "=r"(v));
    return v;
}

int main(int hartid, int nharts);

#endif /* SMPEMU_RT_H */

/*
 * smpemu workloads: tiny freestanding runtime for RV64IMA (lp64).
 * See rt.h for the API and start.S for the boot contract.
 */
#include "rt.h"

/* ------------------------------------------------------------------ */
/* syscalls                                                            */
/* ------------------------------------------------------------------ */

long rt_write(int fd, const void *buf, size_t len)
{
    return rt_syscall3(RT_SYS_write, fd, buf, len);
}

void rt_exit(int code)
{
    for (;;)
        rt_syscall1(RT_SYS_exit, code);
}

void rt_exit_group(int code)
{
    for (;;)
        rt_syscall1(RT_SYS_exit_group, code);
}

long rt_getpid(void) { return rt_syscall0(RT_SYS_getpid); }
long rt_gettid(void) { return rt_syscall0(RT_SYS_gettid); }
long rt_sched_yield(void) { return rt_syscall0(RT_SYS_sched_yield); }

long rt_clock_gettime(int clk, struct rt_timespec *ts)
{
    return rt_syscall2(RT_SYS_clock_gettime, clk, ts);
}

long rt_brk(void *addr) { return rt_syscall1(RT_SYS_brk, addr); }

/* ------------------------------------------------------------------ */
/* memory / string helpers                                             */
/* (the build uses -fno-builtin so these loops are not turned back     */
/*  into calls to themselves)                                          */
/* ------------------------------------------------------------------ */

void *memcpy(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d == s || n == 0)
        return dst;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        d += n;
        s += n;
        while (n--)
            *--d = *--s;
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

/* ------------------------------------------------------------------ */
/* formatted output                                                    */
/* ------------------------------------------------------------------ */

struct outbuf {
    char *buf;
    size_t size; /* capacity including the terminating NUL */
    size_t pos;  /* characters produced so far (may exceed size) */
};

static void out_c(struct outbuf *o, char c)
{
    if (o->pos + 1 < o->size)
        o->buf[o->pos] = c;
    o->pos++;
}

static void out_pad(struct outbuf *o, char c, int n)
{
    while (n-- > 0)
        out_c(o, c);
}

/* emit a string of length len with width/flags; sign is '-' or 0 */
static void out_field(struct outbuf *o, const char *s, int len, char sign,
                      int width, int left, int zero)
{
    int total = len + (sign ? 1 : 0);
    int pad = width > total ? width - total : 0;
    if (left) {
        if (sign)
            out_c(o, sign);
        for (int i = 0; i < len; i++)
            out_c(o, s[i]);
        out_pad(o, ' ', pad);
    } else if (zero) {
        if (sign)
            out_c(o, sign);
        out_pad(o, '0', pad);
        for (int i = 0; i < len; i++)
            out_c(o, s[i]);
    } else {
        out_pad(o, ' ', pad);
        if (sign)
            out_c(o, sign);
        for (int i = 0; i < len; i++)
            out_c(o, s[i]);
    }
}

/* digits of v in base 10/16 into the END of tmp; returns start index */
static int utoa(uint64_t v, unsigned base, int upper, char tmp[24])
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    int i = 24;
    do {
        tmp[--i] = digits[v % base];
        v /= base;
    } while (v);
    return i;
}

int rt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct outbuf o = {buf, size, 0};
    char tmp[24];

    while (*fmt) {
        char c = *fmt++;
        if (c != '%') {
            out_c(&o, c);
            continue;
        }
        int left = 0, zero = 0, width = 0, lng = 0;
        for (;; fmt++) {
            if (*fmt == '-')
                left = 1;
            else if (*fmt == '0')
                zero = 1;
            else
                break;
        }
        while (*fmt >= '0' && *fmt <= '9')
            width = width * 10 + (*fmt++ - '0');
        for (;; fmt++) {
            if (*fmt == 'l')
                lng++;
            else if (*fmt == 'z')
                lng = 2;
            else
                break;
        }
        char conv = *fmt;
        if (conv == '\0')
            break;
        fmt++;
        switch (conv) {
        case 'd':
        case 'i': {
            int64_t v = lng ? va_arg(ap, long) : va_arg(ap, int);
            uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
            int s = utoa(u, 10, 0, tmp);
            out_field(&o, tmp + s, 24 - s, v < 0 ? '-' : 0, width, left, zero);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t u = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            int s = utoa(u, conv == 'u' ? 10 : 16, conv == 'X', tmp);
            out_field(&o, tmp + s, 24 - s, 0, width, left, zero);
            break;
        }
        case 'p': {
            uint64_t u = (uint64_t)(uintptr_t)va_arg(ap, void *);
            int s = utoa(u, 16, 0, tmp);
            tmp[--s] = 'x';
            tmp[--s] = '0';
            out_field(&o, tmp + s, 24 - s, 0, width, left, 0);
            break;
        }
        case 's': {
            const char *str = va_arg(ap, const char *);
            if (!str)
                str = "(null)";
            out_field(&o, str, (int)strlen(str), 0, width, left, 0);
            break;
        }
        case 'c': {
            char ch = (char)va_arg(ap, int);
            out_field(&o, &ch, 1, 0, width, left, 0);
            break;
        }
        case '%':
            out_c(&o, '%');
            break;
        default: /* unknown conversion: print it verbatim */
            out_c(&o, '%');
            out_c(&o, conv);
            break;
        }
    }
    if (size)
        buf[o.pos < size ? o.pos : size - 1] = '\0';
    return (int)o.pos;
}

int rt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = rt_vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

int rt_printf(const char *fmt, ...)
{
    char buf[RT_PRINTF_MAX];
    va_list ap;
    va_start(ap, fmt);
    int n = rt_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 1)
        n = (int)sizeof buf - 1;
    rt_write(1, buf, (size_t)n); /* exactly one write per call */
    return n;
}

int rt_puts(const char *s)
{
    return rt_printf("%s\n", s);
}

/* ------------------------------------------------------------------ */
/* sense-reversing barrier                                             */
/* ------------------------------------------------------------------ */

static inline int32_t load_acquire_w(volatile int32_t *p)
{
    int32_t v;
    __asm__ volatile("lw %0, 0(%1)\n\tfence r, rw" : "=r"(v) : "r"(p) : "memory");
    return v;
}

void rt_barrier(rt_barrier_t *b, int nharts)
{
    if (nharts <= 1)
        return;
    /* The sense cannot flip before this hart arrives, so reading it first
     * tells us which value the current episode will flip away from. */
    int32_t sense = load_acquire_w(&b->sense);
    int32_t arrived = rt_amoadd_w(&b->count, 1) + 1;
    if (arrived == nharts) {
        /* last one in: reset the count, then open the barrier (the
         * .aqrl AMOs order the reset before the flip) */
        rt_amoswap_w(&b->count, 0);
        rt_amoswap_w(&b->sense, sense ^ 1);
    } else {
        while (load_acquire_w(&b->sense) == sense)
            ;
    }
}

// Random mmap/munmap/mprotect/madvise/mremap/brk/write calls with wild arguments (a seeded
// xorshift; argv: count, seed), kept off the program's own text, heap and stack: the kernel must
// answer each with a result or an errno, never crash or leak.
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
static uint64_t s = 88172645463325252ull;
static uint64_t rnd(void) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; return s; }
static uint64_t pick(void) {
  switch (rnd() % 8) {
    case 0: return 0;
    case 1: return rnd();
    case 2: return rnd() % 0x100000;
    case 3: return (rnd() % 64) << 12;
    case 4: return 0x3ff0000000ull + ((rnd() % 0x10000) << 12);
    case 5: return (uint64_t)-1 - (rnd() % 8192);
    case 6: return 1ull << (rnd() % 64);
    default: return 0x10000 + (rnd() % 0x100) * 4096;
  }
}
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 3000;
  s ^= argc > 2 ? atoll(argv[2]) : 0;
  long nums[] = {SYS_mmap, SYS_munmap, SYS_mprotect, SYS_brk, SYS_mremap, SYS_madvise, SYS_write};
  int ok = 0;
  for (int i = 0; i < n; i++) {
    long nr = nums[rnd() % 7];
    uint64_t a = pick(), b = pick(), c = rnd() % 16, d = rnd() % 0x200000, e = (uint64_t)-1, f = pick();
    if (nr == SYS_write) { a = 1; c = b % 16; b = pick(); }
    // never take away our own text, data, heap or stack: ranges stay inside [1 MiB, 0x3f00000000)
#define SAFE(x, len) ((x) >= 0x100000 && (len) < 0x3f00000000ull && (x) < 0x3f00000000ull - (len))
    if ((nr == SYS_munmap || nr == SYS_mprotect || nr == SYS_madvise) && !SAFE(a, b)) continue;
    if (nr == SYS_mremap && (!SAFE(a, b) || !SAFE(a, c << 12))) continue;
    if (nr == SYS_mremap) { c <<= 12; d &= 1; }
    if (nr == SYS_mmap && (d & 0x10) && !SAFE(a, b)) d &= ~0x10ul;
    if (nr == SYS_brk) a = 0;
    long r = syscall(nr, a, b, c, d, e, f);
    if (r >= 0 || r == -1) ok++;
    if (nr == SYS_mmap && r > 0 && (c & PROT_WRITE) && b > 0 && b < (1 << 24)) ((volatile char *)r)[0] = 1;
  }
  printf("done %d\n", ok);
  return 0;
}

// Misaligned loads and stores across a page boundary (the hardware refuses those whose pages
// are not physically adjacent; Linux emulates them): values must come back exactly.
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
int main(void) {
  char *p = mmap(0, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  // Fault the pages in out of order (1, 2, then 0): the allocator hands out pages last-freed
  // first, so no two neighbours end up physically adjacent in address order.
  p[4096] = 1;
  p[8192] = 1;
  p[0] = 1;
  for (int off = 1; off < 8; off++) {
    volatile uint64_t *q64 = (volatile uint64_t *)(p + 4096 - off);
    *q64 = 0x8877665544332211ull * off;
    volatile int32_t *q32 = (volatile int32_t *)(p + 8192 - (off & 3 ? off & 3 : 1));
    *q32 = -123456789 * off;
    volatile int16_t *q16 = (volatile int16_t *)(p + 8192 - 1);
    *q16 = (int16_t)(-300 * off);
    volatile uint32_t *u32 = (volatile uint32_t *)(p + 8192 - 2);
    printf("off %d: %016llx %d %d %u\n", off, (unsigned long long)*q64, *q32, *q16, *u32);
  }
  return 0;
}

// mmap 8 MiB, then touch argv[1] pages (argv[2]: r reads them, w writes them), one byte per page.
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 0;
  char mode = argc > 2 ? argv[2][0] : 'w';
  volatile char *p = mmap(0, 8 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  long sum = 0;
  for (long i = 0; i < n; i++) {
    if (mode == 'r') sum += p[i * 4096];
    else p[i * 4096] = (char)i;
  }
  printf("base %p sum %ld\n", (void *)p, sum);
  return 0;
}

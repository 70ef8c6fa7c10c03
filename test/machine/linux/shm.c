// Shared anonymous memory (a shmem object as long as the first mapping): read before write
// (a fresh page, zero), the object's pages kept when mremap moves the mapping; with argv[1],
// a touch past the object's end: SIGBUS, as on Linux.
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  printf("fresh %d %d\n", p[100], p[5000]);
  p[100] = 42;
  p[5000] = 7;
  char *q = mremap(p, 8192, 64 * 4096, MREMAP_MAYMOVE);
  printf("after mremap %d %d\n", q[100], q[5000]);
  fflush(stdout);
  if (argc > 1) printf("past the end %d\n", q[40000]);
  printf("munmap %d\n", munmap(q, 64 * 4096));
  return 0;
}

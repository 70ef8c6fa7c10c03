// mmap one page at 1 TiB (above Sv39's 256 GiB user space, inside Sv48's 128 TiB) with
// MAP_FIXED_NOREPLACE, write and read it back, and print /proc/cpuinfo's mmu line.
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
int main(void) {
  char *want = (char *)(1UL << 40);
  char *p = mmap(want, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED) printf("mmap 1 TiB: failed: %s\n", strerror(errno));
  else {
    strcpy(p, "high");
    printf("mmap 1 TiB: %s at %p: %s\n", p == want ? "ok" : "moved", (void *)p, p);
  }
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[256];
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "mmu", 3) == 0) {
      fputs(line, stdout);
      break;
    }
  return 0;
}

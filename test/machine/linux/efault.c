// Bad pointers to syscalls come back as EFAULT; the process keeps running.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void) {
  errno = 0;
  long r = write(1, (void *)8, 10);
  printf("write(NULL+8): %ld %s\n", r, strerror(errno));
  char *p = mmap(0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  munmap(p + 4096, 4096);
  memcpy(p + 4096 - 3, "ok\n", 3);
  errno = 0;
  r = write(1, p + 4096 - 3, 6);  // the last 3 bytes lie in the hole
  printf("write across a hole: %ld %s\n", r, strerror(errno));
  errno = 0;
  r = write(1, p + 4096 - 3, 3);
  printf("write before the hole: %ld\n", r);
  char *ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  errno = 0;
  r = read(0, ro, 1);  // stdin is not read: the kernel must not write a read-only page either way
  printf("mprotect to none then write: %d\n", mprotect(ro, 4096, PROT_NONE));
  errno = 0;
  r = write(1, ro, 1);
  printf("write from PROT_NONE: %ld %s\n", r, strerror(errno));
  return 0;
}

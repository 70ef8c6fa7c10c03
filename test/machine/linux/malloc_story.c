// glibc malloc's story: small blocks from brk, a big one from mmap (over the 128 KiB
// threshold), free of the big one (munmap, and the threshold adapts), realloc growing a big
// block (mremap), a trim of the heap top (brk shrinks), calloc of fresh pages (zeroes).
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
int main(void) {
  char *start = sbrk(0);
  char *small[200];
  for (int i = 0; i < 200; i++) {
    small[i] = malloc(100 + i);
    memset(small[i], i, 100 + i);
  }
  long heap = (char *)sbrk(0) - start;
  printf("200 small blocks: heap grew %s, blocks below the break: %d\n", heap > 0 ? "yes" : "no", small[199] < (char *)sbrk(0));
  char *big = malloc(200 * 1024);
  printf("200 KiB block outside the heap: %d\n", big > (char *)sbrk(0) || big < start);
  memset(big, 7, 200 * 1024);
  long s = 0;
  for (int i = 0; i < 200 * 1024; i += 4096) s += big[i];
  printf("sum %ld\n", s);
  free(big);
  char *big2 = malloc(200 * 1024);  // after the free the threshold rose: now from the heap
  printf("second 200 KiB block in the heap: %d\n", big2 >= start && big2 < (char *)sbrk(0));
  free(big2);
  char *huge = malloc(1 << 20);
  huge[0] = 1;
  huge[(1 << 20) - 1] = 2;
  huge = realloc(huge, 4 << 20);
  printf("realloc kept the bytes: %d %d\n", huge[0], huge[(1 << 20) - 1]);
  huge[(4 << 20) - 1] = 3;
  free(huge);
  int *z = calloc(100000, sizeof(int));
  long nz = 0;
  for (int i = 0; i < 100000; i++) nz += z[i] != 0;
  printf("calloc nonzero: %ld\n", nz);
  free(z);
  int ok = 1;
  for (int i = 0; i < 200; i++) {
    for (int j = 0; j < 100 + i; j++) ok &= small[i][j] == (char)i;
    free(small[i]);
  }
  printf("small blocks intact: %d\n", ok);
  char *before = sbrk(0);
  malloc_trim(0);
  printf("trim: break moved down or stayed: %d\n", (char *)sbrk(0) <= before);
  return 0;
}

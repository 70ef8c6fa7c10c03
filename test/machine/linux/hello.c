// printf of integers, strings and doubles; exit status 3.
#include <stdio.h>
int main(void) {
  printf("hello, world\n");
  printf("int %d, neg %ld, hex %#x, str %s, double %.3f %g %e\n", 42, -1234567890123L, 0xbeef, "abc", 3.14159, 1e-5, 6.02214076e23);
  for (int i = 0; i < 3; i++) printf("line %d of %d: %5.2f%%\n", i + 1, 3, 100.0 * (i + 1) / 3);
  return 3;
}

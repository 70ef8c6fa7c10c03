// The guest reads its own /proc: the first lines of /proc/self/status, its VmRSS line, and
// /proc/self/maps, through open/read.
#include <stdio.h>
int main(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char l[256];
  int n = 0;
  while (f && fgets(l, sizeof l, f))
    if (n++ < 1 || (l[0] == 'V' && l[2] == 'R')) fputs(l, stdout);
  f = fopen("/proc/self/maps", "r");
  while (f && fgets(l, sizeof l, f)) fputs(l, stdout);
  return 0;
}

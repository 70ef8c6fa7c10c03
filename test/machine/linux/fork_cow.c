// fork's copy-on-write as /proc/self/smaps_rollup shows it: a 64-page anonymous block touched
// by the parent is shared after fork (Rss unchanged, Pss halved); each page the child writes
// becomes its own copy (Private_Dirty +4 kB, Pss +2 kB, Rss unchanged). Differences only are
// printed: absolute sizes depend on the machine.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 64
#define WRITES 8

struct roll { long rss, pss, pdirty, sdirty; };

static char line[256];

static void rollup(struct roll *r) {
  FILE *f = fopen("/proc/self/smaps_rollup", "r");
  long v;
  memset(r, 0, sizeof *r);
  while (f && fgets(line, sizeof line, f)) {
    if (sscanf(line, "Rss: %ld", &v) == 1) r->rss = v;
    else if (sscanf(line, "Pss: %ld", &v) == 1) r->pss = v;
    else if (sscanf(line, "Private_Dirty: %ld", &v) == 1) r->pdirty = v;
    else if (sscanf(line, "Shared_Dirty: %ld", &v) == 1) r->sdirty = v;
  }
  if (f) fclose(f);
}

int main(void) {
  char *block = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  struct roll a, b, c, d;
  for (int i = 0; i < PAGES; i++) block[i * 4096] = (char)i;
  rollup(&a);
  rollup(&a); // the second read: stdio's buffers already in place
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    rollup(&b);
    rollup(&b);
    for (int i = 0; i < WRITES; i++) block[i * 4096] = 100;
    rollup(&c);
    printf("child: block shared: Shared_Dirty >= %d kB: %d\n", PAGES * 4, b.sdirty >= PAGES * 4);
    printf("child: after %d writes: Rss %+ld kB, Pss %+ld kB, Private_Dirty %+ld kB, Shared_Dirty %+ld kB\n", WRITES,
           c.rss - b.rss, c.pss - b.pss, c.pdirty - b.pdirty, c.sdirty - b.sdirty);
    printf("child: block[0] %d block[%d] %d\n", block[0], WRITES, block[WRITES * 4096]);
    fflush(stdout);
    _exit(0);
  }
  int st;
  waitpid(pid, &st, 0);
  rollup(&d);
  printf("parent: block[0] %d, Pss back to private: %d, Rss %+ld kB\n", block[0], d.pss - a.pss >= 0 && d.pdirty >= a.pdirty, d.rss - a.rss);
  return 0;
}

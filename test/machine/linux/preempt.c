// Two CPU-bound processes on one core: the tick preempts each (nonvoluntary_ctxt_switches in
// /proc/PID/status), both finish; the parent sees its child in /proc (PPid, State) and, asleep
// in wait4, counts a voluntary switch. Prints only what Linux would print on any machine.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long field(const char *path, const char *name) {
  char l[256];
  long v = -1;
  FILE *f = fopen(path, "r");
  while (f && fgets(l, sizeof l, f))
    if (strncmp(l, name, strlen(name)) == 0) v = atol(l + strlen(name));
  if (f) fclose(f);
  return v;
}

static volatile long sink;

static void spin(long n) {
  for (long i = 0; i < n; i++) sink += i;
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 3000000;
  pid_t parent = getpid();
  pid_t c = fork();
  if (c == 0) {
    spin(n);
    long inv = field("/proc/self/status", "nonvoluntary_ctxt_switches:");
    fprintf(stderr, "child nonvoluntary %ld\n", inv);
    _exit(inv > 0 ? 1 : 0);
  }
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/status", c);
  printf("child in /proc: PPid is the parent: %d\n", field(path, "PPid:") == parent);
  spin(n);
  int st;
  waitpid(c, &st, 0);
  long inv = field("/proc/self/status", "nonvoluntary_ctxt_switches:");
  long vol = field("/proc/self/status", "voluntary_ctxt_switches:");
  fprintf(stderr, "parent nonvoluntary %ld voluntary %ld\n", inv, vol);
  printf("child was preempted: %d\n", WEXITSTATUS(st));
  printf("parent was preempted: %d\n", inv > 0);
  return 0;
}

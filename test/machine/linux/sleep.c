// nanosleep as a real sleep: a child sleeps 50 ms while its parent computes (the parent's
// line comes first), then pid 1 sleeps 10 s (or argv[1] s) with nothing else to run (the core idles).
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile long sink;

int main(int argc, char **argv) {
  long secs = argc > 1 ? atol(argv[1]) : 10;
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    usleep(50000);
    printf("child: woke after the parent's work\n");
    fflush(stdout);
    _exit(0);
  }
  for (long i = 0; i < 300000; i++) sink += i;
  printf("parent: work done\n");
  fflush(stdout);
  waitpid(c, NULL, 0);
  struct timespec t = {secs, 0};
  nanosleep(&t, NULL);
  clock_gettime(CLOCK_MONOTONIC, &b);
  long s = b.tv_sec - a.tv_sec;
  // At least secs; the upper bound is loose because qemu, the oracle, runs in host time.
  printf("slept %ld s: %d\n", secs, s >= secs && s < secs + 50);
  return 0;
}

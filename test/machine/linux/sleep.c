// nanosleep as a real sleep: a child sleeps 50 ms while its parent computes, then pid 1 sleeps
// 10 s (or argv[1] s) with nothing else to run (the core idles).
// stdout holds what any Linux prints: the child's line waits for the parent's (a pipe), since
// under qemu on a loaded host the parent's work can outlast the 50 ms. Whether the parent's work
// was done when the child woke (the parent ran while the child slept) is machine-dependent and
// goes to stderr, which only smpemu's run is checked on.
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile long sink;

static double since(const struct timespec *a) {
  struct timespec b;
  clock_gettime(CLOCK_MONOTONIC, &b);
  return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

int main(int argc, char **argv) {
  long secs = argc > 1 ? atol(argv[1]) : 10;
  struct timespec a;
  clock_gettime(CLOCK_MONOTONIC, &a);
  volatile int *work_done = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int order[2];
  pipe(order);
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    usleep(50000);
    int done_at_wake = *work_done;
    double slept = since(&t0);
    char x;
    read(order[0], &x, 1);
    printf("child: slept 50 ms: %d\n", slept >= 0.05);
    fflush(stdout);
    fprintf(stderr, "child: the parent's work was done when it woke: %d\n", done_at_wake);
    _exit(0);
  }
  for (long i = 0; i < 300000; i++) sink += i;
  *work_done = 1;
  printf("parent: work done\n");
  fflush(stdout);
  write(order[1], "x", 1);
  waitpid(c, NULL, 0);
  struct timespec t = {secs, 0};
  nanosleep(&t, NULL);
  double s = since(&a);
  // At least secs; the upper bound is loose because qemu, the oracle, runs in host time.
  printf("slept %ld s: %d\n", secs, s >= secs && s < secs + 50);
  return 0;
}

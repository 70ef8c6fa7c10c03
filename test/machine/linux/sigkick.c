/* A signal to a thread spinning in user mode on another core (test/machine/linux_sigkick.test.ts):
 * main, pinned to core 0, sends SIGUSR1 by pthread_kill to a worker pinned to core 1 that never
 * enters the kernel by itself; each send's latency (the handler's CLOCK_MONOTONIC minus the
 * sender's, just before pthread_kill) goes to stderr in ns, the count of handled signals to stdout.
 * The sends are spaced unevenly so they fall at every phase of the worker core's tick. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SENDS 12

static volatile int hits, stop, spinning;
static volatile long long t_handled;
static pthread_t worker;

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void on_usr1(int sig) {
  (void)sig;
  t_handled = now_ns();
  hits++;
}

static void pin(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  if (sched_setaffinity(0, sizeof s, &s) != 0) { perror("sched_setaffinity"); exit(1); }
}

static void *spin(void *a) {
  (void)a;
  pin(1);
  raise(SIGUSR1); /* a first delivery here: the handler's pages, the trampoline and this stack are mapped before the measured ones */
  spinning = 1;
  unsigned long n = 0;
  while (!stop) n++; /* no syscall, no fault: only an interrupt brings this core into the kernel */
  return (void *)n;
}

int main(void) {
  struct sigaction sa = { 0 };
  sa.sa_handler = on_usr1;
  sigaction(SIGUSR1, &sa, NULL);
  pin(0);
  pthread_create(&worker, NULL, spin, NULL);
  while (!spinning) sched_yield();
  hits = 0;
  for (int i = 0; i < SENDS; i++) {
    /* 0.3 to 3.8 ms between sends: a different phase of the worker's 4 ms tick each time. */
    long long until = now_ns() + 300000 + (i * 1318721LL) % 3500000;
    while (now_ns() < until) {}
    long long sent = now_ns();
    pthread_kill(worker, SIGUSR1);
    while (hits == i) {}
    fprintf(stderr, "latency %lld\n", t_handled - sent);
  }
  stop = 1;
  pthread_join(worker, NULL);
  printf("handled %d of %d\n", hits, SENDS);
  return 0;
}

// Two threads handing a turn back and forth N times: `yield` spins on the turn with
// sched_yield (one core: every yield is a switch), `futex` sleeps on it with FUTEX_WAIT and
// wakes the other with FUTEX_WAKE (every hand-off a wakeup and a switch).
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int turn;
static long n;
static int useFutex;

static void play(int me) {
  for (long i = 0; i < n; i++) {
    while (atomic_load(&turn) != me) {
      if (useFutex) syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, !me, 0, 0, 0);
      else sched_yield();
    }
    atomic_store(&turn, !me);
    if (useFutex) syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
  }
}

static void *other(void *arg) {
  play(1);
  return arg;
}

int main(int argc, char **argv) {
  useFutex = argc > 1 && strcmp(argv[1], "futex") == 0;
  n = argc > 2 ? atol(argv[2]) : 10000;
  pthread_t t;
  pthread_create(&t, 0, other, 0);
  play(0);
  pthread_join(t, 0);
  printf("%ld hand-offs\n", 2 * n);
  return 0;
}

// Two threads hand a turn back and forth N times with FUTEX_WAIT / FUTEX_WAKE, each pinned to
// its own core (argv: cpu of the first, cpu of the second, N): every hand-off is a wakeup of a
// task sleeping on the other core, so the waker takes the other core's run-queue lock.
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int turn;
static long n;
static int cpus[2];

static void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
    fprintf(stderr, "setaffinity %d failed\n", cpu);
    exit(1);
  }
}

static void *play(void *arg) {
  int me = (int)(long)arg;
  pin(cpus[me]);
  for (long i = 0; i < n; i++) {
    while (atomic_load(&turn) != me) syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, !me, 0, 0, 0);
    atomic_store(&turn, !me);
    syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
  }
  if (sched_getcpu() != cpus[me]) {
    fprintf(stderr, "thread %d ended on cpu %d, not %d\n", me, sched_getcpu(), cpus[me]);
    exit(1);
  }
  return 0;
}

int main(int argc, char **argv) {
  cpus[0] = argc > 1 ? atoi(argv[1]) : 1;
  cpus[1] = argc > 2 ? atoi(argv[2]) : 2;
  n = argc > 3 ? atol(argv[3]) : 1000;
  pthread_t t[2];
  for (long i = 0; i < 2; i++) pthread_create(&t[i], 0, play, (void *)i);
  for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
  printf("%ld hand-offs\n", 2 * n);
  return 0;
}

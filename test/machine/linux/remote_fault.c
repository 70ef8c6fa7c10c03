// A thread moves itself to CPU N (sched_setaffinity, default 3), says where it runs
// (sched_getcpu), and stores to address 16: SIGSEGV kills the process from that core.
// With --threads > 1 the core is one another worker hosts (linux_remote.test.ts).
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int target = 3;

static void *crash(void *arg) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(target, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    perror("sched_setaffinity");
    exit(2);
  }
  char msg[64];
  int n = snprintf(msg, sizeof msg, "thread on cpu %d\n", sched_getcpu());
  write(1, msg, n);
  *(volatile int *)16 = 1;
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1) target = atoi(argv[1]);
  pthread_t t;
  pthread_create(&t, NULL, crash, NULL);
  pthread_join(t, NULL);
  printf("not reached\n");
  return 0;
}

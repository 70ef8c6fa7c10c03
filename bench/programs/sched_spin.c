// THREADS threads splitting a fixed amount of register arithmetic (TOTAL iterations) evenly:
// the same guest work whatever the thread count, for the scheduler's cost with more threads
// than cores.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long per;
static unsigned long sums[64];

static void *work(void *arg) {
  long id = (long)arg;
  unsigned long x = id + 1;
  for (long i = 0; i < per; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
  sums[id] = x;
  return 0;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 4;
  long total = argc > 2 ? atol(argv[2]) : 40000000;
  if (threads < 1 || threads > 64) return 2;
  per = total / threads;
  pthread_t t[64];
  for (long i = 0; i < threads; i++) pthread_create(&t[i], 0, work, (void *)i);
  unsigned long s = 0;
  for (int i = 0; i < threads; i++) {
    pthread_join(t[i], 0);
    s ^= sums[i];
  }
  printf("%d threads %lx\n", threads, s);
  return 0;
}

// TLB shootdowns on munmap (test/machine/linux_smp_shootdown.test.ts): main, pinned to CPU 0,
// maps 4 pages and writes them; two threads pinned to CPUs 1 and 2 read them (their TLBs now
// hold the translations); main munmaps; repeat ROUNDS times. CPU 3 never runs this process.
// With "after", the thread on CPU 1 reads the last region once more after munmap returned:
// that read must fault (SIGSEGV), not go through a translation its TLB kept.
// Usage: shootdown ROUNDS [after]
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGES 4
static pthread_barrier_t barrier;
static char *volatile region;
static int rounds = 4;
static int read_after;
static long bad;

static void pin(int c) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(c, &set);
  sched_setaffinity(0, sizeof set, &set);
}

static void *reader(void *arg) {
  int c = (int)(long)arg;
  pin(c);
  for (int r = 0; r < rounds; r++) {
    pthread_barrier_wait(&barrier); // mapped and written
    long sum = 0;
    for (int p = 0; p < PAGES; p++) sum += region[p * 4096];
    if (sum != PAGES * (r + 1)) __atomic_add_fetch(&bad, 1, __ATOMIC_RELAXED);
    pthread_barrier_wait(&barrier); // read
    pthread_barrier_wait(&barrier); // unmapped
  }
  if (read_after && c == 1) {
    printf("read after munmap: %d\n", region[0]);
    fflush(stdout);
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc > 1) rounds = atoi(argv[1]);
  read_after = argc > 2 && strcmp(argv[2], "after") == 0;
  pin(0);
  pthread_barrier_init(&barrier, NULL, 3);
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, reader, (void *)(long)(i + 1));
  for (int r = 0; r < rounds; r++) {
    char *m = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return 1;
    for (int p = 0; p < PAGES; p++) m[p * 4096] = (char)(r + 1);
    region = m;
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    munmap(m, PAGES * 4096);
    pthread_barrier_wait(&barrier);
  }
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  printf("rounds %d bad %ld\n", rounds, bad);
  return 0;
}

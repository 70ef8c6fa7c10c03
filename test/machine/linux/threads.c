// glibc pthreads on --boot linux: 4 threads each add to their own counter and to a shared one
// under a mutex, joined; a condition-variable handoff; gettid differs per thread, getpid not.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define N 4
#define ITERS 20000

static long counters[N];
static long shared;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready;
static int tids_differ[N];

static void *work(void *arg) {
  long i = (long)arg;
  tids_differ[i] = syscall(SYS_gettid) != getpid();
  for (int k = 0; k < ITERS; k++) {
    counters[i]++;
    pthread_mutex_lock(&lock);
    shared++;
    pthread_mutex_unlock(&lock);
    if (k % 5000 == 0) sched_yield();
  }
  return (void *)(i * 10);
}

static void *waiter(void *arg) {
  pthread_mutex_lock(&lock);
  while (!ready) pthread_cond_wait(&cond, &lock);
  pthread_mutex_unlock(&lock);
  return (void *)7;
}

int main(void) {
  pthread_t t[N], w;
  cpu_set_t set;
  printf("affinity: %d\n", sched_getaffinity(0, sizeof set, &set) == 0 && CPU_ISSET(0, &set));
  pthread_create(&w, NULL, waiter, NULL);
  for (long i = 0; i < N; i++) pthread_create(&t[i], NULL, work, (void *)i);
  FILE *f = fopen("/proc/self/status", "r"); // Threads: differs under qemu (its own threads): stderr
  char l[128];
  while (f && fgets(l, sizeof l, f))
    if (strncmp(l, "Threads:", 8) == 0) fputs(l, stderr);
  if (f) fclose(f);
  long sum = 0;
  for (int i = 0; i < N; i++) {
    void *r;
    pthread_join(t[i], &r);
    sum += (long)r;
  }
  pthread_mutex_lock(&lock);
  ready = 1;
  pthread_cond_signal(&cond);
  pthread_mutex_unlock(&lock);
  void *wr;
  pthread_join(w, &wr);
  long total = 0;
  for (int i = 0; i < N; i++) total += counters[i];
  printf("counters %ld shared %ld returns %ld waiter %ld tids differ %d%d%d%d\n", total, shared, sum, (long)wr, tids_differ[0], tids_differ[1], tids_differ[2], tids_differ[3]);
  return 0;
}

// RT tasks across cores, seen from glibc pthreads (test/machine/linux_rt_smp.test.ts):
//   spread — 2 CFS spinners on each of cores 1-3 (so a placement by runnable count alone would
//            pick core 0 for two of the threads); main, SCHED_FIFO 90 on core 0, creates 4
//            SCHED_FIFO 10 threads (PTHREAD_EXPLICIT_SCHED) and joins them. Each records its CPU
//            and start time, counts itself in, and spins until all 4 are in (or 50 ms pass): on
//            4 cores all 4 should run at once, each on its own core.
//   push   — H (FIFO 50, pinned to core 1) sleeps on a semaphore; L (FIFO 10) runs on core 1,
//            its mask then widened to every core; CFS spinners on cores 2-3; main posts H: H
//            preempts L on core 1, and L should go on running at once on a core running CFS.
//   pinned — as push, but L stays pinned to core 1: it waits while H runs.
// stdout is one line per mode (as qemu-riscv64 prints it); the measurements go to stderr.
// Usage: rt_smp MODE
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int ncpu;
static volatile int stop;

static long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static void spin(long n) {
  for (volatile long k = 0; k < n; k++) {
  }
}

static void die(const char *what, int e) {
  fprintf(stderr, "%s: %s\n", what, strerror(e));
  exit(1);
}

/** A thread attribute: explicit policy and priority (0: SCHED_OTHER), mask of one CPU or all (-1). */
static void attr_for(pthread_attr_t *at, int policy, int prio, int cpu) {
  pthread_attr_init(at);
  if (policy != SCHED_OTHER) {
    struct sched_param sp = {.sched_priority = prio};
    pthread_attr_setinheritsched(at, PTHREAD_EXPLICIT_SCHED);
    pthread_attr_setschedpolicy(at, policy);
    pthread_attr_setschedparam(at, &sp);
  }
  if (cpu >= 0) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu % ncpu, &one);
    pthread_attr_setaffinity_np(at, sizeof one, &one);
  }
}

static void *cfs_spinner(void *arg) {
  (void)arg;
  while (!stop) spin(1000);
  return NULL;
}

/** `per` CFS spinners on each of cores first..ncpu-1. */
static pthread_t spinners[128];
static int nspinners;
static void start_spinners(int first, int per) {
  for (int c = first; c < ncpu && c < 64; c++) {
    for (int k = 0; k < per; k++) {
      pthread_attr_t at;
      attr_for(&at, SCHED_OTHER, 0, c);
      int e = pthread_create(&spinners[nspinners++], &at, cfs_spinner, NULL);
      if (e) die("pthread_create spinner", e);
    }
  }
}
static void stop_spinners(void) {
  stop = 1;
  for (int i = 0; i < nspinners; i++) pthread_join(spinners[i], NULL);
}

// ---- spread ----
#define NFIFO 4
static volatile int arrived;
static int fifo_cpu[NFIFO], fifo_saw[NFIFO], fifo_end_cpu[NFIFO];
static long fifo_start[NFIFO], fifo_end[NFIFO];

static void *fifo_thread(void *arg) {
  int i = (int)(long)arg;
  fifo_start[i] = now_us();
  fifo_cpu[i] = sched_getcpu();
  __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
  while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < NFIFO && now_us() - fifo_start[i] < 50000) spin(100);
  fifo_saw[i] = __atomic_load_n(&arrived, __ATOMIC_SEQ_CST);
  fifo_end[i] = now_us();
  fifo_end_cpu[i] = sched_getcpu(); // where it runs once all are in (a push may have moved it)
  return NULL;
}

static int mode_spread(void) {
  start_spinners(1, 2);
  struct sched_param sp = {.sched_priority = 90};
  int e = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
  if (e) die("main SCHED_FIFO 90", e);
  long t0 = now_us();
  pthread_t t[NFIFO];
  for (int i = 0; i < NFIFO; i++) {
    pthread_attr_t at;
    attr_for(&at, SCHED_FIFO, 10, -1);
    e = pthread_create(&t[i], &at, fifo_thread, (void *)(long)i);
    if (e) die("pthread_create FIFO 10", e);
  }
  long t1 = now_us();
  for (int i = 0; i < NFIFO; i++) pthread_join(t[i], NULL);
  stop_spinners();
  fprintf(stderr, "created %ld-%ld\n", t0, t1);
  for (int i = 0; i < NFIFO; i++) fprintf(stderr, "fifo %d cpu %d start %ld saw %d end %ld cpu %d\n", i, fifo_cpu[i], fifo_start[i], fifo_saw[i], fifo_end[i], fifo_end_cpu[i]);
  printf("spread: %d FIFO threads done\n", NFIFO);
  return 0;
}

// ---- push / pinned ----
static sem_t wake_h;
static volatile int h_ready, l_ready, l_done;
static long h_woke, h_end;
#define LSAMPLES 4000
static int l_cpu[LSAMPLES];
static long l_us[LSAMPLES];
static int l_n;

static void *thread_h(void *arg) {
  (void)arg;
  h_ready = 1;
  sem_wait(&wake_h);
  h_woke = now_us();
  while (now_us() - h_woke < 20000) spin(100);
  h_end = now_us();
  return NULL;
}

static void *thread_l(void *arg) {
  int widen = (int)(long)arg;
  if (widen) {
    cpu_set_t all;
    CPU_ZERO(&all);
    for (int c = 0; c < ncpu; c++) CPU_SET(c, &all);
    sched_setaffinity(0, sizeof all, &all);
  }
  l_ready = 1;
  long start = now_us();
  while (l_n < LSAMPLES && now_us() - start < 60000) {
    spin(200);
    l_cpu[l_n] = sched_getcpu();
    l_us[l_n] = now_us();
    l_n++;
  }
  l_done = 1;
  return NULL;
}

static int mode_push(int widen) {
  sem_init(&wake_h, 0, 0);
  start_spinners(2, 1);
  pthread_attr_t at;
  pthread_t h, l;
  attr_for(&at, SCHED_FIFO, 50, 1);
  int e = pthread_create(&h, &at, thread_h, NULL);
  if (e) die("pthread_create H", e);
  while (!h_ready) spin(100);
  usleep(2000); // H is asleep on the semaphore
  attr_for(&at, SCHED_FIFO, 10, 1);
  e = pthread_create(&l, &at, thread_l, (void *)(long)widen);
  if (e) die("pthread_create L", e);
  while (!l_ready) spin(100);
  usleep(5000); // L runs on core 1
  long post = now_us();
  sem_post(&wake_h);
  pthread_join(h, NULL);
  pthread_join(l, NULL);
  stop_spinners();
  // L's samples: where it ran, and its longest stretch without a sample inside H's run.
  long gap = 0, gap_at = 0;
  int moved_to = -1;
  long moved_at = 0;
  for (int i = 1; i < l_n; i++) {
    if (l_us[i] >= h_woke && l_us[i - 1] <= h_end && l_us[i] - l_us[i - 1] > gap) {
      gap = l_us[i] - l_us[i - 1];
      gap_at = l_us[i - 1];
    }
    if (moved_to < 0 && l_cpu[i] != l_cpu[0]) {
      moved_to = l_cpu[i];
      moved_at = l_us[i];
    }
  }
  fprintf(stderr, "post %ld h %ld-%ld\n", post, h_woke, h_end);
  fprintf(stderr, "l first %d@%ld last %d@%ld samples %d moved %d@%ld gap %ld@%ld\n", l_cpu[0], l_us[0], l_cpu[l_n - 1], l_us[l_n - 1], l_n, moved_to, moved_at, gap, gap_at);
  printf("%s: H and L done\n", widen ? "push" : "pinned");
  return 0;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "spread";
  ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (strcmp(mode, "spread") == 0) return mode_spread();
  if (strcmp(mode, "push") == 0) return mode_push(1);
  if (strcmp(mode, "pinned") == 0) return mode_push(0);
  fprintf(stderr, "unknown mode %s\n", mode);
  return 2;
}

// Active balancing seen from glibc pthreads (test/machine/linux_active_balance.test.ts): main,
// pinned to core 0, starts B, a SCHED_IDLE spinner pinned there too, and spins until B has been
// switched back in once as SCHED_IDLE, and 10 ms more (a tick of B's puts its vruntime about a
// second ahead: weight 3). Then main widens its mask
// to every core and spins 200 ms while the other cores idle. The only task an idle core may take
// is main, and main is the one running, so only an active balance (the busy core's stopper
// pushing its running task) moves it. main reports when it first ran elsewhere.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile int stop;

static long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static volatile long b_ran;
static volatile int b_resumed;

// B makes itself SCHED_IDLE (glibc's attributes take only OTHER, FIFO and RR) and counts the
// times it resumes after being switched out as such.
static void *idle_spinner(void *arg) {
  (void)arg;
  struct sched_param sp = {.sched_priority = 0};
  sched_setscheduler(0, SCHED_IDLE, &sp);
  b_ran = now_us();
  long last = b_ran;
  while (!stop) {
    long t = now_us();
    if (t - last > 1000) b_resumed++;
    last = t;
  }
  return NULL;
}

int main(void) {
  pthread_attr_t at;
  pthread_attr_init(&at);
  cpu_set_t zero;
  CPU_ZERO(&zero);
  CPU_SET(0, &zero);
  pthread_attr_setaffinity_np(&at, sizeof zero, &zero);
  sched_setaffinity(0, sizeof zero, &zero);
  int start_cpu = sched_getcpu();
  pthread_t b;
  int e = pthread_create(&b, &at, idle_spinner, NULL);
  if (e) {
    fprintf(stderr, "pthread_create: %s\n", strerror(e));
    return 1;
  }
  long w = now_us();
  while (!b_resumed) {
  }
  long resumed = now_us();
  while (now_us() - resumed < 10000) {
  }
  cpu_set_t all;
  CPU_ZERO(&all);
  for (int c = 0; c < CPU_SETSIZE && c < 64; c++) CPU_SET(c, &all);
  sched_setaffinity(0, sizeof all, &all);
  long t0 = now_us();
  long moved_at = -1;
  int moved_to = -1;
  while (now_us() - t0 < 200000) {
    for (volatile int k = 0; k < 200; k++) {
    }
    int c = sched_getcpu();
    if (moved_at < 0 && c != 0) {
      moved_at = now_us() - t0;
      moved_to = c;
    }
  }
  stop = 1;
  pthread_join(b, NULL);
  fprintf(stderr, "start %d moved %d after %ld us (B first ran %ld us after its creation)\n", start_cpu, moved_to, moved_at, b_ran - w);
  printf("active: done\n");
  return 0;
}

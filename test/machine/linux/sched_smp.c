// The SMP scheduler seen from glibc pthreads (test/machine/linux_smp.test.ts):
//   spread  — main pins itself to CPU 0 and starts 8 CPU-bound threads there (they inherit its
//             mask); each widens its mask to every CPU and records sched_getcpu() and the time
//             after each round of work: the load balancer should spread them 2 per core.
//   pinned  — as spread, but threads 0..3 pin themselves to CPU i % ncpu: they never move.
//   fair    — 10 CPU-bound nice-0 threads spin through one second of CLOCK_MONOTONIC after a
//             barrier (one window for all); each prints its CLOCK_THREAD_CPUTIME_ID time in it.
//   errors  — sched_setaffinity / sched_getaffinity bad input: errno values, then a valid pin.
//   move    — main moves 3 spinning threads (each started on its own idle core) to CPU 0 by
//             their tids: every one then runs on 0.
//   where   — the CPU main runs on and how many its mask allows (--affinity), as getcpu,
//             /proc/self/status's Cpus_allowed_list and /proc/self/stat's processor say.
// Usage: sched_smp MODE [work-per-round] [rounds]
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NSPREAD 8
#define MAXROUNDS 200
#define NFAIR 10

static int ncpu;
static long work = 20000;
static int rounds = 40;
static int pinned_mode;
static int cpu_at[NSPREAD][MAXROUNDS];
static long us_at[NSPREAD][MAXROUNDS];

static long now_ns(clockid_t c) {
  struct timespec ts;
  clock_gettime(c, &ts);
  return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

static void spin(long n) {
  for (volatile long k = 0; k < n; k++) {
  }
}

static void set_mask_all(void) {
  cpu_set_t all;
  CPU_ZERO(&all);
  for (int c = 0; c < ncpu; c++) CPU_SET(c, &all);
  sched_setaffinity(0, sizeof all, &all);
}

static void *spread_thread(void *arg) {
  int i = (int)(long)arg;
  if (pinned_mode && i < 4) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(i % ncpu, &one);
    sched_setaffinity(0, sizeof one, &one);
  } else {
    set_mask_all();
  }
  for (int r = 0; r < rounds; r++) {
    spin(work);
    cpu_at[i][r] = sched_getcpu();
    us_at[i][r] = now_ns(CLOCK_MONOTONIC) / 1000;
  }
  return NULL;
}

static volatile int move_tid[3];
static volatile int move_before[3];
static volatile int move_phase;
static int move_after[3];

static void *mover(void *arg) {
  int i = (int)(long)arg;
  move_before[i] = sched_getcpu();
  move_tid[i] = gettid();
  while (move_phase == 0) spin(1000);
  move_after[i] = sched_getcpu();
  return NULL;
}

static pthread_barrier_t barrier;
static long fair_cpu_ns[NFAIR];

static volatile long fair_start;

// One window of wall time for all: [fair_start, fair_start + 1 s), fair_start taken by the
// barrier's serial thread (a thread that starts late or ends early must not change the others'
// share by running alone). CPU time is read at the first check inside and the first after.
static void *fair_thread(void *arg) {
  int i = (int)(long)arg;
  if (pthread_barrier_wait(&barrier) == PTHREAD_BARRIER_SERIAL_THREAD) fair_start = now_ns(CLOCK_MONOTONIC);
  while (fair_start == 0) spin(100);
  long c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
  while (now_ns(CLOCK_MONOTONIC) - fair_start < 1000000000L) spin(500);
  fair_cpu_ns[i] = now_ns(CLOCK_THREAD_CPUTIME_ID) - c0;
  return NULL;
}

static void errors(void) {
  cpu_set_t set;
  CPU_ZERO(&set);
  errno = 0;
  printf("empty mask: %d %s\n", sched_setaffinity(0, sizeof set, &set), strerror(errno));
  CPU_SET(63, &set);
  errno = 0;
  printf("only cpu 63: %d %s\n", sched_setaffinity(0, sizeof set, &set), strerror(errno));
  errno = 0;
  printf("bad pointer: %ld %s\n", syscall(122, 0, 8, (void *)16), strerror(errno));
  errno = 0;
  printf("no such pid: %d %s\n", sched_setaffinity(999999, sizeof set, &set), strerror(errno));
  errno = 0;
  printf("getaffinity len 4: %ld %s\n", syscall(123, 0, 4, &set), strerror(errno));
  errno = 0;
  printf("getaffinity bad pointer: %ld %s\n", syscall(123, 0, 8, (void *)16), strerror(errno));
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  printf("pin to 0: %d\n", sched_setaffinity(0, sizeof set, &set));
  spin(100000);
  printf("running on: %d\n", sched_getcpu());
  cpu_set_t got;
  printf("getaffinity: %d count %d has0 %d\n", sched_getaffinity(0, sizeof got, &got), CPU_COUNT(&got), CPU_ISSET(0, &got));
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "spread";
  if (argc > 2) work = atol(argv[2]);
  if (argc > 3) rounds = atoi(argv[3]);
  if (rounds > MAXROUNDS) rounds = MAXROUNDS;
  ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (strcmp(mode, "errors") == 0) {
    errors();
    return 0;
  }
  if (strcmp(mode, "move") == 0) {
    pthread_t t[3];
    for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, mover, (void *)(long)i);
    for (int i = 0; i < 3; i++)
      while (move_tid[i] == 0) spin(1000);
    cpu_set_t zero;
    CPU_ZERO(&zero);
    CPU_SET(0, &zero);
    for (int i = 0; i < 3; i++) printf("setaffinity %d: %d\n", i, sched_setaffinity(move_tid[i], sizeof zero, &zero));
    move_phase = 1;
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < 3; i++) fprintf(stderr, "before %d\n", move_before[i]);
    printf("after: %d %d %d\n", move_after[0], move_after[1], move_after[2]);
    return 0;
  }
  if (strcmp(mode, "where") == 0) {
    cpu_set_t got;
    sched_getaffinity(0, sizeof got, &got);
    printf("cpu %d count %d\n", sched_getcpu(), CPU_COUNT(&got));
    char line[512];
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f)) if (strncmp(line, "Cpus_allowed_list", 17) == 0) fputs(line, stdout);
    if (f) fclose(f);
    f = fopen("/proc/self/stat", "r");
    if (f && fgets(line, sizeof line, f)) {
      char *p = strrchr(line, ')') + 2; // field 3 on
      for (int i = 3; i < 39; i++) p = strchr(p, ' ') + 1;
      printf("stat processor %d\n", atoi(p));
    }
    if (f) fclose(f);
    return 0;
  }
  if (strcmp(mode, "fair") == 0) {
    pthread_t t[NFAIR];
    pthread_barrier_init(&barrier, NULL, NFAIR);
    for (int i = 0; i < NFAIR; i++) pthread_create(&t[i], NULL, fair_thread, (void *)(long)i);
    for (int i = 0; i < NFAIR; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < NFAIR; i++) fprintf(stderr, "fair %d cpu_ms %.3f\n", i, fair_cpu_ns[i] / 1e6);
    printf("fair: %d threads done\n", NFAIR);
    return 0;
  }
  pinned_mode = strcmp(mode, "pinned") == 0;
  cpu_set_t zero;
  CPU_ZERO(&zero);
  CPU_SET(0, &zero);
  sched_setaffinity(0, sizeof zero, &zero);
  pthread_t t[NSPREAD];
  for (int i = 0; i < NSPREAD; i++) pthread_create(&t[i], NULL, spread_thread, (void *)(long)i);
  for (int i = 0; i < NSPREAD; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < NSPREAD; i++) {
    fprintf(stderr, "thread %d", i);
    for (int r = 0; r < rounds; r++) fprintf(stderr, " %d@%ld", cpu_at[i][r], us_at[i][r]);
    fprintf(stderr, "\n");
  }
  printf("%s: %d threads done\n", mode, NSPREAD);
  return 0;
}

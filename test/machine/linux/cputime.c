// User vs system time (test/machine/linux_cputime.test.ts). Two threads at once, pinned to
// cores 0 and 1: one makes syscalls in a loop, one computes. Each reports, to stderr, its
// getrusage(RUSAGE_THREAD) times around a CLOCK_THREAD_CPUTIME_ID read (its sum_exec_runtime):
//   thread NAME: utime_ns U1 stime_ns S1 cpu_ns C utime2_ns U2 stime2_ns S2
// Then one child process per kind (`sys`, `user`) reports times() and /proc/self/stat's utime
// and stime in clock ticks, and the parent wait4's rusage of it:
//   child NAME: times U S stat U S wait4_us U S
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

static void pin(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  sched_setaffinity(0, sizeof s, &s);
}

static void syscalls(int n) {
  for (int i = 0; i < n; i++) sink += getppid();
}

static void compute(long n) {
  unsigned long x = 1;
  for (long i = 0; i < n; i++) x = x * 6364136223846793005UL + 1442695040888963407UL;
  sink = x;
}

static long long tv_ns(struct timeval tv) { return (tv.tv_sec * 1000000LL + tv.tv_usec) * 1000; }

static void report_thread(const char *name) {
  struct rusage a, b;
  struct timespec c;
  getrusage(RUSAGE_THREAD, &a);
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c);
  getrusage(RUSAGE_THREAD, &b);
  fprintf(stderr, "thread %s: utime_ns %lld stime_ns %lld cpu_ns %lld utime2_ns %lld stime2_ns %lld\n", name, tv_ns(a.ru_utime), tv_ns(a.ru_stime),
          c.tv_sec * 1000000000LL + c.tv_nsec, tv_ns(b.ru_utime), tv_ns(b.ru_stime));
}

static void *sys_thread(void *a) {
  (void)a;
  pin(1);
  syscalls(20000);
  report_thread("sys");
  return 0;
}

static void *user_thread(void *a) {
  (void)a;
  pin(0);
  compute(3000000);
  report_thread("user");
  return 0;
}

static void report_child(const char *name) {
  struct tms t;
  times(&t);
  char buf[1024];
  FILE *f = fopen("/proc/self/stat", "r");
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  /* Fields 14 and 15 (utime, stime) come 12 fields after the ')' that closes comm. */
  char *p = strrchr(buf, ')') + 2;
  for (int i = 0; i < 11; i++) p = strchr(p, ' ') + 1;
  long su, ss;
  sscanf(p, "%ld %ld", &su, &ss);
  fprintf(stderr, "child %s: times %ld %ld stat %ld %ld", name, (long)t.tms_utime, (long)t.tms_stime, su, ss);
}

static void child(const char *name, int sys) {
  pid_t pid = fork();
  if (pid == 0) {
    if (sys) syscalls(300000);
    else compute(12000000);
    report_child(name);
    exit(0);
  }
  int st;
  struct rusage ru;
  wait4(pid, &st, 0, &ru);
  fprintf(stderr, " wait4_us %lld %lld\n", tv_ns(ru.ru_utime) / 1000, tv_ns(ru.ru_stime) / 1000);
}

int main(void) {
  pthread_t s, u;
  pthread_create(&s, 0, sys_thread, 0);
  pthread_create(&u, 0, user_thread, 0);
  pthread_join(s, 0);
  pthread_join(u, 0);
  child("sys", 1);
  child("user", 0);
  printf("done\n");
  return 0;
}

// clock_nanosleep as glibc calls it: relative, TIMER_ABSTIME on CLOCK_MONOTONIC and on
// CLOCK_REALTIME, and an absolute time already past (returns at once). Each line says whether
// the sleep lasted as asked (at least the time, and less than 1 ms more in simulated time on an
// otherwise idle machine; qemu sleeps in host time, so only the lower bounds are compared there).
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>

static long long ns(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static struct timespec at(long long v) {
  struct timespec t = {v / 1000000000LL, v % 1000000000LL};
  return t;
}

int main(void) {
  long long t0 = ns(CLOCK_MONOTONIC);
  struct timespec rel = at(20000000);
  int r = clock_nanosleep(CLOCK_MONOTONIC, 0, &rel, NULL);
  long long d = ns(CLOCK_MONOTONIC) - t0;
  printf("relative 20 ms: %d, at least: %d\n", r, d >= 20000000);
  fprintf(stderr, "relative %lld\n", d);

  t0 = ns(CLOCK_MONOTONIC);
  struct timespec abs = at(t0 + 30000000);
  r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
  d = ns(CLOCK_MONOTONIC) - t0;
  printf("absolute monotonic +30 ms: %d, at least: %d\n", r, d >= 30000000);
  fprintf(stderr, "absolute %lld\n", d);

  long long w0 = ns(CLOCK_REALTIME);
  t0 = ns(CLOCK_MONOTONIC);
  abs = at(w0 + 40000000);
  r = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL);
  d = ns(CLOCK_MONOTONIC) - t0;
  printf("absolute realtime +40 ms: %d, at least: %d\n", r, ns(CLOCK_REALTIME) >= w0 + 40000000);
  fprintf(stderr, "realtime %lld\n", d);

  t0 = ns(CLOCK_MONOTONIC);
  abs = at(t0 - 1000000);
  r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
  d = ns(CLOCK_MONOTONIC) - t0;
  printf("absolute in the past: %d\n", r);
  fprintf(stderr, "past %lld\n", d);
  return 0;
}

// A timed futex wait with nothing else to run: sem_timedwait on an absolute CLOCK_REALTIME
// deadline 100 ms ahead (FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME). The core idles with its
// tick stopped; the wait's own timer must still end it (ETIMEDOUT).
#include <errno.h>
#include <semaphore.h>
#include <stdio.h>
#include <time.h>

int main(void) {
  sem_t s;
  sem_init(&s, 0, 0);
  struct timespec a, b, ts;
  clock_gettime(CLOCK_MONOTONIC, &a);
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += 100000000;
  if (ts.tv_nsec >= 1000000000) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000;
  }
  int r = sem_timedwait(&s, &ts);
  int e = errno;
  clock_gettime(CLOCK_MONOTONIC, &b);
  long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
  printf("timed out: %d, waited at least 100 ms: %d\n", r == -1 && e == ETIMEDOUT, ms >= 100);
  return 0;
}

// A bounded buffer under one pthread mutex and two condition variables: 4 producers and
// 4 consumers (8 threads), each producer putting 5000 numbers, each consumer taking until
// it sees its stop marker. Prints what every consumer took (count and sum) in a fixed
// order, and the totals: exact whatever the interleaving.
#include <pthread.h>
#include <stdio.h>

#define NPROD 4
#define NCONS 4
#define PER 5000
#define SLOTS 8

static long buf[SLOTS];
static int head, tail, count;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static long taken[NCONS], sums[NCONS];

static void put(long v) {
  pthread_mutex_lock(&lock);
  while (count == SLOTS) pthread_cond_wait(&not_full, &lock);
  buf[tail] = v;
  tail = (tail + 1) % SLOTS;
  count++;
  pthread_cond_signal(&not_empty);
  pthread_mutex_unlock(&lock);
}

static long get(void) {
  pthread_mutex_lock(&lock);
  while (count == 0) pthread_cond_wait(&not_empty, &lock);
  long v = buf[head];
  head = (head + 1) % SLOTS;
  count--;
  pthread_cond_signal(&not_full);
  pthread_mutex_unlock(&lock);
  return v;
}

static void *producer(void *arg) {
  long id = (long)arg;
  for (long i = 1; i <= PER; i++) put(id * 100000 + i);
  return 0;
}

static void *consumer(void *arg) {
  long id = (long)arg;
  for (;;) {
    long v = get();
    if (v < 0) break; // a stop marker
    taken[id]++;
    sums[id] += v;
  }
  return 0;
}

int main(void) {
  pthread_t p[NPROD], c[NCONS];
  for (long i = 0; i < NCONS; i++) pthread_create(&c[i], 0, consumer, (void *)i);
  for (long i = 0; i < NPROD; i++) pthread_create(&p[i], 0, producer, (void *)(i + 1));
  for (int i = 0; i < NPROD; i++) pthread_join(p[i], 0);
  for (int i = 0; i < NCONS; i++) put(-1);
  for (int i = 0; i < NCONS; i++) pthread_join(c[i], 0);
  long n = 0, sum = 0;
  for (int i = 0; i < NCONS; i++) {
    n += taken[i];
    sum += sums[i];
  }
  long want = 0;
  for (long id = 1; id <= NPROD; id++) want += id * 100000 * PER + (long)PER * (PER + 1) / 2;
  printf("items %ld sum %ld expected %ld %s\n", n, sum, want, n == NPROD * PER && sum == want ? "OK" : "WRONG");
  return n == NPROD * PER && sum == want ? 0 : 1;
}

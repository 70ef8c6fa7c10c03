// More pthreads: "mutex" — 16 threads add 20000 each to one counter under a pthread mutex
// (preemption while the lock is held makes the others sleep in futex waits); "exit" — a
// thread calls exit(3) while main waits in pthread_join (exit_group from a non-leader);
// "segv" — a thread dies of SIGSEGV and takes the process with it.
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long counter;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *add(void *arg) {
  for (int k = 0; k < 20000; k++) {
    pthread_mutex_lock(&lock);
    long v = counter;
    for (volatile int d = 0; d < 3; d++) {}
    counter = v + 1;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static void *quit(void *arg) {
  fflush(stdout);
  exit(3);
}

static void *crash(void *arg) {
  *(volatile int *)16 = 1;
  return NULL;
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "mutex";
  if (strcmp(mode, "mutex") == 0) {
    pthread_t t[16];
    for (int i = 0; i < 16; i++) pthread_create(&t[i], NULL, add, NULL);
    for (int i = 0; i < 16; i++) pthread_join(t[i], NULL);
    printf("counter %ld\n", counter);
    return 0;
  }
  pthread_t t;
  printf("%s from a thread\n", mode);
  pthread_create(&t, NULL, strcmp(mode, "exit") == 0 ? quit : crash, NULL);
  pthread_join(t, NULL);
  printf("not reached\n");
  return 0;
}

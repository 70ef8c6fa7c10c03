// A pipe between a writer pinned to core 0 and a reader pinned to core 1
// (test/machine/linux_pipe_xcore.test.ts; with --threads 2 the two cores sit in different
// workers): a ping-pong over two pipes where each side sleeps in read until the other writes,
// then a 1 MiB stream in 3000-byte writes that keeps the writer asleep on the full pipe while
// the reader, slower, checks every byte. `fork`: two processes; `threads`: two threads.
// Each side's voluntary switches (its sleeps) go to stderr.
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum { ROUNDS = 200, STREAM = 1 << 20 };
static int ping[2], pong[2], data[2];

static void pin(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  if (sched_setaffinity(0, sizeof s, &s) != 0) { perror("sched_setaffinity"); exit(1); }
}

static int on_cpu(void) {
  return sched_getcpu();
}

/* How often this thread slept (stderr: not compared with qemu, whose sleeps are the host's). */
static void sleeps(const char *who) {
  struct rusage ru;
  getrusage(RUSAGE_THREAD, &ru);
  fprintf(stderr, "%s voluntary switches %ld\n", who, ru.ru_nvcsw);
}

static unsigned char byte_at(long i) { return (unsigned char)(i * 131 + (i >> 10)); }

/* The writer's side: serves the ping-pong (replies n+1), then streams. Returns what it wrote. */
static long writer(void) {
  pin(0);
  int where = on_cpu();
  for (int r = 0; r < ROUNDS; r++) {
    int n;
    if (read(ping[0], &n, sizeof n) != sizeof n) return -1;
    n++;
    write(pong[1], &n, sizeof n);
  }
  static unsigned char b[3000];
  long done = 0;
  while (done < STREAM) {
    int len = STREAM - done < (long)sizeof b ? (int)(STREAM - done) : (int)sizeof b;
    for (int i = 0; i < len; i++) b[i] = byte_at(done + i);
    ssize_t w = write(data[1], b, len);
    if (w != len) return -2;
    done += w;
  }
  close(data[1]);
  sleeps("writer");
  return where == 0 ? done : -3;
}

/* The reader's side: drives the ping-pong, then reads the stream in odd sizes and checks it. */
static void reader(char *out, size_t outlen) {
  pin(1);
  int where = on_cpu();
  int n = 0, bad = 0;
  for (int r = 0; r < ROUNDS; r++) {
    int sent = n;
    write(ping[1], &n, sizeof n);
    if (read(pong[0], &n, sizeof n) != sizeof n || n != sent + 1) bad++;
  }
  static unsigned char b[7001];
  long got = 0, wrong = 0;
  ssize_t k;
  while ((k = read(data[0], b, sizeof b)) > 0) {
    for (ssize_t i = 0; i < k; i++) if (b[i] != byte_at(got + i)) wrong++;
    got += k;
    for (volatile int spin = 0; spin < 2000; spin++) {} /* slower than the writer: it fills the pipe */
  }
  sleeps("reader");
  snprintf(out, outlen, "reader on cpu %d: ping-pong %d rounds, %d wrong; stream %ld bytes, %ld wrong\n", where, ROUNDS, bad, got, wrong);
}

static void *writer_thread(void *a) {
  (void)a;
  return (void *)writer();
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "fork";
  pipe(ping);
  pipe(pong);
  pipe(data);
  char line[200];
  if (!strcmp(mode, "threads")) {
    pthread_t t;
    pthread_create(&t, NULL, writer_thread, NULL);
    reader(line, sizeof line);
    void *w;
    pthread_join(t, &w);
    printf("%swriter thread wrote %ld\n", line, (long)w);
    return 0;
  }
  pid_t pid = fork();
  if (pid == 0) {
    close(data[0]);
    long w = writer();
    printf("writer process wrote %ld\n", w);
    exit(w == STREAM ? 0 : 1);
  }
  close(data[1]);
  reader(line, sizeof line);
  int st;
  waitpid(pid, &st, 0);
  printf("%swriter exit %d\n", line, WEXITSTATUS(st));
  return 0;
}

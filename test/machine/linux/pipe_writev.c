// writev to a pipe (test/machine/linux_pipe_writev.test.ts): a blocking writev larger than the
// pipe sleeps until every byte is in (pipe_write's loop), across its iovecs; iovec records of
// PIPE_BUF bytes from 4 writers at once are never torn; a writev interrupted by a handler after
// some bytes returns their count; O_NONBLOCK takes what fits, then EAGAIN.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap(long ns) {
  struct timespec ts = { 0, ns };
  nanosleep(&ts, 0);
}

static unsigned char big[160000];

/* 1. One writev of 3 iovecs, 160000 bytes, into a pipe a slow reader drains 1000 bytes at a time. */
static void large(void) {
  int fd[2];
  pipe(fd);
  for (int i = 0; i < (int)sizeof big; i++) big[i] = (unsigned char)(i * 7 + i / 251);
  pid_t pid = fork();
  if (pid == 0) {
    close(fd[1]);
    unsigned char b[1000];
    unsigned long sum = 0, pos = 0, bad = 0;
    ssize_t n;
    nap(1000000);
    while ((n = read(fd[0], b, sizeof b)) > 0) {
      for (ssize_t i = 0; i < n; i++, pos++) {
        if (b[i] != big[pos]) bad++;
        sum = sum * 31 + b[i];
      }
    }
    printf("reader: %lu bytes, %lu differ, sum %lx\n", pos, bad, sum);
    exit(0);
  }
  close(fd[0]);
  struct iovec iov[3] = { { big, 10000 }, { big + 10000, 100000 }, { big + 110000, 50000 } };
  ssize_t w = writev(fd[1], iov, 3);
  close(fd[1]);
  int st;
  waitpid(pid, &st, 0);
  printf("writev: %zd of %d\n", w, (int)sizeof big);
}

/* 2. 4 writers, 64 records each of PIPE_BUF bytes as 2 iovecs (an 8-byte header, a body of the
 * writer's letter); the reader reads odd sizes and checks that no record is torn. */
static void records(void) {
  enum { W = 4, R = 64 };
  int fd[2];
  pipe(fd);
  for (int w = 0; w < W; w++) {
    if (fork() == 0) {
      close(fd[0]);
      char body[PIPE_BUF - 8];
      memset(body, 'A' + w, sizeof body);
      for (int r = 0; r < R; r++) {
        int head[2] = { w, r };
        struct iovec iov[2] = { { head, sizeof head }, { body, sizeof body } };
        if (writev(fd[1], iov, 2) != PIPE_BUF) exit(1);
      }
      exit(0);
    }
  }
  close(fd[1]);
  static char rec[PIPE_BUF];
  int have = 0, count = 0, torn = 0, order = 0, next[W] = { 0 };
  char b[3001];
  ssize_t n;
  while ((n = read(fd[0], b, sizeof b)) > 0) {
    for (ssize_t i = 0; i < n; i++) {
      rec[have++] = b[i];
      if (have < PIPE_BUF) continue;
      have = 0;
      int *head = (int *)rec;
      int w = head[0];
      if (w < 0 || w >= W) { torn++; continue; }
      for (int k = 8; k < PIPE_BUF; k++) if (rec[k] != 'A' + w) { torn++; break; }
      if (head[1] != next[w]++) order++;
      count++;
    }
  }
  int ok = 0, st;
  for (int w = 0; w < W; w++) {
    wait(&st);
    ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }
  printf("records: %d of %d, torn %d, out of order %d, left %d, writers ok %d\n", count, W * R, torn, order, have, ok);
}

/* 3. A handler without SA_RESTART interrupts a writev blocked on the full pipe: it returns the bytes it wrote. */
static volatile int alarms;
static void on_alarm(int sig) { (void)sig; alarms++; }
static void interrupted(void) {
  int fd[2];
  pipe(fd);
  struct sigaction sa = { 0 };
  sa.sa_handler = on_alarm;
  sigaction(SIGALRM, &sa, 0);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    /* Signal only once the pipe holds 64 KiB: then the parent is inside writev, asleep for room (no
       one reads). A fixed nap raced: under qemu on a loaded host the signal could come before the
       writev, whose handler then ran first and the writev slept forever on the full pipe. */
    int queued = 0;
    while (ioctl(fd[0], FIONREAD, &queued) == 0 && queued < 65536) nap(1000000);
    kill(parent, SIGALRM);
    exit(0);
  }
  struct iovec iov[2] = { { big, 40000 }, { big + 40000, 60000 } };
  ssize_t w = writev(fd[1], iov, 2);
  int e = errno;
  int st;
  waitpid(pid, &st, 0);
  printf("interrupted writev: %zd (%s), handler ran %d\n", w, w < 0 ? strerror(e) : "count", alarms);
  close(fd[0]);
  close(fd[1]);
}

/* 4. O_NONBLOCK: what fits, then EAGAIN; a PIPE_BUF writev with less room is EAGAIN whole. */
static void nonblock(void) {
  int fd[2];
  pipe2(fd, O_NONBLOCK);
  struct iovec iov[2] = { { big, 30000 }, { big + 30000, 70000 } };
  ssize_t a = writev(fd[1], iov, 2);
  ssize_t b = writev(fd[1], iov, 2);
  int e = errno;
  char c[100];
  read(fd[0], c, sizeof c);
  struct iovec small[2] = { { big, 2048 }, { big, 2048 } };
  ssize_t d = writev(fd[1], small, 2);
  int e2 = errno;
  printf("nonblock: %zd, then %zd %s; after reading 100, a 4096-byte writev: %zd %s\n", a, b, strerror(e), d, strerror(e2));
  close(fd[0]);
  close(fd[1]);
}

int main(int argc, char **argv) {
  setvbuf(stdout, 0, _IONBF, 0);
  const char *which = argc > 1 ? argv[1] : "all";
  if (!strcmp(which, "all") || !strcmp(which, "large")) large();
  if (!strcmp(which, "all") || !strcmp(which, "records")) records();
  if (!strcmp(which, "all") || !strcmp(which, "interrupted")) interrupted();
  if (!strcmp(which, "all") || !strcmp(which, "nonblock")) nonblock();
  return 0;
}

// Pipes that block: a reader asleep on an empty pipe until the writer (another process)
// writes, EOF when the last writer closes, a writer asleep on a full pipe (64 KiB) until
// the reader drains it, O_NONBLOCK's EAGAIN both ways, and a signal that interrupts a read
// (EINTR without SA_RESTART, the read restarted with it).
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void spin(void) {
  for (volatile long i = 0; i < 200000; i++) {
  }
}

// Returns once /proc/PID/stat says the process sleeps (state S): the parent below makes no
// other blocking call between its fork and its read.
static void wait_asleep(pid_t pid) {
  char path[64], b[512];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  struct timespec ms = {0, 1000000};
  for (;;) {
    int f = open(path, O_RDONLY);
    ssize_t n = f < 0 ? -1 : read(f, b, sizeof b - 1);
    if (f >= 0) close(f);
    b[n > 0 ? n : 0] = 0;
    char *p = strrchr(b, ')');
    if (p && p[1] == ' ' && p[2] == 'S') return;
    nanosleep(&ms, 0);
  }
}

static volatile int got;
static void on_alarm(int sig) { (void)sig; got++; }

int main(void) {
  int fd[2];
  char buf[4096];
  setvbuf(stdout, 0, _IONBF, 0);

  // 1. The parent reads first and sleeps; the child writes, then closes: EOF. The child writes
  // only while the parent sleeps in read(), and " world" only after "hello" was taken: with
  // fixed 2 ms waits a parent late under qemu on a loaded host read both at once.
  pipe(fd);
  pid_t me = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    wait_asleep(me);
    write(fd[1], "hello", 5);
    int left;
    struct timespec ms = {0, 1000000};
    while (ioctl(fd[0], FIONREAD, &left) == 0 && left > 0) nanosleep(&ms, 0);
    wait_asleep(me);
    write(fd[1], " world", 6);
    _exit(0);
  }
  close(fd[1]);
  ssize_t n = read(fd[0], buf, sizeof buf);
  printf("read 1: %zd '%.*s'\n", n, (int)n, buf);
  n = read(fd[0], buf, sizeof buf);
  printf("read 2: %zd '%.*s'\n", n, (int)n, buf);
  n = read(fd[0], buf, sizeof buf);
  printf("read at EOF: %zd\n", n);
  int st;
  waitpid(pid, &st, 0);
  close(fd[0]);

  // 2. The child writes 256 KiB in 4 KiB writes and blocks when the pipe is full; the parent
  // reads late and checks every byte.
  pipe(fd);
  pid = fork();
  if (pid == 0) {
    close(fd[0]);
    long total = 0;
    for (int i = 0; i < 64; i++) {
      memset(buf, 'a' + i % 26, sizeof buf);
      ssize_t w = write(fd[1], buf, sizeof buf);
      if (w != sizeof buf) _exit(10);
      total += w;
    }
    _exit(total == 64 * 4096 ? 0 : 11);
  }
  close(fd[1]);
  spin();
  long total = 0, bad = 0;
  for (;;) {
    n = read(fd[0], buf, 1000);
    if (n <= 0) break;
    for (ssize_t k = 0; k < n; k++)
      if (buf[k] != 'a' + ((total + k) / 4096) % 26) bad++;
    total += n;
  }
  waitpid(pid, &st, 0);
  printf("writer blocked on a full pipe: read %ld bytes, %ld wrong, writer exit %d\n", total, bad, WEXITSTATUS(st));
  close(fd[0]);

  // 2b. One write larger than the pipe, into a pipe partly full: it fills the pipe, sleeps for
  // room and goes on until all 100000 bytes are in (one result, not a short count).
  pipe(fd);
  pid = fork();
  if (pid == 0) {
    static char big[100000];
    close(fd[0]);
    for (int i = 0; i < (int)sizeof big; i++) big[i] = (char)(i % 251);
    ssize_t w1 = write(fd[1], big, 1000);
    ssize_t w2 = write(fd[1], big, sizeof big);
    _exit(w1 == 1000 && w2 == (ssize_t)sizeof big ? 0 : 12);
  }
  close(fd[1]);
  spin();
  total = 0;
  bad = 0;
  for (;;) {
    n = read(fd[0], buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t k = 0; k < n; k++) {
      long at = total + k;
      if (buf[k] != (char)((at < 1000 ? at : at - 1000) % 251)) bad++;
    }
    total += n;
  }
  waitpid(pid, &st, 0);
  printf("one write larger than the pipe: read %ld bytes, %ld wrong, writer exit %d\n", total, bad, WEXITSTATUS(st));
  close(fd[0]);

  // 3. O_NONBLOCK: EAGAIN on an empty pipe, EAGAIN once it is full (65536 bytes fit).
  pipe2(fd, O_NONBLOCK);
  n = read(fd[0], buf, sizeof buf);
  printf("nonblock read, empty: %zd %s\n", n, n < 0 && errno == EAGAIN ? "EAGAIN" : "?");
  memset(buf, 'x', sizeof buf);
  long put = 0;
  for (;;) {
    n = write(fd[1], buf, sizeof buf);
    if (n < 0) break;
    put += n;
  }
  printf("nonblock write: %ld bytes fit, then %s\n", put, errno == EAGAIN ? "EAGAIN" : "?");
  close(fd[0]);
  close(fd[1]);

  // 4. A read asleep on an empty pipe is interrupted by a signal: EINTR without SA_RESTART;
  // with SA_RESTART it sleeps again and gets the data. The signal must come after the parent
  // sleeps in read() (before it, the handler runs and the read sleeps for good): the child
  // waits until /proc says the parent sleeps. A fixed wait (2 ms, then 0.3 s) raced under
  // qemu, which runs in host time, on a loaded host.
  pipe(fd);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigaction(SIGUSR1, &sa, 0);
  pid = fork();
  if (pid == 0) {
    wait_asleep(me);
    kill(me, SIGUSR1);
    _exit(0);
  }
  n = read(fd[0], buf, sizeof buf);
  printf("read interrupted: %zd %s, handler ran %d\n", n, n < 0 && errno == EINTR ? "EINTR" : "?", got);
  waitpid(pid, &st, 0);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGUSR1, &sa, 0);
  pid = fork();
  if (pid == 0) {
    wait_asleep(me);
    kill(me, SIGUSR1);
    // (the data, written after the parent is asleep again, is read either way: whether the
    // restarted read slept before it came does not change a line)
    struct timespec ts = {0, 2000000};
    nanosleep(&ts, 0);
    wait_asleep(me);
    write(fd[1], "after", 5);
    _exit(0);
  }
  n = read(fd[0], buf, sizeof buf);
  printf("read with SA_RESTART: %zd '%.*s', handler ran %d\n", n, (int)n, buf, got);
  waitpid(pid, &st, 0);
  return 0;
}

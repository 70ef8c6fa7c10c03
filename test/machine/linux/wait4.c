// wait4's semantics and errno: ECHILD with no children or for a pid that is not a child,
// EINVAL for unknown options, WNOHANG while a child runs, the status of exit codes and of a
// death by signal, EFAULT for a bad status pointer (the child stays to be reaped), children
// reaped in any order with wait4(-1), rusage filled for the reaped child.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long raw_wait4(long pid, long status, long options, long ru) {
  return syscall(SYS_wait4, pid, status, options, ru);
}

int main(void) {
  int st = 0;
  struct rusage ru;
  long r = wait4(-1, &st, 0, NULL);
  printf("no children: %ld %s\n", r, strerror(errno));
  // The child lives until the parent has made its WNOHANG call: it sleeps in read() until the
  // parent writes (a 2 s nanosleep before only made it unlikely that a loaded host, under qemu
  // this test's oracle, let the child exit first).
  int hold[2];
  pipe(hold);
  pid_t a = fork();
  if (a == 0) {
    char x;
    close(hold[1]);
    read(hold[0], &x, 1);
    _exit(5);
  }
  close(hold[0]);
  r = wait4(a, &st, WNOHANG, NULL);
  printf("WNOHANG while it runs: %ld\n", r);
  r = wait4(a + 1000, &st, 0, NULL);
  printf("not a child: %ld %s\n", r, strerror(errno));
  r = wait4(a, &st, 0x100, NULL);
  printf("bad options: %ld %s\n", r, strerror(errno));
  write(hold[1], "x", 1);
  close(hold[1]);
  memset(&ru, 0xff, sizeof ru);
  r = wait4(a, &st, 0, &ru);
  printf("reaped: %d WIFEXITED %d WEXITSTATUS %d; ru_minflt %s\n", r == a, WIFEXITED(st), WEXITSTATUS(st), ru.ru_minflt >= 0 && ru.ru_minflt < 100000 ? "set" : "garbage");
  pid_t b = fork();
  if (b == 0) _exit(9);
  r = raw_wait4(b, 8, 0, 0);
  printf("bad status pointer: %ld %s\n", r, strerror(errno));
  r = wait4(b, &st, WNOHANG, NULL);
  printf("the child was reaped all the same: %ld %s\n", r, strerror(errno));
  pid_t kids[3];
  for (int i = 0; i < 3; i++) {
    kids[i] = fork();
    if (kids[i] == 0) {
      if (i == 2) *(volatile int *)8 = 1; // SIGSEGV
      _exit(10 + i);
    }
  }
  int sum = 0, segv = 0;
  for (int i = 0; i < 3; i++) {
    r = wait4(-1, &st, 0, NULL);
    int known = r == kids[0] || r == kids[1] || r == kids[2];
    if (known && WIFEXITED(st)) sum += WEXITSTATUS(st);
    if (known && WIFSIGNALED(st)) segv += WTERMSIG(st) == 11;
  }
  printf("three children: exit codes sum %d, SIGSEGV deaths %d\n", sum, segv);
  r = wait4(-1, &st, WNOHANG, NULL);
  printf("all reaped: %ld %s\n", r, strerror(errno));
  return 0;
}

// clone of a thread whose stack is not mapped: Linux accepts the call (the stack is only a
// register value); the child faults at its first use of the stack, and the SIGSEGV ends the
// whole thread group: exit status 139.
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <time.h>

int main(void) {
  unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;
  printf("cloning\n");
  fflush(stdout);
  long r = syscall(SYS_clone, flags, (void *)0x8000, 0, 0, 0);
  if (r == 0) {
    // The child: the stack pointer is 0x8000 (unmapped). Any call or push faults.
    volatile long x[64];
    x[0] = 1;
    _exit((int)x[0]);
  }
  if (r < 0) {
    printf("clone failed\n");
    return 1;
  }
  struct timespec ts = {2, 0};
  nanosleep(&ts, 0);
  printf("not reached\n");
  return 0;
}

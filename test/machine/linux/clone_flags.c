// clone as musl's pthread_create calls it (flags 0x7d0f00: glibc's 0x3d0f00 plus CLONE_DETACHED,
// which Linux ignores), through glibc's clone() wrapper: the child starts on the given stack with
// tp = the given tls and a0 = 0 from the syscall, stores what it saw and exits; CHILD_CLEARTID
// clears the tid word and wakes the parent's futex wait on it; PARENT_SETTID stored the tid.
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CLONE_DETACHED 0x00400000
#define TLS 0x123450UL

static char stack[64 * 1024] __attribute__((aligned(16)));
static volatile uintptr_t seen_tp, seen_sp;
static volatile int ran;
static volatile int ctid = -1;
static int ptid;

static int child(void *arg) {
  uintptr_t tp, sp;
  __asm__ volatile("mv %0, tp" : "=r"(tp));
  __asm__ volatile("mv %0, sp" : "=r"(sp));
  seen_tp = tp;
  seen_sp = sp;
  ran = (int)(long)arg;
  return 0;
}

int main(void) {
  int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS |
              CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_DETACHED;
  printf("flags %#x\n", flags);
  int tid = clone(child, stack + sizeof stack, flags, (void *)7L, &ptid, (void *)TLS, &ctid);
  printf("clone returned a tid: %d, parent_tid stored: %d\n", tid > 0, ptid == tid);
  // Wait for CLONE_CHILD_CLEARTID's store of 0 and wake, as pthread_join does.
  for (;;) {
    int v = ctid;
    if (v == 0) break;
    syscall(SYS_futex, &ctid, FUTEX_WAIT, v, 0, 0, 0);
  }
  printf("child ran: %d, tp = tls: %d, sp on the given stack: %d\n", ran == 7, seen_tp == TLS,
         seen_sp > (uintptr_t)stack && seen_sp <= (uintptr_t)(stack + sizeof stack));
  return 0;
}

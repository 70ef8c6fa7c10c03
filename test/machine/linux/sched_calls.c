// The scheduling syscalls' answers that do not depend on the machine: policies and priorities
// read back, nice, the RR interval, and Linux's errno for bad policies, priorities, pointers,
// pids and sizes. Printed one per line so the output can be held against qemu-riscv64's.
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

struct attr {
  uint32_t size, policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
  uint32_t util_min, util_max;
};

#define BAD ((void *)16)
#define NOPID 4000000

static void show(const char *what, long r) {
  printf("%-44s %ld %s\n", what, r, r < 0 ? strerrorname_np(errno) : "");
}

static long setattr(pid_t pid, struct attr *a, unsigned flags) { return syscall(SYS_sched_setattr, pid, a, flags); }
static long getattr(pid_t pid, struct attr *a, unsigned size, unsigned flags) { return syscall(SYS_sched_getattr, pid, a, size, flags); }

int main(void) {
  struct sched_param sp = {0};
  for (int pol = -1; pol <= 6; pol++) {
    char w[64];
    snprintf(w, sizeof w, "priority min/max of policy %d", pol);
    errno = 0;
    long lo = sched_get_priority_min(pol);
    show(w, lo);
    long hi = sched_get_priority_max(pol);
    show(w, hi);
  }
  show("getscheduler(0)", sched_getscheduler(0));
  show("getscheduler(-1)", sched_getscheduler(-1));
  show("getscheduler(no such pid)", sched_getscheduler(NOPID));
  sp.sched_priority = 10;
  show("setscheduler policy 4", sched_setscheduler(0, 4, &sp));
  show("setscheduler policy 7", sched_setscheduler(0, 7, &sp));
  show("setscheduler policy -1", syscall(SYS_sched_setscheduler, 0, -1, &sp));
  show("setscheduler OTHER prio 10", sched_setscheduler(0, SCHED_OTHER, &sp));
  sp.sched_priority = 0;
  show("setscheduler FIFO prio 0", sched_setscheduler(0, SCHED_FIFO, &sp));
  sp.sched_priority = 100;
  show("setscheduler RR prio 100", sched_setscheduler(0, SCHED_RR, &sp));
  sp.sched_priority = -3;
  show("setscheduler FIFO prio -3", sched_setscheduler(0, SCHED_FIFO, &sp));
  sp.sched_priority = 1;
  show("setscheduler DEADLINE via sched_param", sched_setscheduler(0, 6, &sp));
  show("setscheduler NULL param", syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, 0));
  show("setscheduler bad param", syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, BAD));
  show("setscheduler pid -1", syscall(SYS_sched_setscheduler, -1, SCHED_FIFO, &sp));
  show("setscheduler no such pid", sched_setscheduler(NOPID, SCHED_FIFO, &sp));
  show("setparam bad param", syscall(SYS_sched_setparam, 0, BAD));
  show("getparam bad param", syscall(SYS_sched_getparam, 0, BAD));
  show("getparam NULL", syscall(SYS_sched_getparam, 0, 0));
  show("getparam no such pid", sched_getparam(NOPID, &sp));

  sp.sched_priority = 42;
  show("setscheduler FIFO 42", sched_setscheduler(0, SCHED_FIFO, &sp));
  show("  getscheduler", sched_getscheduler(0));
  sp.sched_priority = 0;
  show("  getparam", sched_getparam(0, &sp));
  printf("  priority %d\n", sp.sched_priority);
  sp.sched_priority = 7;
  show("setparam 7", sched_setparam(0, &sp));
  sp.sched_priority = 0;
  sched_getparam(0, &sp);
  printf("  priority %d\n", sp.sched_priority);
  sp.sched_priority = 0;
  show("setparam 0 (FIFO needs 1..99)", sched_setparam(0, &sp));
  struct timespec ts = {9, 9};
  sp.sched_priority = 3;
  show("setscheduler RR 3", sched_setscheduler(0, SCHED_RR, &sp));
  show("  rr_get_interval", sched_rr_get_interval(0, &ts));
  printf("  interval %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
  show("  rr_get_interval bad pointer", syscall(SYS_sched_rr_get_interval, 0, BAD));
  show("  rr_get_interval no such pid", sched_rr_get_interval(NOPID, &ts));
  sp.sched_priority = 0;
  show("setscheduler BATCH", sched_setscheduler(0, SCHED_BATCH, &sp));
  show("  getscheduler", sched_getscheduler(0));
  show("setscheduler IDLE", sched_setscheduler(0, SCHED_IDLE, &sp));
  show("  getscheduler", sched_getscheduler(0));
  show("setscheduler OTHER|RESET_ON_FORK", sched_setscheduler(0, SCHED_OTHER | SCHED_RESET_ON_FORK, &sp));
  show("  getscheduler", sched_getscheduler(0));
  show("setscheduler OTHER", sched_setscheduler(0, SCHED_OTHER, &sp));

  struct attr a;
  memset(&a, 0, sizeof a);
  a.size = 40;
  show("setattr size 40", setattr(0, &a, 0));
  printf("  size written back %u\n", a.size);
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  show("setattr flags 1", setattr(0, &a, 1));
  show("setattr NULL", setattr(0, 0, 0));
  show("setattr bad pointer", setattr(0, BAD, 0));
  show("setattr no such pid", setattr(NOPID, &a, 0));
  a.size = 4097;
  show("setattr size 4097", setattr(0, &a, 0));
  printf("  size written back %u\n", a.size);
  {
    struct { struct attr a; uint64_t tail; } big;
    memset(&big, 0, sizeof big);
    big.a.size = sizeof big;
    big.tail = 1;
    show("setattr size 64, nonzero tail", setattr(0, &big.a, 0));
    printf("  size written back %u\n", big.a.size);
    big.tail = 0;
    show("setattr size 64, zero tail", setattr(0, &big.a, 0));
  }
  show("setattr kernel pointer", setattr(0, (void *)0xffffffc000000000UL, 0));
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  a.policy = 6;
  a.runtime = 20000000;
  a.deadline = 10000000;
  a.period = 30000000;
  show("setattr DEADLINE runtime > deadline", setattr(0, &a, 0));
  a.runtime = 100;
  a.deadline = 10000000;
  show("setattr DEADLINE runtime 100 ns", setattr(0, &a, 0));
  a.runtime = 1000000;
  a.deadline = 0;
  show("setattr DEADLINE deadline 0", setattr(0, &a, 0));
  a.policy = 9;
  show("setattr policy 9", setattr(0, &a, 0));
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  a.policy = SCHED_OTHER;
  a.nice = 3;
  show("setattr OTHER nice 3", setattr(0, &a, 0));
  memset(&a, 0xff, sizeof a);
  show("getattr size 56", getattr(0, &a, sizeof a, 0));
  printf("  size %u policy %u nice %d priority %u flags %lu\n", a.size, a.policy, a.nice, a.priority, (unsigned long)a.flags);
  show("getattr size 40", getattr(0, &a, 40, 0));
  show("getattr flags 1", getattr(0, &a, sizeof a, 1));
  show("getattr bad pointer", getattr(0, BAD, sizeof a, 0));
  show("getattr no such pid", getattr(NOPID, &a, sizeof a, 0));

  errno = 0;
  show("getpriority self", getpriority(PRIO_PROCESS, 0));
  show("nice(2)", nice(2));
  show("getpriority self", getpriority(PRIO_PROCESS, 0));
  show("setpriority -5", setpriority(PRIO_PROCESS, 0, -5));
  show("getpriority self", getpriority(PRIO_PROCESS, 0));
  show("setpriority 30 (clamped to 19)", setpriority(PRIO_PROCESS, 0, 30));
  show("getpriority self", getpriority(PRIO_PROCESS, 0));
  show("setpriority which 3", setpriority(3, 0, 0));
  show("getpriority which -1", syscall(SYS_getpriority, -1, 0));
  show("setpriority no such pid", setpriority(PRIO_PROCESS, NOPID, 0));
  show("getpriority no such pid (raw)", syscall(SYS_getpriority, PRIO_PROCESS, NOPID));
  show("setpriority 0", setpriority(PRIO_PROCESS, 0, 0));
  show("getpriority raw (20 - nice)", syscall(SYS_getpriority, PRIO_PROCESS, 0));

  struct rusage ru;
  show("getrusage who 5", getrusage(5, &ru));
  show("getrusage who -2", getrusage(-2, &ru));
  show("getrusage bad pointer", syscall(SYS_getrusage, RUSAGE_SELF, BAD));
  show("getrusage NULL", syscall(SYS_getrusage, RUSAGE_SELF, 0));
  show("getparam kernel pointer", syscall(SYS_sched_getparam, 0, 0xffffffc000000000UL));
  show("rr_get_interval NULL", syscall(SYS_sched_rr_get_interval, 0, 0));
  show("getrusage THREAD", getrusage(RUSAGE_THREAD, &ru));
  show("times bad pointer", syscall(SYS_times, BAD));
  show("clock_getres THREAD_CPUTIME", clock_getres(CLOCK_THREAD_CPUTIME_ID, &ts));
  printf("  res %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
  show("clock_getres PROCESS_CPUTIME", clock_getres(CLOCK_PROCESS_CPUTIME_ID, &ts));
  printf("  res %ld.%09ld\n", (long)ts.tv_sec, ts.tv_nsec);
  show("clock_getres clock 99", syscall(SYS_clock_getres, 99, &ts));
  return 0;
}

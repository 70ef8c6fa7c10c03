// futex with bad arguments, straight through syscall(2): Linux's errno for each, one per line,
// and the process runs on to the end ("done"), so the output can be held against qemu-riscv64's.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define BAD ((void *)16)

static int words[2] __attribute__((aligned(8)));

static void show(const char *what, long r) {
  printf("%-40s %ld %s\n", what, r, r < 0 ? strerrorname_np(errno) : "");
}

static long futex(void *uaddr, int op, int val, const void *timeout, void *uaddr2, int val3) {
  return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

int main(void) {
  char *unaligned = (char *)&words[0] + 1;
  struct timespec bad_ns = {0, 1000000000L}, neg = {-1, 0}, short_wait = {0, 1000};
  show("wait unaligned", futex(unaligned, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0));
  show("wake unaligned", futex(unaligned, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
  show("wait unmapped", futex(BAD, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0));
  show("wait unmapped, shared", futex(BAD, FUTEX_WAIT, 0, 0, 0, 0));
  show("wait kernel address", futex((void *)0xffffffc000000000UL, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0));
  show("wait, word differs", futex(&words[0], FUTEX_WAIT_PRIVATE, 1, 0, 0, 0));
  show("wait, tv_nsec 1e9", futex(&words[0], FUTEX_WAIT_PRIVATE, 0, &bad_ns, 0, 0));
  show("wait, tv_sec -1", futex(&words[0], FUTEX_WAIT_PRIVATE, 0, &neg, 0, 0));
  show("wait, timeout unmapped", futex(&words[0], FUTEX_WAIT_PRIVATE, 0, BAD, 0, 0));
  show("wait, 1 us", futex(&words[0], FUTEX_WAIT_PRIVATE, 0, &short_wait, 0, 0));
  show("wait_bitset, bitset 0", futex(&words[0], FUTEX_WAIT_BITSET_PRIVATE, 0, 0, 0, 0));
  show("wake, nobody waits", futex(&words[0], FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
  show("cmp_requeue, word differs", futex(&words[0], FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &words[1], 5));
  show("cmp_requeue, uaddr2 unaligned", futex(&words[0], FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, unaligned, 0));
  show("wake_op, uaddr2 unmapped", futex(&words[0], FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, BAD, 0));
  show("op 99", futex(&words[0], 99, 0, 0, 0, 0));
  printf("done\n");
  return 0;
}

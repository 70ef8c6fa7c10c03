// Signal delivery under --boot linux, one case per argv[1]; every line it prints must be the
// same under qemu-riscv64 (no addresses, no timings: only facts the kernel guarantees).
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>

static volatile sig_atomic_t hits;
static volatile int last_sig;
static volatile pid_t handler_tid;

static void count(int sig) {
  handler_tid = gettid();
  last_sig = sig;
  __sync_synchronize(); /* another thread waiting for hits reads the others after it */
  hits++;
}

static void on(int sig, void (*h)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sa.sa_flags = flags;
  sigemptyset(&sa.sa_mask);
  if (sigaction(sig, &sa, NULL)) perror("sigaction");
}

/* raise() and kill(getpid()) both run the handler, which returns to where the signal came. */
static int t_raise(void) {
  on(SIGUSR1, count, 0);
  raise(SIGUSR1);
  printf("after raise: hits %d sig %d\n", hits, last_sig);
  kill(getpid(), SIGUSR1);
  printf("after kill: hits %d\n", hits);
  signal(SIGUSR1, SIG_IGN);
  raise(SIGUSR1);
  printf("ignored: hits %d\n", hits);
  return 0;
}

static siginfo_t got;
static void info_handler(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  got = *si;
  hits++;
}

/* SA_SIGINFO: si_signo, si_code and si_pid for kill, tgkill and sigqueue. */
static int t_siginfo(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = info_handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR2, &sa, NULL);
  sigaction(SIGRTMIN + 1, &sa, NULL);
  kill(getpid(), SIGUSR2);
  printf("kill: signo %d code %d pid-is-me %d uid %d\n", got.si_signo, got.si_code, got.si_pid == getpid(), (int)got.si_uid);
  raise(SIGUSR2);
  printf("raise: signo %d code %d (SI_TKILL %d) pid-is-me %d\n", got.si_signo, got.si_code, SI_TKILL, got.si_pid == getpid());
  union sigval v = { .sival_int = 42 };
  sigqueue(getpid(), SIGRTMIN + 1, v);
  printf("sigqueue: signo-is-rtmin+1 %d code %d (SI_QUEUE %d) value %d\n", got.si_signo == SIGRTMIN + 1, got.si_code, SI_QUEUE, got.si_value.sival_int);
  printf("hits %d\n", hits);
  return 0;
}

static sigjmp_buf env;
static volatile int uc_pc_is_addr, uc_mask_usr2, uc_mask_segv, now_mask_segv;
static void segv_handler(int sig, siginfo_t *si, void *ucv) {
  ucontext_t *uc = ucv;
  got = *si;
  uc_pc_is_addr = uc->uc_mcontext.__gregs[REG_PC] == (unsigned long)si->si_addr;
  uc_mask_usr2 = sigismember(&uc->uc_sigmask, SIGUSR2);
  uc_mask_segv = sigismember(&uc->uc_sigmask, SIGSEGV);
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  now_mask_segv = sigismember(&now, SIGSEGV);
  siglongjmp(env, sig);
}

/* A SIGSEGV handler that siglongjmps out: the faulting address and why, the saved context, then the mask restored. */
static int t_segv(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = segv_handler;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  sigprocmask(SIG_BLOCK, &usr2, NULL);
  if (sigsetjmp(env, 1) == 0) {
    *(volatile int *)16 = 1;
    printf("not reached\n");
  } else {
    printf("null store: signo %d code %d (SEGV_MAPERR %d) addr %lu\n", got.si_signo, got.si_code, SEGV_MAPERR, (unsigned long)got.si_addr);
    printf("uc_sigmask: USR2 %d SEGV %d; blocked in the handler: SEGV %d\n", uc_mask_usr2, uc_mask_segv, now_mask_segv);
  }
  if (sigsetjmp(env, 1) == 0) {
    *(volatile int *)(void *)t_segv = 1;
    printf("not reached\n");
  } else {
    printf("text store: code %d (SEGV_ACCERR %d) addr-is-t_segv %d\n", got.si_code, SEGV_ACCERR, got.si_addr == (void *)t_segv);
  }
  if (sigsetjmp(env, 1) == 0) {
    ((void (*)(void))0x1000)();
    printf("not reached\n");
  } else {
    printf("jump to 0x1000: code %d addr %#lx, uc pc is it %d\n", got.si_code, (unsigned long)got.si_addr, uc_pc_is_addr);
  }
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  printf("SIGSEGV blocked after siglongjmp: %d\n", sigismember(&now, SIGSEGV));
  return 0;
}

static int t_abort(void) {
  printf("before abort\n");
  fflush(stdout);
  abort();
}

static pthread_t worker;
static volatile int stop_worker;
static void *spin(void *a) {
  (void)a;
  while (!stop_worker) sched_yield();
  return NULL;
}

/* pthread_kill reaches the thread it names: the handler runs there. */
static int t_pthread_kill(void) {
  on(SIGUSR1, count, 0);
  pthread_create(&worker, NULL, spin, NULL);
  pid_t main_tid = gettid();
  pthread_kill(worker, SIGUSR1);
  while (hits == 0) sched_yield();
  printf("handler ran in the worker: %d\n", handler_tid != main_tid && handler_tid != 0);
  stop_worker = 1;
  pthread_join(worker, NULL);
  return 0;
}

/* Blocked: pending, not delivered; unblocking delivers it before sigprocmask returns. */
static int t_mask(void) {
  on(SIGUSR1, count, 0);
  sigset_t s, p;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigprocmask(SIG_BLOCK, &s, NULL);
  raise(SIGUSR1);
  kill(getpid(), SIGUSR1);
  sigpending(&p);
  printf("blocked: hits %d pending USR1 %d USR2 %d\n", hits, sigismember(&p, SIGUSR1), sigismember(&p, SIGUSR2));
  sigprocmask(SIG_UNBLOCK, &s, NULL);
  sigpending(&p);
  printf("unblocked: hits %d pending USR1 %d\n", hits, sigismember(&p, SIGUSR1));
  return 0;
}

/* A thread asleep in FUTEX_WAIT is interrupted by a handler without SA_RESTART: EINTR. */
static int futex_word;
static volatile int eintr_seen;
static void *futex_sleeper(void *a) {
  (void)a;
  for (;;) {
    long r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    if (r == -1 && errno == EINTR) break;
  }
  eintr_seen = 1;
  return NULL;
}
static int t_eintr(void) {
  on(SIGUSR1, count, 0);
  pthread_create(&worker, NULL, futex_sleeper, NULL);
  struct timespec ms = { 0, 1000000 };
  while (!eintr_seen) {
    pthread_kill(worker, SIGUSR1);
    nanosleep(&ms, NULL);
  }
  pthread_join(worker, NULL);
  printf("futex wait: EINTR, handler ran %d\n", hits > 0);
  return 0;
}

/* Returns once /proc/self/task/TID/stat says the thread sleeps (state S). */
static void wait_thread_asleep(int tid) {
  char path[64], b[512];
  snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
  struct timespec ms = { 0, 1000000 };
  for (;;) {
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(b, 1, sizeof b - 1, f) : 0;
    if (f) fclose(f);
    b[n] = 0;
    char *p = strrchr(b, ')');
    if (p && p[1] == ' ' && p[2] == 'S') return;
    nanosleep(&ms, NULL);
  }
}

/* nanosleep interrupted: -1 EINTR and the time left in rem (less than asked, more than 0). */
static volatile int ns_done, ns_tid;
static struct timespec rem;
static int ns_ret, ns_errno;
static void *long_sleeper(void *a) {
  (void)a;
  struct timespec req = { 100, 0 };
  ns_tid = gettid();
  ns_ret = nanosleep(&req, &rem);
  ns_errno = errno;
  ns_done = 1;
  return NULL;
}
static int t_nanosleep(void) {
  on(SIGUSR1, count, 0);
  pthread_create(&worker, NULL, long_sleeper, NULL);
  /* Signal only once the worker sleeps (its /proc state is S): qemu-user drops rem when the signal
     lands as its host syscall starts (safe_syscall returns EINTR without sleeping), which made
     qemu print 0 here (2 of 100 runs on a loaded host when signalled at once). */
  while (!ns_tid) sched_yield();
  wait_thread_asleep(ns_tid);
  struct timespec ms = { 0, 1000000 };
  while (!ns_done) {
    pthread_kill(worker, SIGUSR1);
    nanosleep(&ms, NULL);
  }
  pthread_join(worker, NULL);
  printf("nanosleep: %d %s, rem in (0, 100 s): %d\n", ns_ret, ns_errno == EINTR ? "EINTR" : "?", (rem.tv_sec > 0 || rem.tv_nsec > 0) && rem.tv_sec < 100);
  return 0;
}

/* SIGCHLD with SA_SIGINFO when a child exits; wait4 (SA_RESTART) still reaps it. */
static void chld(int sig, siginfo_t *si, void *uc) {
  (void)uc;
  (void)sig;
  got = *si;
  hits++;
}
static int t_sigchld(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = chld;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);
  pid_t c = fork();
  if (c == 0) _exit(7);
  int st = 0;
  pid_t w = waitpid(c, &st, 0);
  while (hits == 0) sched_yield();
  printf("sigchld: hits %d signo %d code %d (CLD_EXITED %d) status %d pid-is-child %d; waitpid %d exit %d\n",
         hits, got.si_signo, got.si_code, CLD_EXITED, got.si_status, got.si_pid == c, w == c, WEXITSTATUS(st));
  return 0;
}

/* wait4 interrupted by a handler without SA_RESTART returns EINTR; SIGKILL then ends the child. */
static int t_wait_eintr(void) {
  on(SIGUSR1, count, 0);
  pid_t parent = getpid();
  pid_t c = fork();
  if (c == 0) {
    struct timespec ms = { 0, 1000000 };
    for (;;) {
      kill(parent, SIGUSR1);
      nanosleep(&ms, NULL);
    }
  }
  int st = 0;
  for (;;) {
    pid_t w = waitpid(c, &st, 0);
    if (w == -1 && errno == EINTR) break;
  }
  kill(c, SIGKILL);
  pid_t w;
  do w = waitpid(c, &st, 0); while (w == -1 && errno == EINTR);
  printf("waitpid: EINTR first, then reaped %d signaled %d by %d\n", w == c, WIFSIGNALED(st), WTERMSIG(st));
  return 0;
}

/* rt_sigsuspend: waits with the given mask, returns EINTR after the handler, the old mask back. */
static void *sender(void *a) {
  pthread_t *target = a;
  struct timespec ms = { 0, 1000000 };
  while (!stop_worker) {
    pthread_kill(*target, SIGUSR1);
    nanosleep(&ms, NULL);
  }
  return NULL;
}
static int t_sigsuspend(void) {
  on(SIGUSR1, count, 0);
  sigset_t s, old, none;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigprocmask(SIG_BLOCK, &s, &old);
  pthread_t self = pthread_self();
  pthread_create(&worker, NULL, sender, &self);
  sigemptyset(&none);
  int r = sigsuspend(&none);
  int e = errno;
  stop_worker = 1;
  pthread_join(worker, NULL);
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  printf("sigsuspend: %d %s hits %d, USR1 blocked again %d\n", r, e == EINTR ? "EINTR" : "?", hits > 0, sigismember(&now, SIGUSR1));
  return 0;
}

/* sigtimedwait: a pending blocked signal is taken without its handler; none pending: EAGAIN. */
static int t_sigtimedwait(void) {
  on(SIGUSR2, count, 0);
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR2);
  sigprocmask(SIG_BLOCK, &s, NULL);
  kill(getpid(), SIGUSR2);
  siginfo_t si;
  struct timespec zero = { 0, 0 }, ten_ms = { 0, 10000000 };
  int r = sigtimedwait(&s, &si, &zero);
  printf("sigtimedwait: %d code %d hits %d\n", r, si.si_code, hits);
  r = sigtimedwait(&s, &si, &zero);
  printf("nothing pending: %d %s\n", r, errno == EAGAIN ? "EAGAIN" : "?");
  r = sigtimedwait(&s, &si, &ten_ms);
  printf("10 ms timeout: %d %s\n", r, errno == EAGAIN ? "EAGAIN" : "?");
  return 0;
}

/* SA_ONSTACK: the handler runs on the alternate stack, which reports SS_ONSTACK there. */
static char altstack[65536] __attribute__((aligned(16)));
static volatile int on_alt, ss_flags_in_handler;
static void alt_handler(int sig) {
  (void)sig;
  char here;
  on_alt = &here >= altstack && &here < altstack + sizeof altstack;
  stack_t cur;
  sigaltstack(NULL, &cur);
  ss_flags_in_handler = cur.ss_flags;
}
static int t_altstack(void) {
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  sigaltstack(&ss, NULL);
  on(SIGUSR1, alt_handler, SA_ONSTACK);
  raise(SIGUSR1);
  stack_t cur;
  sigaltstack(NULL, &cur);
  printf("altstack: handler on it %d, flags there %d (SS_ONSTACK %d), flags after %d\n", on_alt, ss_flags_in_handler, SS_ONSTACK, cur.ss_flags);
  return 0;
}

/* SA_NODEFER lets the handler be entered again from itself; without it the second waits. */
static volatile int depth, max_depth, order[8], norder;
static void nest(int sig) {
  depth++;
  if (depth > max_depth) max_depth = depth;
  order[norder++] = depth;
  if (hits++ == 0) raise(sig);
  order[norder++] = -depth;
  depth--;
}
static int t_nodefer(void) {
  on(SIGUSR1, nest, SA_NODEFER);
  raise(SIGUSR1);
  printf("SA_NODEFER: max depth %d\n", max_depth);
  hits = 0;
  max_depth = 0;
  on(SIGUSR1, nest, 0);
  raise(SIGUSR1);
  printf("default: max depth %d, handler ran %d times\n", max_depth, hits);
  return 0;
}

/* SA_RESETHAND: the first USR1 runs the handler, the second kills (status 138 from the shell). */
static int t_resethand(void) {
  on(SIGUSR1, count, SA_RESETHAND);
  raise(SIGUSR1);
  printf("first: hits %d\n", hits);
  fflush(stdout);
  raise(SIGUSR1);
  printf("not reached\n");
  return 0;
}

/* Every register and the FP state come back after the handler, even ones it clobbers. */
static void clobber(int sig) {
  (void)sig;
  __asm__ volatile("li s2, 0x1234\n li s3, 0x5678\n fmv.d.x fs2, zero\n fsrmi 3\n" ::: "memory");
}
static int t_regs(void) {
  on(SIGUSR1, clobber, 0);
  long s2v, s3v, rm;
  double f;
  __asm__ volatile(
      "li s2, 77\n li s3, 88\n li t0, 0x4004000000000000\n fmv.d.x fs2, t0\n fsrmi 1\n"
      "mv a0, %[pid]\n li a1, %[sig]\n li a7, 129\n ecall\n"
      "mv %[s2], s2\n mv %[s3], s3\n fmv.d %[f], fs2\n frrm %[rm]\n fsrmi 0\n"
      : [s2] "=r"(s2v), [s3] "=r"(s3v), [f] "=f"(f), [rm] "=r"(rm)
      : [pid] "r"((long)getpid()), [sig] "i"(SIGUSR1)
      : "s2", "s3", "fs2", "t0", "a0", "a1", "a7", "memory");
  printf("after the handler: s2 %ld s3 %ld fs2 %g frm %ld\n", s2v, s3v, f, rm);
  return 0;
}

/* pthread_cancel: SIGCANCEL (32) and glibc's handler; the unwinder walks out through the signal frame. */
static volatile int cleaned;
static void cleanup(void *a) { (void)a; cleaned = 1; }
static void *cancel_sleeper(void *a) {
  (void)a;
  pthread_cleanup_push(cleanup, NULL);
  for (;;) {
    struct timespec t = { 100, 0 };
    nanosleep(&t, NULL);
  }
  pthread_cleanup_pop(0);
  return NULL;
}
static void *cancel_spinner(void *a) {
  (void)a;
  pthread_setcanceltype(PTHREAD_CANCEL_ASYNCHRONOUS, NULL);
  for (;;) __asm__ volatile("");
  return NULL;
}
static int t_cancel(void) {
  void *ret;
  struct timespec ms = { 0, 1000000 };
  pthread_create(&worker, NULL, cancel_sleeper, NULL);
  nanosleep(&ms, NULL);
  pthread_cancel(worker);
  pthread_join(worker, &ret);
  printf("deferred: canceled %d cleanup ran %d\n", ret == PTHREAD_CANCELED, cleaned);
  pthread_create(&worker, NULL, cancel_spinner, NULL);
  nanosleep(&ms, NULL);
  pthread_cancel(worker);
  pthread_join(worker, &ret);
  printf("asynchronous: canceled %d\n", ret == PTHREAD_CANCELED);
  return 0;
}

/* SIGTERM from a child while this process runs user code: delivered at the timer tick, fatal (143). */
static int t_term(void) {
  printf("spinning\n");
  fflush(stdout);
  if (fork() == 0) {
    kill(getppid(), SIGTERM);
    _exit(0);
  }
  for (volatile unsigned long i = 0;; i++) {
  }
}

/* SIGCHLD ignored: children are reaped as they exit (no zombies: more forks than task slots
   succeed), and wait() sleeps until the last one is gone, then fails with ECHILD. */
static int t_nocldwait(void) {
  signal(SIGCHLD, SIG_IGN);
  int failed = 0;
  struct timespec ms = { 0, 1000000 };
  for (int i = 0; i < 600; i++) {
    pid_t c = fork();
    if (c == 0) _exit(0);
    if (c < 0) failed++;
    if (i % 50 == 49) nanosleep(&ms, NULL);
  }
  for (int i = 0; i < 3; i++)
    if (fork() == 0) {
      nanosleep(&ms, NULL);
      _exit(1);
    }
  pid_t w = wait(NULL);
  printf("600 forks, %d failed; wait: %d %s\n", failed, w, errno == ECHILD ? "ECHILD" : "?");
  return 0;
}

/* /proc/self/status's SigQ, SigPnd, ShdPnd, SigBlk, SigIgn, SigCgt against what the process set
   (to stderr: under qemu the file describes qemu's own host process). */
static unsigned long long pack(const sigset_t *s) {
  unsigned long long m = 0;
  for (int i = 1; i <= 64; i++)
    if (sigismember(s, i) == 1) m |= 1ULL << (i - 1);
  return m;
}
static int t_procstatus(void) {
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGUSR1);
  sigaddset(&s, SIGUSR2);
  sigprocmask(SIG_BLOCK, &s, NULL);
  raise(SIGUSR1);
  kill(getpid(), SIGUSR2);
  signal(SIGPIPE, SIG_IGN);
  on(SIGINT, count, 0);
  unsigned long long ign = 0, cgt = 0;
  for (int i = 1; i <= 64; i++) {
    struct sigaction old;
    if (syscall(SYS_rt_sigaction, i, NULL, &old, 8)) continue;
    if (old.sa_handler == SIG_IGN) ign |= 1ULL << (i - 1);
    else if (old.sa_handler != SIG_DFL) cgt |= 1ULL << (i - 1);
  }
  sigset_t blk;
  sigprocmask(SIG_BLOCK, NULL, &blk);
  char want[512];
  snprintf(want, sizeof want, "SigQ:\t2/\nSigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\nSigIgn:\t%016llx\nSigCgt:\t%016llx\n",
           1ULL << (SIGUSR1 - 1), 1ULL << (SIGUSR2 - 1), pack(&blk), ign, cgt);
  FILE *f = fopen("/proc/self/status", "r");
  char line[256], got[512] = "";
  while (f && fgets(line, sizeof line, f)) {
    if (!strncmp(line, "SigQ:", 5)) {
      char *slash = strchr(line, '/');
      if (slash) strcpy(slash + 1, "\n");
    }
    if (!strncmp(line, "Sig", 3) || !strncmp(line, "ShdPnd", 6)) strcat(got, line);
  }
  if (f) fclose(f);
  fprintf(stderr, "%s", strcmp(want, got) ? got : "status: the signal lines match\n");
  printf("done\n");
  return 0;
}

/* A write to a pipe nobody reads: SIGPIPE (a handler runs, write says EPIPE); by default it kills (141). */
static int t_sigpipe(void) {
  int fds[2];
  pipe(fds);
  close(fds[0]);
  on(SIGPIPE, count, 0);
  ssize_t r = write(fds[1], "x", 1);
  printf("write: %zd %s, handler ran %d for %d\n", r, errno == EPIPE ? "EPIPE" : "?", hits, last_sig);
  signal(SIGPIPE, SIG_DFL);
  fflush(stdout);
  write(fds[1], "x", 1);
  printf("not reached\n");
  return 0;
}

/* pause() (ppoll without descriptors on riscv) returns EINTR after a handler; ppoll's timeout
   alone returns 0 and leaves 0 s in the timespec. */
static int t_pause(void) {
  on(SIGUSR1, count, 0);
  pthread_t self = pthread_self();
  pthread_create(&worker, NULL, sender, &self);
  int r = pause();
  int e = errno;
  stop_worker = 1;
  pthread_join(worker, NULL);
  struct timespec ten = { 0, 10000000 };
  int r2 = ppoll(NULL, 0, &ten, NULL);
  printf("pause: %d %s, handler ran %d; ppoll 10 ms: %d, left %ld.%09ld\n", r, e == EINTR ? "EINTR" : "?", hits > 0, r2, (long)ten.tv_sec, ten.tv_nsec);
  return 0;
}

/* Job control: SIGSTOP stops a child (the parent hears CLD_STOPPED), SIGCONT resumes it
   (CLD_CONTINUED), SIGKILL ends it. */
static volatile int cld_stopped, cld_continued;
static void cld_codes(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  (void)uc;
  if (si->si_code == CLD_STOPPED) cld_stopped = si->si_status;
  if (si->si_code == CLD_CONTINUED) cld_continued = si->si_status;
}
static int t_stop(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = cld_codes;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigaction(SIGCHLD, &sa, NULL);
  struct timespec ms = { 0, 1000000 };
  pid_t c = fork();
  if (c == 0)
    for (;;) nanosleep(&ms, NULL);
  kill(c, SIGSTOP);
  while (!cld_stopped) nanosleep(&ms, NULL);
  kill(c, SIGCONT);
  while (!cld_continued) nanosleep(&ms, NULL);
  kill(c, SIGKILL);
  int st = 0;
  pid_t w;
  do w = waitpid(c, &st, 0); while (w == -1 && errno == EINTR);
  printf("CLD_STOPPED by %d, CLD_CONTINUED by %d, then killed by %d\n", cld_stopped, cld_continued, WTERMSIG(st));
  return 0;
}

/* A stopped child never runs: the parent waiting for it waits forever (Linux hangs; smpemu
   sees every task asleep and stops with its deadlock report). Not run under qemu. */
static int t_stophang(void) {
  struct timespec ms = { 0, 1000000 };
  pid_t c = fork();
  if (c == 0)
    for (;;) nanosleep(&ms, NULL);
  kill(c, SIGSTOP);
  printf("stopped\n");
  fflush(stdout);
  waitpid(c, NULL, 0);
  printf("not reached\n");
  return 0;
}

/* Bad input: Linux's errno for each. */
static int t_bad(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = count;
#define E(x) ((x) == -1 ? errno : 0)
  printf("kill sig 65: %d\n", E(kill(getpid(), 65)));
  printf("kill sig -1: %d\n", E(kill(getpid(), -1)));
  printf("kill sig 0 to me: %d\n", E(kill(getpid(), 0)));
  printf("kill no such pid: %d\n", E(kill(0x7ffffff0, SIGUSR1)));
  printf("tgkill tid 0: %d\n", E((int)syscall(SYS_tgkill, getpid(), 0, SIGUSR1)));
  printf("tgkill tgid -1: %d\n", E((int)syscall(SYS_tgkill, -1, gettid(), SIGUSR1)));
  printf("tgkill wrong tgid: %d\n", E((int)syscall(SYS_tgkill, 0x7ffffff0, gettid(), SIGUSR1)));
  printf("tgkill sig 65: %d\n", E((int)syscall(SYS_tgkill, getpid(), gettid(), 65)));
  printf("tkill no such tid: %d\n", E((int)syscall(SYS_tkill, 0x7ffffff0, SIGUSR1)));
  printf("sigaction SIGKILL: %d\n", E(sigaction(SIGKILL, &sa, NULL)));
  printf("sigaction SIGSTOP: %d\n", E(sigaction(SIGSTOP, &sa, NULL)));
  printf("rt_sigaction sig 0: %d\n", E((int)syscall(SYS_rt_sigaction, 0, NULL, NULL, 8)));
  printf("rt_sigaction sig 65: %d\n", E((int)syscall(SYS_rt_sigaction, 65, NULL, NULL, 8)));
  printf("rt_sigaction bad act: %d\n", E((int)syscall(SYS_rt_sigaction, SIGUSR1, (void *)8, NULL, 8)));
  printf("rt_sigprocmask bad set: %d\n", E((int)syscall(SYS_rt_sigprocmask, SIG_BLOCK, (void *)8, NULL, 8)));
  printf("rt_sigpending bad set: %d\n", E((int)syscall(SYS_rt_sigpending, (void *)8, 8)));
  printf("rt_sigpending size 16: %d\n", E((int)syscall(SYS_rt_sigpending, &sa.sa_mask, 16)));
  printf("rt_sigsuspend bad set: %d\n", E((int)syscall(SYS_rt_sigsuspend, (void *)8, 8)));
  printf("rt_sigqueueinfo bad info: %d\n", E((int)syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, (void *)8)));
  siginfo_t si;
  memset(&si, 0, sizeof si);
  si.si_code = SI_USER;
  printf("rt_sigqueueinfo SI_USER to another pid: %d\n", E((int)syscall(SYS_rt_sigqueueinfo, 0x7ffffff0, SIGUSR1, &si)));
  printf("rt_sigtimedwait bad timeout: %d\n", E((int)syscall(SYS_rt_sigtimedwait, &sa.sa_mask, NULL, (void *)8, 8)));
  return 0;
}

int main(int argc, char **argv) {
  const char *c = argc > 1 ? argv[1] : "raise";
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (!strcmp(c, "raise")) return t_raise();
  if (!strcmp(c, "siginfo")) return t_siginfo();
  if (!strcmp(c, "segv")) return t_segv();
  if (!strcmp(c, "abort")) return t_abort();
  if (!strcmp(c, "pthread_kill")) return t_pthread_kill();
  if (!strcmp(c, "mask")) return t_mask();
  if (!strcmp(c, "eintr")) return t_eintr();
  if (!strcmp(c, "nanosleep")) return t_nanosleep();
  if (!strcmp(c, "sigchld")) return t_sigchld();
  if (!strcmp(c, "wait_eintr")) return t_wait_eintr();
  if (!strcmp(c, "sigsuspend")) return t_sigsuspend();
  if (!strcmp(c, "sigtimedwait")) return t_sigtimedwait();
  if (!strcmp(c, "altstack")) return t_altstack();
  if (!strcmp(c, "nodefer")) return t_nodefer();
  if (!strcmp(c, "resethand")) return t_resethand();
  if (!strcmp(c, "regs")) return t_regs();
  if (!strcmp(c, "cancel")) return t_cancel();
  if (!strcmp(c, "term")) return t_term();
  if (!strcmp(c, "nocldwait")) return t_nocldwait();
  if (!strcmp(c, "procstatus")) return t_procstatus();
  if (!strcmp(c, "sigpipe")) return t_sigpipe();
  if (!strcmp(c, "pause")) return t_pause();
  if (!strcmp(c, "stop")) return t_stop();
  if (!strcmp(c, "stophang")) return t_stophang();
  if (!strcmp(c, "bad")) return t_bad();
  printf("unknown case %s\n", c);
  return 2;
}

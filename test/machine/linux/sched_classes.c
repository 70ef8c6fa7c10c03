// The scheduling classes on one core, measured in the guest's simulated time: run with
// `--boot linux --cores 1`. Each mode prints machine-dependent numbers to stderr (a test asserts
// on them) and only machine-independent lines to stdout.
//   nice      two CPU-bound threads at nice 0 and nice 5: their CPU times over 2 s (1024:335)
//   batch     SCHED_NORMAL vs SCHED_BATCH at nice 0 (equal), then SCHED_NORMAL vs SCHED_IDLE
//   fifo      a SCHED_FIFO thread preempts a CFS thread at its wake-up and at the setscheduler call
//   rr        two SCHED_RR threads at one priority: the intervals each one ran
//   throttle  a SCHED_FIFO spinner and a CFS spinner for 2 s: CFS keeps 5% of each second
//   deadline  three SCHED_DEADLINE tasks (utilization 0.83): every job before its deadline, EDF
//             order; a fourth that would pass 0.95 is refused with EBUSY while they run
//   deadline4 the same three tasks four times over (12 tasks, utilization 3.33) on 4 cores:
//             admitted within 4 x 0.95, every job before its deadline on whichever core; a 0.5
//             task that would pass 3.8 is refused (run with --cores 4)
//   dlhog     a SCHED_DEADLINE task (10 ms per 100 ms) that never yields, and a CFS spinner
//   rusage    getrusage (self, thread, children), the CPU-time clocks and times() after threads
//             and a child burnt known amounts of CPU
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL

static int64_t now(clockid_t c) {
  struct timespec t;
  clock_gettime(c, &t);
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}
static int64_t mono(void) { return now(CLOCK_MONOTONIC); }
static int64_t cpu(void) { return now(CLOCK_THREAD_CPUTIME_ID); }

static void die(const char *what, int e) {
  fprintf(stderr, "%s: %s\n", what, strerror(e));
  exit(1);
}

static void set_policy(pthread_t t, int policy, int prio) {
  struct sched_param sp = {.sched_priority = prio};
  int e = pthread_setschedparam(t, policy, &sp);
  if (e) die("pthread_setschedparam", e);
}

// ---- nice / batch / idle: spin until a common end time, report the CPU time ----
static volatile int64_t spin_end;
static pthread_barrier_t bar;
struct spinner {
  int policy, nice;
  int64_t cpu;
};

static void *spinner(void *arg) {
  struct spinner *s = arg;
  if (s->policy != SCHED_OTHER) {
    struct sched_param sp = {0};
    if (sched_setscheduler(0, s->policy, &sp)) die("sched_setscheduler", errno);
  }
  if (s->nice && setpriority(PRIO_PROCESS, 0, s->nice)) die("setpriority", errno);
  pthread_barrier_wait(&bar);
  int64_t c0 = cpu();
  while (mono() < spin_end) {
  }
  s->cpu = cpu() - c0;
  return 0;
}

static void two_spinners(struct spinner *a, struct spinner *b, int64_t len) {
  pthread_t ta, tb;
  pthread_barrier_init(&bar, 0, 3);
  pthread_create(&ta, 0, spinner, a);
  pthread_create(&tb, 0, spinner, b);
  spin_end = mono() + 1000 * MS * 1000; // far: set once both are ready
  pthread_barrier_wait(&bar);
  spin_end = mono() + len;
  pthread_join(ta, 0);
  pthread_join(tb, 0);
}

static int mode_nice(void) {
  struct spinner a = {SCHED_OTHER, 0}, b = {SCHED_OTHER, 5};
  two_spinners(&a, &b, 2000 * MS);
  fprintf(stderr, "nice0 %lld nice5 %lld\n", (long long)a.cpu, (long long)b.cpu);
  printf("nice: both ran\n");
  return 0;
}

static int mode_batch(void) {
  struct spinner a = {SCHED_OTHER, 0}, b = {SCHED_BATCH, 0};
  two_spinners(&a, &b, 1000 * MS);
  fprintf(stderr, "normal %lld batch %lld\n", (long long)a.cpu, (long long)b.cpu);
  struct spinner c = {SCHED_OTHER, 0}, d = {SCHED_IDLE, 0};
  two_spinners(&c, &d, 1000 * MS);
  fprintf(stderr, "normal %lld idle %lld\n", (long long)c.cpu, (long long)d.cpu);
  printf("batch: done\n");
  return 0;
}

// ---- fifo ----
static sem_t wake;
static volatile int64_t t_post, t_after_post, t_woken;
static volatile int stop_cfs;
static volatile int64_t t_x;

static void *fifo_waiter(void *arg) {
  (void)arg;
  sem_wait(&wake);
  t_woken = mono();
  return 0;
}

static void *cfs_poster(void *arg) {
  (void)arg;
  int64_t until = mono() + 20 * MS; // mid-tick: a preemption only at the next tick would show
  while (mono() < until) {
  }
  t_post = mono();
  sem_post(&wake);
  t_after_post = mono();
  return 0;
}

static void *becomes_fifo(void *arg) {
  (void)arg;
  while (sched_getscheduler(0) != SCHED_FIFO) {
  }
  t_x = mono();
  return 0;
}

static int mode_fifo(void) {
  // 1. A FIFO thread asleep on a semaphore; a CFS thread posts it.
  sem_init(&wake, 0, 0);
  pthread_t w, p;
  pthread_create(&w, 0, fifo_waiter, 0);
  set_policy(w, SCHED_FIFO, 50);
  pthread_create(&p, 0, cfs_poster, 0);
  pthread_join(p, 0);
  pthread_join(w, 0);
  fprintf(stderr, "wakeup: post %lld woken %lld after_post %lld\n", (long long)t_post, (long long)t_woken, (long long)t_after_post);
  printf("fifo waiter ran before the poster went on: %d\n", t_woken < t_after_post);
  // 2. A runnable CFS thread made FIFO by the running thread runs at once.
  pthread_t x;
  pthread_create(&x, 0, becomes_fifo, 0);
  int64_t until = mono() + 10 * MS; // let x spin a while, sharing the core by CFS
  while (mono() < until) {
  }
  int64_t t0 = mono();
  set_policy(x, SCHED_FIFO, 10);
  int64_t t1 = mono();
  pthread_join(x, 0);
  fprintf(stderr, "setscheduler: call %lld fifo ran %lld returned %lld\n", (long long)t0, (long long)t_x, (long long)t1);
  printf("fifo thread ran before setscheduler returned: %d\n", t0 < t_x && t_x < t1);
  return 0;
}

// ---- rr ----
#define MAXIV 64
struct rr {
  int64_t in[MAXIV], out[MAXIV];
  int n;
};
static volatile int64_t rr_end;

static void *rr_thread(void *arg) {
  struct rr *r = arg;
  int64_t last = mono();
  r->in[0] = last;
  r->n = 1;
  for (;;) {
    int64_t t = mono();
    if (t - last > 1 * MS && r->n < MAXIV) { // off the core in between
      r->out[r->n - 1] = last;
      r->in[r->n++] = t;
    }
    last = t;
    if (t >= rr_end) break;
  }
  r->out[r->n - 1] = last;
  return 0;
}

static int mode_rr(void) {
  static struct rr a, b;
  set_policy(pthread_self(), SCHED_RR, 10);
  rr_end = mono() + 800 * MS;
  pthread_t ta, tb;
  pthread_create(&ta, 0, rr_thread, &a); // both inherit SCHED_RR 10 and queue behind main
  pthread_create(&tb, 0, rr_thread, &b);
  pthread_join(ta, 0);
  pthread_join(tb, 0);
  for (int i = 0; i < 2; i++) {
    struct rr *r = i ? &b : &a;
    fprintf(stderr, "rr%d", i);
    for (int k = 0; k < r->n; k++) fprintf(stderr, " %lld-%lld", (long long)r->in[k], (long long)r->out[k]);
    fprintf(stderr, "\n");
  }
  printf("rr: done\n");
  return 0;
}

// ---- throttle ----
static volatile int64_t thr_end;
static struct rr cfs_runs;
static volatile int64_t fifo_cpu, fifo_start;
static void *thr_fifo(void *arg) {
  (void)arg;
  fifo_start = mono();
  int64_t c0 = cpu();
  while (mono() < thr_end) {
  }
  fifo_cpu = cpu() - c0;
  return 0;
}

static int mode_throttle(void) {
  // main is FIFO 30 (asleep in join once both run); the CFS thread records when it ran.
  set_policy(pthread_self(), SCHED_FIFO, 30);
  thr_end = mono() + 3500 * MS; // mid-period: three whole CFS windows before it
  rr_end = thr_end;
  pthread_t c, f;
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setinheritsched(&at, PTHREAD_EXPLICIT_SCHED);
  pthread_attr_setschedpolicy(&at, SCHED_OTHER);
  struct sched_param sp = {.sched_priority = 0};
  pthread_attr_setschedparam(&at, &sp);
  int e = pthread_create(&c, &at, rr_thread, &cfs_runs);
  if (e) die("pthread_create CFS", e);
  pthread_attr_setschedpolicy(&at, SCHED_FIFO);
  sp.sched_priority = 20;
  pthread_attr_setschedparam(&at, &sp);
  e = pthread_create(&f, &at, thr_fifo, 0);
  if (e) die("pthread_create FIFO", e);
  pthread_join(f, 0);
  pthread_join(c, 0);
  fprintf(stderr, "throttle: fifo from %lld cpu %lld until %lld\ncfs", (long long)fifo_start, (long long)fifo_cpu, (long long)thr_end);
  for (int k = 0; k < cfs_runs.n; k++) fprintf(stderr, " %lld-%lld", (long long)cfs_runs.in[k], (long long)cfs_runs.out[k]);
  fprintf(stderr, "\n");
  printf("throttle: done\n");
  return 0;
}

// ---- deadline ----
struct attr {
  uint32_t size, policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
  uint32_t util_min, util_max;
};
#define NJOBS 64
struct dl {
  int id;
  int64_t runtime, period, work;
  int64_t r0;
  int64_t start[NJOBS], done[NJOBS];
  int cpu[NJOBS];
  int n, err;
};
static volatile int64_t dl_end;
static pthread_barrier_t dlbar;

static void *dl_thread(void *arg) {
  struct dl *d = arg;
  struct attr a = {.size = sizeof a, .policy = 6, .runtime = d->runtime, .deadline = d->period, .period = d->period};
  pthread_barrier_wait(&dlbar);
  if (syscall(SYS_sched_setattr, 0, &a, 0)) {
    d->err = errno;
    return 0;
  }
  d->r0 = mono();
  while (d->n < NJOBS) {
    int64_t s = mono();
    if (s >= dl_end) break;
    int64_t c0 = cpu();
    while (cpu() - c0 < d->work) {
    }
    d->start[d->n] = s;
    d->cpu[d->n] = sched_getcpu();
    d->done[d->n++] = mono();
    sched_yield(); // the job is done: sleep until the next period
  }
  return 0;
}

static int mode_deadline(void) {
  static struct dl d[4] = {
    {0, 10 * MS, 40 * MS, 7 * MS},
    {1, 20 * MS, 60 * MS, 15 * MS},
    {2, 5 * MS, 20 * MS, 3 * MS},
    {3, 30 * MS, 100 * MS, 1 * MS}, // 0.83 + 0.3 > 0.95: refused
  };
  pthread_barrier_init(&dlbar, 0, 4);
  dl_end = mono() + 10000 * MS;
  pthread_t t[4];
  for (int i = 0; i < 3; i++) pthread_create(&t[i], 0, dl_thread, &d[i]);
  pthread_barrier_wait(&dlbar);
  dl_end = mono() + 400 * MS;
  struct timespec nap = {0, 100 * MS};
  nanosleep(&nap, 0);
  // While the three hold 0.83 of the core a 0.3 task does not fit under 0.95; once they left, it does.
  struct attr a = {.size = sizeof a, .policy = 6, .runtime = d[3].runtime, .deadline = d[3].period, .period = d[3].period};
  long busy = syscall(SYS_sched_setattr, 0, &a, 0);
  int busy_errno = errno;
  for (int i = 0; i < 3; i++) pthread_join(t[i], 0);
  printf("deadline: errors %d %d %d\n", d[0].err, d[1].err, d[2].err);
  printf("deadline: a 0.3 task while they run: %ld %s\n", busy, busy ? strerrorname_np(busy_errno) : "");
  for (int i = 0; i < 3; i++) {
    fprintf(stderr, "dl%d r0 %lld runtime %lld period %lld jobs", i, (long long)d[i].r0, (long long)d[i].runtime, (long long)d[i].period);
    for (int k = 0; k < d[i].n; k++) fprintf(stderr, " %lld-%lld", (long long)d[i].start[k], (long long)d[i].done[k]);
    fprintf(stderr, "\n");
  }
  long r = syscall(SYS_sched_setattr, 0, &a, 0);
  printf("deadline: after they left, a 0.3 task is admitted: %ld\n", r);
  return 0;
}

static int mode_deadline4(void) {
  enum { SETS = 4, N = 3 * SETS };
  static const int64_t set[3][3] = {{10 * MS, 40 * MS, 7 * MS}, {20 * MS, 60 * MS, 15 * MS}, {5 * MS, 20 * MS, 3 * MS}};
  static struct dl d[N];
  for (int i = 0; i < N; i++) d[i] = (struct dl){i, set[i % 3][0], set[i % 3][1], set[i % 3][2]};
  pthread_barrier_init(&dlbar, 0, N + 1);
  dl_end = mono() + 10000 * MS;
  pthread_t t[N];
  for (int i = 0; i < N; i++) pthread_create(&t[i], 0, dl_thread, &d[i]);
  pthread_barrier_wait(&dlbar);
  dl_end = mono() + 400 * MS;
  struct timespec nap = {0, 100 * MS};
  nanosleep(&nap, 0);
  // 12 x (0.25, 0.33, 0.25) / 3 = 3.33 of the root domain's 4 x 0.95 = 3.8: a 0.5 task does not fit.
  struct attr a = {.size = sizeof a, .policy = 6, .runtime = 50 * MS, .deadline = 100 * MS, .period = 100 * MS};
  long busy = syscall(SYS_sched_setattr, 0, &a, 0);
  int busy_errno = errno;
  int errs = 0;
  for (int i = 0; i < N; i++) {
    pthread_join(t[i], 0);
    errs += d[i].err != 0;
  }
  printf("deadline4: errors %d\n", errs);
  printf("deadline4: a 0.5 task while they run: %ld %s\n", busy, busy ? strerrorname_np(busy_errno) : "");
  for (int i = 0; i < N; i++) {
    fprintf(stderr, "dl%d r0 %lld runtime %lld period %lld jobs", i, (long long)d[i].r0, (long long)d[i].runtime, (long long)d[i].period);
    for (int k = 0; k < d[i].n; k++) fprintf(stderr, " %lld-%lld@%d", (long long)d[i].start[k], (long long)d[i].done[k], d[i].cpu[k]);
    fprintf(stderr, "\n");
  }
  return 0;
}

// ---- dlhog: a deadline task that never yields is held to its bandwidth (CBS) ----
static volatile int64_t hog_end, hog_cpu, hog_cfs_cpu;
static void *dl_hog(void *arg) {
  (void)arg;
  struct attr a = {.size = sizeof a, .policy = 6, .runtime = 10 * MS, .deadline = 100 * MS, .period = 100 * MS};
  if (syscall(SYS_sched_setattr, 0, &a, 0)) die("sched_setattr", errno);
  int64_t c0 = cpu();
  while (mono() < hog_end) {
  }
  hog_cpu = cpu() - c0;
  return 0;
}
static void *cfs_hog(void *arg) {
  (void)arg;
  int64_t c0 = cpu();
  while (mono() < hog_end) {
  }
  hog_cfs_cpu = cpu() - c0;
  return 0;
}

static int mode_dlhog(void) {
  hog_end = mono() + 1000 * MS;
  int64_t start = mono();
  pthread_t d, c;
  pthread_create(&c, 0, cfs_hog, 0);
  pthread_create(&d, 0, dl_hog, 0);
  pthread_join(d, 0);
  pthread_join(c, 0);
  fprintf(stderr, "dlhog window %lld dl %lld cfs %lld\n", (long long)(hog_end - start), (long long)hog_cpu, (long long)hog_cfs_cpu);
  printf("dlhog: done\n");
  return 0;
}

// ---- rusage: CPU time of threads, of the process, of reaped children ----
static void *burn(void *arg) {
  int64_t c0 = cpu();
  while (cpu() - c0 < (int64_t)(intptr_t)arg) {
  }
  return 0;
}

static long status_field(const char *name) {
  char l[256];
  long v = -1;
  FILE *f = fopen("/proc/self/status", "r");
  while (f && fgets(l, sizeof l, f))
    if (strncmp(l, name, strlen(name)) == 0) v = atol(l + strlen(name));
  if (f) fclose(f);
  return v;
}

static long long tv_us(struct timeval t) { return (long long)t.tv_sec * 1000000 + t.tv_usec; }

static sem_t parked;
static void *burn_then_park(void *arg) {
  burn(arg);
  sem_wait(&parked);
  return 0;
}

static int64_t clock_of(clockid_t c) {
  struct timespec t;
  if (clock_gettime(c, &t)) return -errno;
  return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int mode_rusage(void) {
  // Another thread's CPU clock (pthread_getcpuclockid), and the process clock by pid.
  sem_init(&parked, 0, 0);
  pthread_t z;
  pthread_create(&z, 0, burn_then_park, (void *)(intptr_t)(50 * MS));
  struct timespec nap = {0, 100 * MS};
  nanosleep(&nap, 0); // z burns its 50 ms and parks
  clockid_t zc, pc;
  pthread_getcpuclockid(z, &zc);
  clock_getcpuclockid(getpid(), &pc);
  int64_t zt = clock_of(zc), pt = clock_of(pc), self_pt = clock_of(CLOCK_PROCESS_CPUTIME_ID);
  int64_t nobody = clock_of(((~(clockid_t)4000000) << 3) | 6); // the thread clock of no thread
  sem_post(&parked);
  pthread_join(z, 0);
  fprintf(stderr, "clocks other_thread %lld process_by_pid %lld process %lld nobody %lld\n", (long long)zt, (long long)pt, (long long)self_pt, (long long)nobody);
  pthread_t a, b;
  pthread_create(&a, 0, burn, (void *)(intptr_t)(300 * MS));
  pthread_create(&b, 0, burn, (void *)(intptr_t)(200 * MS));
  pthread_join(a, 0);
  pthread_join(b, 0);
  burn((void *)(intptr_t)(100 * MS));
  struct rusage self, thread, children;
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_THREAD, &thread);
  int64_t proc = now(CLOCK_PROCESS_CPUTIME_ID);
  int64_t th = cpu();
  long hwm = status_field("VmHWM:"); // after the clocks: reading it costs CPU
  struct rusage again, again_thread;
  getrusage(RUSAGE_SELF, &again); // no page touched since the status read: the same high-water mark
  getrusage(RUSAGE_THREAD, &again_thread);
  pid_t c = fork();
  if (c == 0) {
    burn((void *)(intptr_t)(250 * MS));
    _exit(0);
  }
  int st;
  struct rusage of_child;
  wait4(c, &st, 0, &of_child);
  getrusage(RUSAGE_CHILDREN, &children);
  struct tms tm;
  times(&tm);
  fprintf(stderr, "self %lld thread %lld process_clock %lld thread_clock %lld children %lld\n", tv_us(self.ru_utime) + tv_us(self.ru_stime),
          tv_us(thread.ru_utime) + tv_us(thread.ru_stime), (long long)proc, (long long)th, tv_us(children.ru_utime) + tv_us(children.ru_stime));
  fprintf(stderr, "switches self %ld/%ld thread %ld/%ld children %ld/%ld faults self %ld children %ld\n", self.ru_nvcsw, self.ru_nivcsw,
          thread.ru_nvcsw, thread.ru_nivcsw, children.ru_nvcsw, children.ru_nivcsw, self.ru_minflt + self.ru_majflt, children.ru_minflt + children.ru_majflt);
  fprintf(stderr, "wait4 %lld\n", tv_us(of_child.ru_utime) + tv_us(of_child.ru_stime));
  fprintf(stderr, "times utime %ld cutime %ld ticks %ld stime %ld cstime %ld\n", (long)tm.tms_utime, (long)tm.tms_cutime, sysconf(_SC_CLK_TCK),
          (long)tm.tms_stime, (long)tm.tms_cstime);
  fprintf(stderr, "maxrss self %ld thread %ld children %ld VmHWM %ld\n", again.ru_maxrss, again_thread.ru_maxrss, children.ru_maxrss, hwm);
  printf("rusage: child status %d\n", WEXITSTATUS(st));
  return 0;
}

int main(int argc, char **argv) {
  const char *m = argc > 1 ? argv[1] : "nice";
  if (!strcmp(m, "nice")) return mode_nice();
  if (!strcmp(m, "batch")) return mode_batch();
  if (!strcmp(m, "fifo")) return mode_fifo();
  if (!strcmp(m, "rr")) return mode_rr();
  if (!strcmp(m, "throttle")) return mode_throttle();
  if (!strcmp(m, "deadline")) return mode_deadline();
  if (!strcmp(m, "deadline4")) return mode_deadline4();
  if (!strcmp(m, "rusage")) return mode_rusage();
  if (!strcmp(m, "dlhog")) return mode_dlhog();
  fprintf(stderr, "unknown mode %s\n", m);
  return 2;
}

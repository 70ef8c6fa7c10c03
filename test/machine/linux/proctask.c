// /proc/self/task and its per-thread files with 3 threads: main pinned to CPU 0, workers to
// CPUs 1 and 2, all spinning while main reads task/ (getdents64 through readdir), each
// task/TID/{stat,status,sched} and /proc/self/{stat,sched}. stdout: checks that hold on any
// Linux (qemu passes /proc through to the host); stderr: the numbers, for the test.
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_int ready, stop;
static int tids[3];

static void pin(int cpu) {
  cpu_set_t s;
  CPU_ZERO(&s);
  CPU_SET(cpu, &s);
  sched_setaffinity(0, sizeof s, &s); // may fail on a host with fewer CPUs: only stderr's numbers need it
}

static void *worker(void *arg) {
  int i = (int)(long)arg;
  tids[i] = gettid();
  pin(i);
  atomic_fetch_add(&ready, 1);
  while (!atomic_load(&stop)) {}
  return 0;
}

static int slurp(const char *path, char *buf, int n) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  int k = fread(buf, 1, n - 1, f);
  buf[k] = 0;
  fclose(f);
  return k;
}

/** Field `n` (1-based) of a stat line, counted after the ")" that ends comm. */
static long long statField(const char *s, int n) {
  const char *p = strrchr(s, ')') + 2;
  for (int i = 3; i < n; i++) p = strchr(p, ' ') + 1;
  return atoll(p);
}

/** The value of a /proc/PID/sched line "name   :   value" (ms.ns times read as their ms). */
static long long schedField(const char *s, const char *name) {
  char pat[64];
  snprintf(pat, sizeof pat, "\n%s ", name);
  const char *p = strstr(s, pat);
  return p ? atoll(strchr(p, ':') + 1) : -1;
}

static long long statusField(const char *s, const char *name) {
  const char *p = strstr(s, name);
  return p ? atoll(p + strlen(name)) : -1;
}

static int cmpInt(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

int main(void) {
  tids[0] = getpid();
  pin(0);
  pthread_t th[2];
  for (long i = 1; i <= 2; i++) pthread_create(&th[i - 1], 0, worker, (void *)i);
  while (atomic_load(&ready) < 2) {}

  int listed[64], n = 0;
  DIR *d = opendir("/proc/self/task");
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (e->d_name[0] != '.' && n < 64) listed[n++] = atoi(e->d_name);
  closedir(d);
  qsort(listed, n, sizeof listed[0], cmpInt);
  int found = 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < n; j++) found += listed[j] == tids[i];
  printf("tids found %d\n", found);
  fprintf(stderr, "task");
  for (int j = 0; j < n; j++) fprintf(stderr, " %d", listed[j]);
  fprintf(stderr, "\n");

  static char buf[8192], path[128];
  int files = 0, statPid = 0, statusPid = 0, sums = 0, agree = 0, header = 0;
  long long utimeSum = 0, nthreads = 0;
  for (int i = 0; i < 3; i++) {
    int t = tids[i];
    const char *want[] = {"stat", "status", "comm", "sched"};
    snprintf(path, sizeof path, "/proc/self/task/%d", t);
    d = opendir(path);
    int have = 0;
    while (d && (e = readdir(d)))
      for (int k = 0; k < 4; k++) have += strcmp(e->d_name, want[k]) == 0;
    if (d) closedir(d);
    files += have == 4;

    snprintf(path, sizeof path, "/proc/self/task/%d/stat", t);
    slurp(path, buf, sizeof buf);
    statPid += atoi(buf) == t;
    long long cpu = statField(buf, 39), utime = statField(buf, 14), threads = statField(buf, 20);
    utimeSum += utime;
    nthreads = threads;
    snprintf(path, sizeof path, "/proc/self/task/%d/status", t);
    slurp(path, buf, sizeof buf);
    statusPid += statusField(buf, "\nPid:\t") == t && statusField(buf, "\nTgid:\t") == tids[0];
    long long vol = statusField(buf, "\nvoluntary_ctxt_switches:\t"), invol = statusField(buf, "\nnonvoluntary_ctxt_switches:\t");
    snprintf(path, sizeof path, "/proc/self/task/%d/sched", t);
    slurp(path, buf, sizeof buf);
    char head[64];
    snprintf(head, sizeof head, " (%d, #threads: %lld)\n", t, threads);
    header += strstr(buf, head) != 0;
    long long sw = schedField(buf, "nr_switches"), sv = schedField(buf, "nr_voluntary_switches"), si = schedField(buf, "nr_involuntary_switches");
    sums += sw == sv + si;
    // status and sched read a moment apart: here the thread spins alone on its CPU and does not
    // switch between them (on a busy host it may: stderr only).
    agree += sv == vol && si == invol;
    fprintf(stderr, "T %d cpu %lld utime %lld threads %lld nr_switches %lld vol %lld invol %lld migrations %lld weight %lld policy %lld prio %lld\n",
            t, cpu, utime, threads, sw, sv, si, schedField(buf, "se.nr_migrations"), schedField(buf, "se.load.weight"),
            schedField(buf, "policy"), schedField(buf, "prio"));
  }
  slurp("/proc/self/stat", buf, sizeof buf);
  long long utimeAll = statField(buf, 14); // qemu fakes /proc/self/stat (zeros): the threads' count comes from task/TID/stat
  slurp("/proc/self/sched", buf, sizeof buf);
  snprintf(path, sizeof path, " (%d, #threads: %lld)\n", tids[0], nthreads);
  int selfHeader = strstr(buf, path) != 0 && strstr(buf, "\n-------------------------------------------------------------------\n");
  atomic_store(&stop, 1);
  for (int i = 0; i < 2; i++) pthread_join(th[i], 0);
  printf("files %d stat pid %d status pid %d sched header %d sums %d\n", files, statPid, statusPid, header, sums);
  fprintf(stderr, "agree %d\n", agree);
  printf("self sched header %d\n", selfHeader);
  fprintf(stderr, "utime all %lld threads %lld\n", utimeAll, utimeSum);
  return 0;
}

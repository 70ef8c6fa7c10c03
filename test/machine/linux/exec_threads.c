// execve from a process with threads (de_thread): the other threads die wherever they are —
// spinning on a core, asleep in a futex wait (raw FUTEX_WAIT and a condition variable),
// asleep in nanosleep — and the new image runs alone, with the process's pid, parent and fds.
// A forked child execs from its leader, another from a non-leader thread (which takes the
// leader's pid); then pid 1 itself execs from a non-leader thread ("final"), so the machine's
// exit status is the new image's. Run as "/exec_threads new WHAT PID PPID CODE": the new image.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SPINNERS 2
#define SLEEPERS 3
static atomic_int started;
static volatile long spins;
static int nobody_wakes;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int sleeper_tid[SLEEPERS];
static char exec_args[5][32];

static void *spinner(void *a) {
  atomic_fetch_add(&started, 1);
  for (;;) spins++;
}

static void *sleeper(void *a) {
  int i = (int)(long)a;
  sleeper_tid[i] = gettid();
  atomic_fetch_add(&started, 1);
  if (i == 0) syscall(SYS_futex, &nobody_wakes, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
  else if (i == 1) {
    pthread_mutex_lock(&m);
    pthread_cond_wait(&cv, &m);
  } else {
    struct timespec t = {1000, 0};
    nanosleep(&t, NULL);
  }
  printf("a sleeper woke: wrong\n");
  return 0;
}

static char task_state(int tid) {
  char path[64], buf[256];
  snprintf(path, sizeof path, "/proc/self/task/%d/stat", tid);
  FILE *f = fopen(path, "r");
  if (!f) return '?';
  int n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n > 0 ? n : 0] = 0;
  char *p = strrchr(buf, ')');
  return p && p[1] == ' ' ? p[2] : '?';
}

// Waits until every thread has started and each sleeper is asleep ('S'), then execs.
static void exec_now(void) {
  while (atomic_load(&started) < SPINNERS + SLEEPERS) sched_yield();
  for (int i = 0; i < SLEEPERS; i++)
    while (task_state(sleeper_tid[i]) != 'S') {
      struct timespec t = {0, 1000000};
      nanosleep(&t, NULL);
    }
  char *args[] = {"/exec_threads", "new", exec_args[0], exec_args[1], exec_args[2], exec_args[3], NULL};
  execve("/exec_threads", args, environ);
  printf("execve failed: %s\n", strerror(errno));
  _exit(1);
}

static void *execer(void *a) {
  exec_now();
  return 0;
}

// Starts the threads; the leader execs, or a new non-leader thread does while the leader waits in pthread_join.
static void threads_then_exec(const char *what, int from_thread, int code) {
  pthread_t t;
  snprintf(exec_args[0], 32, "%s", what);
  snprintf(exec_args[1], 32, "%d", getpid());
  snprintf(exec_args[2], 32, "%d", getppid());
  snprintf(exec_args[3], 32, "%d", code);
  for (int i = 0; i < SPINNERS; i++) pthread_create(&t, NULL, spinner, NULL);
  for (int i = 0; i < SLEEPERS; i++) pthread_create(&t, NULL, sleeper, (void *)(long)i);
  if (!from_thread) exec_now();
  pthread_create(&t, NULL, execer, NULL);
  pthread_join(t, NULL);
  printf("the execer returned: wrong\n");
  _exit(1);
}

static int count_tasks(void) {
  DIR *d = opendir("/proc/self/task");
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) if (e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

int main(int argc, char **argv) {
  if (argc > 5 && strcmp(argv[1], "new") == 0) {
    printf("new image (%s): pid kept %d, tid is the pid %d, parent kept %d, tasks %d, fd 5 kept %d\n", argv[2], getpid() == atoi(argv[3]),
           gettid() == getpid(), getppid() == atoi(argv[4]), count_tasks(), write(5, "", 0) == 0);
    return atoi(argv[5]);
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  dup2(1, 5); // an fd without close-on-exec: the new image still has it
  int st;
  pid_t c = fork();
  if (c == 0) threads_then_exec("leader", 0, 11);
  waitpid(c, &st, 0);
  printf("exec from the leader: exited %d code %d\n", WIFEXITED(st), WEXITSTATUS(st));
  c = fork();
  if (c == 0) threads_then_exec("thread", 1, 12);
  waitpid(c, &st, 0);
  printf("exec from a thread: exited %d code %d\n", WIFEXITED(st), WEXITSTATUS(st));
  threads_then_exec("pid 1 from a thread", 1, 0);
}

// vfork, posix_spawn, system and popen under --boot linux (glibc 2.36: clone with
// CLONE_VM|CLONE_VFORK|SIGCHLD). The child shares the parent's memory until it execs or
// exits, and the parent sleeps until then: what the child wrote before _exit or execve is
// there when vfork returns in the parent. With argument "fork-semantics" only the part that
// reads the same when vfork is a fork (qemu-user's vfork is) runs: pids, statuses, signals.
// clone(CLONE_VM) without CLONE_VFORK shares the memory without the wait. Last, a fatal
// signal ends a vfork wait (TASK_KILLABLE) while the child sleeps on.
// Run as "/vfork child N [text]": prints a line (text, ppid) and exits N.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static volatile int shared_word;

static void statusline(const char *what, pid_t c, pid_t got, int st) {
  if (WIFEXITED(st)) printf("%s: reaped %d, exited %d\n", what, got == c, WEXITSTATUS(st));
  else if (WIFSIGNALED(st)) printf("%s: reaped %d, killed by signal %d\n", what, got == c, WTERMSIG(st));
  else printf("%s: reaped %d, status 0x%x\n", what, got == c, st);
}

// clone(CLONE_VM) without CLONE_VFORK: the child runs on its own stack in the parent's memory.
static volatile int clone_flag;
static int clone_fn(void *arg) {
  while (clone_flag == 0) {} // the parent runs meanwhile: it sets the flag
  shared_word = 45;
  return 4;
}

// Sends SIGTERM to its own process, blocking it itself: only the thread in vfork can take it.
static void *terminator(void *a) {
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &term, NULL);
  struct timespec t = {0, 20000000};
  nanosleep(&t, NULL);
  kill(getpid(), SIGTERM);
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 2 && strcmp(argv[1], "child") == 0) {
    printf("child: %s, ppid %d\n", argc > 3 ? argv[3] : "-", getppid());
    fflush(stdout);
    return atoi(argv[2]);
  }
  setvbuf(stdout, NULL, _IOLBF, 0); // each line out before the next child writes its own
  int forksem = argc > 1 && strcmp(argv[1], "fork-semantics") == 0;
  pid_t me = getpid();
  int st;

  // vfork + _exit: the child is a new process; the parent resumes after its exit.
  static volatile pid_t ppid_seen, pid_seen;
  static char path[64], stat[256];
  static volatile char parent_state = '?';
  pid_t c = vfork();
  if (c == 0) {
    pid_seen = getpid();
    ppid_seen = getppid();
    shared_word = 42;
    if (!forksem) {
      // The parent's state while it waits, from /proc (plain syscalls: no stdio in a vfork child).
      snprintf(path, sizeof path, "/proc/%d/stat", (int)ppid_seen);
      int fd = open(path, O_RDONLY);
      int n = fd < 0 ? 0 : read(fd, stat, sizeof stat - 1);
      close(fd);
      char *rp = n > 0 ? strrchr(stat, ')') : NULL;
      if (rp) parent_state = rp[2];
    }
    _exit(7);
  }
  pid_t got = waitpid(c, &st, 0);
  statusline("vfork+_exit", c, got, st);
  if (!forksem) printf("vfork+_exit: the child's store seen %d, its pid %d, its ppid is us %d, our state meanwhile %c\n", shared_word == 42, pid_seen == c && pid_seen != me, ppid_seen == me, parent_state);

  // vfork child that faults: the parent wakes and sees the signal.
  c = vfork();
  if (c == 0) {
    shared_word = 43;
    *(volatile int *)8 = 1;
    _exit(99);
  }
  got = waitpid(c, &st, 0);
  statusline("vfork+SIGSEGV", c, got, st);
  if (!forksem) printf("vfork+SIGSEGV: the parent ran after the child died %d\n", shared_word == 43);
  if (forksem) return 0;

  // vfork + execve: the parent runs again once the child has exec'd.
  c = vfork();
  if (c == 0) {
    shared_word = 44;
    char *args[] = {"/vfork", "child", "3", "vfork+execve", NULL};
    execve("/vfork", args, environ);
    _exit(98);
  }
  int after_exec = shared_word;
  got = waitpid(c, &st, 0);
  statusline("vfork+execve", c, got, st);
  printf("vfork+execve: the parent resumed after the child's store %d\n", after_exec == 44);

  // vfork + a failing execve: the child's errno is in shared memory; it then _exits.
  static volatile int child_errno;
  c = vfork();
  if (c == 0) {
    char *args[] = {"/nope", NULL};
    execve("/nope", args, environ);
    child_errno = errno;
    _exit(127);
  }
  got = waitpid(c, &st, 0);
  statusline("vfork+failed execve", c, got, st);
  printf("vfork+failed execve: the child's errno %s\n", strerror(child_errno));

  // posix_spawn of a program, waitpid.
  pid_t sp;
  char *sargs[] = {"/vfork", "child", "5", "posix_spawn", NULL};
  int r = posix_spawn(&sp, "/vfork", NULL, NULL, sargs, environ);
  got = waitpid(sp, &st, 0);
  printf("posix_spawn: %d\n", r);
  statusline("posix_spawn", sp, got, st);

  // posix_spawn of a missing file: the exec's errno comes back through the shared memory.
  char *margs[] = {"/missing", NULL};
  r = posix_spawn(&sp, "/missing", NULL, NULL, margs, environ);
  printf("posix_spawn of a missing file: %s\n", strerror(r));

  // posix_spawnp with file actions: the child's stdout goes to a pipe.
  int fds[2];
  pipe(fds);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  char *pargs[] = {"/vfork", "child", "0", "through-a-pipe", NULL};
  r = posix_spawn(&sp, "/vfork", &fa, NULL, pargs, environ);
  close(fds[1]);
  char buf[256];
  int n = 0, k;
  while ((k = read(fds[0], buf + n, sizeof buf - 1 - n)) > 0) n += k;
  buf[n] = 0;
  close(fds[0]);
  got = waitpid(sp, &st, 0);
  printf("posix_spawn with dup2: %d, read '%.*s'\n", r, n > 0 ? n - 1 : 0, buf);
  statusline("posix_spawn with dup2", sp, got, st);
  posix_spawn_file_actions_destroy(&fa);

  // system(): /bin/sh -c, the shell execs the program.
  r = system("/vfork child 6 system");
  printf("system: status %d exited %d code %d\n", r != -1, WIFEXITED(r), WEXITSTATUS(r));
  r = system("nosuchprogram");
  printf("system of a missing program: code %d\n", WEXITSTATUS(r));

  // popen: the child's output read through the pipe; pclose gives its status.
  FILE *f = popen("/vfork child 9 popen", "r");
  if (!f) {
    printf("popen failed: %s\n", strerror(errno));
    return 1;
  }
  char line[256];
  while (fgets(line, sizeof line, f)) printf("popen read: %s", line);
  r = pclose(f);
  printf("pclose: exited %d code %d\n", WIFEXITED(r), WEXITSTATUS(r));

  // clone(CLONE_VM | SIGCHLD) with a stack of its own: no wait in clone; shared stores both ways.
  static char stack[65536];
  c = clone(clone_fn, stack + sizeof stack, CLONE_VM | SIGCHLD, NULL);
  clone_flag = 1;
  got = waitpid(c, &st, 0);
  statusline("clone(CLONE_VM)", c, got, st);
  printf("clone(CLONE_VM): the child's store seen %d\n", shared_word == 45);

  // A fatal signal ends the vfork wait (TASK_KILLABLE): another thread of the parent sends
  // SIGTERM while the child sleeps 200 ms; the parent dies at once, the child runs on.
  int pp[2];
  pipe(pp);
  pid_t mid = fork();
  if (mid == 0) {
    pthread_t t;
    pthread_create(&t, NULL, terminator, NULL);
    if (vfork() == 0) {
      pid_t self = getpid();
      write(pp[1], &self, sizeof self);
      struct timespec ts = {0, 200000000};
      nanosleep(&ts, NULL);
      _exit(0);
    }
    _exit(50);
  }
  close(pp[1]);
  got = waitpid(mid, &st, 0);
  statusline("SIGTERM in vfork", mid, got, st);
  pid_t orphan = 0;
  read(pp[0], &orphan, sizeof orphan);
  stat[0] = 0;
  snprintf(path, sizeof path, "/proc/%d/stat", orphan);
  FILE *sf = fopen(path, "r");
  if (sf) {
    fgets(stat, sizeof stat, sf);
    fclose(sf);
  }
  char *rp = strrchr(stat, ')');
  printf("SIGTERM in vfork: the vfork child still asleep in nanosleep %d\n", rp && rp[2] == 'S');
  // Its parent gone, it is pid 1's (this program's, under --boot linux) to reap.
  got = waitpid(orphan, &st, 0);
  statusline("SIGTERM in vfork: the orphan", orphan, got, st);
  printf("no children left: %d\n", waitpid(-1, &st, 0) == -1 && errno == ECHILD);
  return 0;
}

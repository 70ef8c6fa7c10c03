// fork from a non-main thread, wait4 in that thread while main joins it (the child's parent is
// the thread group: any thread may wait for it).
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void *worker(void *arg) {
  (void)arg;
  pid_t pid = fork();
  if (pid == 0) _exit(3);
  int st = 0;
  pid_t r = wait4(pid, &st, 0, 0);
  printf("thread: wait4 got the child: %d, WIFEXITED %d WEXITSTATUS %d\n", r == pid, WIFEXITED(st), WEXITSTATUS(st));
  pid = fork();
  if (pid == 0) _exit(4);
  return (void *)(long)pid;
}

int main(void) {
  pthread_t t;
  void *ret;
  pthread_create(&t, 0, worker, 0);
  pthread_join(t, &ret);
  // The second child was forked by the thread, which has exited: the main thread reaps it.
  int st = 0;
  pid_t r = waitpid((pid_t)(long)ret, &st, 0);
  printf("main: waitpid got the thread's second child: %d, WEXITSTATUS %d\n", r == (pid_t)(long)ret, WEXITSTATUS(st));
  printf("main: no children left: %d\n", waitpid(-1, &st, 0));
  return 0;
}

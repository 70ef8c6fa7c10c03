// A fork bomb two ways. Default: children exit at once and are never reaped, so zombies pile
// up until fork fails. "chain": each process forks one child and waits for it, so the chain
// of live address spaces grows until RAM (or the table of address spaces) runs out; the leaf
// that cannot fork says how, and every parent passes its child's fate up to pid 1.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char pages[16 * 4096];

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "chain") == 0) {
    for (int depth = 0;; depth++) {
      memset(pages, depth, sizeof pages); // this process's own copies of 16 pages
      pid_t p = fork();
      if (p < 0) {
        printf("chain: fork failed: %s\n", strerror(errno));
        fprintf(stderr, "depth %d\n", depth);
        fflush(stdout);
        _exit(depth == 0 ? 1 : 100);
      }
      if (p > 0) {
        int st = 0;
        waitpid(p, &st, 0);
        if (depth > 0) _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st));
        printf("pid 1: the chain ended, %s %d\n", WIFEXITED(st) ? "status" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        return 0;
      }
    }
  }
  for (int n = 0;; n++) {
    pid_t p = fork();
    if (p < 0) {
      printf("fork failed: %s\n", strerror(errno));
      fprintf(stderr, "children %d\n", n);
      return 0;
    }
    if (p == 0) _exit(0);
  }
}

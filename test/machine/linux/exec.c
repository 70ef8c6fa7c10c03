// execve: errors before the point of no return (ENOENT, EACCES, ENOEXEC, EFAULT) leave the
// caller running; a forked child exec's this same program with new arguments and
// environment, keeps its pid and parent, loses its close-on-exec fd and keeps the other.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv, char **envp) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    printf("exec'd: argc %d argv[0] %s argv[2] %s EXECTEST=%s PATH %s\n", argc, argv[0], argv[2], getenv("EXECTEST"), getenv("PATH") ? "set" : "unset");
    printf("exec'd: pid kept %d, parent kept %d\n", getpid() == atoi(argv[3]), getppid() == atoi(argv[4]));
    printf("exec'd: close-on-exec fd 3 closed %d, fd 4 open %d\n", fcntl(3, F_GETFD) < 0 && errno == EBADF, fcntl(4, F_GETFD) == 0);
    return 42;
  }
  char *noargs[] = {"x", NULL};
  int r = execve("/no/such/file", noargs, envp);
  printf("missing: %d %s\n", r, strerror(errno));
  r = execve("/", noargs, envp);
  printf("directory: %d %s\n", r, strerror(errno));
  r = execve("/notelf.txt", noargs, envp);
  printf("not an ELF: %d %s\n", r, strerror(errno));
  r = execve((char *)8, noargs, envp);
  printf("bad path pointer: %d %s\n", r, strerror(errno));
  int a = open("/notelf.txt", O_RDONLY | O_CLOEXEC);
  int b = open("/notelf.txt", O_RDONLY);
  printf("fds %d %d\n", a, b);
  fflush(stdout);
  char pid[16], ppid[16];
  pid_t c = fork();
  if (c == 0) {
    snprintf(pid, sizeof pid, "%d", getpid());
    snprintf(ppid, sizeof ppid, "%d", getppid());
    char *args[] = {"/exec", "child", "two", pid, ppid, NULL};
    char *env[] = {"EXECTEST=yes", NULL};
    execve("/exec", args, env);
    _exit(99);
  }
  int st;
  waitpid(c, &st, 0);
  printf("parent: child status %d\n", WEXITSTATUS(st));
  return 0;
}

// /bin/sh for the guest tree of the vfork tests: just enough of `sh -c "CMD ARGS..."` for
// glibc's system() and popen() (posix_spawn of /bin/sh -c): the command is split on spaces
// and exec'd (a name without '/' is looked up in /bin); a failed exec is status 127, as a
// shell's "not found".
#include <stdio.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
  if (argc < 3 || strcmp(argv[1], "-c") != 0) {
    fprintf(stderr, "sh: only -c CMD\n");
    return 2;
  }
  static char buf[4096];
  char *args[64];
  int n = 0;
  strncpy(buf, argv[2], sizeof buf - 1);
  for (char *w = strtok(buf, " "); w && n < 63; w = strtok(NULL, " ")) args[n++] = w;
  args[n] = NULL;
  if (n == 0) return 0;
  char path[512];
  if (strchr(args[0], '/')) snprintf(path, sizeof path, "%s", args[0]);
  else snprintf(path, sizeof path, "/bin/%s", args[0]);
  execve(path, args, environ);
  fprintf(stderr, "sh: %s: not found\n", args[0]);
  return 127;
}

// forkwait: fork (clone without CLONE_VM) with copy-on-write, wait4 for the child's status, getppid.
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long shared_value = 100;  // in .data: the child's write must copy the page

int main(void) {
    pid_t parent = getpid();
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        shared_value = 555;
        printf("child: running, getppid()==parent %s, shared_value now %ld\n",
               getppid() == parent ? "yes" : "no", shared_value);
        fflush(stdout);
        _exit(7);
    }
    int status = 0;
    struct rusage ru;
    pid_t got = wait4(pid, &status, 0, &ru);
    printf("parent: wait4 returned the child %s\n", got == pid ? "yes" : "no");
    printf("parent: WIFEXITED %d WEXITSTATUS %d WIFSIGNALED %d\n", WIFEXITED(status), WEXITSTATUS(status),
           WIFSIGNALED(status));
    printf("parent: shared_value %ld (copy-on-write kept it)\n", shared_value);
    got = wait4(-1, &status, WNOHANG, NULL);
    printf("parent: second wait4 returns %d (no children left)\n", (int)got);
    return 0;
}

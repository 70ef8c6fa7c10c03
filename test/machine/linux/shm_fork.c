// MAP_SHARED|MAP_ANONYMOUS across fork: parent and child share one shmem object, so each sees
// the other's writes, and a page neither touched before fork is allocated once in the object.
// The object outlives the parent's munmap while the child still maps it (mprotect, mremap in
// the child); threads share it too. Output compared with qemu-riscv64.
// argv[1] "smaps": the mapping's /proc/self/smaps in both processes (Pss split in two);
// argv[1] "exec": a child exec's (its mapping goes, the parent's stays).
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096
#define N 8

// Handshakes through a shared anonymous page of their own (smpemu's pipes do not block yet).
static int *sync_flags;

static void post(int i) { __atomic_store_n(&sync_flags[i], 1, __ATOMIC_RELEASE); }

static void await(int i) {
  while (!__atomic_load_n(&sync_flags[i], __ATOMIC_ACQUIRE)) sched_yield();
}

static void sync_reset(void) { memset(sync_flags, 0, 64); }

static int status_of(pid_t pid) {
  int st = -1;
  if (wait4(pid, &st, 0, NULL) != pid) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void fork_shares(void) {
  char *p = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < 4; i++) p[i * PG] = 10 + i; // pages 4..7 untouched before fork
  sync_reset();
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    await(0); // the parent wrote page 5 after fork
    printf("child: touched %d %d %d %d, untouched %d %d, parent's page 5 %d\n", p[0], p[PG], p[2 * PG], p[3 * PG], p[4 * PG], p[6 * PG], p[5 * PG + 2]);
    for (int i = 0; i < N; i++) p[i * PG + 1] = 100 + i;
    p[4 * PG + 3] = 44; // page 4: the parent wrote it too
    fflush(stdout);
    _exit(7);
  }
  p[5 * PG + 2] = 55;
  p[4 * PG + 2] = 42;
  post(0);
  printf("parent: child exit %d\n", status_of(pid));
  printf("parent: child's writes");
  for (int i = 0; i < N; i++) printf(" %d", p[i * PG + 1]);
  printf("\nparent: own values %d %d %d %d, page 4 %d %d\n", p[0], p[PG], p[2 * PG], p[3 * PG], p[4 * PG + 2], p[4 * PG + 3]);
  printf("parent: munmap %d\n", munmap(p, N * PG));
}

static void munmap_while_child_uses(void) {
  char *q = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  q[0] = 1;
  sync_reset();
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    await(0); // the parent has unmapped it
    q[PG] = 9;          // untouched so far: the object still allocates it
    int a = mprotect(q, 4 * PG, PROT_READ);
    char *r = mremap(q, 4 * PG, 8 * PG, MREMAP_MAYMOVE);
    int b = r == MAP_FAILED ? -1 : mprotect(r, 4 * PG, PROT_READ | PROT_WRITE);
    r[3 * PG] = 33;
    printf("child: after the parent's munmap: mprotect %d, mremap ok %d, mprotect %d, pages %d %d %d\n", a, r != MAP_FAILED, b, r[0], r[PG], r[3 * PG]);
    printf("child: munmap %d\n", munmap(r, 8 * PG));
    fflush(stdout);
    _exit(0);
  }
  printf("parent: munmap before the child uses it %d\n", munmap(q, 4 * PG));
  fflush(stdout);
  post(0);
  printf("parent: child exit %d\n", status_of(pid));
}

static char *tp;

static void *thread_touches(void *arg) {
  int page = (int)(long)arg;
  tp[page * PG] = page == 1 ? 21 : tp[0] + tp[PG]; // untouched before: the fault allocates it for the whole mm
  return NULL;
}

// Threads (CLONE_VM) share the mm, so its object: a thread's page is the other threads' and,
// after fork, the child's, whose own thread's write the parent sees.
static void threads_share(void) {
  tp = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  tp[0] = 20;
  pthread_t t;
  pthread_create(&t, NULL, thread_touches, (void *)1L);
  pthread_join(t, NULL);
  printf("threads: main sees the thread's page %d\n", tp[PG]);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    pthread_create(&t, NULL, thread_touches, (void *)2L);
    pthread_join(t, NULL);
    _exit(0);
  }
  printf("threads: child exit %d, pages %d %d %d %d\n", status_of(pid), tp[0], tp[PG], tp[2 * PG], tp[3 * PG]);
  printf("threads: munmap %d\n", munmap(tp, 4 * PG));
}

// The mapping's own smaps block: Rss, Pss, Shared_Dirty, Private_Dirty (kB).
static void smaps(const char *who, char *addr) {
  char line[256];
  FILE *f = fopen("/proc/self/smaps", "r");
  long rss = -1, pss = -1, sd = -1, pd = -1, sc = -1, v;
  int in = 0;
  while (f && fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) in = lo == (unsigned long)addr; // a VMA's header line
    if (!in) continue;
    if (sscanf(line, "Rss: %ld", &v) == 1) rss = v;
    else if (sscanf(line, "Pss: %ld", &v) == 1) pss = v;
    else if (sscanf(line, "Shared_Dirty: %ld", &v) == 1) sd = v;
    else if (sscanf(line, "Shared_Clean: %ld", &v) == 1) sc = v;
    else if (sscanf(line, "Private_Dirty: %ld", &v) == 1) pd = v;
  }
  if (f) fclose(f);
  printf("%s: Rss %ld Pss %ld Shared_Clean %ld Shared_Dirty %ld Private_Dirty %ld\n", who, rss, pss, sc, sd, pd);
}

static void smaps_split(void) {
  char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  p[0] = 1;
  p[PG] = 2;
  sync_reset();
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    for (int i = 0; i < 4; i++) p[i * PG + 1] = 3; // pages 2, 3: the child alone maps them
    smaps("child", p);
    fflush(stdout);
    post(0);
    await(1);
    _exit(0);
  }
  await(0);
  smaps("parent, child alive", p);
  post(1);
  status_of(pid);
  smaps("parent, child gone", p);
  printf("parent: page 2 %d\n", p[2 * PG + 1]);
  p[2 * PG + 2] = 1; // dirty in the parent too (Linux's shmem pages are PageDirty; here the PTE's D bit)
  smaps("parent, page 2 mapped", p);
  munmap(p, 4 * PG);
}

static void exec_drops(const char *self) {
  char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  p[0] = 5;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    p[PG] = 6;
    char addr[32];
    snprintf(addr, sizeof addr, "%lx", (unsigned long)p);
    char *argv[] = {(char *)self, "execd", addr, NULL};
    char *envp[] = {NULL};
    execve(self, argv, envp);
    _exit(99);
  }
  printf("parent: exec'd child exit %d\n", status_of(pid));
  printf("parent: mapping kept %d %d %d\n", p[0], p[PG], p[2 * PG]);
  printf("parent: munmap %d\n", munmap(p, 3 * PG));
}

int main(int argc, char **argv) {
  sync_flags = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (argc > 2 && strcmp(argv[1], "execd") == 0) {
    char *p = (char *)strtoul(argv[2], NULL, 16);
    int r = mprotect(p, 3 * PG, PROT_READ);
    printf("execd: the mapping is gone %d\n", r == -1 && errno == ENOMEM);
    fflush(stdout);
    return 3;
  }
  if (argc > 1 && strcmp(argv[1], "smaps") == 0) {
    smaps_split();
    return 0;
  }
  if (argc > 1 && strcmp(argv[1], "exec") == 0) {
    exec_drops(argv[0]);
    return 0;
  }
  fork_shares();
  munmap_while_child_uses();
  threads_share();
  return 0;
}

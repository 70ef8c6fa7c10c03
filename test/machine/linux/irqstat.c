// CPU-bound work for a while, then the interrupt side's /proc files as the guest reads them
// (/proc/stat, /proc/interrupts, /proc/softirqs, and ksoftirqd/0's /proc/PID/stat), printed
// to stdout for the test to parse. argv[1]: loop iterations (default 20 million).
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile long sink;

static void cat(const char *path) {
  char buf[4096];
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("==> %s: cannot open\n", path);
    return;
  }
  printf("==> %s\n", path);
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
  fclose(f);
}

int main(int argc, char **argv) {
  long n = argc > 1 ? atol(argv[1]) : 20000000;
  for (long i = 0; i < n; i++) sink += i;
  cat("/proc/stat");
  cat("/proc/interrupts");
  cat("/proc/softirqs");
  // the kernel threads: every /proc/PID whose comm starts with "ksoftirqd/"
  DIR *d = opendir("/proc");
  struct dirent *e;
  while (d && (e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char path[64], comm[64] = "";
    snprintf(path, sizeof path, "/proc/%s/comm", e->d_name);
    FILE *f = fopen(path, "r");
    if (!f) continue;
    if (fgets(comm, sizeof comm, f) && strncmp(comm, "ksoftirqd/", 10) == 0) {
      snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
      cat(path);
    }
    fclose(f);
  }
  if (d) closedir(d);
  return 0;
}

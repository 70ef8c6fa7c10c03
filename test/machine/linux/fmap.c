// File mappings (mmap of a regular file from the guest tree): data.bin in the cwd holds
// 2 pages + 100 bytes, byte i = (i * 7 + 3) & 0xff. "sigbus" as argv[1]: touch a page
// wholly past EOF; "touch N": touch the first N pages of a mapping and exit. Major fault
// counts go to stderr (qemu's are the host's).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PS 4096
#define SIZE (2 * PS + 100)

// /proc/self/stat field 12 (majflt).
static long majflt(void) {
  char b[1024];
  FILE *f = fopen("/proc/self/stat", "r");
  size_t n = fread(b, 1, sizeof b - 1, f);
  fclose(f);
  b[n] = 0;
  char *s = strrchr(b, ')');
  long v = -1;
  sscanf(s + 2, "%*c %*d %*d %*d %*d %*d %*u %*lu %*lu %ld", &v);
  return v;
}

static unsigned sum(const unsigned char *p, long n) {
  unsigned s = 0;
  for (long i = 0; i < n; i++) s = s * 31 + p[i];
  return s;
}

static void try_map(const char *what, int prot, int flags, int fd, long off) {
  void *p = mmap(NULL, PS, prot, flags, fd, off);
  if (p == MAP_FAILED) printf("%s: %s\n", what, strerror(errno));
  else printf("%s: mapped\n", what);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "rw") == 0) {
    // O_RDWR (needs --root-rw): private mappings as ever; shared ones read-only only.
    int rw = open("data.bin", O_RDWR);
    if (rw < 0) { perror("open O_RDWR"); return 1; }
    try_map("rw: private writable", PROT_READ | PROT_WRITE, MAP_PRIVATE, rw, 0);
    try_map("rw: shared read-only", PROT_READ, MAP_SHARED, rw, 0);
    try_map("rw: shared writable", PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0);
    unsigned char *s = mmap(NULL, PS, PROT_READ, MAP_SHARED, rw, 0);
    printf("rw: shared read %02x; mprotect writable: %d\n", s[1], mprotect(s, PS, PROT_READ | PROT_WRITE));
    return 0;
  }
  int fd = open("data.bin", O_RDONLY);
  if (fd < 0) { perror("open"); return 1; }
  if (argc > 1 && strcmp(argv[1], "sigbus") == 0) {
    volatile unsigned char *p = mmap(NULL, 4 * PS, PROT_READ, MAP_PRIVATE, fd, 0);
    printf("last page byte %u\n", p[2 * PS + 99]);
    fflush(stdout);
    printf("past EOF %u\n", p[3 * PS]);
    return 0;
  }
  unsigned char *p = mmap(NULL, 3 * PS, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) { perror("mmap"); return 1; }
  // One major fault per file page touched (the first majflt() call pages in its own code).
  volatile unsigned char t = 0;
  if (argc > 2 && strcmp(argv[1], "touch") == 0) {
    for (int i = 0; i < argv[2][0] - '0'; i++) t += p[i * PS];
    return 0;
  }
  long m0 = majflt();
  m0 = majflt();
  for (int i = 0; i < 3; i++) t += p[i * PS];
  fprintf(stderr, "majflt +%ld\n", majflt() - m0);
  printf("bytes:");
  for (int i = 0; i < 8; i++) printf(" %02x", p[i]);
  printf(" | %02x %02x\n", p[PS], p[2 * PS + 99]);
  printf("sum %08x\n", sum(p, SIZE));
  int zeros = 1;
  for (long i = SIZE; i < 3 * PS; i++) zeros &= p[i] == 0;
  printf("tail past EOF reads zeros: %d\n", zeros);

  // The VMA holds the file: closing the fd keeps the mapping.
  unsigned char *q = mmap(NULL, 2 * PS, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, PS);
  close(fd);
  printf("offset %d: %02x %02x\n", PS, q[0], q[PS + 99]);
  q[0] = 0xaa;
  q[5000] = 0xbb;
  printf("private write: %02x %02x\n", q[0], q[5000]);
  fd = open("data.bin", O_RDONLY);
  unsigned char buf[SIZE];
  long n = pread(fd, buf, SIZE, 0);
  printf("file after the writes: %ld bytes, sum %08x, byte %d %02x\n", n, sum(buf, SIZE), PS, buf[PS]);

  unsigned char *s = mmap(NULL, PS, PROT_READ, MAP_SHARED, fd, 2 * PS);
  printf("shared read-only: %02x %02x\n", s[0], s[99]);

  // /proc/self/maps: each mapping's perms, offset and file name, by offset (the addresses
  // differ from qemu's); the full lines to stderr.
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512], out[3][512] = {{0}};
  while (fgets(line, sizeof line, f)) {
    if (!strstr(line, "data.bin")) continue;
    fprintf(stderr, "%s", line);
    char perms[8], path[400];
    unsigned long off;
    sscanf(line, "%*lx-%*lx %7s %lx %*s %*lu %399s", perms, &off, path);
    char *base = strrchr(path, '/');
    if (off / PS < 3) snprintf(out[off / PS], sizeof out[0], "maps: %s %08lx %s\n", perms, off, base ? base + 1 : path);
  }
  fclose(f);
  for (int i = 0; i < 3; i++) printf("%s", out[i]);

  try_map("bad fd", PROT_READ, MAP_PRIVATE, 99, 0);
  try_map("fd -1", PROT_READ, MAP_PRIVATE, -1, 0);
  try_map("offset 100", PROT_READ, MAP_PRIVATE, fd, 100);
  try_map("shared writable on O_RDONLY", PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  try_map("private writable on O_RDONLY", PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  int dir = open(".", O_RDONLY | O_DIRECTORY);
  try_map("directory", PROT_READ, MAP_PRIVATE, dir, 0);
  int pfd[2];
  pipe(pfd);
  try_map("pipe", PROT_READ, MAP_PRIVATE, pfd[0], 0);
  try_map("bad type", PROT_READ, 0, fd, 0);
  try_map("offset -4096", PROT_READ, MAP_PRIVATE, fd, -4096);
  try_map("offset 2^62", PROT_READ, MAP_PRIVATE, fd, 1L << 62);
  return 0;
}

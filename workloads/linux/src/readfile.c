// readfile: read a file from the guest tree (argv[1], default data.txt, relative to the cwd):
// openat, fstat, read, lseek, pread64, close; then a missing file's errno.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "data.txt";
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("open %s: failed: %s\n", path, strerror(errno));
        return 1;
    }
    printf("open %s: ok\n", path);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        printf("fstat: failed: %s\n", strerror(errno));
        return 1;
    }
    printf("size %lld bytes, regular file %s\n", (long long)st.st_size, S_ISREG(st.st_mode) ? "yes" : "no");
    printf("--- contents ---\n");
    fflush(stdout);
    char buf[256];
    long total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            printf("read: failed: %s\n", strerror(errno));
            return 1;
        }
        if (n == 0) break;
        fwrite(buf, 1, (size_t)n, stdout);
        total += n;
    }
    printf("--- end (%ld bytes read) ---\n", total);
    off_t end = lseek(fd, 0, SEEK_CUR);
    char head[6] = {0};
    ssize_t got = pread(fd, head, 5, 0);
    printf("lseek(SEEK_CUR) %lld, pread(5, 0) %zd [%s]\n", (long long)end, got, head);
    close(fd);
    int bad = open("no-such-file.txt", O_RDONLY);
    printf("open no-such-file.txt: %s\n", bad < 0 ? strerror(errno) : "opened (unexpected)");
    return 0;
}

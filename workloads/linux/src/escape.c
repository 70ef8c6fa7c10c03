// escape: tries to open files outside the guest tree. Under smpemu (--root DIR) every attempt
// must fail with ENOENT or EACCES; under qemu-riscv64 (no sandbox) they open the host's files,
// so this program's stdout is NOT compared with qemu. Paths come from argv, or the defaults below.
#define _GNU_SOURCE  // strerrorname_np (glibc 2.32)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    static const char *defaults[] = {"../../etc/passwd", "/../../etc/passwd", "/etc/passwd", "../../../../../../etc/passwd"};
    int n = argc > 1 ? argc - 1 : (int)(sizeof defaults / sizeof defaults[0]);
    for (int i = 0; i < n; i++) {
        const char *path = argc > 1 ? argv[i + 1] : defaults[i];
        int fd = open(path, O_RDONLY);
        if (fd >= 0) {
            printf("open %s: opened\n", path);
            close(fd);
        } else {
            printf("open %s: %s (%s)\n", path, strerrorname_np(errno), strerror(errno));
        }
    }
    return 0;
}

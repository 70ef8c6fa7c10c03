// After munmap or mprotect returns, no access goes through the old translation: touch pages
// (their translations now in the TLB), then argv[1] says what to do:
//   munmap    unmap them, read one: SIGSEGV (a stale TLB entry would let the read through)
//   mprotect  make them read-only, write one: SIGSEGV
//   remap     unmap, map fresh anonymous memory at the same address, read it: 0 (not the old byte)
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv) {
    const char *how = argc > 1 ? argv[1] : "munmap";
    volatile unsigned char *p = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return 1;
    for (int i = 0; i < 4; i++) p[i * 4096 + 7] = 0xa0 + i;
    unsigned sum = 0;
    for (int r = 0; r < 3; r++)
        for (int i = 0; i < 4; i++) sum += p[i * 4096 + 7];
    printf("touched %u\n", sum);
    fflush(stdout);
    if (strcmp(how, "munmap") == 0) {
        munmap((void *)p, 4 * 4096);
        printf("read after munmap: %u\n", p[2 * 4096 + 7]);
    } else if (strcmp(how, "mprotect") == 0) {
        mprotect((void *)p, 4 * 4096, PROT_READ);
        p[4096 + 7] = 1;
        printf("wrote after mprotect\n");
    } else {
        munmap((void *)p, 4 * 4096);
        volatile unsigned char *q = mmap((void *)p, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        printf("same address %d, fresh page reads %u\n", q == p, q[2 * 4096 + 7]);
    }
    return 0;
}

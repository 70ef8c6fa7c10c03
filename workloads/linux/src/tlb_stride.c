// tlb_stride: touch one byte in each of N pages (argv[1], default 256) for R rounds (argv[2],
// default 4): N distinct pages per round, so a dTLB smaller than N misses on every access.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define PAGE 4096

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 256;
    long rounds = argc > 2 ? atol(argv[2]) : 4;
    if (n <= 0 || rounds <= 0) {
        fprintf(stderr, "usage: tlb_stride [pages > 0] [rounds > 0]\n");
        return 2;
    }
    volatile uint8_t *buf = mmap(NULL, (size_t)n * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    for (long i = 0; i < n; i++) buf[i * PAGE] = (uint8_t)(i * 7 + 1);
    uint64_t sum = 0;
    for (long r = 0; r < rounds; r++)
        for (long i = 0; i < n; i++) {
            uint8_t v = buf[i * PAGE];
            sum = sum * 31 + v + (uint64_t)r;
            buf[i * PAGE] = (uint8_t)(v + 1);
        }
    printf("tlb_stride pages %ld rounds %ld checksum %016llx\n", n, rounds, (unsigned long long)sum);
    return 0;
}

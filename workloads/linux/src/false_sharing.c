// false_sharing: 4 pthreads, each adding 1 to its own counter ITERS times (a plain volatile
// load and store, no atomics), in one global struct `counters`. Built twice (variants.txt):
//   fs_packed  the 4 counters are adjacent longs: one 64-byte line holds all of them, so
//              every increment must take the line from the core that wrote it last (HITM)
//   fs_padded  -DPAD: each counter is padded to 64 bytes and the struct aligned to 64: a
//              line per counter, no line shared
// A barrier lines the workers up so that they count at the same time. Joined, the totals
// are printed: exact whatever the layout (each counter has one writer).
// Usage: fs_packed [ITERS]   (default 100000)
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define NTHREADS 4

struct slot {
    volatile long n;
#ifdef PAD
    char pad[64 - sizeof(long)];
#endif
};

struct counters {
    struct slot slot[NTHREADS];
} __attribute__((aligned(64)));

struct counters counters;

static pthread_barrier_t start;
static long iters = 100000;

static void *worker(void *arg) {
    volatile long *c = &counters.slot[(long)arg].n;
    pthread_barrier_wait(&start);
    for (long i = 0; i < iters; i++)
        *c = *c + 1;
    return NULL;
}

int main(int argc, char **argv) {
    if (argc > 1)
        iters = atol(argv[1]);
    pthread_t tid[NTHREADS];
    pthread_barrier_init(&start, NULL, NTHREADS);
    for (long t = 0; t < NTHREADS; t++) {
        if (pthread_create(&tid[t], NULL, worker, (void *)t) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    for (int t = 0; t < NTHREADS; t++)
        pthread_join(tid[t], NULL);
    long total = 0;
    for (int t = 0; t < NTHREADS; t++) {
        printf("counter[%d] = %ld\n", t, counters.slot[t].n);
        total += counters.slot[t].n;
    }
    printf("layout %s: %zu bytes per counter, struct %zu bytes\n", sizeof(struct slot) == sizeof(long) ? "packed" : "padded",
           sizeof(struct slot), sizeof(struct counters));
    printf("total = %ld expected %ld %s\n", total, NTHREADS * iters, total == NTHREADS * iters ? "OK" : "MISMATCH");
    return total == NTHREADS * iters ? 0 : 1;
}

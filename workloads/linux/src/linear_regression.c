// linear_regression: Phoenix's linear_regression (pthreads version), written for smpemu.
// The input file is a sequence of (x, y) byte pairs; it is mapped, cut into one slice per
// thread, and each thread sums SX, SY, SXX, SYY and SXY over its slice into ITS OWN element
// of the array of per-thread argument structs `tid_args`, through the pointer it was given,
// as Phoenix's linear_regression_pthread does. The main thread adds the elements up and
// prints the fit y = a + b x, the means and r^2.
// Built twice (variants.txt):
//   lr_packed  the args struct without padding, as Phoenix has it: 56 bytes, so each line
//              holds the sums of two neighbouring threads (false sharing)
//   lr_padded  -DPAD: each element aligned to 64 bytes, its sums on a line of their own
// Differences from Phoenix, each to keep the sharing Phoenix shows visible and named:
//  - the array is a 64-aligned global (Phoenix callocs it) so c2c can name it by symbol; the
//    sums come first in the struct and there is no pthread_t in it, so that neighbouring
//    sums share a line whatever the array's placement (Phoenix's 64-byte struct shares lines
//    only because calloc returns it 16 bytes past a line boundary);
//  - the sums are volatile: GCC 12 at -O2 proves that the POINT_T loads cannot alias them
//    and keeps them in registers, storing once after the loop, which hides the false sharing
//    of Phoenix's loop as written (a load and a store of each sum per point);
//  - the points are unsigned char (Phoenix's plain char is unsigned on riscv64 anyway).
// Usage: lr_packed FILE [THREADS]   (THREADS 1..16, default 4)
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_THREADS 16

typedef struct {
    unsigned char x;
    unsigned char y;
} POINT_T;

typedef struct {
    volatile long long SX;
    volatile long long SY;
    volatile long long SXX;
    volatile long long SYY;
    volatile long long SXY;
    POINT_T *points;
    int num_elems;
#ifdef PAD
} __attribute__((aligned(64))) lreg_args;
#else
} lreg_args;
#endif

lreg_args tid_args[MAX_THREADS] __attribute__((aligned(64)));

static void *linear_regression_pthread(void *args_in) {
    lreg_args *args = (lreg_args *)args_in;
    args->SX = 0;
    args->SY = 0;
    args->SXX = 0;
    args->SYY = 0;
    args->SXY = 0;
    for (int i = 0; i < args->num_elems; i++) {
        // Compute SX, SY, SYY, SXX, SXY
        args->SX += args->points[i].x;
        args->SXX += args->points[i].x * args->points[i].x;
        args->SY += args->points[i].y;
        args->SYY += args->points[i].y * args->points[i].y;
        args->SXY += args->points[i].x * args->points[i].y;
    }
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s <filename> [threads]\n", argv[0]);
        return 1;
    }
    int num_procs = argc > 2 ? atoi(argv[2]) : 4;
    if (num_procs < 1 || num_procs > MAX_THREADS) {
        fprintf(stderr, "threads: 1..%d\n", MAX_THREADS);
        return 1;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    struct stat finfo;
    if (fstat(fd, &finfo) < 0) {
        perror("fstat");
        return 1;
    }
    char *fdata = mmap(NULL, finfo.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (fdata == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    POINT_T *points = (POINT_T *)fdata;
    int num_elems = finfo.st_size / sizeof(POINT_T);
    int req_units = num_elems / num_procs;
    printf("Linear regression: %d points, %d threads, %zu-byte args\n", num_elems, num_procs, sizeof(lreg_args));

    pthread_t tid[MAX_THREADS];
    for (int i = 0; i < num_procs; i++) {
        tid_args[i].points = &points[i * req_units];
        tid_args[i].num_elems = i == num_procs - 1 ? num_elems - i * req_units : req_units;
        if (pthread_create(&tid[i], NULL, linear_regression_pthread, &tid_args[i]) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    long long SX_ll = 0, SY_ll = 0, SXX_ll = 0, SYY_ll = 0, SXY_ll = 0;
    for (int i = 0; i < num_procs; i++) {
        pthread_join(tid[i], NULL);
        SX_ll += tid_args[i].SX;
        SY_ll += tid_args[i].SY;
        SXX_ll += tid_args[i].SXX;
        SYY_ll += tid_args[i].SYY;
        SXY_ll += tid_args[i].SXY;
    }
    munmap(fdata, finfo.st_size);
    close(fd);

    double n = (double)num_elems;
    double b = (n * SXY_ll - (double)SX_ll * SY_ll) / (n * SXX_ll - (double)SX_ll * SX_ll);
    double a = (SY_ll - b * SX_ll) / n;
    double xbar = (double)SX_ll / n;
    double ybar = (double)SY_ll / n;
    double r2 = (n * SXY_ll - (double)SX_ll * SY_ll) * (n * SXY_ll - (double)SX_ll * SY_ll) /
                ((n * SXX_ll - (double)SX_ll * SX_ll) * (n * SYY_ll - (double)SY_ll * SY_ll));

    printf("Linear Regression Results:\n");
    printf("\ta    = %lf\n", a);
    printf("\tb    = %lf\n", b);
    printf("\txbar = %lf\n", xbar);
    printf("\tybar = %lf\n", ybar);
    printf("\tr2   = %lf\n", r2);
    printf("\tSX   = %lld\n", SX_ll);
    printf("\tSY   = %lld\n", SY_ll);
    printf("\tSXX  = %lld\n", SXX_ll);
    printf("\tSYY  = %lld\n", SYY_ll);
    printf("\tSXY  = %lld\n", SXY_ll);
    return 0;
}

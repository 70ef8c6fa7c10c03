// malloc_story: the seeds' malloc story. stdout gets only machine-independent lines (the step, where
// a pointer came from, checksums); stderr gets VmSize/VmRSS from /proc/self/status before and after
// each step (machine-dependent). /proc/self/status is read with open/read into a static buffer, so
// reading it does not itself allocate.
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096
#define SMALL_COUNT 4000         // 4000 x 80-byte chunks outgrow the heap start-up made: brk grows
#define SMALL_SIZE 64
#define BIG_SIZE (200 * 1024)     // over the 128 KiB initial mmap threshold
#define HUGE_SIZE (64UL << 20)    // 64 MiB = 16,384 pages
#define ZERO_PAGES 16

extern char end[];        // the linker's end of .bss: the heap (brk area) starts above it
static char *brk_before;  // sbrk(0) before the first malloc of the story

static void status(const char *when) {
    static char buf[8192];
    int fd = open("/proc/self/status", O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "[%s] /proc/self/status: cannot open\n", when);
        return;
    }
    ssize_t len = 0, n;
    while (len < (ssize_t)sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - (size_t)len)) > 0) len += n;
    close(fd);
    buf[len] = '\0';
    for (char *line = buf; *line;) {
        char *nl = strchr(line, '\n');
        size_t l = nl ? (size_t)(nl - line) : strlen(line);
        if (strncmp(line, "VmSize:", 7) == 0 || strncmp(line, "VmRSS:", 6) == 0)
            fprintf(stderr, "[%s] %.*s\n", when, (int)l, line);
        line += l + (nl ? 1 : 0);
    }
}

static const char *origin(const void *p) {
    return (const char *)p >= end && (const char *)p < (char *)sbrk(0) ? "heap (brk)" : "mmap";
}

static uint64_t fill(volatile uint8_t *p, size_t n, size_t stride, uint8_t seed) {
    uint64_t h = 1469598103934665603ULL;  // FNV-1a over what was written
    for (size_t i = 0; i < n; i += stride) {
        uint8_t v = (uint8_t)(seed + i / stride * 13);
        p[i] = v;
        h = (h ^ v) * 1099511628211ULL;
    }
    return h;
}

int main(void) {
    printf("malloc_story: start\n");  // stdout's buffer is malloc'ed here, before the story
    fflush(stdout);
    brk_before = sbrk(0);
    status("start");

    // 1. Many small allocations: served from the main arena, which grows the heap with brk.
    static void *small[SMALL_COUNT];
    for (int i = 0; i < SMALL_COUNT; i++) {
        small[i] = malloc(SMALL_SIZE);
        memset(small[i], i & 0xff, SMALL_SIZE);
    }
    int from_heap = 0;
    for (int i = 0; i < SMALL_COUNT; i++) from_heap += strcmp(origin(small[i]), "heap (brk)") == 0;
    printf("step 1: %d small mallocs of %d bytes: %d from the heap (brk), brk grew %s\n", SMALL_COUNT,
           SMALL_SIZE, from_heap, (char *)sbrk(0) > brk_before ? "yes" : "no");
    status("after small mallocs");

    // 2. One allocation over the 128 KiB threshold: its own mmap.
    uint8_t *big = malloc(BIG_SIZE);
    status("after 200 KiB malloc");
    printf("step 2: malloc(%d) from %s, checksum %016llx\n", BIG_SIZE, origin(big),
           (unsigned long long)fill(big, BIG_SIZE, 1, 1));
    status("after writing 200 KiB");

    // 3. free() munmaps it and raises the threshold to its size, so the same request now comes
    // from the heap.
    free(big);
    status("after free");
    printf("step 3: free(200 KiB) done\n");
    uint8_t *again = malloc(BIG_SIZE);
    printf("step 4: malloc(%d) again from %s (threshold adapted), checksum %016llx\n", BIG_SIZE, origin(again),
           (unsigned long long)fill(again, BIG_SIZE, 1, 2));
    status("after second 200 KiB malloc");

    // 5. A 64 MiB anonymous mmap: VmSize grows at the call, VmRSS only as each page is touched.
    status("before 64 MiB mmap");
    uint8_t *huge = mmap(NULL, HUGE_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (huge == MAP_FAILED) {
        printf("step 5: mmap(64 MiB) failed\n");
        return 1;
    }
    status("after 64 MiB mmap");
    printf("step 5: mmap(64 MiB) from %s, touched %lu pages, checksum %016llx\n", origin(huge),
           HUGE_SIZE / PAGE, (unsigned long long)fill(huge, HUGE_SIZE, PAGE, 3));
    status("after touching 64 MiB");
    munmap(huge, HUGE_SIZE);
    status("after munmap 64 MiB");
    printf("step 6: munmap(64 MiB) done\n");

    // 7. Zero page: reading untouched anonymous pages maps the shared zero page (RSS unchanged);
    // the first write to each allocates it.
    volatile uint8_t *z = mmap(NULL, ZERO_PAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (z == MAP_FAILED) {
        printf("step 7: mmap failed\n");
        return 1;
    }
    status("after mmap 16 pages");
    unsigned sum = 0;
    for (int i = 0; i < ZERO_PAGES; i++) sum += z[i * PAGE] + z[i * PAGE + PAGE - 1];
    printf("step 7: read %d untouched pages: sum %u\n", ZERO_PAGES, sum);
    status("after reading 16 untouched pages");
    printf("step 8: wrote %d pages, checksum %016llx\n", ZERO_PAGES,
           (unsigned long long)fill(z, ZERO_PAGES * PAGE, PAGE, 4));
    status("after writing 16 pages");
    munmap((void *)z, ZERO_PAGES * PAGE);

    free(again);
    for (int i = 0; i < SMALL_COUNT; i++) free(small[i]);
    status("end");
    printf("malloc_story: done\n");
    return 0;
}

// segv: a store through NULL + 0x10 (no VMA there): the kernel delivers SIGSEGV, the default action
// kills the process, and a shell reports status 128 + 11 = 139.
#include <stdint.h>
#include <stdio.h>

static volatile uintptr_t bad_address = 0x10;  // through a variable: GCC cannot see the NULL store

int main(void) {
    printf("about to write through NULL+0x10\n");
    fflush(stdout);
    volatile int *p = (volatile int *)bad_address;
    *p = 42;
    printf("still alive (must not print)\n");
    return 0;
}

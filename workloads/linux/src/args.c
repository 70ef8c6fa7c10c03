// args: the initial stack Linux builds: argc, argv, envp and the auxiliary vector.
#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>

int main(int argc, char **argv) {
    printf("argc %d\n", argc);
    // argv[0] is the path the loader was given: differs between runners, so print only its presence.
    printf("argv[0] %s\n", argv[0] != NULL && argv[0][0] != '\0' ? "present" : "missing");
    for (int i = 1; i < argc; i++) printf("argv[%d] [%s]\n", i, argv[i]);
    printf("argv[argc] %s\n", argv[argc] == NULL ? "NULL" : "not NULL");
    const char *names[] = {"SMPEMU_A", "SMPEMU_B", "SMPEMU_UNSET"};
    for (unsigned i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        printf("env %s %s%s%s\n", names[i], v ? "[" : "unset", v ? v : "", v ? "]" : "");
    }
    printf("AT_PAGESZ %lu\n", getauxval(AT_PAGESZ));
    printf("AT_HWCAP nonzero %s\n", getauxval(AT_HWCAP) != 0 ? "yes" : "no");
    unsigned char *rnd = (unsigned char *)getauxval(AT_RANDOM);
    printf("AT_RANDOM non-NULL %s\n", rnd != NULL ? "yes" : "no");
    printf("AT_PHENT %lu\n", getauxval(AT_PHENT));
    printf("AT_SECURE %lu\n", getauxval(AT_SECURE));
    return 0;
}

// argc, argv, envp and the auxiliary vector as the guest sees them.
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
extern char **environ;
extern char _start[];
int main(int argc, char **argv) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
  printf("argv[argc]=%s\n", argv[argc] == NULL ? "NULL" : "set");
  for (char **e = environ; *e; e++) printf("env %s\n", *e);
  printf("AT_PAGESZ=%lu\n", getauxval(AT_PAGESZ));
  printf("AT_ENTRY is _start: %d\n", getauxval(AT_ENTRY) == (unsigned long)_start);
  printf("AT_PHENT=%lu AT_PHNUM>0: %d\n", getauxval(AT_PHENT), getauxval(AT_PHNUM) > 0);
  printf("AT_UID=%lu AT_EUID=%lu AT_GID=%lu AT_EGID=%lu AT_SECURE=%lu\n", getauxval(AT_UID), getauxval(AT_EUID), getauxval(AT_GID), getauxval(AT_EGID), getauxval(AT_SECURE));
  printf("AT_CLKTCK=%lu\n", getauxval(AT_CLKTCK));
  printf("AT_HWCAP has I,M,A,F,D,C: %d\n", (getauxval(AT_HWCAP) & 0x102d) == 0x102d);
  const unsigned char *r = (const unsigned char *)getauxval(AT_RANDOM);
  int nz = 0;
  for (int i = 0; i < 16; i++) nz |= r[i];
  printf("AT_RANDOM readable, not all zero: %d\n", nz != 0);
  printf("AT_EXECFN=%s\n", (const char *)getauxval(AT_EXECFN));
  return argc;
}

// Touches memory it must not: argv[1] says how. Each ends with a signal.
#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  const char *how = argc > 1 ? argv[1] : "null";
  printf("before\n");
  fflush(stdout);
  if (!strcmp(how, "null")) *(volatile int *)0 = 1;                       // store outside any mapping
  if (!strcmp(how, "text")) *(volatile int *)(void *)main = 1;             // store to r-x
  if (!strcmp(how, "jump")) ((void (*)(void))0x12345670)();                // fetch outside any mapping
  if (!strcmp(how, "ebreak")) __asm__ volatile("ebreak");
  if (!strcmp(how, "illegal")) __asm__ volatile(".word 0");
  printf("not reached\n");
  return 0;
}

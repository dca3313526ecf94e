/* The parent fills the segment, then forks readers that only read it: every
 * read is ordered after the writes by fork. No race. */
#include "e2e_util.h"

#define WORDS 512
#define READERS 3

int main(void) {
  long *table = new_segment(WORDS * sizeof(long), NULL);
  for (long i = 0; i < WORDS; ++i)
    table[i] = i * i;
  pid_t children[READERS];
  for (int r = 0; r < READERS; ++r) {
    children[r] = fork_or_die();
    if (children[r] == 0) {
      long sum = 0;
      for (long i = 0; i < WORDS; ++i)
        sum += table[i];
      shmdt(table);
      _exit(sum == (WORDS - 1) * WORDS * (2 * WORDS - 1) / 6 ? 0 : 1);
    }
  }
  int failures = 0;
  for (int r = 0; r < READERS; ++r)
    failures += wait_child(children[r]) != 0;
  printf("readers with a wrong sum: %d\n", failures);
  shmdt(table);
  return 0;
}

/* What the runtime keeps in /dev/shm for this user, as the load tests
 * measure it: its objects are named "shmcheck-<uid>-<session>..." (the
 * state, and one shadow per segment). Allocated size is what tmpfs holds
 * in memory for them (pages ever touched), not their apparent size. */
#ifndef SHMCHECK_RELIABILITY_SHARED_OBJECTS_H
#define SHMCHECK_RELIABILITY_SHARED_OBJECTS_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Prints "shared objects: N, K KiB allocated, A KiB apparent" to stderr;
 * returns N. */
static inline int report_shared_objects(void) {
  char prefix[64];
  snprintf(prefix, sizeof prefix, "shmcheck-%u-", (unsigned)geteuid());
  int count = 0;
  long long allocated = 0, apparent = 0;
  DIR *dir = opendir("/dev/shm");
  if (dir != NULL) {
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL) {
      if (strncmp(entry->d_name, prefix, strlen(prefix)) != 0)
        continue;
      char path[512];
      snprintf(path, sizeof path, "/dev/shm/%s", entry->d_name);
      struct stat st;
      if (stat(path, &st) != 0)
        continue;
      ++count;
      allocated += (long long)st.st_blocks * 512;
      apparent += (long long)st.st_size;
    }
    closedir(dir);
  }
  fprintf(stderr, "shared objects: %d, %lld KiB allocated, %lld KiB apparent\n", count,
          allocated / 1024, apparent / 1024);
  return count;
}

#endif

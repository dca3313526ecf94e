// A zone whose name's bytes live in the segment (nginx keeps a shared
// zone's name in an ngx_str_t): this file's own analysis sees the member
// hold shared memory, and the users' update here is reported.
#include <sys/shm.h>
#include "seg.h"

void zone_name(struct str *name, int shmid) {
  name->data = shmat(shmid, 0, 0);
  name->len = 8;
}

void zone_touch(struct str *name) {
  name->data[0]++;
}

// A separately exec'd checked program for the unit tests: registers with the
// core, attaches System V segment argv[1], makes one access (argv[2]: "read"
// or "write") at offset argv[3], and leaves. Exits 66 when it took part in a
// reported race, 90 when checking could not start.
#include <cstdlib>
#include <cstring>

#include <sys/shm.h>

#include "core_api.h"
#include "session.h"

int main(int argc, char **argv) {
  namespace core = shmcheck::core;
  if (argc != 4) return 2;
  if (!core::process_start()) return 90;
  int shmid = atoi(argv[1]);
  shmcheck::testing::Attached seg = shmcheck::testing::attach(shmid);
  if (seg.ref == core::kNoSegment) return 90;
  core::AccessType type = strcmp(argv[2], "write") == 0 ? core::AccessType::Write
                                                       : core::AccessType::Read;
  SHMCHECK_ACCESS(seg.ref, strtoull(argv[3], nullptr, 0), 4, type);
  shmdt(seg.address);
  core::segment_detached(seg.ref);
  core::process_exit();
  return core::reported_race() ? 66 : 0;
}

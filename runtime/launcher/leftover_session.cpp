#include "leftover_session.h"

#include <cstdlib>

#include <unistd.h>

#include "core_api.h"
#include "options.h"
#include "shared_state.h"

namespace shmcheck::launcher {

void finish_leftover_session(const std::string &options) {
  core::Options parsed;
  char error[256];
  if (!core::parse_options(options.c_str(), parsed, error, sizeof error)) return;
  char name[128];
  core::state_object_name(parsed.session.c_str(), name, sizeof name);
  if (access((std::string("/dev/shm") + name).c_str(), F_OK) != 0) return;
  // The core reads its options from the environment, once.
  setenv("SHMCHECK_OPTIONS", options.c_str(), 1);
  if (core::process_start()) core::process_exit();
}

}  // namespace shmcheck::launcher

#include "leftover_session.h"

#include <cstdlib>

#include <unistd.h>

#include "core_api.h"
#include "options.h"
#include "state_location.h"

namespace shmcheck::launcher {

void finish_leftover_session(const std::string &options) {
  core::Options parsed;
  char error[256];
  if (!core::parse_options(options.c_str(), parsed, error, sizeof error)) return;
  char name[128];
  char note[256];
  core::choose_state_name(parsed.session.c_str(), name, sizeof name, note, sizeof note);
  if (access((std::string("/dev/shm") + name).c_str(), F_OK) != 0) return;
  // The core reads its options from the environment, once.
  setenv("SHMCHECK_OPTIONS", options.c_str(), 1);
  if (core::process_start()) core::process_exit();
}

}  // namespace shmcheck::launcher

#include "interpose/real_functions.h"

#include <dlfcn.h>

#include "trap/safe_log.h"

namespace shmcheck::interpose::real {

void *next_symbol(const char *name, const char *version) {
  void *fn = version != nullptr ? dlvsym(RTLD_NEXT, name, version)
                                : dlsym(RTLD_NEXT, name);
  if (fn == nullptr && version != nullptr)
    fn = dlsym(RTLD_NEXT, name);
  if (fn == nullptr) {
    trap::SafeLine().text("cannot find the C library's '").text(name).text("'").emit();
    abort();
  }
  return fn;
}

void resolve_all() {
#define SHMCHECK_RESOLVE(name, version) (void)name();
  SHMCHECK_REAL_FUNCTIONS(SHMCHECK_RESOLVE)
#undef SHMCHECK_RESOLVE
}

namespace {
// Before main: a signal handler calling _exit() or kill() must never be the
// first use.
__attribute__((constructor)) void resolve_at_start() { resolve_all(); }
}  // namespace

}  // namespace shmcheck::interpose::real

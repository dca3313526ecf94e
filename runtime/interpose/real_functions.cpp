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

}  // namespace shmcheck::interpose::real

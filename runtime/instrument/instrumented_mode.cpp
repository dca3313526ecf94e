#include "instrument/instrumented_mode.h"

#include <sys/mman.h>
#include <sys/syscall.h>

#include "core/core_api.h"
#include "core/options.h"
#include "interpose/runtime_state.h"
#include "trap/attachment_table.h"
#include "trap/raw_syscall.h"
#include "trap/safe_log.h"
#include "trap/trap_lock.h"

namespace shmcheck::instrument {

std::atomic<bool> g_instrumented{false};

void enter_instrumented_mode() {
  if (g_instrumented.exchange(true))
    return;
  if (!interpose::checking())
    return;
  {
    interpose::RuntimeScope scope;
    core::plain_loads_are_exact();
  }
  // Views armed before the instrumented code started (an instrumented
  // library loaded after shmat): the trap lock waits for any step in
  // progress, so no opened page is protected again behind our back.
  trap::SignalsBlocked blocked;
  trap::trap_lock();
  trap::for_each_attachment([](const trap::Attachment &a) {
    if (a.watched)
      trap::raw_syscall(SYS_mprotect, static_cast<long>(a.base),
                        static_cast<long>(a.mapped), a.protection());
  });
  trap::trap_unlock();
  if (core::options().verbosity >= 2)
    trap::SafeLine().text("instrumented code: page traps are not armed").emit();
}

}  // namespace shmcheck::instrument

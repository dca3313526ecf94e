#include "trap/stack_exclusion.h"

#include "trap/access_recorder.h"
#include "trap/attachment_edits.h"
#include "trap/attachment_table.h"
#include "trap/safe_log.h"
#include "trap/trap_lock.h"

namespace shmcheck::trap {

void exclude_stack(uintptr_t start, size_t size) {
  if (size == 0 || !touches_watched(start, size))
    return;
  const uintptr_t from = page_down(start);
  const uintptr_t to = page_up(start + size);
  EditOutcome outcome{};
  {
    SignalsBlocked blocked;
    trap_lock();
    unwatch_range(from, to, &outcome);
    trap_unlock();
  }
  finish_edit(outcome);
  SafeLine().hex(from).text("-").hex(to)
      .text(" of a watched segment is used as a stack; left unchecked").emit();
}

}  // namespace shmcheck::trap

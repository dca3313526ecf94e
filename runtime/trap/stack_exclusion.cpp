#include "trap/stack_exclusion.h"

#include "trap/access_recorder.h"
#include "trap/attachment_edits.h"
#include "trap/attachment_table.h"
#include "trap/safe_log.h"
#include "trap/trap_lock.h"

namespace shmcheck::trap {

namespace {

bool unwatch(uintptr_t start, size_t size, uintptr_t *from, uintptr_t *to) {
  if (size == 0 || !touches_watched(start, size))
    return false;
  *from = page_down(start);
  *to = page_up(start + size);
  EditOutcome outcome{};
  {
    SignalsBlocked blocked;
    trap_lock();
    unwatch_range(*from, *to, &outcome);
    trap_unlock();
  }
  finish_edit(outcome);
  return true;
}

}  // namespace

void unwatch_quietly(uintptr_t start, size_t size) {
  uintptr_t from = 0;
  uintptr_t to = 0;
  unwatch(start, size, &from, &to);
}

void exclude_stack(uintptr_t start, size_t size) {
  uintptr_t from = 0;
  uintptr_t to = 0;
  if (!unwatch(start, size, &from, &to))
    return;
  SafeLine().hex(from).text("-").hex(to)
      .text(" of a watched segment is used as a stack; left unchecked").emit();
}

}  // namespace shmcheck::trap

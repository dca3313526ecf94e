#include "interpose/io_buffers.h"

#include "interpose/runtime_state.h"
#include "trap/access_recorder.h"
#include "trap/attachment_table.h"
#include "trap/stack_capture.h"

namespace shmcheck::interpose {

bool buffer_is_watched(const void *base, size_t length) {
  return trap::touches_watched(reinterpret_cast<uintptr_t>(base), length);
}

bool iovec_is_watched(const struct iovec *iov, int iovcnt) {
  if (iov == nullptr || !trap::any_watched())
    return false;
  for (int i = 0; i < iovcnt; ++i)
    if (buffer_is_watched(iov[i].iov_base, iov[i].iov_len))
      return true;
  return false;
}

bool split_buffer(void *base, size_t length, struct iovec *out, int *count,
                  int max) {
  auto at = reinterpret_cast<uintptr_t>(base);
  const uintptr_t end = at + length;
  while (at < end) {
    // The longest run starting at `at` that is either inside one watched
    // attachment or outside all of them.
    uintptr_t run_end = end;
    uintptr_t target = at;
    trap::Attachment a;
    if (trap::find_attachment(at, &a) && a.alias != 0) {
      if (a.base + a.mapped < run_end)
        run_end = a.base + a.mapped;
      target = a.alias + (at - a.base);
    } else {
      trap::for_each_attachment([&](const trap::Attachment &other) {
        if (other.watched && other.base > at && other.base < run_end)
          run_end = other.base;
      });
    }
    if (*count >= max)
      return false;
    out[*count].iov_base = reinterpret_cast<void *>(target);
    out[*count].iov_len = run_end - at;
    ++*count;
    at = run_end;
  }
  return true;
}

bool split_iovec(const struct iovec *iov, int iovcnt, struct iovec *out,
                 int *count, int max) {
  for (int i = 0; i < iovcnt; ++i)
    if (!split_buffer(iov[i].iov_base, iov[i].iov_len, out, count, max))
      return false;
  return true;
}

void record_transfer(const struct iovec *iov, int iovcnt, size_t done,
                     core::AccessType type, uintptr_t return_address) {
  if (done == 0 || !should_check())
    return;
  uintptr_t frames[trap::kMaxFrames];
  size_t frame_count = 0;
  for (int i = 0; i < iovcnt && done > 0; ++i) {
    const size_t n = iov[i].iov_len < done ? iov[i].iov_len : done;
    done -= n;
    const auto base = reinterpret_cast<uintptr_t>(iov[i].iov_base);
    if (!trap::touches_watched(base, n))
      continue;
    if (frame_count == 0)
      frame_count =
          trap::capture_caller_stack(return_address, frames, trap::kMaxFrames);
    // The kernel has already moved the bytes: record and complete at once.
    trap::RecordedAccesses recorded{};
    trap::record_range(base, n, type, 0, frames, frame_count, &recorded);
    trap::complete_recorded(recorded);
  }
}

}  // namespace shmcheck::interpose

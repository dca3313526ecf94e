// System-call buffers that lie in a watched segment.
//
// The kernel cannot read or write a PROT_NONE view (it would fail with
// EFAULT), so a buffer is rewritten as pieces: the parts inside watched
// attachments point into the alias view, the rest stays. One piece becomes
// the same call on the alias address; several become the vectored form of
// the call (read -> readv, recv -> recvmsg...), which moves the same bytes
// in the same order with the same semantics.
//
// What the kernel read or wrote there is recorded as an access by the
// calling thread, with the caller of the system call at the top of the stack.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

#include "core/core_api.h"

namespace shmcheck::interpose {

// Most iovecs a rewritten call may pass (the kernel's IOV_MAX).
inline constexpr int kMaxPieces = 1024;

// Appends the pieces of [base, base + length) to out[*count...]. False when
// they do not fit.
bool split_buffer(void *base, size_t length, struct iovec *out, int *count,
                  int max);

// Splits every element of `iov`; false when the pieces do not fit.
bool split_iovec(const struct iovec *iov, int iovcnt, struct iovec *out,
                 int *count, int max);

// Records `done` bytes transferred through `iov` (in order) as accesses of
// `type`, for the caller at `return_address`.
void record_transfer(const struct iovec *iov, int iovcnt, size_t done,
                     core::AccessType type, uintptr_t return_address);

// True when some byte of the buffers is in a watched attachment.
bool buffer_is_watched(const void *base, size_t length);
bool iovec_is_watched(const struct iovec *iov, int iovcnt);

}  // namespace shmcheck::interpose

// The program's memory as the boundary reads and writes it: watched parts
// through the alias view (the program's own view is PROT_NONE), the rest
// with process_vm_readv/writev on this process, so that a bad pointer gives
// the EFAULT the kernel would have given instead of a fault in a handler.
// [signal-safe]
#pragma once

#include <cstddef>
#include <cstdint>

namespace shmcheck::syscall {

bool read_app(void *out, uintptr_t address, size_t size);
bool write_app(uintptr_t address, const void *in, size_t size);

// The length of the NUL-terminated string at `address` (without the NUL),
// at most `max`; false when unreadable or longer.
bool app_string_length(uintptr_t address, size_t max, size_t *length);

// Where the kernel can find [address, address + size) whole: the same
// offset in the alias when the range lies in one watched piece, else 0
// (the range straddles pieces, or a piece and other memory).
uintptr_t alias_range(uintptr_t address, uint64_t size);

// True when some byte of the range is in a watched attachment.
bool is_watched(uintptr_t address, uint64_t size);

}  // namespace shmcheck::syscall

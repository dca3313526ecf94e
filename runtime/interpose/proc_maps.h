// Reading /proc/self/maps from interceptors: raw system calls, a fixed
// buffer, no allocation and no stdio.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace shmcheck::interpose {

// One line of /proc/self/maps: "start-end perms offset major:minor inode path".
struct MapsEntry {
  uintptr_t start;
  uintptr_t end;
  uint64_t offset;  // in the mapped object, of `start`
  unsigned major;
  unsigned minor;
  uint64_t inode;
  bool shared;      // 's' in perms
  char path[256];   // truncated when longer; empty for anonymous memory
};

// Calls fn(const MapsEntry &) for every mapping until it returns false.
// False when /proc/self/maps cannot be read.
template <typename Fn>
bool for_each_mapping(Fn &&fn);

// The mapping that contains `address`.
bool find_mapping(uintptr_t address, MapsEntry *out);

// --- implementation details ------------------------------------------------
bool read_maps(bool (*visit)(const MapsEntry &, void *), void *context);

template <typename Fn>
bool for_each_mapping(Fn &&fn) {
  using Visitor = std::remove_reference_t<Fn>;
  return read_maps(
      [](const MapsEntry &entry, void *context) {
        return static_cast<bool>((*static_cast<Visitor *>(context))(entry));
      },
      &fn);
}

}  // namespace shmcheck::interpose

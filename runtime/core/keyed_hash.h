// A keyed hash (SipHash-2-4) for names that other users must not be able to
// predict: with a 128-bit key they cannot read, the tag of a name tells them
// nothing about the tag of the next one.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shmcheck::core {

struct HashKey {
  uint64_t k0;
  uint64_t k1;
};

uint64_t keyed_hash(const HashKey &key, const void *data, size_t size);

}  // namespace shmcheck::core

// Interned lock identities: the dataflow works on small integer ids.
#pragma once

#include "analysis/HeldLocks.h"

#include "llvm/ADT/StringMap.h"

#include <deque>

namespace clang::tidy::shm {

class LockTable {
public:
  /// The id of Key, creating it (with Kind and Display) on first use.
  unsigned intern(llvm::StringRef Key, LockKind Kind, llvm::StringRef Display, const Decl *Holder = nullptr,
                  int64_t HolderNum = 0);
  /// The id of Key if it was interned.
  std::optional<unsigned> find(llvm::StringRef Key) const;
  const LockId &operator[](unsigned Id) const { return Ids[Id]; }
  size_t size() const { return Ids.size(); }

private:
  std::deque<LockId> Ids;
  llvm::StringMap<unsigned> ByKey;
};

} // namespace clang::tidy::shm

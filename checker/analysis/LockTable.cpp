#include "analysis/LockTable.h"

namespace clang::tidy::shm {

unsigned LockTable::intern(llvm::StringRef Key, LockKind Kind, llvm::StringRef Display, const Decl *Holder,
                           int64_t HolderNum) {
  auto [It, Inserted] = ByKey.try_emplace(Key, static_cast<unsigned>(Ids.size()));
  if (Inserted)
    Ids.push_back(LockId{Kind, Key.str(), Display.str(), Holder, HolderNum});
  else if (Holder && !Ids[It->second].Holder) {
    Ids[It->second].Holder = Holder;
    Ids[It->second].HolderNum = HolderNum;
  }
  return It->second;
}

std::optional<unsigned> LockTable::find(llvm::StringRef Key) const {
  auto It = ByKey.find(Key);
  if (It == ByKey.end())
    return std::nullopt;
  return It->second;
}

} // namespace clang::tidy::shm

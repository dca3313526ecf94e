// shm-unguarded-access: reads and writes of memory shared between processes
// made while no lock is held.
#pragma once

#include "analysis/HeldLocks.h"

#include "clang-tidy/ClangTidyCheck.h"

#include <string>

namespace clang::tidy::shm {

/// Flags each access to shared memory (from shmat, shm_open+mmap,
/// MAP_SHARED|MAP_ANONYMOUS, memfd) that may run while other processes use
/// the memory and while no lock is held on every path to it.
///
/// Options:
///   LockFunctions   - `;`-separated functions that acquire the lock named
///                     by their first argument (for code the analysis
///                     cannot see, e.g. defined in another file).
///   UnlockFunctions - the matching release functions.
///   SharedMemoryFunctions - `;`-separated functions returning a pointer
///                     into shared memory (a project's own allocator).
///   TryLockFunctions - `;`-separated try-lock functions on their first
///                     argument: "name" succeeds when it returns non-zero,
///                     "name=0" when it returns 0.
/// The last two may also be set globally (CheckOptions without a prefix).
class UnguardedAccessCheck : public ClangTidyCheck {
public:
  UnguardedAccessCheck(llvm::StringRef Name, ClangTidyContext *Context);

  void storeOptions(ClangTidyOptions::OptionMap &Opts) override;
  void registerMatchers(ast_matchers::MatchFinder *Finder) override;
  void check(const ast_matchers::MatchFinder::MatchResult &Result) override;

private:
  std::string LockFunctionsOption;
  std::string UnlockFunctionsOption;
  std::string SharedMemoryFunctionsOption;
  std::string TryLockFunctionsOption;
  LockConfig Config;
};

} // namespace clang::tidy::shm

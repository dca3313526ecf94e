// shm-insecure-permissions: shared memory and semaphores created with a mode
// that lets other users write them.
#pragma once

#include "clang-tidy/ClangTidyCheck.h"

namespace clang::tidy::shm {

/// Flags shmget/semget calls that create an object (IPC_CREAT or
/// IPC_PRIVATE) and shm_open/sem_open calls with O_CREAT whose mode grants
/// write access to others, or to the group when AllowGroupWrite is false.
/// When the offending mode bits are an integer literal written at the call,
/// offers the owner+group mode as a fix-it.
class InsecurePermissionsCheck : public ClangTidyCheck {
public:
  InsecurePermissionsCheck(StringRef Name, ClangTidyContext *TidyContext);
  void storeOptions(ClangTidyOptions::OptionMap &Opts) override;
  void registerMatchers(ast_matchers::MatchFinder *Finder) override;
  void check(const ast_matchers::MatchFinder::MatchResult &Result) override;

private:
  const bool AllowGroupWrite;
};

} // namespace clang::tidy::shm

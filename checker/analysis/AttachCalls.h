// The calls through which processes come to share memory, and the calls that
// start or end concurrency between them.
#pragma once

#include "analysis/ShmProvenance.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>

namespace clang::tidy::shm {

/// Classifies Call as a call that attaches shared memory: `shmat`, or `mmap`
/// with MAP_SHARED (or MAP_SHARED_VALIDATE) that is anonymous or maps a
/// descriptor for which DescriptorKind answers a ShareKind. Origin.Attach is
/// set to Call.
std::optional<ShmOrigin>
classifyAttach(const CallExpr *Call, const ASTContext &Ctx,
               llvm::function_ref<std::optional<ShareKind>(const Expr *)> DescriptorKind);

/// Call creates or opens a descriptor of a shared memory object: `shm_open`,
/// `memfd_create`, or `open` of a path under /dev/shm.
std::optional<ShareKind> descriptorSource(const CallExpr *Call);

/// Call returns (a copy of) its first argument's descriptor: dup, dup2, dup3.
bool duplicatesDescriptor(const CallExpr *Call);

/// Call starts code that runs concurrently with the caller: fork, vfork,
/// clone, posix_spawn(p), pthread_create.
bool spawnsConcurrency(const CallExpr *Call);

/// Call duplicates the calling process: fork, vfork, clone, clone3.
bool forksProcess(const CallExpr *Call);

/// Call waits for processes or threads started earlier: wait, waitpid,
/// waitid, wait3, wait4, pthread_join.
bool joinsConcurrency(const CallExpr *Call);

} // namespace clang::tidy::shm

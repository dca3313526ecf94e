// Which locks order processes.
//
// A lock excludes another process only if both take the same lock object and
// that object is shared between them:
//   - a pthread mutex, rwlock or spinlock, a sem_t, an atomic word: in shared
//     memory and, when its initialisation is visible, made process-shared
//     (pthread_mutexattr_setpshared PTHREAD_PROCESS_SHARED, sem_init pshared
//     1, pthread_spin_init PTHREAD_PROCESS_SHARED);
//   - a named (sem_open) or System V semaphore;
//   - lockf/fcntl record locks, which belong to the process;
//   - a flock on an open file description each process opened itself.
// Private, and reported as such: a lock object that is a variable of the
// program (a global or local pthread_mutex_t), one in memory each process
// allocates for itself (malloc, new: after fork each process has its own
// copy), one in shared memory every visible initialisation of which leaves
// process-private, and a flock on a descriptor opened before fork (parent and
// children share one open file description, so the lock excludes nothing
// between them).
//
// Locks the analysis cannot place (a pointer from another file, a parameter
// no caller here passes) are given the benefit of the doubt.
#pragma once

#include "analysis/HeldLocks.h"
#include "analysis/ShmProvenance.h"

#include "clang/AST/ASTContext.h"
#include "clang/Basic/SourceLocation.h"
#include "llvm/ADT/DenseMap.h"

#include <memory>
#include <optional>
#include <string>

namespace clang::tidy::shm {

/// Why a lock does not order processes.
enum class PrivateReason {
  NotInSharedMemory,    ///< a variable of the program, or malloc'd memory
  NotProcessShared,     ///< initialised process-private
  InheritedDescription, ///< flock on a descriptor opened before fork
};

struct PrivateLock {
  PrivateReason Reason = PrivateReason::NotInSharedMemory;
  /// The declaration, allocation, initialisation or open call to point at.
  SourceLocation Where;
};

class LockSharing {
public:
  LockSharing(ASTContext &Ctx, const HeldLocks &Locks, const ShmProvenance &Shm);
  ~LockSharing();
  LockSharing(const LockSharing &) = delete;
  LockSharing &operator=(const LockSharing &) = delete;

  /// Why lock Id (a HeldLocks id) cannot order processes; nullopt when it
  /// can, or when the analysis cannot tell.
  std::optional<PrivateLock> privateLock(unsigned Id) const;

  /// The declaration that names lock Id in every function: the last field
  /// on the way to the lock object (`s->locks.a` -> field a), or the variable
  /// holding it; for semaphores LockId::Holder. nullptr when unknown.
  const Decl *holderOf(unsigned Id) const;

  /// The note text for a private lock named Display.
  static std::string describe(const PrivateLock &Lock, llvm::StringRef Display);

  struct State;

private:
  std::unique_ptr<State> S;
};

} // namespace clang::tidy::shm

// The initial values of a translation unit's semaphores.
//
// A semaphore starting at 1 and taken before the data is a mutex; one that
// starts at 0 (an event: "items available") or above 1 (a count of free
// slots) orders processes but lets several of them in at once. The values
// come from sem_init, sem_open(..., O_CREAT, mode, value) and semctl SETVAL /
// SETALL, and are keyed by the declaration that names the semaphore: the
// field or variable holding the sem_t (or the sem_t *), or the one holding a
// System V set id together with the semaphore number.
#pragma once

#include "clang/AST/ASTContext.h"
#include "clang/AST/Expr.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <optional>
#include <utility>

namespace clang::tidy::shm {

class SemaphoreValues {
public:
  explicit SemaphoreValues(ASTContext &Ctx);

  /// Initial value of the POSIX semaphore SemPointer (a `sem_t *`) points to;
  /// nullopt when unknown or set to different values in different places.
  std::optional<int64_t> posixInitial(const Expr *SemPointer) const;

  /// Initial value of semaphore Num of the System V set whose id SetId is.
  std::optional<int64_t> sysvInitial(const Expr *SetId, int64_t Num) const;

  /// Fd is an end of a pipe or socket pair the translation unit creates
  /// (`pipe(fds)`, then `read(fds[0], ...)`).
  bool isChannelEnd(const Expr *Fd) const;

private:
  void record(const Decl *D, int64_t Num, int64_t Value);
  void recordChannel(const Decl *D) { Channels.insert(D->getCanonicalDecl()); }
  void scan(ASTContext &Ctx);
  friend class SemaphoreInitFinder;

  /// (declaration, semaphore number) -> value; Conflict when ambiguous.
  llvm::DenseMap<std::pair<const Decl *, int64_t>, int64_t> Values;
  llvm::DenseSet<const Decl *> Channels;
  static constexpr int64_t Conflict = INT64_MIN;
};

/// The declaration naming the semaphore a `sem_t *` expression points to
/// (`&r->slots` -> field slots, `s` -> variable s), or a set id's holder.
const Decl *semaphoreHolder(const Expr *E, bool IsPointer);

} // namespace clang::tidy::shm

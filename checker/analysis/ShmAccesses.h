// Reads and writes of shared memory performed by one statement.
//
// A statement here is one element of a function's CFG: an expression whose
// own evaluation touches memory (its subexpressions are their own elements).
// Accesses are: loads (lvalue-to-rvalue conversions), assignments, compound
// assignments and ++/--, library calls that read or write through pointer
// arguments (LibraryAccesses.h), and C++ calls into code we do not analyse
// (standard library, implicit copy/assignment) made on shared objects.
// Atomic objects and synchronisation objects (mutexes, semaphores, ...) are
// not data: touching them is never an unguarded access.
#pragma once

#include "analysis/ShmProvenance.h"

#include "clang/AST/Stmt.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace clang::tidy::shm {

enum class AccessKind { Read, Write, ReadModifyWrite };

struct ShmAccess {
  AccessKind Kind = AccessKind::Read;
  /// The lvalue accessed (`seg->count`), or the pointer argument of a
  /// library call (`seg->buf` in `memcpy(seg->buf, ...)`).
  const Expr *Target = nullptr;
  /// The statement performing the access (the CFG element).
  const Stmt *At = nullptr;
  /// How the source names the memory: "seg->count", "*seg".
  std::string Name;
  /// The access happens inside a called library function.
  bool ThroughCall = false;
};

/// Appends the accesses to shared memory that S performs itself.
void accessesOf(const Stmt *S, const ShmProvenance &Shm, const ASTContext &Ctx,
                llvm::SmallVectorImpl<ShmAccess> &Out);

/// T is an atomic type (_Atomic, std::atomic, std::atomic_flag, ...).
bool isAtomicType(QualType T);

/// T is (an array of) a synchronisation object: pthread mutex, rwlock,
/// spinlock, condition, barrier, sem_t, std::mutex and friends.
bool isSynchronizationType(QualType T);

/// The pointer (or reference) expression the access goes through:
/// `c->tab` for `c->tab->slots[i].value`, `seg` for `seg->count`, `p` for
/// `*p` or `p[3]`. nullptr for `this` and when there is none.
const Expr *accessBase(const Expr *Target);

/// The declaration whose value the access goes through: `seg` for
/// `seg->slots[i].v`, the field `seg` for `ctx->seg->count`, the method for
/// `this->count`. nullptr if there is none.
const Decl *accessRoot(const Expr *Target);

} // namespace clang::tidy::shm

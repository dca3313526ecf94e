// Shared-memory provenance: which expressions of a translation unit point into
// memory shared between processes, and where that memory was attached.
//
// Shared memory enters a program through a small set of calls (see
// AttachCalls.h): `shmat`, `mmap` with MAP_SHARED of a `shm_open` or
// `memfd_create` descriptor, and `mmap(MAP_SHARED | MAP_ANONYMOUS)`. From there
// the pointer travels; this analysis follows it
//   - through casts, pointer arithmetic, `&p->field`, `p[i]`, nested members
//     (`s->slots[i].value`), conditional and comma operators;
//   - into local, global and static variables, into struct/class members that
//     are assigned a shared pointer anywhere in the translation unit, into
//     references bound to shared objects, into arrays of pointers;
//   - out of functions that return it (helpers like `attach()`), through
//     out-parameters (`attach(&seg)`), and into the parameters of translation
//     unit functions that are called with it (including `this` of methods and
//     the argument of `pthread_create`);
//   - across files, with the facts of ProjectFacts.h: functions of other
//     files (and library allocators such as ShmemInitStruct) that return
//     shared memory, return a pointer derived from an argument, or store it
//     through an out-parameter; globals, struct members and parameters that
//     other files fill with shared memory.
//
// The facts about declarations are flow-insensitive and computed once for the
// whole translation unit: a variable is "shared" when any assignment in the
// translation unit stores shared memory into it. Return values are
// context-sensitive: a helper that returns (something derived from) its
// argument returns shared memory only where it is called with shared memory.
//
// Usage from a check:
//   const ShmProvenance &Shm = ShmProvenance::of(*Result.Context);
//   if (Shm.designatesShm(LValue)) ...
#pragma once

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <memory>
#include <optional>

namespace clang::tidy::shm {

/// The ways two processes come to share memory.
enum class ShareKind {
  SysV,            ///< shmat
  PosixShm,        ///< mmap(MAP_SHARED) of a shm_open descriptor
  AnonymousShared, ///< mmap(MAP_SHARED | MAP_ANONYMOUS), shared through fork
  Memfd,           ///< mmap(MAP_SHARED) of a memfd_create descriptor
  Library,         ///< an allocator of an IPC library (ProjectFacts.h)
};

/// Printable name of a ShareKind ("System V", "POSIX", ...).
llvm::StringRef shareKindName(ShareKind Kind);

/// The call through which a piece of shared memory entered the program.
struct ShmOrigin {
  const CallExpr *Attach = nullptr; ///< the shmat/mmap call
  ShareKind Kind = ShareKind::SysV;
  /// Attached read-only (SHM_RDONLY, or mmap without PROT_WRITE). Reads of
  /// such memory still race with writers in other processes.
  bool ReadOnly = false;
  /// Known from facts about other code (ProjectFacts.h): Attach, if set, is
  /// a call of a function that returns shared memory (a library allocator,
  /// an attach helper in another file), not shmat/mmap itself; unset when a
  /// global, member or parameter holds memory attached elsewhere.
  bool External = false;
};

class ShmProvenance {
public:
  /// The analysis of Ctx's translation unit: computed on first use, shared by
  /// every check, freed together with the ASTContext.
  static const ShmProvenance &of(ASTContext &Ctx);

  explicit ShmProvenance(ASTContext &Ctx);
  ~ShmProvenance();
  ShmProvenance(const ShmProvenance &) = delete;
  ShmProvenance &operator=(const ShmProvenance &) = delete;

  /// E (a pointer, an array, or an integer computed from a pointer) points into
  /// shared memory.
  bool pointsIntoShm(const Expr *E) const;

  /// E is a glvalue that designates an object in shared memory: `*p`,
  /// `seg->count`, `s->slots[i].value`, `p[3]`, a reference bound to one.
  bool designatesShm(const Expr *E) const;

  /// The attach call behind E, when pointsIntoShm(E) or designatesShm(E).
  const ShmOrigin *originOf(const Expr *E) const;

  /// The value of D may be a pointer into shared memory (variable, parameter,
  /// field, `this` is not a ValueDecl: see thisPointsIntoShm), or D is a
  /// reference bound to an object in shared memory.
  bool holdsShm(const ValueDecl *D) const;

  /// Elements of the array variable D hold pointers into shared memory.
  bool elementsHoldShm(const VarDecl *D) const;

  /// Some call of method M is made on an object in shared memory.
  bool thisPointsIntoShm(const CXXMethodDecl *M) const;

  /// Where the shared memory held by D came from (nullptr if !holdsShm(D)).
  const ShmOrigin *originOf(const ValueDecl *D) const;

  /// For a parameter (or `this` of a method, passing the method) that holds
  /// shared memory because a caller in this translation unit passes it: one
  /// such call (CallExpr, CXXConstructExpr or the pthread_create call).
  const Expr *callPassingShm(const Decl *ParamOrMethod) const;

  /// FD returns a pointer into (or a reference to) shared memory whatever its
  /// arguments are, e.g. `struct seg *attach(void) { return shmat(...); }`.
  bool returnsShm(const FunctionDecl *FD) const;

  /// The memory FD returns whatever its arguments are (nullptr if none).
  const ShmOrigin *returnedOrigin(const FunctionDecl *FD) const;

  /// Bit I: FD returns a pointer derived from its parameter I.
  uint64_t returnedParameters(const FunctionDecl *FD) const;

  /// FD stores a pointer into shared memory through its pointer parameter
  /// Param (`*out = shmat(...)`).
  bool fillsOutParameter(const ParmVarDecl *Param) const;

  /// E is a file descriptor of a shared memory object (shm_open, memfd_create,
  /// also through variables and helpers).
  bool isShmDescriptor(const Expr *E) const;

  /// The translation unit calls fork, vfork, clone, posix_spawn or
  /// pthread_create: its processes share memory with each other, rather than
  /// only with other programs.
  bool unitSpawnsConcurrency() const;

  /// Implementation state (declared in ShmProvenance.cpp).
  struct State;

private:
  std::unique_ptr<State> S;
};

} // namespace clang::tidy::shm

// Shared memory that no other process can see yet. A MAP_SHARED|MAP_ANONYMOUS
// mapping is shared only with children forked after it was made, so
//   - in a program that never forks (known from the project index), nobody
//     else ever sees it;
//   - in the function that made it, until the first call that may create a
//     process, it is still the caller's alone (initialising a fresh mapping
//     before the workers are forked).
#pragma once

#include "analysis/HeldLocks.h"
#include "analysis/ShmProvenance.h"

namespace clang::tidy::shm {

/// The access at statement At of function Fn, to memory from Origin, cannot
/// be seen by another process.
bool isStillPrivateMapping(const ShmOrigin *Origin, const Stmt *At, const FunctionDecl *Fn,
                           const HeldLocks &Locks);

/// The access through Target at At goes through a pointer (`m->base`,
/// `base`) that Fn last set, before At, from a fresh MAP_SHARED|MAP_ANONYMOUS
/// mapping, with no call that may create a process in between: the field's
/// other values elsewhere in the program do not matter here.
bool isFreshlyMappedHere(const Expr *Target, const Stmt *At, const FunctionDecl *Fn,
                         const HeldLocks &Locks);

} // namespace clang::tidy::shm

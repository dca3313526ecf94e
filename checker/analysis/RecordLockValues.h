// The lock type of a `struct flock` passed to fcntl(F_SETLK/F_SETLKW).
#pragma once

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"

#include <optional>

namespace clang::tidy::shm {

/// l_type of the struct flock whose address is passed to the fcntl call
/// Call inside Fn (F_RDLCK 0, F_WRLCK 1, F_UNLCK 2): the last assignment to
/// the field before the call, or the variable's initializer. nullopt when
/// unknown (a pointer parameter, a run-time value).
std::optional<int64_t> recordLockType(const CallExpr *Call, const FunctionDecl *Fn, const ASTContext &Ctx);

} // namespace clang::tidy::shm

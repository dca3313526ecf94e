// Names of called functions as the C library spells them.
#pragma once

#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "llvm/ADT/StringRef.h"

namespace clang::tidy::shm {

/// The plain name of a free function called directly (`shmat`, `sem_wait`,
/// `::semop`, `std::memcpy`), or "" for methods, operators, indirect calls
/// and functions in user namespaces. Lets library calls be recognised whether
/// they come through <string.h> or <cstring>.
llvm::StringRef cFunctionName(const CallExpr *Call);
llvm::StringRef cFunctionName(const FunctionDecl *FD);

/// The definition of FD when it has a body in this translation unit.
const FunctionDecl *definitionWithBody(const FunctionDecl *FD);

/// D is declared in a system header (libc, libstdc++): its code is not ours
/// to report on, only to summarise.
bool isInSystemHeader(const Decl *D);

/// Strips parens, implicit casts and explicit casts.
const Expr *ignoreCastsAndParens(const Expr *E);

/// E's integer value when it is a constant expression.
std::optional<int64_t> integerConstant(const Expr *E, const ASTContext &Ctx);

} // namespace clang::tidy::shm

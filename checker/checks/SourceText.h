// How the checks quote the user's code in diagnostics and fix-its.
#pragma once

#include "clang/AST/Expr.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace clang::tidy::shm {

/// E as written in the file (macro arguments resolved to their spelling), or
/// "" when E has no single file range (it is inside a macro body).
llvm::StringRef spelledText(const Expr *E, const SourceManager &SM,
                            const LangOptions &LO);

/// File range of E suitable for a fix-it; invalid inside macro bodies.
CharSourceRange fileRange(const Expr *E, const SourceManager &SM,
                          const LangOptions &LO);

/// The object a pointer argument designates, as a reader would name it:
/// `&seg->lock` -> "seg->lock", `m` -> "*m", `seg->locks + i` -> "*(seg->locks + i)".
std::string pointeeName(const Expr *Pointer, const SourceManager &SM,
                        const LangOptions &LO);

} // namespace clang::tidy::shm

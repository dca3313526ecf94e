// Lock keys that mean the same in every file. LockIdentity names a lock by
// declarations of one translation unit ({P:<function>:i}, {G:<variable>});
// summaries exported to other files spell them {P:i} (parameter i of the
// summarised function) and {g:name} (a global by its index name).
#pragma once

#include "analysis/HeldLocks.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace clang::tidy::shm {

/// Key (in Fn's terms, from LockIdentity) in portable form; nullopt when it
/// names something only Fn can see (a local, an expression, `this`).
std::optional<std::string> toPortableKey(llvm::StringRef Key, const FunctionDecl *Fn);

/// A portable key in the terms of Callee as declared in this translation
/// unit (ready for LockOperations' translation to a call's arguments).
std::string toNativeKey(llvm::StringRef Portable, const FunctionDecl *Callee, ASTContext &Ctx);

/// LockKind as the models spell it ("mutex", "rwlock", "spinlock",
/// "semaphore", "sysv-semaphore", "capability", "configured", "file-lock",
/// "atomic-flag"), and back (unknown names are "configured").
llvm::StringRef lockKindName(LockKind Kind);
LockKind lockKindFromName(llvm::StringRef Name);

} // namespace clang::tidy::shm

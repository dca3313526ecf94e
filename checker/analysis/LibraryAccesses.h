// How C library functions use the memory their pointer arguments point to:
// `memcpy(dst, src, n)` writes through dst and reads through src.
#pragma once

#include "clang/AST/Expr.h"
#include "llvm/ADT/StringRef.h"

namespace clang::tidy::shm {

enum class MemoryUse : uint8_t { None = 0, Read = 1, Write = 2, ReadWrite = 3 };

/// Use of the memory behind argument ArgIndex of a call to the library
/// function Name, or None for unknown functions and non-pointer arguments.
/// printf/scanf-style calls are read through their format string, when it
/// is a literal, so that only %s (and %n, %[...]) arguments count.
MemoryUse libraryArgumentUse(const CallExpr *Call, llvm::StringRef Name, unsigned ArgIndex);

/// Name is a function this table describes.
bool isDescribedLibraryFunction(llvm::StringRef Name);

} // namespace clang::tidy::shm

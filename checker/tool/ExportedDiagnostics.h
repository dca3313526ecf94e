// Reading back the diagnostics a worker exported with --export-fixes.
#pragma once

#include "clang-tidy/ClangTidyDiagnosticConsumer.h"

#include "llvm/Support/Error.h"

#include <vector>

namespace shmtidy {

// The diagnostics in an --export-fixes file, as clang-tidy's own records, so
// that clang-tidy's reporter prints them exactly as it would have. A missing
// file means none: clang-tidy writes it only when there is something to say.
llvm::Expected<std::vector<clang::tidy::ClangTidyError>>
readExportedDiagnostics(llvm::StringRef Path);

// A compiler error, as opposed to a warning that --warnings-as-errors
// promoted (the export file marks both as errors).
bool isCompilerError(const clang::tidy::ClangTidyError &Diagnostic);

} // namespace shmtidy

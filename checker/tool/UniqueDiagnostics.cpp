#include "UniqueDiagnostics.h"

#include "ExportedDiagnostics.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace shmtidy {

using clang::tidy::ClangTidyError;

std::string absoluteDiagnosticPath(const ClangTidyError &D) {
  llvm::SmallString<256> Path(D.Message.FilePath);
  if (Path.empty())
    return {};
  if (!llvm::sys::path::is_absolute(Path)) {
    llvm::SmallString<256> Base(D.BuildDirectory);
    if (Base.empty())
      llvm::sys::fs::current_path(Base);
    llvm::sys::path::append(Base, Path);
    Path = Base;
  }
  llvm::sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
  return std::string(Path);
}

std::vector<ClangTidyError>
UniqueDiagnostics::add(std::vector<ClangTidyError> Diagnostics) {
  std::vector<ClangTidyError> Fresh;
  for (ClangTidyError &D : Diagnostics) {
    std::string Key = D.DiagnosticName;
    Key += '\0';
    Key += absoluteDiagnosticPath(D);
    Key += '\0';
    Key += std::to_string(D.Message.FileOffset);
    Key += '\0';
    Key += D.Message.Message;
    if (!Seen.insert(Key).second)
      continue;
    if (!isCompilerError(D)) {
      ++FindingCount;
      ++ByCheck[D.DiagnosticName];
      if (D.IsWarningAsError)
        ++Promoted;
    }
    All.push_back(D);
    Fresh.push_back(std::move(D));
  }
  return Fresh;
}

} // namespace shmtidy

#include "ExportedDiagnostics.h"

#include "clang/Tooling/DiagnosticsYaml.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/YAMLTraits.h"

namespace shmtidy {

using clang::tidy::ClangTidyError;
using clang::tooling::Diagnostic;

namespace {

constexpr llvm::StringLiteral CompilerErrorName = "clang-diagnostic-error";

// clang-tidy exports a promoted warning with level Error and no other mark;
// compiler errors always carry the name clang-diagnostic-error.
ClangTidyError toClangTidyError(const Diagnostic &Exported) {
  const bool Promoted = Exported.DiagLevel == Diagnostic::Error &&
                        Exported.DiagnosticName != CompilerErrorName;
  ClangTidyError Error(Exported.DiagnosticName,
                       Promoted ? Diagnostic::Warning : Exported.DiagLevel,
                       Exported.BuildDirectory, Promoted);
  Error.Message = Exported.Message;
  Error.Notes = Exported.Notes;
  return Error;
}

} // namespace

bool isCompilerError(const ClangTidyError &D) {
  return D.DiagLevel == Diagnostic::Error &&
         D.DiagnosticName == CompilerErrorName;
}

llvm::Expected<std::vector<ClangTidyError>>
readExportedDiagnostics(llvm::StringRef Path) {
  std::vector<ClangTidyError> Result;
  if (!llvm::sys::fs::exists(Path))
    return Result;
  auto Buffer = llvm::MemoryBuffer::getFile(Path);
  if (!Buffer)
    return llvm::createStringError(Buffer.getError(),
                                   "cannot read '%s'", Path.str().c_str());
  clang::tooling::TranslationUnitDiagnostics Exported;
  llvm::yaml::Input Yaml((*Buffer)->getBuffer());
  Yaml >> Exported;
  if (Yaml.error())
    return llvm::createStringError(Yaml.error(), "cannot parse '%s'",
                                   Path.str().c_str());
  Result.reserve(Exported.Diagnostics.size());
  for (const Diagnostic &D : Exported.Diagnostics)
    Result.push_back(toClangTidyError(D));
  return Result;
}

} // namespace shmtidy

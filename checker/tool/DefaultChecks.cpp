#include "DefaultChecks.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/VirtualFileSystem.h"

namespace shmtidy {
namespace {

// A configuration that does not parse selects nothing here, silently:
// clang-tidy's driver reports it when it reads the same text.
bool configSelectsChecks(llvm::StringRef Text, llvm::StringRef Source) {
  llvm::ErrorOr<clang::tidy::ClangTidyOptions> Parsed =
      clang::tidy::parseConfigurationWithDiags(
          llvm::MemoryBufferRef(Text, Source), [](const llvm::SMDiagnostic &) {});
  return Parsed && Parsed->Checks.has_value();
}

} // namespace

DefaultChecks::DefaultChecks(bool ChecksOnCommandLine,
                             std::optional<std::string> ConfigText,
                             std::optional<std::string> ConfigFile)
    : ChecksGiven(ChecksOnCommandLine) {
  if (ChecksGiven)
    return;
  if (ConfigText) {
    ExplicitConfigSelectsChecks =
        configSelectsChecks(*ConfigText, "<command-line-config>");
    return;
  }
  if (ConfigFile) {
    auto Text = llvm::MemoryBuffer::getFile(*ConfigFile);
    ExplicitConfigSelectsChecks =
        Text && configSelectsChecks((*Text)->getBuffer(), *ConfigFile);
    return;
  }
  // Same lookup as clang-tidy (nearest .clang-tidy, InheritParentConfig), but
  // with no defaults of its own, so that any Checks found came from a file.
  ConfigFiles = std::make_unique<clang::tidy::FileOptionsProvider>(
      clang::tidy::ClangTidyGlobalOptions(), clang::tidy::ClangTidyOptions(),
      clang::tidy::ClangTidyOptions(), llvm::vfs::getRealFileSystem());
}

DefaultChecks::~DefaultChecks() = default;

bool DefaultChecks::appliesTo(llvm::StringRef File) {
  if (ChecksGiven)
    return false;
  if (ExplicitConfigSelectsChecks)
    return !*ExplicitConfigSelectsChecks;
  return llvm::none_of(ConfigFiles->getRawOptions(File), [](const auto &Source) {
    return Source.first.Checks.has_value();
  });
}

} // namespace shmtidy

#include "DefaultChecks.h"

#include "clang-tidy/ClangTidyModule.h"
#include "clang-tidy/ClangTidyModuleRegistry.h"
#include "clang-tidy/GlobList.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/VirtualFileSystem.h"

using namespace clang::tidy;

namespace shmtidy {
namespace {

// A configuration that does not parse selects nothing here, silently:
// clang-tidy's driver reports it when it reads the same text.
ClangTidyOptions parsedConfig(llvm::StringRef Text, llvm::StringRef Source) {
  llvm::ErrorOr<ClangTidyOptions> Parsed = parseConfigurationWithDiags(
      llvm::MemoryBufferRef(Text, Source), [](const llvm::SMDiagnostic &) {});
  return Parsed ? *Parsed : ClangTidyOptions();
}

// The names of the checks of the shm module, from the registry itself so
// that a new check needs no list kept here.
const std::vector<std::string> &shmCheckNames() {
  static const std::vector<std::string> Names = [] {
    std::vector<std::string> Found;
    for (const auto &Entry : ClangTidyModuleRegistry::entries()) {
      ClangTidyCheckFactories Factories;
      Entry.instantiate()->addCheckFactories(Factories);
      for (const auto &Factory : Factories)
        if (Factory.getKey().starts_with("shm-"))
          Found.push_back(Factory.getKey().str());
    }
    return Found;
  }();
  return Names;
}

} // namespace

DefaultChecks::DefaultChecks(std::optional<std::string> ChecksArgument,
                             std::optional<std::string> ConfigText,
                             std::optional<std::string> ConfigFile) {
  ClangTidyOptions Defaults;
  Defaults.Checks = Default.str();
  ClangTidyOptions Overrides;
  Overrides.Checks = std::move(ChecksArgument);
  if (ConfigText || ConfigFile) {
    ClangTidyOptions Config;
    if (ConfigText) {
      Config = parsedConfig(*ConfigText, "<command-line-config>");
    } else if (auto Text = llvm::MemoryBuffer::getFile(*ConfigFile)) {
      Config = parsedConfig((*Text)->getBuffer(), *ConfigFile);
    }
    Provider = std::make_unique<ConfigOptionsProvider>(
        ClangTidyGlobalOptions(), std::move(Defaults), std::move(Config),
        std::move(Overrides), llvm::vfs::getRealFileSystem());
    return;
  }
  // The same lookup as clang-tidy's (nearest .clang-tidy, InheritParentConfig).
  Provider = std::make_unique<FileOptionsProvider>(
      ClangTidyGlobalOptions(), std::move(Defaults), std::move(Overrides),
      llvm::vfs::getRealFileSystem());
}

DefaultChecks::~DefaultChecks() = default;

std::string DefaultChecks::checksFor(llvm::StringRef File) {
  // Merging concatenates the lists in order: default, files, command line.
  std::optional<std::string> Merged = Provider->getOptions(File).Checks;
  std::string List = Merged ? *Merged : Default.str();
  if (!llvm::StringRef(List).starts_with(Default))
    List = Default.str() + "," + List;
  return List;
}

std::vector<std::string> DefaultChecks::enabledShmChecks(llvm::StringRef List) {
  CachedGlobList Globs(List);
  std::vector<std::string> Enabled;
  for (const std::string &Name : shmCheckNames())
    if (Globs.contains(Name))
      Enabled.push_back(Name);
  return Enabled;
}

} // namespace shmtidy

#include "TextReport.h"

#include "clang-tidy/ClangTidy.h"
#include "clang-tidy/ClangTidyOptions.h"
#include "llvm/Support/VirtualFileSystem.h"
#include "llvm/Support/raw_ostream.h"

namespace shmtidy {

TextReport::TextReport(std::optional<bool> UseColor) {
  clang::tidy::ClangTidyOptions Options;
  Options.UseColor = UseColor;
  Context = std::make_unique<clang::tidy::ClangTidyContext>(
      std::make_unique<clang::tidy::DefaultOptionsProvider>(
          clang::tidy::ClangTidyGlobalOptions(), std::move(Options)));
}

TextReport::~TextReport() = default;

void TextReport::print(
    llvm::ArrayRef<clang::tidy::ClangTidyError> Diagnostics) {
  if (Diagnostics.empty())
    return;
  unsigned PromotedCount = 0;
  clang::tidy::handleErrors(Diagnostics, *Context, clang::tidy::FB_NoFix,
                            PromotedCount, llvm::vfs::getRealFileSystem());
  llvm::outs().flush();
}

} // namespace shmtidy

// The documentation pages of the checks (docs/checks/<check>.md), built into
// the binary: SARIF rules describe each check with the text of its page.
#pragma once

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <vector>

namespace shmtidy {

struct CheckDoc {
  std::string Summary;     // the first sentence of the first paragraph
  std::string Description; // the first paragraph
  std::string Markdown;    // the page below its title
};

// The page of CheckName, if there is one.
std::optional<CheckDoc> findCheckDoc(llvm::StringRef CheckName);

// Splits a page into its parts (exposed for the format's own sake: a page is
// a title line, then paragraphs).
CheckDoc parseCheckDoc(llvm::StringRef Page);

} // namespace shmtidy

// Where SARIF says a file is: relative to the source root when the file lies
// under it (code scanning services match those against the repository), else
// an absolute file: URI.
#pragma once

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace shmtidy {

// The name SARIF files use for the source root (originalUriBaseIds).
inline constexpr llvm::StringLiteral SourceRootId = "SRCROOT";

struct ArtifactUri {
  std::string Uri;
  bool UnderSourceRoot = false; // Uri is relative to SourceRootId
};

class ArtifactUris {
public:
  // Root: absolute directory; symbolic links are resolved.
  explicit ArtifactUris(llvm::StringRef Root);

  ArtifactUri forFile(llvm::StringRef AbsolutePath);
  // file:///.../ for the root itself (with the trailing slash SARIF requires).
  std::string rootUri() const;

private:
  std::string Root;
  llvm::StringMap<ArtifactUri> Cache;
};

// The directory a run's SARIF is relative to: Explicit if given, else the
// top of the git work tree holding the current directory, else the current
// directory.
std::string chooseSourceRoot(llvm::StringRef Explicit);

// Percent-encodes a path for use in a URI (keeps '/').
std::string encodeUriPath(llvm::StringRef Path);

} // namespace shmtidy

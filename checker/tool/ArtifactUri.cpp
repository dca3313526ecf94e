#include "ArtifactUri.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

namespace shmtidy {
namespace {

std::string realPath(llvm::StringRef Path) {
  llvm::SmallString<256> Real;
  if (llvm::sys::fs::real_path(Path, Real))
    return Path.str();
  return std::string(Real);
}

} // namespace

std::string encodeUriPath(llvm::StringRef Path) {
  static constexpr llvm::StringLiteral Kept = "-._~/!$&'()*+,;=:@";
  std::string Encoded;
  for (unsigned char C : Path) {
    if (llvm::isAlnum(C) || Kept.contains(C)) {
      Encoded += static_cast<char>(C);
      continue;
    }
    Encoded += '%';
    Encoded += llvm::hexdigit(C >> 4, /*LowerCase=*/false);
    Encoded += llvm::hexdigit(C & 0xF, /*LowerCase=*/false);
  }
  return Encoded;
}

std::string chooseSourceRoot(llvm::StringRef Explicit) {
  llvm::SmallString<256> Dir;
  if (!Explicit.empty()) {
    Dir = Explicit;
    llvm::sys::fs::make_absolute(Dir);
    return realPath(Dir);
  }
  llvm::sys::fs::current_path(Dir);
  std::string Current = realPath(Dir);
  for (llvm::StringRef Candidate = Current; !Candidate.empty();
       Candidate = llvm::sys::path::parent_path(Candidate)) {
    llvm::SmallString<256> Git(Candidate);
    llvm::sys::path::append(Git, ".git");
    if (llvm::sys::fs::exists(Git))
      return Candidate.str();
  }
  return Current;
}

ArtifactUris::ArtifactUris(llvm::StringRef RootDir) : Root(realPath(RootDir)) {
  llvm::StringRef Trimmed = Root;
  if (Trimmed.size() > 1)
    Trimmed.consume_back("/");
  Root = Trimmed.str();
}

std::string ArtifactUris::rootUri() const {
  std::string Uri = "file://" + encodeUriPath(Root);
  if (!llvm::StringRef(Uri).ends_with("/"))
    Uri += '/';
  return Uri;
}

ArtifactUri ArtifactUris::forFile(llvm::StringRef AbsolutePath) {
  auto [It, Inserted] = Cache.try_emplace(AbsolutePath);
  if (!Inserted)
    return It->second;
  const std::string Real = realPath(AbsolutePath);
  llvm::StringRef Relative = Real;
  ArtifactUri Result;
  if (Relative.consume_front(Root) &&
      (Root == "/" || Relative.consume_front("/"))) {
    Result.Uri = encodeUriPath(Relative);
    Result.UnderSourceRoot = true;
  } else {
    Result.Uri = "file://" + encodeUriPath(Real);
  }
  It->second = Result;
  return Result;
}

} // namespace shmtidy

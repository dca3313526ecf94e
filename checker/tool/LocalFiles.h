// Small file-system helpers the driver uses in several places.
#pragma once

#include "llvm/ADT/StringRef.h"

#include <string>

namespace shmtidy {

// The whole content of a file, or "" when it cannot be read.
std::string readWholeFile(llvm::StringRef Path);

// Path made absolute against the current directory, without "." and "..".
std::string absolutePath(llvm::StringRef Path);

} // namespace shmtidy

// Turning (file, byte offset) into line and column as SARIF counts them.
#pragma once

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shmtidy {

struct SourcePosition {
  unsigned Line = 0;   // 1-based
  unsigned Column = 0; // 1-based, in UTF-16 code units (SARIF's default)
  std::string LineText;
};

class SourcePositions {
public:
  // The position of Offset in the file at Path (absolute), or nothing when the
  // file cannot be read or is shorter.
  std::optional<SourcePosition> at(llvm::StringRef Path, unsigned Offset);

private:
  struct LoadedFile {
    std::unique_ptr<llvm::MemoryBuffer> Buffer;
    std::vector<unsigned> LineStarts;
  };
  const LoadedFile *load(llvm::StringRef Path);

  llvm::StringMap<std::optional<LoadedFile>> Files;
};

// The number of UTF-16 code units that encode the given UTF-8 text.
unsigned utf16Length(llvm::StringRef Utf8);

} // namespace shmtidy

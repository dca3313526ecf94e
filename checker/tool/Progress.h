// A one-line progress display on stderr, shown only on a terminal: CI logs
// get no carriage-return noise.
#pragma once

#include "llvm/ADT/StringRef.h"

#include <cstddef>

namespace shmtidy {

class Progress {
public:
  // Shown when stderr is a terminal and there is more than one file.
  explicit Progress(size_t Total);

  void update(size_t Done, llvm::StringRef LastFile);
  // Erases the line, e.g. before diagnostics are printed over it.
  void clear();

private:
  size_t Total;
  bool Enabled;
  bool Showing = false;
};

} // namespace shmtidy

#include "Progress.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

namespace shmtidy {

Progress::Progress(size_t FileCount)
    : Total(FileCount),
      Enabled(FileCount > 1 && llvm::sys::Process::StandardErrIsDisplayed()) {}

void Progress::update(size_t Done, llvm::StringRef LastFile) {
  if (!Enabled)
    return;
  clear();
  const unsigned Width = llvm::sys::Process::StandardErrColumns();
  std::string Line = llvm::formatv("[{0}/{1}] {2}", Done, Total,
                                   llvm::sys::path::filename(LastFile));
  if (Width > 1 && Line.size() >= Width)
    Line.resize(Width - 1);
  llvm::errs() << Line;
  llvm::errs().flush();
  Showing = true;
}

void Progress::clear() {
  if (!Showing)
    return;
  llvm::errs() << "\r\x1b[K";
  llvm::errs().flush();
  Showing = false;
}

} // namespace shmtidy

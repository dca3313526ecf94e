// Where a report's source files are, seen from the directory the launcher
// runs in: repository-relative URIs for SARIF, short paths for the summary,
// and the frame of a stack that a reader wants to look at.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "report_format.h"

namespace shmcheck::launcher {

// Percent-encodes what RFC 3986 does not allow in a URI path.
std::string encode_uri_path(std::string_view path);

class SourcePaths {
 public:
  // `root`: an absolute directory (the current one, normally).
  explicit SourcePaths(const std::string &root);

  // "file:///abs/root/" for SARIF's originalUriBaseIds.
  std::string root_uri() const;

  struct Uri {
    std::string uri;
    bool under_root = false;  // `uri` is relative to root_uri()
  };
  Uri uri_for(const std::string &file) const;

  // The path relative to the root when the file is under it, else as given.
  std::string display(const std::string &file) const;

  // The frame a reader should look at: the first one in a file under the
  // root, else the first in the program's own code (report::is_program_frame)
  // outside the system directories, else the first in the program's own
  // code, else the first in a file outside the system directories, else the
  // first with any source file, else the top frame (nullptr only for an
  // empty stack).
  const report::PrintedFrame *user_frame(const std::vector<report::PrintedFrame> &stack) const;

  // "file:line in function" of user_frame(), or "(module+0x...)".
  std::string location(const std::vector<report::PrintedFrame> &stack) const;

 private:
  // The path relative to root, or empty when it is not under root.
  std::string relative(const std::string &file) const;
  std::string root_;
};

}  // namespace shmcheck::launcher

// The launcher's private temporary directory (mode 0700) for the records of
// the run and the merged suppressions. Removed with everything in it when
// the object goes away.
#pragma once

#include <string>

namespace shmcheck::launcher {

class PrivateDirectory {
 public:
  PrivateDirectory() = default;
  ~PrivateDirectory() { remove(); }
  PrivateDirectory(const PrivateDirectory &) = delete;
  PrivateDirectory &operator=(const PrivateDirectory &) = delete;

  // Under $TMPDIR when it is usable in SHMCHECK_OPTIONS (absolute, no ':'
  // or whitespace), else under /tmp. False with `error` on failure.
  bool create(std::string *error);
  const std::string &path() const { return path_; }
  // Removes the files in it and the directory (no subdirectories are made).
  void remove();

 private:
  std::string path_;
};

}  // namespace shmcheck::launcher

#include "private_directory.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <dirent.h>
#include <unistd.h>

namespace shmcheck::launcher {

bool PrivateDirectory::create(std::string *error) {
  const char *tmpdir = getenv("TMPDIR");
  std::string base = "/tmp";
  if (tmpdir != nullptr && tmpdir[0] == '/' &&
      std::string(tmpdir).find_first_of(": \t\n\r\v\f") == std::string::npos && strlen(tmpdir) < 160)
    base = tmpdir;
  std::string pattern = base + "/shmcheck-run-XXXXXX";
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (mkdtemp(buffer.data()) == nullptr) {
    if (error != nullptr)
      *error = "cannot create a directory in '" + base + "': " + strerror(errno);
    return false;
  }
  path_ = buffer.data();
  return true;
}

void PrivateDirectory::remove() {
  if (path_.empty()) return;
  if (DIR *d = opendir(path_.c_str())) {
    std::vector<std::string> names;
    while (struct dirent *e = readdir(d))
      if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) names.push_back(e->d_name);
    closedir(d);
    for (const std::string &name : names) unlink((path_ + "/" + name).c_str());
  }
  rmdir(path_.c_str());
  path_.clear();
}

}  // namespace shmcheck::launcher

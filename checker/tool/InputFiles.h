// Which files a run analyses, and with which compilation database: the files
// named on the command line, or with --all-files every translation unit of
// the database; then the --shard share of them.
#pragma once

#include "CommandLine.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace shmtidy {

struct InputFiles {
  std::vector<std::string> Files;
  // The directory holding the compilation database, given to each worker as
  // -p so that every file uses the one the command line selected (empty when
  // the flags come after "--").
  std::string DatabaseDir;
  // Files before --shard picked its share.
  size_t TotalBeforeSharding = 0;
};

llvm::Expected<InputFiles> selectInputFiles(const CommandLine &Command);

// The files of shard Shard (every Count-th one, from the Index-th), in the
// given order.
std::vector<std::string> shardOf(const std::vector<std::string> &Files,
                                 const ShardSpec &Shard);

} // namespace shmtidy

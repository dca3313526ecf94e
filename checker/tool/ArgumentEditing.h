// Editing a command line before handing it to clang-tidy's parser: taking out
// options shm-tidy handles itself, and arguments at known positions.
#pragma once

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <string>
#include <vector>

namespace shmtidy {

struct NamedOption {
  llvm::StringRef Name;     // without dashes
  bool TakesValue;          // "-name value" consumes the next argument
  bool JoinedValue = false; // "-nameVALUE" is accepted too (like -j4)
};

// Removes every occurrence of the named options ("-name", "--name",
// "--name=value", "--name value", and "-nameVALUE" where allowed) before the
// first "--". Args[0] (the program) is never touched.
void removeNamedOptions(std::vector<std::string> &Args,
                        llvm::ArrayRef<NamedOption> Options);

// Removes the arguments at the given indices.
void removePositions(std::vector<std::string> &Args,
                     llvm::ArrayRef<unsigned> Positions);

// Index of the "--" that starts the compiler arguments, or Args.size().
size_t compilerArgsBegin(llvm::ArrayRef<std::string> Args);

} // namespace shmtidy

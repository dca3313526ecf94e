// Turns (module path, offset) into function, file, line and column, for any
// process's module: llvm-symbolizer when it can be found (external_symbolizer_path,
// llvm-symbolizer-19 or llvm-symbolizer on PATH, /usr/lib/llvm-19/bin), else
// addr2line; separate debug information under /usr/lib/debug (by build id)
// is used when installed; frames still unnamed get the nearest function of
// the module's own symbol tables (elf_symbols.h).
// Normal context only: it spawns the tool and allocates.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shmcheck::report {

struct CodeAddress {
  std::string module;  // absolute path; empty when unknown
  uint64_t offset;     // module-relative address to look up
};

struct SourceFrame {
  std::string function;  // empty when unknown
  std::string file;      // empty when unknown
  unsigned line = 0;
  unsigned column = 0;
};

// For each address, the frame and the frames inlined into it, innermost
// first (at least one entry, possibly with empty fields).
std::vector<std::vector<SourceFrame>> symbolize(const std::vector<CodeAddress> &addresses,
                                                const std::string &symbolizer_override);

// Exposed for tests: parses llvm-symbolizer's LLVM-style output for `count`
// addresses; `complete`, if given, receives how many blocks were whole (a
// tool that died mid-way answered only those).
std::vector<std::vector<SourceFrame>> parse_llvm_symbolizer_output(const std::string &output,
                                                                   size_t count,
                                                                   size_t *complete = nullptr);

}  // namespace shmcheck::report

// Names code from a module's own symbol tables when no symbolizer could:
// the nearest function symbol at or below an address, from .symtab, else
// .dynsym (a stripped executable that exports its functions, as servers
// with loadable extensions do, still names them). Reads the file itself,
// so it works for modules of other processes too. Normal context only.
#pragma once

#include <cstdint>
#include <string>

namespace shmcheck::report {

// "function+0xN" for the module-relative address `address` (an ELF virtual
// address) of the ELF file at `path`; empty when no function covers it.
std::string nearest_function(const std::string &path, uint64_t address);

}  // namespace shmcheck::report

#include "elf_symbols.h"

#include <cxxabi.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include <fmt/format.h>

namespace shmcheck::report {
namespace {

struct Function {
  uint64_t start;
  uint64_t size;
  std::string name;
};

// A file's function symbols sorted by address. Every field read from the
// file is bounds-checked against its size: a module may be truncated or
// replaced while we read it.
class SymbolTable {
 public:
  explicit SymbolTable(const std::string &path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_size >= static_cast<off_t>(sizeof(Elf64_Ehdr))) {
      size_t size = static_cast<size_t>(st.st_size);
      void *map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
      if (map != MAP_FAILED) {
        read_tables(static_cast<const uint8_t *>(map), size);
        munmap(map, size);
      }
    }
    close(fd);
    std::sort(functions_.begin(), functions_.end(),
              [](const Function &a, const Function &b) { return a.start < b.start; });
  }

  std::string lookup(uint64_t address) const {
    auto it = std::upper_bound(functions_.begin(), functions_.end(), address,
                               [](uint64_t a, const Function &f) { return a < f.start; });
    if (it == functions_.begin()) return {};
    const Function &f = *(it - 1);
    // A symbol without a size covers up to the next one.
    uint64_t end = f.size != 0 ? f.start + f.size : (it != functions_.end() ? it->start : 0);
    if (end != 0 && address >= end) return {};
    return fmt::format("{}+0x{:x}", demangled(f.name), address - f.start);
  }

 private:
  static std::string demangled(const std::string &name) {
    int status = 0;
    char *text = abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status);
    if (status != 0 || text == nullptr) return name;
    std::string out = text;
    free(text);
    return out;
  }

  void read_tables(const uint8_t *file, size_t size) {
    const auto *eh = reinterpret_cast<const Elf64_Ehdr *>(file);
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64) return;
    if (eh->e_shentsize != sizeof(Elf64_Shdr) || eh->e_shoff == 0 || eh->e_shoff > size ||
        eh->e_shnum > (size - eh->e_shoff) / sizeof(Elf64_Shdr))
      return;
    const auto *sections = reinterpret_cast<const Elf64_Shdr *>(file + eh->e_shoff);
    // The full table when present, else the exported one.
    for (uint32_t type : {SHT_SYMTAB, SHT_DYNSYM}) {
      for (uint16_t i = 0; i < eh->e_shnum; ++i)
        if (sections[i].sh_type == type) read_symbols(file, size, sections, eh->e_shnum, i);
      if (!functions_.empty()) return;
    }
  }

  void read_symbols(const uint8_t *file, size_t size, const Elf64_Shdr *sections,
                    uint16_t count, uint16_t index) {
    const Elf64_Shdr &symtab = sections[index];
    if (symtab.sh_link >= count || symtab.sh_entsize != sizeof(Elf64_Sym)) return;
    const Elf64_Shdr &strtab = sections[symtab.sh_link];
    if (symtab.sh_offset > size || symtab.sh_size > size - symtab.sh_offset) return;
    if (strtab.sh_offset > size || strtab.sh_size > size - strtab.sh_offset) return;
    const auto *symbols = reinterpret_cast<const Elf64_Sym *>(file + symtab.sh_offset);
    const char *names = reinterpret_cast<const char *>(file + strtab.sh_offset);
    size_t n = symtab.sh_size / sizeof(Elf64_Sym);
    for (size_t i = 0; i < n; ++i) {
      const Elf64_Sym &s = symbols[i];
      if (ELF64_ST_TYPE(s.st_info) != STT_FUNC || s.st_value == 0 || s.st_shndx == SHN_UNDEF)
        continue;
      if (s.st_name >= strtab.sh_size) continue;
      size_t len = strnlen(names + s.st_name, strtab.sh_size - s.st_name);
      if (len == 0 || len == strtab.sh_size - s.st_name) continue;
      functions_.push_back(Function{s.st_value, s.st_size, std::string(names + s.st_name, len)});
    }
  }

  std::vector<Function> functions_;
};

}  // namespace

std::string nearest_function(const std::string &path, uint64_t address) {
  // Reports come in batches naming the same few modules; a process reads
  // each module's table once. Reports are written under one lock
  // (report_writer), so the cache needs none of its own.
  static std::map<std::string, SymbolTable> *tables = new std::map<std::string, SymbolTable>;
  auto it = tables->find(path);
  if (it == tables->end()) it = tables->emplace(path, SymbolTable(path)).first;
  return it->second.lookup(address);
}

}  // namespace shmcheck::report

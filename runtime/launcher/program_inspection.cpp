#include "program_inspection.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <elf.h>
#include <endian.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

namespace shmcheck::launcher {
namespace {

// Bounds on what a header may claim, so that a hostile file costs nothing.
constexpr uint32_t kMaxProgramHeaders = 4096;
constexpr uint64_t kMaxDynamicEntries = 4096;
constexpr size_t kMaxLibraryName = 256;

bool read_at(int fd, uint64_t offset, void *out, size_t size) {
  auto *bytes = static_cast<char *>(out);
  size_t done = 0;
  while (done < size) {
    ssize_t n = pread(fd, bytes + done, size - done, static_cast<off_t>(offset + done));
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

struct ElfFacts {
  bool elf = false;
  bool elf64 = false;
  bool native = false;       // the runtime's own machine
  bool has_loader = false;   // PT_INTERP
  bool has_dynamic = false;  // PT_DYNAMIC
  bool needs_libc = false;   // a DT_NEEDED libc.so.*
};

// The file offset of virtual address `address`, through the PT_LOAD that
// maps it from the file; false when none does.
bool file_offset(const std::vector<Elf64_Phdr> &headers, uint64_t address, uint64_t *offset) {
  for (const Elf64_Phdr &h : headers) {
    if (h.p_type == PT_LOAD && address >= h.p_vaddr && address - h.p_vaddr < h.p_filesz) {
      *offset = h.p_offset + (address - h.p_vaddr);
      return true;
    }
  }
  return false;
}

bool needs_libc(int fd, const std::vector<Elf64_Phdr> &headers, const Elf64_Phdr &dynamic) {
  uint64_t count = dynamic.p_filesz / sizeof(Elf64_Dyn);
  if (count > kMaxDynamicEntries) count = kMaxDynamicEntries;
  std::vector<Elf64_Dyn> entries(count);
  if (count == 0 || !read_at(fd, dynamic.p_offset, entries.data(), count * sizeof(Elf64_Dyn)))
    return false;
  uint64_t strtab = 0, strsz = 0;
  std::vector<uint64_t> needed;
  for (const Elf64_Dyn &d : entries) {
    if (d.d_tag == DT_NULL) break;
    if (d.d_tag == DT_STRTAB) strtab = d.d_un.d_ptr;
    if (d.d_tag == DT_STRSZ) strsz = d.d_un.d_val;
    if (d.d_tag == DT_NEEDED) needed.push_back(d.d_un.d_val);
  }
  uint64_t strings = 0;
  if (!file_offset(headers, strtab, &strings)) return false;
  for (uint64_t name : needed) {
    if (name >= strsz) continue;
    char text[kMaxLibraryName] = {};
    const uint64_t left = strsz - name;
    size_t size = static_cast<size_t>(left < sizeof text - 1 ? left : sizeof text - 1);
    if (!read_at(fd, strings + name, text, size)) continue;
    if (strncmp(text, "libc.so", 7) == 0) return true;
  }
  return false;
}

ElfFacts inspect_elf(int fd) {
  ElfFacts facts;
  Elf64_Ehdr header;
  unsigned char ident[EI_NIDENT];
  if (!read_at(fd, 0, ident, sizeof ident) || memcmp(ident, ELFMAG, SELFMAG) != 0) return facts;
  facts.elf = true;
  if (ident[EI_CLASS] != ELFCLASS64) return facts;
  facts.elf64 = true;
  if (!read_at(fd, 0, &header, sizeof header)) return facts;
  facts.native = header.e_machine == EM_X86_64;
  if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum > kMaxProgramHeaders) {
    facts.has_loader = true;  // unreadable: do not claim anything
    facts.needs_libc = true;
    return facts;
  }
  std::vector<Elf64_Phdr> headers(header.e_phnum);
  if (headers.empty() ||
      !read_at(fd, header.e_phoff, headers.data(), headers.size() * sizeof(Elf64_Phdr))) {
    facts.has_loader = true;
    facts.needs_libc = true;
    return facts;
  }
  const Elf64_Phdr *dynamic = nullptr;
  for (const Elf64_Phdr &h : headers) {
    if (h.p_type == PT_INTERP) facts.has_loader = true;
    if (h.p_type == PT_DYNAMIC) dynamic = &h;
  }
  facts.has_dynamic = dynamic != nullptr;
  if (dynamic != nullptr) facts.needs_libc = needs_libc(fd, headers, *dynamic);
  return facts;
}

std::string quoted(const std::string &name) { return "'" + name + "'"; }

// True when running `path` would give this process capabilities it does not
// have (the file's permitted set): the kernel then runs it in secure mode.
bool gains_capabilities(const std::string &path) {
  struct vfs_ns_cap_data data;
  memset(&data, 0, sizeof data);
  ssize_t size = getxattr(path.c_str(), "security.capability", &data, sizeof data);
  if (size < static_cast<ssize_t>(XATTR_CAPS_SZ_1)) return false;
  uint64_t file = le32toh(data.data[0].permitted);
  if ((le32toh(data.magic_etc) & VFS_CAP_REVISION_MASK) != VFS_CAP_REVISION_1)
    file |= static_cast<uint64_t>(le32toh(data.data[1].permitted)) << 32;
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct ours[_LINUX_CAPABILITY_U32S_3];
  memset(ours, 0, sizeof ours);
  if (syscall(SYS_capget, &header, ours) != 0) return true;
  const uint64_t mine = ours[0].permitted | static_cast<uint64_t>(ours[1].permitted) << 32;
  return (file & ~mine) != 0;
}

}  // namespace

std::string resolve_program(const std::string &name) {
  if (name.empty()) return {};
  if (name.find('/') != std::string::npos) return name;
  const char *path = getenv("PATH");
  std::string directories = path != nullptr ? path : "/bin:/usr/bin";
  for (size_t start = 0; start <= directories.size();) {
    size_t end = directories.find(':', start);
    if (end == std::string::npos) end = directories.size();
    std::string directory = directories.substr(start, end - start);
    std::string candidate = (directory.empty() ? "." : directory) + "/" + name;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        access(candidate.c_str(), X_OK) == 0)
      return candidate;
    start = end + 1;
  }
  return {};
}

std::vector<std::string> preload_warnings(const std::string &shown_name, const std::string &path) {
  std::vector<std::string> warnings;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return warnings;
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return warnings;
  }
  const ElfFacts elf = inspect_elf(fd);
  close(fd);
  const std::string name = quoted(shown_name);
  if (elf.elf && (!elf.elf64 || !elf.native)) {
    warnings.push_back(name + " is not an x86-64 program: the runtime cannot be loaded into it; "
                              "it runs unchecked");
  } else if (elf.elf && !elf.has_loader) {
    warnings.push_back(name + " is statically linked: there is no dynamic loader to preload "
                              "the runtime; it runs unchecked");
  } else if (elf.elf && elf.has_dynamic && !elf.needs_libc) {
    warnings.push_back(name + " is not linked against the C library: none of its calls reach "
                              "the runtime; it runs unchecked");
  }
  // The loader's secure mode (AT_SECURE) ignores LD_PRELOAD paths.
  if ((st.st_mode & S_ISUID) != 0 && st.st_uid != getuid()) {
    warnings.push_back(name + " is set-user-ID: the dynamic loader ignores LD_PRELOAD for it; "
                              "it runs unchecked");
  } else if ((st.st_mode & S_ISGID) != 0 && (st.st_mode & S_IXGRP) != 0 &&
             st.st_gid != getgid()) {
    warnings.push_back(name + " is set-group-ID: the dynamic loader ignores LD_PRELOAD for it; "
                              "it runs unchecked");
  } else if (gains_capabilities(path)) {
    warnings.push_back(name + " has file capabilities: the dynamic loader ignores LD_PRELOAD "
                              "for it; it runs unchecked");
  }
  return warnings;
}

}  // namespace shmcheck::launcher

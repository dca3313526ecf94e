#include "symbolizer.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include "libc_direct.h"

extern char **environ;

namespace shmcheck::report {
namespace {

constexpr int kToolTimeoutMs = 20000;

bool executable(const std::string &path) {
  return !path.empty() && access(path.c_str(), X_OK) == 0;
}

std::string find_on_path(const char *name) {
  const char *path = getenv("PATH");
  if (path == nullptr) return {};
  std::string dirs = path;
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (end > start && executable(candidate)) return candidate;
    start = end + 1;
  }
  return {};
}

std::string find_llvm_symbolizer(const std::string &override_path) {
  if (!override_path.empty()) return executable(override_path) ? override_path : std::string();
  for (const char *name : {"llvm-symbolizer-19", "llvm-symbolizer"}) {
    std::string found = find_on_path(name);
    if (!found.empty()) return found;
  }
  std::string fixed = "/usr/lib/llvm-19/bin/llvm-symbolizer";
  return executable(fixed) ? fixed : std::string();
}

// The tool must not run under the runtime itself.
std::vector<char *> clean_environment(std::vector<std::string> &storage) {
  for (char **e = environ; e != nullptr && *e != nullptr; ++e) {
    if (strncmp(*e, "LD_PRELOAD=", 11) == 0 || strncmp(*e, "SHMCHECK_OPTIONS=", 17) == 0)
      continue;
    storage.emplace_back(*e);
  }
  std::vector<char *> env;
  for (std::string &s : storage) env.push_back(s.data());
  env.push_back(nullptr);
  return env;
}

long elapsed_ms(const struct timespec &since) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - since.tv_sec) * 1000 + (now.tv_nsec - since.tv_nsec) / 1000000;
}

// Runs argv[0] with `input` on stdin; returns its stdout ("" on failure).
// Spawns and waits through libc directly: no interceptor sees the tool.
std::string run_tool(const std::vector<std::string> &args, const std::string &input) {
  int to_child[2], from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0) return {};
  if (pipe2(from_child, O_CLOEXEC) != 0) {
    close(to_child[0]);
    close(to_child[1]);
    return {};
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&actions, from_child[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  std::vector<std::string> env_storage;
  std::vector<char *> env = clean_environment(env_storage);
  std::vector<char *> argv;
  std::vector<std::string> arg_storage = args;
  for (std::string &a : arg_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = core::libc::spawn(&pid, argv[0], &actions, nullptr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  close(to_child[0]);
  close(from_child[1]);
  if (rc != 0) {
    close(to_child[1]);
    close(from_child[0]);
    return {};
  }
  // Input is small (a few KB): far below the pipe's buffer.
  size_t written = 0;
  while (written < input.size()) {
    ssize_t n = write(to_child[1], input.data() + written, input.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  close(to_child[1]);
  std::string output;
  char buffer[4096];
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  bool timed_out = false;
  for (;;) {
    long left = kToolTimeoutMs - elapsed_ms(start);
    if (left <= 0) {
      timed_out = true;
      break;
    }
    struct pollfd p = {from_child[0], POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {
      timed_out = ready == 0;
      break;
    }
    ssize_t n = read(from_child[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  close(from_child[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (core::libc::wait4(pid, &status, 0, nullptr) < 0 && errno == EINTR) {
  }
  return timed_out ? std::string() : output;
}

// "file:line:col" or "file:line" (addr2line, maybe with " (discriminator N)").
SourceFrame parse_location(const std::string &function, std::string location) {
  SourceFrame frame;
  if (function != "??") frame.function = function;
  size_t paren = location.find(" (");
  if (paren != std::string::npos) location.resize(paren);
  std::vector<unsigned> numbers;
  while (numbers.size() < 2) {
    size_t colon = location.rfind(':');
    if (colon == std::string::npos) break;
    std::string tail = location.substr(colon + 1);
    if (tail.empty() || tail.find_first_not_of("0123456789") != std::string::npos) break;
    numbers.insert(numbers.begin(), static_cast<unsigned>(strtoul(tail.c_str(), nullptr, 10)));
    location.resize(colon);
  }
  if (location != "??" && !location.empty() && !numbers.empty() && numbers[0] != 0) {
    frame.file = location;
    frame.line = numbers[0];
    frame.column = numbers.size() > 1 ? numbers[1] : 0;
  }
  return frame;
}

std::vector<std::vector<SourceFrame>> with_addr2line(const std::vector<CodeAddress> &addresses,
                                                     const std::string &tool) {
  std::vector<std::vector<SourceFrame>> result(addresses.size());
  std::map<std::string, std::vector<size_t>> by_module;
  for (size_t i = 0; i < addresses.size(); ++i)
    if (!addresses[i].module.empty()) by_module[addresses[i].module].push_back(i);
  for (const auto &[module, indexes] : by_module) {
    std::vector<std::string> args = {tool, "-f", "-C", "-e", module};
    for (size_t i : indexes) args.push_back(fmt::format("0x{:x}", addresses[i].offset));
    std::string output = run_tool(args, "");
    size_t pos = 0;
    for (size_t i : indexes) {
      size_t nl1 = output.find('\n', pos);
      if (nl1 == std::string::npos) break;
      size_t nl2 = output.find('\n', nl1 + 1);
      if (nl2 == std::string::npos) break;
      result[i].push_back(parse_location(output.substr(pos, nl1 - pos),
                                         output.substr(nl1 + 1, nl2 - nl1 - 1)));
      pos = nl2 + 1;
    }
  }
  return result;
}

// Last resort: the nearest dynamic symbol, when the module is loaded here.
void fill_from_dladdr(const std::vector<CodeAddress> &addresses,
                      std::vector<std::vector<SourceFrame>> &result) {
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (!result[i].empty() && !result[i][0].function.empty()) continue;
    void *handle = addresses[i].module.empty()
                       ? nullptr
                       : dlopen(addresses[i].module.c_str(), RTLD_NOLOAD | RTLD_LAZY);
    if (handle == nullptr) continue;
    struct link_map *map = nullptr;
    if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr) {
      Dl_info info;
      void *pc = reinterpret_cast<void *>(map->l_addr + addresses[i].offset);
      if (dladdr(pc, &info) != 0 && info.dli_sname != nullptr) {
        SourceFrame frame;
        frame.function = fmt::format("{}+0x{:x}", info.dli_sname,
                                     reinterpret_cast<uintptr_t>(pc) -
                                         reinterpret_cast<uintptr_t>(info.dli_saddr));
        if (result[i].empty()) result[i].push_back(frame);
        else result[i][0].function = frame.function;
      }
    }
    dlclose(handle);
  }
}

}  // namespace

std::vector<std::vector<SourceFrame>> parse_llvm_symbolizer_output(const std::string &output,
                                                                   size_t count) {
  std::vector<std::vector<SourceFrame>> result(count);
  size_t pos = 0;
  for (size_t i = 0; i < count && pos < output.size(); ++i) {
    // A block: (function, location) line pairs, ended by an empty line.
    for (;;) {
      size_t nl1 = output.find('\n', pos);
      if (nl1 == std::string::npos) return result;
      if (nl1 == pos) {
        pos = nl1 + 1;
        break;
      }
      size_t nl2 = output.find('\n', nl1 + 1);
      if (nl2 == std::string::npos) return result;
      result[i].push_back(parse_location(output.substr(pos, nl1 - pos),
                                         output.substr(nl1 + 1, nl2 - nl1 - 1)));
      pos = nl2 + 1;
    }
  }
  return result;
}

std::vector<std::vector<SourceFrame>> symbolize(const std::vector<CodeAddress> &addresses,
                                                const std::string &symbolizer_override) {
  std::vector<std::vector<SourceFrame>> result(addresses.size());
  if (addresses.empty()) return result;
  std::string llvm = find_llvm_symbolizer(symbolizer_override);
  if (!llvm.empty()) {
    std::string input;
    for (const CodeAddress &a : addresses)
      input += fmt::format("\"{}\" 0x{:x}\n", a.module.empty() ? "/" : a.module, a.offset);
    std::string output = run_tool({llvm, "--inlines", "--demangle"}, input);
    if (!output.empty()) result = parse_llvm_symbolizer_output(output, addresses.size());
  } else {
    std::string addr2line = find_on_path("addr2line");
    if (!addr2line.empty()) result = with_addr2line(addresses, addr2line);
  }
  fill_from_dladdr(addresses, result);
  for (auto &frames : result)
    if (frames.empty()) frames.emplace_back();
  return result;
}

}  // namespace shmcheck::report

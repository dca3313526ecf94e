#include "symbolizer.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include "elf_symbols.h"
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

// Runs argv[0] with `input` on stdin; returns its stdout (what it wrote
// before it ended or died; "" when it could not start). Spawns and waits
// through libc directly: no interceptor sees the tool. The tool runs in a
// session of its own, with default signal dispositions and no signal
// blocked: a program that signals its whole process group (a server
// shutting down with kill(-pid, SIGTERM)) does not reach it. Its stdin is
// a socket written with MSG_NOSIGNAL, so a tool that died costs the
// program no SIGPIPE.
std::string run_tool(const std::vector<std::string> &args, const std::string &input) {
  int to_child[2], from_child[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, to_child) != 0) return {};
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
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETSIGMASK);
  std::vector<std::string> env_storage;
  std::vector<char *> env = clean_environment(env_storage);
  std::vector<char *> argv;
  std::vector<std::string> arg_storage = args;
  for (std::string &a : arg_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = core::libc::spawn(&pid, argv[0], &actions, &attr, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(to_child[0]);
  close(from_child[1]);
  if (rc != 0) {
    close(to_child[1]);
    close(from_child[0]);
    return {};
  }
  // Input is small (a few KB): far below the socket's buffer.
  size_t written = 0;
  while (written < input.size()) {
    ssize_t n = send(to_child[1], input.data() + written, input.size() - written, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  shutdown(to_child[1], SHUT_WR);
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
  return output;
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

// Last resort for frames still without a function: the nearest function
// symbol in the module's own symbol tables (.symtab, else .dynsym).
void fill_from_symbol_tables(const std::vector<CodeAddress> &addresses,
                             std::vector<std::vector<SourceFrame>> &result) {
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (!result[i].empty() && !result[i][0].function.empty()) continue;
    if (addresses[i].module.empty()) continue;
    std::string function = nearest_function(addresses[i].module, addresses[i].offset);
    if (function.empty()) continue;
    if (result[i].empty()) result[i].emplace_back();
    result[i][0].function = function;
  }
}

// The llvm-symbolizer run over `addresses`: a tool killed half-way gives
// what it printed, and the addresses it did not reach get one more run.
std::vector<std::vector<SourceFrame>> with_llvm_symbolizer(
    const std::vector<CodeAddress> &addresses, const std::string &tool) {
  std::vector<std::vector<SourceFrame>> result(addresses.size());
  std::vector<size_t> todo(addresses.size());
  for (size_t i = 0; i < todo.size(); ++i) todo[i] = i;
  for (int attempt = 0; attempt < 2 && !todo.empty(); ++attempt) {
    std::string input;
    for (size_t i : todo)
      input += fmt::format("\"{}\" 0x{:x}\n",
                           addresses[i].module.empty() ? "/" : addresses[i].module,
                           addresses[i].offset);
    std::string output = run_tool({tool, "--inlines", "--demangle",
                                   "--debug-file-directory=/usr/lib/debug"},
                                  input);
    size_t answered = 0;
    std::vector<std::vector<SourceFrame>> part =
        parse_llvm_symbolizer_output(output, todo.size(), &answered);
    for (size_t k = 0; k < answered; ++k) result[todo[k]] = std::move(part[k]);
    todo.erase(todo.begin(), todo.begin() + static_cast<std::ptrdiff_t>(answered));
  }
  return result;
}

}  // namespace

std::vector<std::vector<SourceFrame>> parse_llvm_symbolizer_output(const std::string &output,
                                                                   size_t count,
                                                                   size_t *complete) {
  std::vector<std::vector<SourceFrame>> result(count);
  if (complete != nullptr) *complete = 0;
  size_t pos = 0;
  for (size_t i = 0; i < count && pos < output.size(); ++i) {
    // A block: (function, location) line pairs, ended by an empty line.
    for (;;) {
      size_t nl1 = output.find('\n', pos);
      if (nl1 == std::string::npos) return result;
      if (nl1 == pos) {
        pos = nl1 + 1;
        if (complete != nullptr) *complete = i + 1;
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
    result = with_llvm_symbolizer(addresses, llvm);
  } else {
    std::string addr2line = find_on_path("addr2line");
    if (!addr2line.empty()) result = with_addr2line(addresses, addr2line);
  }
  fill_from_symbol_tables(addresses, result);
  for (auto &frames : result)
    if (frames.empty()) frames.emplace_back();
  return result;
}

}  // namespace shmcheck::report

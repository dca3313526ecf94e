// Test harness: every scenario runs in freshly forked processes under its own
// session name, with real System V segments and semaphores that the Session
// owns and removes in its destructor, also when the test fails.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <sys/types.h>

#include "core_api.h"

namespace shmcheck::testing {

class Session {
 public:
  Session();
  ~Session();
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  const std::string &name() const { return name_; }
  // SHMCHECK_OPTIONS for this session: session name, log directory, extras.
  std::string options(const std::string &extra = "") const;

  // A private SysV segment of `size` bytes (removed by the destructor).
  int make_segment(size_t size);
  // A SysV semaphore set of `count` semaphores, all 0 (removed likewise).
  int make_semaphores(int count);

  // Runs `body` in a forked process with SHMCHECK_OPTIONS=options(extra);
  // returns its exit status (128 + signal when killed). Bounded in time.
  int run(const std::function<int()> &body, const std::string &extra = "");
  // The same, without waiting: several independent processes at once.
  pid_t start(const std::function<int()> &body, const std::string &extra = "");
  int finish(pid_t pid);

  // What the session's processes wrote to stderr.
  std::string errors() const;

  // Everything the session's processes wrote to log_path.
  std::string logs() const;
  int report_count() const;
  // Objects of this session left in /dev/shm (must be none after a run).
  std::vector<std::string> leftovers() const;

 private:
  std::string name_;
  std::string dir_;
  std::vector<int> segments_;
  std::vector<int> semaphores_;
};

// ---- helpers for code running inside a session's processes -------------

// Attaches segment `shmid` and registers it with the core.
struct Attached {
  void *address = nullptr;
  core::SegmentRef ref = core::kNoSegment;
  size_t size = 0;
};
Attached attach(int shmid);

// The whole life of a checked process around `body`: starts the core,
// attaches `shmid`, runs `body`, detaches and leaves; returns body's result,
// or kScenarioSetupFailed when the start or the attach failed.
inline constexpr int kScenarioSetupFailed = 90;
int scenario(int shmid, const std::function<int(const Attached &)> &body);

// Forks a checked child (fork_prepare/child/parent as a front end does);
// the child runs `body`, leaves through process_exit and exits with its
// result, or with 66 when it took part in a reported race and body said 0.
pid_t spawn(const std::function<int()> &body);
// Waits for `pid` and makes the waitpid edge; returns its exit status.
int reap(pid_t pid);

// V and P on semaphore `num` of set `semid`, without any happens-before
// (the core is not told): orders events in real time only.
void post(int semid, int num, int count = 1);
void wait_for(int semid, int num, int count = 1);

__attribute__((noinline)) uintptr_t caller_pc();

}  // namespace shmcheck::testing

// One access from this source line (its own pc, so reports can name it).
#define SHMCHECK_ACCESS(seg, offset, size, type)                                          \
  do {                                                                                   \
    uintptr_t shmcheck_pcs_[2] = {::shmcheck::testing::caller_pc(),                      \
                                  reinterpret_cast<uintptr_t>(__builtin_return_address(0))}; \
    ::shmcheck::core::access(::shmcheck::core::current_thread(), (seg), (offset), (size),  \
                             (type), ::shmcheck::core::kSeqCst,                           \
                             ::shmcheck::core::StackTrace{shmcheck_pcs_, 2});            \
  } while (0)

#define SHMCHECK_ACCESS_ORDER(seg, offset, size, type, order)                             \
  do {                                                                                   \
    uintptr_t shmcheck_pcs_[1] = {::shmcheck::testing::caller_pc()};                      \
    ::shmcheck::core::access(::shmcheck::core::current_thread(), (seg), (offset), (size),  \
                             (type), (order), ::shmcheck::core::StackTrace{shmcheck_pcs_, 1}); \
  } while (0)

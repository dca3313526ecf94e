// Processes that exec: after fork, and through posix_spawn. The new image
// starts from the clock its creator had, so initialise-then-spawn is clean,
// while a process started with no edge at all races.
#include <gtest/gtest.h>

#include <spawn.h>
#include <string>

#include <sys/shm.h>
#include <unistd.h>

#include "session.h"

extern char **environ;

namespace shmcheck::testing {
namespace {

using core::AccessType;

constexpr int kFailed = 90;

class ExecEdges : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_TRUE(session.leftovers().empty()); }
  Session session;
};

std::vector<std::string> worker_args(int shmid, const char *op) {
  return {SHMCHECK_CORE_WORKER, std::to_string(shmid), op, "0"};
}

pid_t spawn_worker(int shmid, const char *op) {
  std::vector<std::string> args = worker_args(shmid, op);
  std::vector<char *> argv;
  for (std::string &a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return -1;
  return pid;
}

// The root writes, then starts a worker that reads the same bytes.
int write_then_start_reader(int shmid, const std::function<pid_t()> &start) {
  if (!core::process_start()) return kFailed;
  Attached seg = attach(shmid);
  SHMCHECK_ACCESS(seg.ref, 0, 4, AccessType::Write);
  pid_t pid = start();
  int rc = pid > 0 ? reap(pid) : kFailed;
  shmdt(seg.address);
  core::segment_detached(seg.ref);
  core::process_exit();
  return rc;
}

TEST_F(ExecEdges, ExecAfterForkKeepsTheForkEdge) {
  int shmid = session.make_segment(64);
  int status = session.run([&] {
    return write_then_start_reader(shmid, [&] {
      core::fork_prepare();
      pid_t pid = fork();
      if (pid == 0) {
        core::fork_child();
        std::vector<std::string> args = worker_args(shmid, "read");
        std::vector<char *> argv;
        for (std::string &a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
      }
      core::fork_parent(pid);
      return pid;
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs() << session.errors();
}

TEST_F(ExecEdges, PosixSpawnedProcessStartsFromItsParentsClock) {
  int shmid = session.make_segment(64);
  int status = session.run([&] {
    return write_then_start_reader(shmid, [&] {
      core::fork_prepare();
      pid_t pid = spawn_worker(shmid, "read");
      core::fork_parent(pid);
      return pid;
    });
  });
  EXPECT_EQ(status, 0);
  EXPECT_EQ(session.report_count(), 0) << session.logs() << session.errors();
}

TEST_F(ExecEdges, ProcessStartedWithoutAnEdgeRaces) {
  int shmid = session.make_segment(64);
  int status = session.run([&] {
    return write_then_start_reader(shmid, [&] { return spawn_worker(shmid, "read"); });
  });
  EXPECT_EQ(status, 66);  // the worker took part in the reported race
  EXPECT_EQ(session.report_count(), 1) << session.logs() << session.errors();
}

}  // namespace
}  // namespace shmcheck::testing

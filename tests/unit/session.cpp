#include "session.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <dirent.h>
#include <fcntl.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

namespace shmcheck::testing {
namespace {

constexpr int kRunTimeoutSeconds = 240;
std::atomic<int> g_counter{0};

std::string read_file(const std::string &path) {
  std::string text;
  FILE *f = fopen(path.c_str(), "r");
  if (f == nullptr) return text;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, f)) > 0) text.append(buffer, n);
  fclose(f);
  return text;
}

void remove_tree(const std::string &dir) {
  DIR *d = opendir(dir.c_str());
  if (d == nullptr) return;
  while (struct dirent *e = readdir(d)) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    unlink((dir + "/" + e->d_name).c_str());
  }
  closedir(d);
  rmdir(dir.c_str());
}

}  // namespace

Session::Session() {
  name_ = "ut" + std::to_string(getpid()) + "-" + std::to_string(g_counter++);
  char templ[] = "/tmp/shmcheck-unit-XXXXXX";
  char *made = mkdtemp(templ);
  dir_ = made != nullptr ? made : "/tmp";
}

Session::~Session() {
  for (int id : segments_) shmctl(id, IPC_RMID, nullptr);
  for (int id : semaphores_) semctl(id, 0, IPC_RMID);
  // Whatever a failed scenario left behind.
  for (const std::string &left : leftovers()) unlink(("/dev/shm/" + left).c_str());
  if (dir_ != "/tmp") remove_tree(dir_);
}

std::string Session::options(const std::string &extra) const {
  std::string text = "session=" + name_ + ":log_path=" + dir_ + "/log";
  if (!extra.empty()) text += ":" + extra;
  return text;
}

int Session::make_segment(size_t size) {
  int id = shmget(IPC_PRIVATE, size, IPC_CREAT | 0600);
  if (id >= 0) segments_.push_back(id);
  return id;
}

int Session::make_semaphores(int count) {
  int id = semget(IPC_PRIVATE, count, IPC_CREAT | 0600);
  if (id >= 0) semaphores_.push_back(id);
  return id;
}

pid_t Session::start(const std::function<int()> &body, const std::string &extra) {
  pid_t pid = fork();
  if (pid == 0) {
    setenv("SHMCHECK_OPTIONS", options(extra).c_str(), 1);
    int err = open((dir_ + "/stderr").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (err >= 0) dup2(err, 2);
    alarm(kRunTimeoutSeconds);  // a hang fails the test instead of the suite
    _exit(body());
  }
  return pid;
}

int Session::finish(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

int Session::run(const std::function<int()> &body, const std::string &extra) {
  return finish(start(body, extra));
}

std::string Session::errors() const { return read_file(dir_ + "/stderr"); }

std::string Session::logs() const {
  std::string all;
  DIR *d = opendir(dir_.c_str());
  if (d == nullptr) return all;
  while (struct dirent *e = readdir(d))
    if (strncmp(e->d_name, "log.", 4) == 0) all += read_file(dir_ + "/" + e->d_name);
  closedir(d);
  return all;
}

int Session::report_count() const {
  std::string text = logs();
  int count = 0;
  for (size_t pos = 0; (pos = text.find("WARNING: shmcheck: data race", pos)) != std::string::npos;
       ++pos)
    ++count;
  return count;
}

std::vector<std::string> Session::leftovers() const {
  std::vector<std::string> found;
  std::string prefix = "shmcheck-" + std::to_string(geteuid()) + "-" + name_;
  DIR *d = opendir("/dev/shm");
  if (d == nullptr) return found;
  while (struct dirent *e = readdir(d)) {
    std::string entry = e->d_name;
    if (entry.compare(0, prefix.size(), prefix) == 0 &&
        (entry.size() == prefix.size() || entry[prefix.size()] == '@'))
      found.push_back(entry);
  }
  closedir(d);
  return found;
}

Attached attach(int shmid) {
  Attached a;
  a.address = shmat(shmid, nullptr, 0);
  if (a.address == reinterpret_cast<void *>(-1)) {
    a.address = nullptr;
    return a;
  }
  struct shmid_ds ds;
  shmctl(shmid, IPC_STAT, &ds);
  a.size = ds.shm_segsz;
  uintptr_t pcs[1] = {caller_pc()};
  core::StackTrace where{pcs, 1};
  a.ref = core::segment_attached(
      core::SegmentIdentity{core::SegmentKind::SysV, static_cast<uint64_t>(shmid),
                            static_cast<uint64_t>(ds.shm_perm.__key)},
      a.size, &where);
  return a;
}

int scenario(int shmid, const std::function<int(const Attached &)> &body) {
  if (!core::process_start()) return kScenarioSetupFailed;
  Attached seg = attach(shmid);
  if (seg.ref == core::kNoSegment) return kScenarioSetupFailed;
  int rc = body(seg);
  shmdt(seg.address);
  core::segment_detached(seg.ref);
  core::process_exit();
  return rc;
}

pid_t spawn(const std::function<int()> &body) {
  core::fork_prepare();
  pid_t pid = fork();
  if (pid == 0) {
    core::fork_child();
    int rc = body();
    core::process_exit();
    if (rc == 0 && core::reported_race()) rc = 66;
    _exit(rc);
  }
  core::fork_parent(pid);
  return pid;
}

int reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  core::process_reaped(core::current_thread(), pid);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

void post(int semid, int num, int count) {
  struct sembuf op = {static_cast<unsigned short>(num), static_cast<short>(count), 0};
  while (semop(semid, &op, 1) < 0 && errno == EINTR) {
  }
}

void wait_for(int semid, int num, int count) {
  struct sembuf op = {static_cast<unsigned short>(num), static_cast<short>(-count), 0};
  while (semop(semid, &op, 1) < 0 && errno == EINTR) {
  }
}

uintptr_t caller_pc() { return reinterpret_cast<uintptr_t>(__builtin_return_address(0)); }

}  // namespace shmcheck::testing

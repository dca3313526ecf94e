#include "WorkerProcess.h"

#include "clang-tidy/tool/ClangTidyMain.h"
#include "llvm/Support/Errno.h"
#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <map>
#include <sys/wait.h>
#include <unistd.h>

namespace shmtidy {
namespace {

void redirect(int Fd, const char *Path, int Flags) {
  const int Opened = open(Path, Flags | O_CLOEXEC, 0600);
  if (Opened < 0)
    return;
  dup2(Opened, Fd);
  close(Opened);
}

// Runs in the child: never returns to the driver's code.
[[noreturn]] void runClangTidyInChild(const WorkerJob &Job) {
  redirect(STDIN_FILENO, "/dev/null", O_RDONLY);
  if (!Job.KeepStdout)
    redirect(STDOUT_FILENO, "/dev/null", O_WRONLY);
  redirect(STDERR_FILENO, Job.StderrPath.c_str(),
           O_WRONLY | O_CREAT | O_TRUNC);
  if (Job.Prepare)
    Job.Prepare();
  std::vector<const char *> Argv;
  Argv.reserve(Job.Args.size() + 1);
  for (const std::string &Arg : Job.Args)
    Argv.push_back(Arg.c_str());
  Argv.push_back(nullptr);
  const int Status = clang::tidy::clangTidyMain(
      static_cast<int>(Job.Args.size()), Argv.data());
  llvm::outs().flush();
  llvm::errs().flush();
  // _exit: the driver's atexit handlers and static destructors are not this
  // process's to run.
  _exit(Status);
}

WorkerExit decode(int WaitStatus) {
  WorkerExit Exit;
  if (WIFEXITED(WaitStatus))
    Exit.Status = WEXITSTATUS(WaitStatus);
  else if (WIFSIGNALED(WaitStatus))
    Exit.Signal = WTERMSIG(WaitStatus);
  return Exit;
}

} // namespace

llvm::Error runWorkers(llvm::ArrayRef<WorkerJob> Jobs, unsigned Parallelism,
                       llvm::function_ref<bool(size_t, WorkerExit)> OnDone) {
  if (Parallelism == 0)
    Parallelism = 1;
  std::map<pid_t, size_t> Running;
  size_t Next = 0;
  bool Stopping = false;
  llvm::Error ForkError = llvm::Error::success();

  auto stopRunning = [&] {
    Stopping = true;
    for (const auto &Entry : Running)
      kill(Entry.first, SIGTERM);
  };

  while (true) {
    while (!Stopping && Next < Jobs.size() && Running.size() < Parallelism) {
      // Whatever the driver has buffered must not be written twice.
      llvm::outs().flush();
      llvm::errs().flush();
      const pid_t Pid = fork();
      if (Pid == 0)
        runClangTidyInChild(Jobs[Next]);
      if (Pid < 0) {
        const int Errno = errno;
        ForkError = llvm::createStringError(
            std::error_code(Errno, std::generic_category()),
            "cannot start a worker process: %s",
            llvm::sys::StrError(Errno).c_str());
        stopRunning();
        break;
      }
      Running.emplace(Pid, Next++);
    }
    if (Running.empty())
      break;

    int WaitStatus = 0;
    const pid_t Pid = waitpid(-1, &WaitStatus, 0);
    if (Pid < 0) {
      if (errno == EINTR)
        continue;
      break; // no children left to wait for
    }
    auto It = Running.find(Pid);
    if (It == Running.end())
      continue;
    const size_t Index = It->second;
    Running.erase(It);
    if (!Stopping && !OnDone(Index, decode(WaitStatus)))
      stopRunning();
  }
  return ForkError;
}

} // namespace shmtidy

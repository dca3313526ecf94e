#include "process_tree.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include <dirent.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace shmcheck::launcher {
namespace {

constexpr int kForwarded[] = {SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2};

std::vector<char *> c_strings(const std::vector<std::string> &strings) {
  std::vector<char *> out;
  for (const std::string &s : strings) out.push_back(const_cast<char *>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// The launcher's direct children (the program's orphans, once it ended).
std::vector<pid_t> own_children() {
  std::vector<pid_t> children;
  std::string path = "/proc/self/task/" + std::to_string(getpid()) + "/children";
  FILE *f = fopen(path.c_str(), "r");
  if (f == nullptr) return children;
  long pid;
  while (fscanf(f, "%ld", &pid) == 1) children.push_back(static_cast<pid_t>(pid));
  fclose(f);
  return children;
}

void forward(int signal_number, pid_t program, bool program_running) {
  if (program_running) {
    kill(program, signal_number);
    return;
  }
  for (pid_t child : own_children()) kill(child, signal_number);
}

// In the child, between fork and exec: only async-signal-safe calls. The
// program gets the signal mask and dispositions the launcher was started
// with (no handler is installed, so only SIGCHLD's may differ).
[[noreturn]] void exec_program(char *const argv[], char *const envp[], const sigset_t &mask,
                               const struct sigaction &child_action, int error_pipe) {
  sigaction(SIGCHLD, &child_action, nullptr);
  sigprocmask(SIG_SETMASK, &mask, nullptr);
  execvpe(argv[0], argv, envp);
  int saved = errno;
  ssize_t ignored = write(error_pipe, &saved, sizeof saved);
  (void)ignored;
  _exit(saved == ENOENT ? 127 : 126);
}

}  // namespace

int shell_status(int wait_status) {
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  return 1;
}

ProgramOutcome run_process_tree(const std::vector<std::string> &argv,
                                const std::vector<std::string> &environment) {
  ProgramOutcome outcome;
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  // An inherited SIG_IGN would make the kernel reap children unseen.
  struct sigaction default_action {}, child_action {};
  default_action.sa_handler = SIG_DFL;
  sigaction(SIGCHLD, &default_action, &child_action);

  // Signals of interest are taken synchronously with sigwaitinfo: no
  // handler, and no window between checking for a signal and waiting.
  sigset_t waited, original;
  sigemptyset(&waited);
  sigaddset(&waited, SIGCHLD);
  for (int s : kForwarded) sigaddset(&waited, s);
  sigprocmask(SIG_BLOCK, &waited, &original);

  std::vector<char *> args = c_strings(argv);
  std::vector<char *> envp = c_strings(environment);
  int error_pipe[2];
  if (pipe2(error_pipe, O_CLOEXEC) != 0) {
    outcome.exec_errno = errno;
    sigprocmask(SIG_SETMASK, &original, nullptr);
    return outcome;
  }
  pid_t program = fork();
  if (program == 0) {
    close(error_pipe[0]);
    exec_program(args.data(), envp.data(), original, child_action, error_pipe[1]);
  }
  close(error_pipe[1]);
  if (program < 0) {
    outcome.exec_errno = errno;
    close(error_pipe[0]);
    sigprocmask(SIG_SETMASK, &original, nullptr);
    return outcome;
  }
  // The pipe closes at a successful exec; an errno arrives otherwise.
  int exec_errno = 0;
  ssize_t n;
  do {
    n = read(error_pipe[0], &exec_errno, sizeof exec_errno);
  } while (n < 0 && errno == EINTR);
  close(error_pipe[0]);
  if (n == static_cast<ssize_t>(sizeof exec_errno)) outcome.exec_errno = exec_errno;

  bool program_running = true;
  for (;;) {
    // Reap everything that has ended; stop when no child is left.
    bool no_children = false;
    for (;;) {
      int status = 0;
      pid_t pid = waitpid(-1, &status, WNOHANG);
      if (pid < 0 && errno == EINTR) continue;
      if (pid < 0) {
        no_children = true;
        break;
      }
      if (pid == 0) break;
      if (pid == program) {
        outcome.wait_status = status;
        program_running = false;
      }
    }
    if (no_children) break;
    siginfo_t info;
    int s = sigwaitinfo(&waited, &info);
    if (s < 0 || s == SIGCHLD) continue;
    bool from_terminal = (s == SIGINT || s == SIGQUIT) && info.si_code == SI_KERNEL;
    if (!from_terminal) forward(s, program, program_running);
  }
  sigprocmask(SIG_SETMASK, &original, nullptr);
  return outcome;
}

}  // namespace shmcheck::launcher

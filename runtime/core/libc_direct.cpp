#include "libc_direct.h"

#include <dlfcn.h>
#include <sys/wait.h>

namespace shmcheck::core::libc {
namespace {

using MutexFn = int (*)(pthread_mutex_t *);
using SigmaskFn = int (*)(int, const sigset_t *, sigset_t *);
using Wait4Fn = pid_t (*)(pid_t, int *, int, struct rusage *);
using SpawnFn = int (*)(pid_t *, const char *, const posix_spawn_file_actions_t *,
                        const posix_spawnattr_t *, char *const[], char *const[]);

MutexFn g_lock = pthread_mutex_lock;
MutexFn g_trylock = pthread_mutex_trylock;
MutexFn g_unlock = pthread_mutex_unlock;
SigmaskFn g_sigmask = pthread_sigmask;
Wait4Fn g_wait4 = ::wait4;
SpawnFn g_spawn = posix_spawn;
bool g_resolved = false;

template <typename Fn>
void next_definition(Fn &slot, const char *name) {
  if (void *found = dlsym(RTLD_NEXT, name)) slot = reinterpret_cast<Fn>(found);
}

}  // namespace

void resolve() {
  if (g_resolved) return;
  next_definition(g_lock, "pthread_mutex_lock");
  next_definition(g_trylock, "pthread_mutex_trylock");
  next_definition(g_unlock, "pthread_mutex_unlock");
  next_definition(g_sigmask, "pthread_sigmask");
  next_definition(g_wait4, "wait4");
  next_definition(g_spawn, "posix_spawn");
  g_resolved = true;
}

int mutex_lock(pthread_mutex_t *mutex) { return g_lock(mutex); }
int mutex_trylock(pthread_mutex_t *mutex) { return g_trylock(mutex); }
int mutex_unlock(pthread_mutex_t *mutex) { return g_unlock(mutex); }
int signal_mask(int how, const sigset_t *set, sigset_t *old) { return g_sigmask(how, set, old); }
pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage) {
  return g_wait4(pid, status, options, usage);
}
int spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
          const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  return g_spawn(pid, path, actions, attr, argv, envp);
}

}  // namespace shmcheck::core::libc

// The libc functions the core calls, bypassing symbol interposition.
//
// libshmcheck.so exports interceptors for pthread_mutex_lock, pthread_sigmask,
// wait4 and others, and calls from inside the library would bind to those
// interceptors: the runtime's own locks would then look like application
// synchronization (adding edges that hide races), and the interceptors would
// run inside the runtime. These pointers go straight to the next definition
// (libc). Until resolve() ran, and if a lookup fails, the plain symbols are
// used.
#pragma once

#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/types.h>

namespace shmcheck::core::libc {

// Normal context, once, before the runtime's locks are used (process_start).
void resolve();

int mutex_lock(pthread_mutex_t *mutex);
int mutex_trylock(pthread_mutex_t *mutex);
int mutex_unlock(pthread_mutex_t *mutex);
int signal_mask(int how, const sigset_t *set, sigset_t *old);
pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage);
int spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions,
          const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);

}  // namespace shmcheck::core::libc
